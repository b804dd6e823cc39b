/**
 * The one place that names what the state machines expose: state names, error names, output
 * fields, resource name prefixes and CloudFormation output keys. The local runner (local/) binds
 * its stand-ins to Task states by these names and reads executions' outputs by these fields.
 */
import { REPORT_FILE } from '../container/src/paths';
import { BASELINE_PREFIX, CHAMPION_PREFIX, GATE_METRIC, metricName } from '../container/src/metrics/definitions';
import type {
  DeploymentRecord,
  DeployRequest,
  GateDecision,
  PrepareDataResult,
  PublishReportResult,
  RegisteredModel,
  RegistryArtifacts,
} from './contracts';

/** The first states of both state machines: the execution input checked before anything else. */
export const InputStates = {
  ValidateInput: 'ValidateInput',
  InputCheckFailed: 'InputCheckFailed',
} as const;

/** State names of the training pipeline state machine. */
export const TrainingStates = {
  ...InputStates,
  DeployOnly: 'DeployOnly',
  // The deploy-only entry (`deployModelPackage`: a rollback or an approval)
  NameDeployment: 'NameDeployment',
  DescribeModelPackage: 'DescribeModelPackage',
  CheckModelPackage: 'CheckModelPackage',
  ModelPackageNotDeployable: 'ModelPackageNotDeployable',
  BuildPackageDeployRequest: 'BuildPackageDeployRequest',
  // A training run
  ApplyDefaults: 'ApplyDefaults',
  MergeInput: 'MergeInput',
  NameRun: 'NameRun',
  PrepareData: 'PrepareData',
  CheckPrepareEngine: 'CheckPrepareEngine',
  KeepAthenaPlan: 'KeepAthenaPlan',
  RunAthenaQueries: 'RunAthenaQueries',
  RunAthenaQuery: 'RunAthenaQuery',
  PublishAthenaResults: 'PublishAthenaResults',
  DropAthenaDatabase: 'DropAthenaDatabase',
  DropAthenaDatabaseAfterFailure: 'DropAthenaDatabaseAfterFailure',
  ReadLiveModel: 'ReadLiveModel',
  LiveModelRegistered: 'LiveModelRegistered',
  WithChampion: 'WithChampion',
  WithoutChampion: 'WithoutChampion',
  TrainModel: 'TrainModel',
  PublishReport: 'PublishReport',
  EvaluateGate: 'EvaluateGate',
  // The registry (registry-steps.ts)
  PromoteArtifacts: 'PromoteArtifacts',
  RegisterModel: 'RegisterModel',
  CheckApproval: 'CheckApproval',
  BuildRejectedOutput: 'BuildRejectedOutput',
  NotifyRejected: 'NotifyRejected',
  ModelRejected: 'ModelRejected',
  BuildPendingOutput: 'BuildPendingOutput',
  NotifyPending: 'NotifyPending',
  AwaitingApproval: 'AwaitingApproval',
  BuildDeployRequest: 'BuildDeployRequest',
  // The deployment lock (deploy-lock.ts)
  InitDeployLock: 'InitDeployLock',
  AcquireDeployLock: 'AcquireDeployLock',
  ReadDeployLock: 'ReadDeployLock',
  DeployLockHeld: 'DeployLockHeld',
  CheckLockHolder: 'CheckLockHolder',
  LockHolderRunning: 'LockHolderRunning',
  TakeOverDeployLock: 'TakeOverDeployLock',
  CountLockWait: 'CountLockWait',
  LockWaitLeft: 'LockWaitLeft',
  WaitForDeployLock: 'WaitForDeployLock',
  BusyOutcome: 'BusyOutcome',
  BuildBusyOutput: 'BuildBusyOutput',
  NotifyBusy: 'NotifyBusy',
  DeployBusy: 'DeployBusy',
  BuildVersionBusyOutput: 'BuildVersionBusyOutput',
  NotifyVersionBusy: 'NotifyVersionBusy',
  VersionBusy: 'VersionBusy',
  ReleaseDeployLock: 'ReleaseDeployLock',
  ReleaseDeployLockOnFailure: 'ReleaseDeployLockOnFailure',
  // The deployment (deploy-steps.ts, endpoint-rollout.ts)
  ReadLiveRecord: 'ReadLiveRecord',
  AlreadyLive: 'AlreadyLive',
  ReleaseDeployLockUnchanged: 'ReleaseDeployLockUnchanged',
  BuildUnchangedOutput: 'BuildUnchangedOutput',
  NotifyUnchanged: 'NotifyUnchanged',
  VersionUnchanged: 'VersionUnchanged',
  CreateModel: 'CreateModel',
  CreateEndpointConfig: 'CreateEndpointConfig',
  InitRollout: 'InitRollout',
  DescribeEndpoint: 'DescribeEndpoint',
  DecideEndpointAction: 'DecideEndpointAction',
  ClassifyEndpointError: 'ClassifyEndpointError',
  CreateEndpoint: 'CreateEndpoint',
  UpdateEndpoint: 'UpdateEndpoint',
  DeleteFailedEndpoint: 'DeleteFailedEndpoint',
  RolloutRequested: 'RolloutRequested',
  CountPoll: 'CountPoll',
  PollBudgetLeft: 'PollBudgetLeft',
  WaitForEndpoint: 'WaitForEndpoint',
  DeploymentRolledBack: 'DeploymentRolledBack',
  DeploymentFailed: 'DeploymentFailed',
  EndpointDisappeared: 'EndpointDisappeared',
  EndpointNeedsAttention: 'EndpointNeedsAttention',
  DeploymentTimedOut: 'DeploymentTimedOut',
  EndpointNotReady: 'EndpointNotReady',
  EndpointCallFailed: 'EndpointCallFailed',
  BuildRecord: 'BuildRecord',
  RecordDeployment: 'RecordDeployment',
  PruneDeployments: 'PruneDeployments',
  DeployedOutcome: 'DeployedOutcome',
  BuildDeployedOutput: 'BuildDeployedOutput',
  NotifySuccess: 'NotifySuccess',
  Deployed: 'Deployed',
  BuildVersionDeployedOutput: 'BuildVersionDeployedOutput',
  NotifyVersionDeployed: 'NotifyVersionDeployed',
  VersionDeployed: 'VersionDeployed',
  NotifyFailure: 'NotifyFailure',
  PipelineFailed: 'PipelineFailed',
} as const;

