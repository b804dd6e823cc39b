/**
 * The one place that names what the state machines expose: state names, error names, output
 * fields, resource name prefixes and CloudFormation output keys. The local runner (local/) binds
 * its stand-ins to Task states by these names and reads executions' outputs by these fields.
 */
import { BASELINE_PREFIX, GATE_METRIC, metricName } from '../container/src/metrics/definitions';
import { REPORT_FILE } from '../container/src/paths';
import type { DeploymentRecord, GateDecision, PrepareDataResult, PublishReportResult } from './contracts';

/** The first states of both state machines: the execution input's keys checked before anything else. */
export const InputKeyStates = {
  ReadInputKeys: 'ReadInputKeys',
  CountInputKeys: 'CountInputKeys',
  CheckInputKeys: 'CheckInputKeys',
  UnknownInputKey: 'UnknownInputKey',
} as const;

/** State names of the training pipeline state machine. */
export const TrainingStates = {
  ...InputKeyStates,
  ApplyDefaults: 'ApplyDefaults',
  NormalizeInput: 'NormalizeInput',
  MergeInput: 'MergeInput',
  ValidateInput: 'ValidateInput',
  InvalidInput: 'InvalidInput',
  NameRun: 'NameRun',
  PrepareData: 'PrepareData',
  CheckPrepareEngine: 'CheckPrepareEngine',
  KeepAthenaPlan: 'KeepAthenaPlan',
  RunAthenaQueries: 'RunAthenaQueries',
  RunAthenaQuery: 'RunAthenaQuery',
  PublishAthenaResults: 'PublishAthenaResults',
  DropAthenaDatabase: 'DropAthenaDatabase',
  DropAthenaDatabaseAfterFailure: 'DropAthenaDatabaseAfterFailure',
  TrainModel: 'TrainModel',
  PublishReport: 'PublishReport',
  EvaluateGate: 'EvaluateGate',
  CheckGate: 'CheckGate',
  BuildRejectedOutput: 'BuildRejectedOutput',
  NotifyRejected: 'NotifyRejected',
  ModelRejected: 'ModelRejected',
  CreateModel: 'CreateModel',
  CreateEndpointConfig: 'CreateEndpointConfig',
  DescribeEndpoint: 'DescribeEndpoint',
  CreateEndpoint: 'CreateEndpoint',
  UpdateEndpoint: 'UpdateEndpoint',
  InitPollCounter: 'InitPollCounter',
  WaitForEndpoint: 'WaitForEndpoint',
  CheckEndpointStatus: 'CheckEndpointStatus',
  CountPoll: 'CountPoll',
  EndpointReady: 'EndpointReady',
  DeploymentRolledBack: 'DeploymentRolledBack',
  DeploymentFailed: 'DeploymentFailed',
  DeploymentTimedOut: 'DeploymentTimedOut',
  BuildRecord: 'BuildRecord',
  RecordDeployment: 'RecordDeployment',
  BuildDeployedOutput: 'BuildDeployedOutput',
  NotifySuccess: 'NotifySuccess',
  Deployed: 'Deployed',
  NotifyFailure: 'NotifyFailure',
  PipelineFailed: 'PipelineFailed',
} as const;

/** State names of the batch recommendations state machine. */
export const BatchStates = {
  ...InputKeyStates,
  PrepareBatchRun: 'PrepareBatchRun',
  ReadDeployment: 'ReadDeployment',
  HasDeployedModel: 'HasDeployedModel',
  NoDeployedModel: 'NoDeployedModel',
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
} as const;

/** Task state Resource ARNs (what the local runner binds to). */
export const TaskResources = {
  lambdaInvoke: 'arn:aws:states:::lambda:invoke',
  createTrainingJobSync: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
  createModel: 'arn:aws:states:::sagemaker:createModel',
  createEndpointConfig: 'arn:aws:states:::sagemaker:createEndpointConfig',
  createEndpoint: 'arn:aws:states:::sagemaker:createEndpoint',
  describeEndpoint: 'arn:aws:states:::aws-sdk:sagemaker:describeEndpoint',
  updateEndpoint: 'arn:aws:states:::aws-sdk:sagemaker:updateEndpoint',
  ssmPutParameter: 'arn:aws:states:::aws-sdk:ssm:putParameter',
  ssmGetParameter: 'arn:aws:states:::aws-sdk:ssm:getParameter',
  snsPublish: 'arn:aws:states:::sns:publish',
  createTransformJobSync: 'arn:aws:states:::sagemaker:createTransformJob.sync',
  athenaStartQueryExecutionSync: 'arn:aws:states:::athena:startQueryExecution.sync',
} as const;

/**
 * Error names the service integrations raise, as a Task state's Retry and Catch see them (the
 * local runner raises the same names from its stand-ins).
 */
