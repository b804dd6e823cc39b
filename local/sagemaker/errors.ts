/** Errors of the local SageMaker stand-in; local/bindings maps them to Step Functions error names. */
import { NamedError } from '../../container/src/errors';

/** What SageMaker answers with HTTP 400 ValidationException (bad request, unknown or duplicate name). */
export class SageMakerValidationError extends NamedError {
  constructor(message: string) {
    super(message);
    // SageMaker's own error code, as the SDK would name it
    this.name = 'ValidationException';
  }
}

/** A training or transform job that ended Failed or Stopped; carries its Describe* result. */
export class JobFailedError extends NamedError {
  constructor(readonly description: Record<string, unknown>) {
    super(String(description.FailureReason ?? 'job failed'));
  }
}
