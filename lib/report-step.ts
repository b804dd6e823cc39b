/**
 * The training pipeline's PublishReport task: after training, the publish-report Lambda copies the
 * run's report.html out of the training job's output archive to `runs/<execution>/report.html` and
 * to the latest-report key, and its result (kept under `$.report`) gives the report's URI to the
 * execution output, the notification and the model registry. A run without a report goes on.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Fields, PublishReportEvent, PublishReportResult } from './contracts';
import { ReportKeys, TrainingStates as S } from './pipeline-names';
import { guard, payloadFields } from './task-helpers';

/** What the report step needs. */
export interface ReportStepProps {
  /** The publish-report Lambda. */
  readonly reportFunction: lambda.IFunction;
  /** Bucket of the run artifacts (the latest report is kept in it too). */
  readonly artifactsBucket: s3.IBucket;
  /** Where an unexpected failure of the task goes. */
  readonly failure: sfn.IChainable;
}

/** The PublishReport task (reads `$.training`, `$.tuning` and `$.run.reportUri`, writes `$.report`). */
export function buildReportStep(scope: Construct, props: ReportStepProps): tasks.LambdaInvoke {
  return guard(
    new tasks.LambdaInvoke(scope, S.PublishReport, {
      lambdaFunction: props.reportFunction,
      payload: sfn.TaskInput.fromObject({
        modelDataUrl: sfn.JsonPath.stringAt('$.training.ModelArtifacts.S3ModelArtifacts'),
        reportUri: sfn.JsonPath.stringAt('$.run.reportUri'),
        latestReportUri: latestReportUri(props.artifactsBucket),
        tuning: sfn.JsonPath.objectAt('$.tuning'),
      } satisfies Fields<PublishReportEvent, unknown>),
      retryOnServiceExceptions: false,
      resultSelector: payloadFields<PublishReportResult>({ reportUri: true, latestReportUri: true, reason: true }),
      resultPath: '$.report',
    }),
    props.failure,
  );
}

/** s3:// URI of the latest run's report. */
export function latestReportUri(artifactsBucket: s3.IBucket): string {
  return `s3://${artifactsBucket.bucketName}/${ReportKeys.latest}`;
}
