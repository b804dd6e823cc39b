/**
 * Named errors of the local pipeline. A Task handler's error `name` becomes the Step Functions
 * error name (what Retry/Catch match) and its `message` the Cause, so the names below are the
 * ones the real service integrations raise.
 */

/** A failed `.sync` job (training or transform): Step Functions reports States.TaskFailed, Cause = the Describe* JSON. */
export const SYNC_JOB_FAILED_ERROR = 'States.TaskFailed';
/** Error of the optimized SageMaker integrations (arn:aws:states:::sagemaker:*) on an API error. */
export const SAGEMAKER_API_ERROR = 'SageMaker.AmazonSageMakerException';
/** Error of the AWS SDK integration (arn:aws:states:::aws-sdk:sagemaker:*) on an unmodelled API error such as a missing endpoint. */
export const SAGEMAKER_SDK_ERROR = 'SageMaker.SageMakerException';
/** AWS SDK integration error for a missing SSM parameter. */
export const SSM_PARAMETER_NOT_FOUND_ERROR = 'Ssm.ParameterNotFoundException';

/** An error whose name is a Step Functions error name. */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** The definition calls a resource the local pipeline has no implementation for. */
export class UnsupportedResourceError extends Error {
  constructor(stateName: string, resource: string) {
    super(`state ${JSON.stringify(stateName)} uses ${resource}, which has no local implementation`);
    this.name = 'UnsupportedResourceError';
  }
}

/** A CloudFormation token in the definition that cannot be resolved locally. */
export class UnresolvableTokenError extends Error {
  constructor(what: string) {
    super(`cannot resolve ${what} locally`);
    this.name = 'UnresolvableTokenError';
  }
}

/** The synthesized app has no state machine matching what was asked for. */
export class StateMachineNotFoundError extends Error {
  constructor(what: string, found: string[]) {
    super(`no state machine ${what} in the synthesized app (found: ${found.join(', ') || 'none'})`);
    this.name = 'StateMachineNotFoundError';
  }
}

/** A child process (container train/serve) did not start or answer in time. */
export class ContainerProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerProcessError';
  }
}

/** Bad command-line option. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A definition names a Lambda function with no handler folder under lambda/. */
export class LambdaNotFoundError extends Error {
  constructor(functionName: string) {
    super(`no local handler for Lambda function ${functionName}`);
    this.name = 'LambdaNotFoundError';
  }
}

/** A model archive that is not a well-formed gzip'd ustar file. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}
