/**
 * How a training execution ends well: REJECTED (the gate said no), DEPLOYED, or BUSY (the gate
 * passed but another execution kept the deployment lock). Each builds its output from the run and
 * the gate's decision, publishes it to the topic and succeeds with it.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { BusyOutput, DeployedOutput, Fields, TrainingOutcome } from './contracts';
import { LOCK_HOLDER_PATH } from './deploy-lock';
import { DataPaths, ExecutionStatus, TrainingStates as S } from './pipeline-names';
import { jsonPaths, publishOutput } from './task-helpers';

const { prepared, gate, report, request, deployed } = DataPaths;

/** What the outcomes need. */
export interface TrainingOutcomesProps {
  /** Validated configuration (project name, polling for the BUSY reason). */
  readonly config: PipelineConfig;
  /** Topic each outcome is published to. */
  readonly topic: sns.ITopic;
  /** Where a failed publish goes. */
  readonly failure: sfn.IChainable;
}

/** The three outcomes' first states. */
export function buildTrainingOutcomes(
  scope: Construct,
  props: TrainingOutcomesProps,
): { rejected: sfn.IChainable; deployed: sfn.IChainable; busy: sfn.IChainable } {
  const { config, topic, failure } = props;
  const subject = (what: string) => `${config.projectName} training pipeline: ${what}`;
  // Every outcome outputs the gate's decision and the run.
  const { reason, ...run }: Fields<TrainingOutcome, string> = {
    reason: gate('reason'),
    metricName: gate('metricName'),
    value: gate('value'),
    baselineMetricName: gate('baselineMetricName'),
    baselineValue: gate('baselineValue'),
    threshold: gate('threshold'),
    metrics: gate('metrics'),
    trainingJobName: '$.run.trainingJobName',
    modelDataUrl: '$.training.ModelArtifacts.S3ModelArtifacts',
    reportUri: report('reportUri'),
    endpointName: '$.run.endpointName',
    stats: prepared('stats'),
  };
  const rejected = publishOutput(
    scope,
    { build: S.BuildRejectedOutput, notify: S.NotifyRejected, end: S.ModelRejected },
    { status: ExecutionStatus.Rejected, ...jsonPaths<TrainingOutcome>({ reason, ...run }) },
    topic,
    subject('model rejected'),
    failure,
  );
  const deployedOutput = publishOutput(
    scope,
    { build: S.BuildDeployedOutput, notify: S.NotifySuccess, end: S.Deployed },
    {
      status: ExecutionStatus.Deployed,
      ...jsonPaths<Omit<DeployedOutput, 'status'>>({
        reason,
        ...run,
        modelName: request('modelName'),
        endpointConfigName: request('endpointConfigName'),
        batchInputUri: deployed('batchInputUri'),
      }),
    },
    topic,
    subject('model deployed'),
    failure,
  );
  const busy = publishOutput(
    scope,
    { build: S.BuildBusyOutput, notify: S.NotifyBusy, end: S.DeployBusy },
    {
      status: ExecutionStatus.Busy,
      ...jsonPaths<Omit<BusyOutput, 'status' | 'reason'>>({ ...run, lockHolder: LOCK_HOLDER_PATH }),
      'reason.$': `States.Format('the model passed the gate, but execution {} was deploying for the whole wait (${config.deployMaxPolls} polls every ${config.deployPollIntervalSeconds} s): this model was not deployed', ${LOCK_HOLDER_PATH})`,
    },
    topic,
    subject('model not deployed (another deployment in progress)'),
    failure,
  );
  return { rejected, deployed: deployedOutput, busy };
}
