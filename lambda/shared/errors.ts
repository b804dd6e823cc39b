/** Errors and error handling shared by the Lambda handlers. */
import { NamedError } from '../../container/src/errors';

/** A string that should be an s3://bucket/key URI and is not. */
export class InvalidS3UriError extends NamedError {
  constructor(uri: string) {
    super(`not an s3://bucket/key URI: ${JSON.stringify(uri)}`);
  }
}

/** The handler was built without a SageMaker client (the handlers that call SageMaker refuse to run without one). */
export class MissingClientError extends NamedError {}

/**
 * Strips the stack of an error a handler is about to throw. The Node.js runtime returns
 * `errorType`, `errorMessage` and `trace` (the stack split into lines) to the caller; Step
 * Functions puts that JSON in the error's Cause, which reaches the execution history, the
 * failure notification and the pipeline CLI. Name and message are all they need.
 */
export function withoutStack<E extends Error>(err: E): E {
  err.stack = `${err.name}: ${err.message}`;
  return err;
}
