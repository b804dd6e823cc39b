/** Errors of the local SageMaker stand-in; local/bindings maps them to Step Functions error names. */

/** What SageMaker answers with HTTP 400 ValidationException (bad request, unknown or duplicate name). */
export class SageMakerValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/** A training or transform job that ended Failed or Stopped; carries its Describe* result. */
export class JobFailedError extends Error {
  constructor(readonly description: Record<string, unknown>) {
    super(String(description.FailureReason ?? 'job failed'));
    this.name = 'JobFailedError';
  }
}