/** State names of the batch recommendations state machine. */
export const BatchStates = {
  ...InputStates,
  PrepareBatchRun: 'PrepareBatchRun',
  ReadDeployment: 'ReadDeployment',
  HasDeployedModel: 'HasDeployedModel',
  NoDeployedModel: 'NoDeployedModel',
  BatchSkipped: 'BatchSkipped',
  NameBatchRun: 'NameBatchRun',
  NameBatchOutput: 'NameBatchOutput',
  RunBatchTransform: 'RunBatchTransform',
  BuildBatchOutput: 'BuildBatchOutput',
  NotifyBatchSuccess: 'NotifyBatchSuccess',
  BatchComplete: 'BatchComplete',
  NotifyBatchFailure: 'NotifyBatchFailure',
  BatchFailed: 'BatchFailed',
} as const;

/** Where the state machines keep the stage results in an execution's data (JSONPaths, by contract field). */
export const DataPaths = {
  /** The PrepareData result (training pipeline). */
  prepared: (field: keyof PrepareDataResult) => `$.prepared.${field}`,
  /** The PublishReport result (training pipeline). */
  report: (field: keyof PublishReportResult) => `$.report.${field}`,
  /** The EvaluateGate decision (training pipeline). */
  gate: (field: keyof GateDecision) => `$.gate.${field}`,
  /** The deployment record read from SSM (batch pipeline). */
  record: (field: keyof DeploymentRecord) => `$.deployment.record.${field}`,
  /** What the deployment steps are asked to deploy (training pipeline; a deploy-only entry sets the same). */
  request: (field: keyof DeployRequest) => `$.deployRequest.${field}`,
  /** The run's copies under registry/ (PromoteArtifacts). */
  artifacts: (field: keyof RegistryArtifacts) => `$.artifacts.${field}`,
  /** The run's registry entry (RegisterModel). */
  registered: (field: keyof RegisteredModel) => `$.registered.${field}`,
  /** What the training job is given: its channels, and the live model it measures (null on a first run). */
  jobInput: (field: 'channels' | 'champion') => `$.jobInput.${field}`,
  /** The deployment record read when a run starts (training pipeline: the champion). */
  liveRecord: (field: keyof DeploymentRecord) => `$.live.record.${field}`,
} as const;

