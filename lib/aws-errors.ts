/**
 * What AWS answers, as the state machines see it: the error names of the service integrations,
 * SageMaker's endpoint messages and statuses, and the throttling errors every task retries. The
 * local stand-ins raise the same names and messages.
 */

/**
 * Error names the service integrations raise, as a Task state's Retry and Catch see them (the
 * local runner raises the same names from its stand-ins). The AWS SDK integrations name an error
 * `<Service>.<Exception>`, an unmodelled one `<Service>.<Service>Exception`:
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 */
export const IntegrationErrors = {
  /** A `.sync` job (training or transform) that ended Failed or Stopped; the Cause is its Describe* JSON. */
  TaskFailed: 'States.TaskFailed',
  /**
   * The optimized SageMaker integrations (arn:aws:states:::sagemaker:*) on an API error, whatever
   * its code: the Cause reads "<message> (Service: AmazonSageMaker; ... Error Code: ValidationException; ...)".
   */
  SageMakerApi: 'SageMaker.AmazonSageMakerException',
  /** The AWS SDK integration (aws-sdk:sagemaker:*) on SageMaker's unmodelled errors (ValidationException included). */
  SageMakerSdk: 'SageMaker.SageMakerException',
  /** The AWS SDK integration's name for SageMaker's ValidationException, were the service to model it. */
  SageMakerValidation: 'SageMaker.ValidationException',
  /** GetParameter of a parameter that does not exist (AWS SDK integration). */
  SsmParameterNotFound: 'Ssm.ParameterNotFoundException',
  /** PutParameter of an existing parameter without Overwrite (AWS SDK integration). */
  SsmParameterAlreadyExists: 'Ssm.ParameterAlreadyExistsException',
  /** A DynamoDB write whose ConditionExpression is false (optimized integration). */
  DynamoConditionalCheckFailed: 'DynamoDB.ConditionalCheckFailedException',
  /** DescribeExecution of an execution Step Functions no longer knows (AWS SDK integration). */
  SfnExecutionDoesNotExist: 'Sfn.ExecutionDoesNotExistException',
} as const;

/** Errors of the aws-sdk:sagemaker endpoint calls; which one it was is read from the Cause (ENDPOINT_ERROR_PATTERNS). */
export const ENDPOINT_API_ERRORS = [IntegrationErrors.SageMakerSdk, IntegrationErrors.SageMakerValidation];

/**
 * The start of SageMaker's ValidationException messages about endpoints, as DescribeEndpoint,
 * CreateEndpoint, UpdateEndpoint and DeleteEndpoint answer them (`<start> "<arn>".`). The local
 * stand-in writes them, the state machine matches them: the error name alone does not tell a
 * missing endpoint from throttling or a denied call.
 */
export const EndpointErrorMessages = {
  EndpointNotFound: 'Could not find endpoint',
  EndpointConfigNotFound: 'Could not find endpoint configuration',
  InProgress: 'Cannot update in-progress endpoint',
  Failed: 'Cannot update failed endpoint',
  AlreadyExists: 'Cannot create already existing endpoint',
} as const;

/** SageMaker's message for one of the above: `<start> "<arn>".` */
export function endpointErrorMessage(start: string, arn: string): string {
  return `${start} "${arn}".`;
}

/** StringMatches patterns on a Cause, one per case the rollout loop handles (the quote keeps "endpoint" from matching "endpoint configuration"). */
export const ENDPOINT_ERROR_PATTERNS = {
  endpointNotFound: `*${EndpointErrorMessages.EndpointNotFound} "*`,
  endpointConfigNotFound: `*${EndpointErrorMessages.EndpointConfigNotFound} "*`,
  /** Worth describing again: the endpoint is busy, failed, or exists after all. */
  describeAgain: [EndpointErrorMessages.InProgress, EndpointErrorMessages.Failed, EndpointErrorMessages.AlreadyExists].map(
    (m) => `*${m} "*`,
  ),
  /** Throttling that reached the state machine as an unmodelled error. */
  throttled: ['*Rate exceeded*', '*ThrottlingException*'],
} as const;

/** SageMaker's EndpointStatus values: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html */
export const EndpointStatus = {
  OutOfService: 'OutOfService',
  Creating: 'Creating',
  Updating: 'Updating',
  SystemUpdating: 'SystemUpdating',
  RollingBack: 'RollingBack',
  InService: 'InService',
  Deleting: 'Deleting',
  Failed: 'Failed',
  UpdateRollbackFailed: 'UpdateRollbackFailed',
} as const;

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
  'DynamoDB.ThrottlingException',
  'DynamoDB.ProvisionedThroughputExceededException',
  'Sfn.ThrottlingException',
];

/** Athena's throttling error (TooManyRequestsException of its API), as the Athena integration names it. */
export const ATHENA_THROTTLING_ERROR = 'Athena.TooManyRequestsException';
