/**
 * How a training execution ends well. A training run: REJECTED (the gate said no), PENDING_APPROVAL
 * (it passed and waits for a person), DEPLOYED, or BUSY (another execution kept the deployment
 * lock). A deploy-only execution: DEPLOYED, BUSY, or UNCHANGED (the version was already live).
 * Each builds its output from the execution's data, publishes it to the topic and succeeds with it;
 * the deployment's DEPLOYED and BUSY tell the two kinds apart by the gate's decision in the data.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { BusyOutput, DeployedOutput, DeployVersionOutput, Fields, TrainingOutcome } from './contracts';
import { LOCK_HOLDER_PATH } from './deploy-lock';
import { DataPaths, ExecutionStatus, TrainingStates as S } from './pipeline-names';
import { jsonPaths, publishOutput } from './task-helpers';

const { prepared, gate, report, request, registered } = DataPaths;

/** What the outcomes need. */
export interface TrainingOutcomesProps {
  /** Validated configuration (project and endpoint names, polling for the BUSY reason). */
  readonly config: PipelineConfig;
  /** Topic each outcome is published to. */
  readonly topic: sns.ITopic;
  /** Where a failed publish goes. */
  readonly failure: sfn.IChainable;
}

/** The outcomes' first states. */
export interface TrainingOutcomes {
  /** After CheckApproval. */
  readonly rejected: sfn.IChainable;
  readonly pending: sfn.IChainable;
  /** After the deployment steps (either entry). */
  readonly deployed: sfn.IChainable;
  readonly busy: sfn.IChainable;
  readonly unchanged: sfn.IChainable;
}

export function buildTrainingOutcomes(scope: Construct, props: TrainingOutcomesProps): TrainingOutcomes {
  const { config, topic, failure } = props;
  const subject = (what: string) => `${config.projectName} training pipeline: ${what}`;
  const waited = `(${config.deployMaxPolls} polls every ${config.deployPollIntervalSeconds} s)`;
  // Every outcome of a training run outputs the gate's decision, the run and its registry entry.
  const { reason, ...run }: Fields<TrainingOutcome, string> = {
    reason: gate('reason'),
    metricName: gate('metricName'),
    value: gate('value'),
    baselineMetricName: gate('baselineMetricName'),
    baselineValue: gate('baselineValue'),
    threshold: gate('threshold'),
    championMetricName: gate('championMetricName'),
    championValue: gate('championValue'),
    championVersion: gate('championVersion'),
    championTolerance: gate('championTolerance'),
    metrics: gate('metrics'),
    // The run's model: its training job, or a tuned run's best trial.
    trainingJobName: '$.training.TrainingJobName',
    tuning: '$.tuning',
    modelDataUrl: '$.training.ModelArtifacts.S3ModelArtifacts',
    reportUri: report('reportUri'),
    endpointName: '$.run.endpointName',
    stats: prepared('stats'),
    modelPackageArn: registered('modelPackageArn'),
    modelPackageVersion: registered('modelPackageVersion'),
    modelApprovalStatus: registered('modelApprovalStatus'),
  };
  const rejected = publishOutput(
    scope,
    { build: S.BuildRejectedOutput, notify: S.NotifyRejected, end: S.ModelRejected },
    { status: ExecutionStatus.Rejected, ...jsonPaths<TrainingOutcome>({ reason, ...run }) },
    topic,
    subject('model rejected'),
    failure,
  );
  const pending = publishOutput(
    scope,
    { build: S.BuildPendingOutput, notify: S.NotifyPending, end: S.AwaitingApproval },
    {
      status: ExecutionStatus.PendingApproval,
      ...jsonPaths<Omit<TrainingOutcome, 'reason'>>(run),
      'reason.$': `States.Format('{}. Version {} waits for approval: approving it (npm run pipeline -- approve {}, or in SageMaker Studio) deploys it; rejecting it changes nothing', ${gate('reason')}, ${registered('modelPackageVersion')}, ${registered('modelPackageVersion')})`,
    },
    topic,
    subject('model awaits approval'),
    failure,
  );
  const trainingDeployed = publishOutput(
    scope,
    { build: S.BuildDeployedOutput, notify: S.NotifySuccess, end: S.Deployed },
    {
      status: ExecutionStatus.Deployed,
      ...jsonPaths<Omit<DeployedOutput, 'status'>>({
        reason,
        ...run,
        modelName: request('modelName'),
        endpointConfigName: request('endpointConfigName'),
        batchInputUri: request('batchInputUri'),
      }),
    },
    topic,
    subject('model deployed'),
    failure,
  );
  const trainingBusy = publishOutput(
    scope,
    { build: S.BuildBusyOutput, notify: S.NotifyBusy, end: S.DeployBusy },
    {
      status: ExecutionStatus.Busy,
      ...jsonPaths<Omit<BusyOutput, 'status' | 'reason'>>({ ...run, lockHolder: LOCK_HOLDER_PATH }),
      'reason.$': `States.Format('the model passed the gate, but execution {} was deploying for the whole wait ${waited}: this model was not deployed', ${LOCK_HOLDER_PATH})`,
    },
    topic,
    subject('model not deployed (another deployment in progress)'),
    failure,
  );

  // A deploy-only execution: the version it was asked to deploy.
  const version = (status: DeployVersionOutput['status'], reasonFormat: string, ...args: string[]) => ({
    status,
    ...jsonPaths<Pick<DeployVersionOutput, 'modelPackageArn' | 'modelPackageVersion'>>({
      modelPackageArn: request('modelPackageArn'),
      modelPackageVersion: request('modelPackageVersion'),
    }),
    endpointName: config.endpointName,
    'reason.$': `States.Format('${reasonFormat}', ${[request('modelPackageVersion'), ...args].join(', ')})`,
  });
  const versionDeployed = publishOutput(
    scope,
    { build: S.BuildVersionDeployedOutput, notify: S.NotifyVersionDeployed, end: S.VersionDeployed },
    version(ExecutionStatus.Deployed, `version {} is live on endpoint ${config.endpointName}`),
    topic,
    subject('model version deployed'),
    failure,
  );
  const versionBusy = publishOutput(
    scope,
    { build: S.BuildVersionBusyOutput, notify: S.NotifyVersionBusy, end: S.VersionBusy },
    version(
      ExecutionStatus.Busy,
      `version {} was not deployed: execution {} was deploying for the whole wait ${waited}`,
      LOCK_HOLDER_PATH,
    ),
    topic,
    subject('model version not deployed (another deployment in progress)'),
    failure,
  );
  const unchanged = publishOutput(
    scope,
    { build: S.BuildUnchangedOutput, notify: S.NotifyUnchanged, end: S.VersionUnchanged },
    version(ExecutionStatus.Unchanged, `version {} is already live on endpoint ${config.endpointName}: nothing was changed`),
    topic,
    subject('model version already live'),
    failure,
  );

  const trainingRun = sfn.Condition.isPresent('$.gate');
  return {
    rejected,
    pending,
    deployed: new sfn.Choice(scope, S.DeployedOutcome).when(trainingRun, trainingDeployed).otherwise(versionDeployed),
    busy: new sfn.Choice(scope, S.BusyOutcome).when(trainingRun, trainingBusy).otherwise(versionBusy),
    unchanged,
  };
}
