/**
 * The one place that names what the state machines expose: state names, error names, output
 * fields, resource name prefixes and CloudFormation output keys. The local runner (local/) binds
 * its stand-ins to Task states by these names and reads executions' outputs by these fields.
 */
import { BASELINE_PREFIX, metricName } from '../container/src/metrics/definitions';

/** State names of the training pipeline state machine. */
export const TrainingStates = {
  ApplyDefaults: 'ApplyDefaults',
  NormalizeInput: 'NormalizeInput',
  MergeInput: 'MergeInput',
  ValidateInput: 'ValidateInput',
  InvalidInput: 'InvalidInput',
  NameRun: 'NameRun',
  PrepareData: 'PrepareData',
  TrainModel: 'TrainModel',
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
} as const;

/**
 * Errors a DescribeEndpoint aws-sdk task raises for a missing endpoint. SageMaker answers with an
 * unmodelled ValidationException ("Could not find endpoint"), which Step Functions names
 * `SageMaker.SageMakerException`; the modelled name is listed too in case the service models it.
 */
export const ENDPOINT_NOT_FOUND_ERRORS = ['SageMaker.SageMakerException', 'SageMaker.ValidationException'];

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

/** Extra transient error of the optimized (non-.sync) SageMaker integrations. */
export const SAGEMAKER_TRANSIENT_ERROR = 'SageMaker.AmazonSageMakerException';

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
  const metric = metricName('precision', k);
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
  };
}

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