/** Task state Resource ARNs (what the local runner binds to). */
export const TaskResources = {
  lambdaInvoke: 'arn:aws:states:::lambda:invoke',
  createTrainingJobSync: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
  createModel: 'arn:aws:states:::sagemaker:createModel',
  createEndpointConfig: 'arn:aws:states:::sagemaker:createEndpointConfig',
  createEndpoint: 'arn:aws:states:::sagemaker:createEndpoint',
  describeModelPackage: 'arn:aws:states:::aws-sdk:sagemaker:describeModelPackage',
  describeEndpoint: 'arn:aws:states:::aws-sdk:sagemaker:describeEndpoint',
  updateEndpoint: 'arn:aws:states:::aws-sdk:sagemaker:updateEndpoint',
  deleteEndpoint: 'arn:aws:states:::aws-sdk:sagemaker:deleteEndpoint',
  dynamoPutItem: 'arn:aws:states:::dynamodb:putItem',
  dynamoGetItem: 'arn:aws:states:::dynamodb:getItem',
  dynamoDeleteItem: 'arn:aws:states:::dynamodb:deleteItem',
  describeExecution: 'arn:aws:states:::aws-sdk:sfn:describeExecution',
  ssmPutParameter: 'arn:aws:states:::aws-sdk:ssm:putParameter',
  ssmGetParameter: 'arn:aws:states:::aws-sdk:ssm:getParameter',
  snsPublish: 'arn:aws:states:::sns:publish',
  createTransformJobSync: 'arn:aws:states:::sagemaker:createTransformJob.sync',
  athenaStartQueryExecutionSync: 'arn:aws:states:::athena:startQueryExecution.sync',
} as const;

/**
 * Errors of the prepare-data Lambda (its error classes carry these names). The PrepareData task
 * retries only the transient one; bad input fails the execution at once, as a retry would too.
 */
export const PrepareDataErrors = {
  /** Bad event fields, missing columns, unknown format, bad dates, truncated gzip, nothing left to train on. */
  InputValidation: 'InputValidationError',
  /** The raw-data object does not exist. */
  InputNotFound: 'InputNotFoundError',
  /** Writing an output failed; whatever was written has been removed, so a retry starts clean. */
  OutputWrite: 'OutputWriteError',
  /** Anything unexpected (message only). */
  Unexpected: 'PrepareDataError',
} as const;

/** The prepare-data errors the PrepareData task retries. */
export const PREPARE_DATA_RETRY_ERRORS: readonly string[] = [PrepareDataErrors.OutputWrite];

/** Error names the pipeline itself sets in `$.error.Error` before failing. */
export const PipelineErrors = {
  InvalidExecutionInput: 'InvalidExecutionInput',
  DeploymentRolledBack: 'DeploymentRolledBack',
  DeploymentFailed: 'DeploymentFailed',
  DeploymentTimedOut: 'DeploymentTimedOut',
  /** The endpoint never reached a state a deployment can start from (InService, Failed or absent). */
  EndpointNotReady: 'EndpointNotReady',
  /** UpdateRollbackFailed or OutOfService: SageMaker needs a person to look at the endpoint. */
  EndpointNeedsAttention: 'EndpointNeedsAttention',
  /** A deploy-only execution named a model package that is not an Approved version of the project's group. */
  ModelPackageNotDeployable: 'ModelPackageNotDeployable',
} as const;

/** Values of the `status` field of a finished execution's output. */
export const ExecutionStatus = {
  Deployed: 'DEPLOYED',
  Rejected: 'REJECTED',
  /** The gate passed, but another execution held the deployment lock for the whole wait. */
  Busy: 'BUSY',
  /** The gate passed and the version waits for a person to approve it (approvalMode manual). */
  PendingApproval: 'PENDING_APPROVAL',
  /** A deploy-only execution found its version already live: nothing was changed. */
  Unchanged: 'UNCHANGED',
  BatchCompleted: 'COMPLETED',
  /** No model has been deployed yet: nothing to do, nothing wrong. */
  BatchSkipped: 'SKIPPED',
} as const;

/** The production variant every endpoint configuration uses. */
export const VARIANT_NAME = 'AllTraffic';

/** Name of the gate's model metric, its popularity-baseline twin and the live model's, at K. */
export function gateMetricNames(k: number): { metric: string; baseline: string; champion: string } {
  const metric = metricName(GATE_METRIC, k);
  return { metric, baseline: BASELINE_PREFIX + metric, champion: CHAMPION_PREFIX + metric };
}

/** SageMaker's approval statuses of a model package version. */
export const ApprovalStatus = {
  Approved: 'Approved',
  Rejected: 'Rejected',
  PendingManualApproval: 'PendingManualApproval',
} as const;

/**
 * Keys of a model package's CustomerMetadataProperties that the register-model Lambda writes and
 * the deploy-only entry reads back (values are strings: numbers and null as JSON). Metadata values
 * may hold only letters, digits, spaces and `_.:/=+-@`, at most 256 characters:
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackage.html
 */
