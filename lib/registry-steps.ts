/**
 * Every trained model goes into the Model Registry, whatever the gate decided: its artifacts are
 * copied to registry/<runId>/ (which does not expire: the model package names them), then the
 * register-model Lambda creates a version of the project's model package group with the gate's
 * decision as its approval status. CheckApproval then routes the run: Approved versions are
 * deployed, PendingManualApproval ones wait for a person (approvalMode manual), Rejected ones end.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { Fields, PromoteRequest, RegisteredModel, RegisterModelRequest, RegistryArtifacts } from './contracts';
import { ApprovalStatus, ArtifactPrefixes, DataPaths, TrainingStates as S } from './pipeline-names';
import { guard, payloadFields } from './task-helpers';

const { prepared, report, registered } = DataPaths;

/** What the registry steps need. */
export interface RegistryStepsProps {
  /** Validated configuration (approval mode, instance types). */
  readonly config: PipelineConfig;
  /** Bucket whose registry/ prefix receives the copies. */
  readonly artifactsBucket: s3.IBucket;
  /** Copies a run's artifacts to registry/<runId>/ (lambda/promote-artifacts). */
  readonly promoteFunction: lambda.IFunction;
  /** Registers the model (lambda/register-model). */
  readonly registerFunction: lambda.IFunction;
  /** The model package group's name. */
  readonly modelPackageGroupName: string;
  /** The serving image's URI (the versions' inference specification). */
  readonly imageUri: string;
  /** Where errors go (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** Where each approval status goes. */
  readonly approved: sfn.IChainable;
  readonly pending: sfn.IChainable;
  readonly rejected: sfn.IChainable;
}

/** PromoteArtifacts -> RegisterModel -> CheckApproval; returns the first state. */
export function buildRegistrySteps(scope: Construct, props: RegistryStepsProps): sfn.IChainable {
  const { config, failure } = props;
  const promote = guard(
    new tasks.LambdaInvoke(scope, S.PromoteArtifacts, {
      lambdaFunction: props.promoteFunction,
      payload: sfn.TaskInput.fromObject({
        modelDataUrl: sfn.JsonPath.stringAt('$.training.ModelArtifacts.S3ModelArtifacts'),
        batchInputUri: sfn.JsonPath.stringAt(prepared('batchInputUri')),
        catalogUri: sfn.JsonPath.stringAt(prepared('catalogUri')),
        reportUri: sfn.JsonPath.objectAt(report('reportUri')),
        destinationUri: sfn.JsonPath.format(
          `s3://${props.artifactsBucket.bucketName}/${ArtifactPrefixes.registry}{}/`,
          sfn.JsonPath.stringAt('$.run.id'),
        ),
      } satisfies Fields<PromoteRequest, unknown>),
      retryOnServiceExceptions: false,
      resultSelector: payloadFields<RegistryArtifacts>({
        prefix: true,
        modelDataUrl: true,
        batchInputUri: true,
        catalogUri: true,
        reportUri: true,
      }),
      resultPath: '$.artifacts',
    }),
    failure,
  );

  const register = guard(
    new tasks.LambdaInvoke(scope, S.RegisterModel, {
      lambdaFunction: props.registerFunction,
      payload: sfn.TaskInput.fromObject({
        modelPackageGroupName: props.modelPackageGroupName,
        approvalMode: config.approvalMode,
        gate: sfn.JsonPath.objectAt('$.gate'),
        runId: sfn.JsonPath.stringAt('$.run.id'),
        executionArn: sfn.JsonPath.executionId,
        trainingJobName: sfn.JsonPath.stringAt('$.training.TrainingJobName'),
        tuning: sfn.JsonPath.objectAt('$.tuning'),
        image: props.imageUri,
        artifacts: sfn.JsonPath.objectAt('$.artifacts'),
        rawDataUri: sfn.JsonPath.stringAt('$.args.rawDataUri'),
        dataUri: sfn.JsonPath.stringAt('$.run.dataUri'),
        stats: sfn.JsonPath.objectAt(prepared('stats')),
        realtimeInstanceType: config.endpointInstanceType,
        transformInstanceType: config.transformInstanceType,
      } satisfies Fields<RegisterModelRequest, unknown>),
      retryOnServiceExceptions: false,
      resultSelector: payloadFields<RegisteredModel>({
        modelPackageArn: true,
        modelPackageVersion: true,
        modelApprovalStatus: true,
        qualityUri: true,
      }),
      resultPath: '$.registered',
    }),
    failure,
  );

  const status = registered('modelApprovalStatus');
  promote
    .next(register)
    .next(
      new sfn.Choice(scope, S.CheckApproval)
        .when(sfn.Condition.stringEquals(status, ApprovalStatus.Approved), props.approved)
        .when(sfn.Condition.stringEquals(status, ApprovalStatus.PendingManualApproval), props.pending)
        .otherwise(props.rejected),
    );
  return promote;
}