export const IntegrationErrors = {
  /** A `.sync` job (training or transform) that ended Failed or Stopped; the Cause is its Describe* JSON. */
  TaskFailed: 'States.TaskFailed',
  /** The optimized SageMaker integrations (arn:aws:states:::sagemaker:*) on an API error. */
  SageMakerApi: 'SageMaker.AmazonSageMakerException',
  /** The AWS SDK integration (aws-sdk:sagemaker:*) on an unmodelled API error, such as a missing endpoint. */
  SageMakerSdk: 'SageMaker.SageMakerException',
  /** The AWS SDK integration's name for SageMaker's ValidationException, were the service to model it. */
  SageMakerValidation: 'SageMaker.ValidationException',
  /** GetParameter of a parameter that does not exist (AWS SDK integration). */
  SsmParameterNotFound: 'Ssm.ParameterNotFoundException',
  /** PutParameter of an existing parameter without Overwrite (AWS SDK integration). */
  SsmParameterAlreadyExists: 'Ssm.ParameterAlreadyExistsException',
} as const;

/**
 * Errors a DescribeEndpoint aws-sdk task raises for a missing endpoint. SageMaker answers with an
 * unmodelled ValidationException ("Could not find endpoint"), which Step Functions names
 * `SageMaker.SageMakerException`; the modelled name is listed too in case the service models it.
 */
export const ENDPOINT_NOT_FOUND_ERRORS = [IntegrationErrors.SageMakerSdk, IntegrationErrors.SageMakerValidation];

/** Errors retried on every task (throttling and transient service errors), with backoff. */
export const THROTTLING_ERRORS = [
  'ThrottlingException',
  'SageMaker.ThrottlingException',
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Ssm.ThrottlingException',
  'SSM.ThrottlingException',
  'Sns.ThrottledException',
  'SNS.ThrottledException',
];

/** Athena's throttling error (TooManyRequestsException of its API), as the Athena integration names it. */
export const ATHENA_THROTTLING_ERROR = 'Athena.TooManyRequestsException';

/** Extra transient error of the optimized (non-.sync) SageMaker integrations. */
export const SAGEMAKER_TRANSIENT_ERROR = IntegrationErrors.SageMakerApi;

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
  NoDeployedModel: 'NoDeployedModel',
} as const;

/** Values of the `status` field of a finished execution's output. */
export const ExecutionStatus = {
  Deployed: 'DEPLOYED',
  Rejected: 'REJECTED',
  BatchCompleted: 'COMPLETED',
} as const;

/** The production variant every endpoint configuration uses. */
export const VARIANT_NAME = 'AllTraffic';

/** Name of the gate's model metric and its popularity-baseline twin at K. */
export function gateMetricNames(k: number): { metric: string; baseline: string } {
  const metric = metricName(GATE_METRIC, k);
  return { metric, baseline: BASELINE_PREFIX + metric };
}

/** Resource names derived from the project name (resource-level IAM scoping relies on them). */
export function resourceNames(projectName: string) {
  return {
    trainingJobPrefix: `${projectName}-train-`,
    modelPrefix: `${projectName}-model-`,
    endpointConfigPrefix: `${projectName}-epc-`,
    transformJobPrefix: `${projectName}-batch-`,
    deploymentParameter: `/${projectName}/deployment`,
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
 * Keys of the model reports in the artifacts bucket: each run's beside its data and model, and a
 * copy of the latest run's at a fixed key (the dashboard links to it).
 */
export const ReportKeys = {
  /** Under the run's prefix `runs/<execution name>/`. */
  run: REPORT_FILE,
  latest: 'reports/latest.html',
} as const;

/** Where Athena works in the artifacts bucket (a lifecycle rule expires it): query results, and each run's scratch tables and UNLOAD output. */
export const AthenaKeys = {
  prefix: 'athena/',
  results: 'athena/results/',
  work: 'athena/work/',
} as const;

/**
 * Bucket names: deterministic (project, account, region), so the pipeline stack refers to the
 * buckets by name instead of through CloudFormation exports, and IAM resources read plainly.
 * Pass account and region tokens (Aws.ACCOUNT_ID, Aws.REGION) or literal values.
 */
export function bucketNames(projectName: string, account: string, region: string) {
  return {
    raw: `${projectName}-raw-${account}-${region}`,
    artifacts: `${projectName}-artifacts-${account}-${region}`,
    accessLogs: `${projectName}-access-logs-${account}-${region}`,
  };
}

/** CloudFormation output keys of the pipeline stack (the pipeline CLI reads them). */
export const StackOutputs = {
  TrainingStateMachineArn: 'TrainingStateMachineArn',
  BatchStateMachineArn: 'BatchStateMachineArn',
  DeploymentParameterName: 'DeploymentParameterName',
  NotificationTopicArn: 'NotificationTopicArn',
  EndpointName: 'EndpointName',
} as const;

/** Construct ids of the state machines: their logical ids start with these. */
export const StateMachineIds = {
  Training: 'TrainingPipeline',
  Batch: 'BatchRecommendations',
} as const;

/** Tag put on each state machine so tools can find it in a template without logical ids. */
export const ROLE_TAG = 'open-bpr:role';
