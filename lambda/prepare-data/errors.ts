/**
 * Named errors of the data-preparation step. Step Functions sees `name` as the error type: the
 * names are those of PrepareDataErrors (lib/pipeline-names/execution.ts), by which the state machine retries
 * a failed write and fails at once on bad input.
 */
import { NamedError } from '../../container/src/errors';
import { PrepareDataErrors } from '../../lib/pipeline-names';

/** Bad input: event fields, missing columns, unknown format, bad dates, truncated gzip, nothing left. */
export class InputValidationError extends NamedError {}

/** The raw-data object (or local file) does not exist. */
export class InputNotFoundError extends NamedError {}

/** Writing an output object failed (S3 or local disk); whatever was written has been removed. */
export class OutputWriteError extends NamedError {}

/** Anything unexpected, re-thrown by the handler with its message only (no stack trace). */
export class PrepareDataError extends NamedError {}

export const PREPARE_DATA_ERROR_NAMES: readonly string[] = Object.values(PrepareDataErrors);
export type PrepareDataErrorName = (typeof PrepareDataErrors)[keyof typeof PrepareDataErrors];

export function isPrepareDataError(err: unknown): err is Error & { name: PrepareDataErrorName } {
  return err instanceof Error && PREPARE_DATA_ERROR_NAMES.includes(err.name);
}
