/**
 * What an execution works with: where it keeps each stage's result, the task integrations it calls,
 * the errors it retries or sets, and the status of its output.
 */
import type {
  DeploymentRecord,
  DeployRequest,
  GateDecision,
  PrepareDataResult,
  PublishReportResult,
  RegisteredModel,
  RegistryArtifacts,
} from '../contracts';

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
  createHyperParameterTuningJobSync: 'arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync',
  describeTrainingJob: 'arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob',
  listTrainingJobsForHyperParameterTuningJob: 'arn:aws:states:::aws-sdk:sagemaker:listTrainingJobsForHyperParameterTuningJob',
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