export const PackageMetadata = {
  runId: 'runId',
  trainingJobName: 'trainingJobName',
  batchInputUri: 'batchInputUri',
  catalogUri: 'catalogUri',
  metricName: 'metricName',
  value: 'value',
  baselineValue: 'baselineValue',
  championValue: 'championValue',
  championVersion: 'championVersion',
  gateDecision: 'gateDecision',
} as const;

/**
 * The project's model package group (its versions are the registered models). Like the buckets it
 * outlives `cdk destroy` (the registry is the models' history), so its name carries the optional
 * bucketSuffix: a re-deployment with a new suffix gets a new group.
 */
export function modelPackageGroupName(projectName: string, suffix?: string): string {
  return `${projectName}-models${suffix ? `-${suffix}` : ''}`;
}

/** Resource names derived from the project name (resource-level IAM scoping relies on them). */
export function resourceNames(projectName: string) {
  return {
    trainingJobPrefix: `${projectName}-train-`,
    modelPrefix: `${projectName}-model-`,
    endpointConfigPrefix: `${projectName}-epc-`,
    transformJobPrefix: `${projectName}-batch-`,
    deploymentParameter: `/${projectName}/deployment`,
    /** Key of the one lock item in the deployment lock table. */
    deployLockId: 'deploy-lock',
    trainingStateMachine: `${projectName}-training-pipeline`,
    batchStateMachine: `${projectName}-batch-recommendations`,
    dataStack: `${projectName}-data`,
    pipelineStack: `${projectName}-pipeline`,
    athenaWorkGroup: `${projectName}-prepare`,
    /** Glue names take lower-case letters, digits and underscores only. */
    athenaDatabasePrefix: `${projectName.replace(/-/g, '_')}_prep_`,
  };
}

/**
 * Bucket names: deterministic (project, account, region and the optional bucketSuffix), so the
 * pipeline stack refers to the buckets by name instead of through CloudFormation exports, and IAM
 * resources read plainly. Pass account and region tokens (Aws.ACCOUNT_ID, Aws.REGION) or literal
 * values. The buckets outlive `cdk destroy`; a new suffix gives a re-deployment new ones.
 */
export function bucketNames(projectName: string, account: string, region: string, suffix?: string) {
  const end = suffix ? `-${suffix}` : '';
  return {
    raw: `${projectName}-raw-${account}-${region}${end}`,
    artifacts: `${projectName}-artifacts-${account}-${region}${end}`,
    accessLogs: `${projectName}-access-logs-${account}-${region}${end}`,
  };
}

/**
 * Prefixes of the artifacts bucket. runs/ and batch/ expire (runRetentionDays, batchRetentionDays);
 * registry/<runId>/ holds each registered model version's copies (model, batch input, catalog,
 * report, model-quality document), which its model package names, the endpoint and the batch
 * pipeline use, and which never expire. reports/ holds the latest run's report, overwritten by
 * each run (its old versions expire like runs). athena/ is Athena's work area (AthenaKeys), expired
 * after a week.
 */
export const ArtifactPrefixes = {
  runs: 'runs/',
  batch: 'batch/',
  registry: 'registry/',
  reports: 'reports/',
  athena: 'athena/',
} as const;

/**
 * Keys of the model reports in the artifacts bucket: each run's beside its data and model, and a
 * copy of the latest run's at a fixed key (the dashboard links to it).
 */
export const ReportKeys = {
  /** Under the run's prefix `runs/<execution name>/`. */
  run: REPORT_FILE,
  latest: `${ArtifactPrefixes.reports}latest.html`,
} as const;

/** Where Athena works in the artifacts bucket (a lifecycle rule expires it): query results, and each run's scratch tables and UNLOAD output. */
export const AthenaKeys = {
  prefix: ArtifactPrefixes.athena,
  results: `${ArtifactPrefixes.athena}results/`,
  work: `${ArtifactPrefixes.athena}work/`,
} as const;

/** CloudFormation output keys of the pipeline stack (the pipeline CLI reads them). */
export const StackOutputs = {
  TrainingStateMachineArn: 'TrainingStateMachineArn',
  BatchStateMachineArn: 'BatchStateMachineArn',
  DeploymentParameterName: 'DeploymentParameterName',
  NotificationTopicArn: 'NotificationTopicArn',
  EndpointName: 'EndpointName',
  ModelPackageGroupName: 'ModelPackageGroupName',
} as const;

/** Construct ids of the state machines: their logical ids start with these. */
export const StateMachineIds = {
  Training: 'TrainingPipeline',
  Batch: 'BatchRecommendations',
} as const;

/** Tag put on each state machine so tools can find it in a template without logical ids. */
export const ROLE_TAG = 'open-bpr:role';
