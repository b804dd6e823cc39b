/**
 * Named errors of the data-preparation step. Step Functions sees `name` as the error type, so
 * the state machine catches/classifies them by these exact strings (PREPARE_DATA_ERROR_NAMES).
 */

/** Bad input: event fields, missing columns, unknown format, bad dates, truncated gzip, nothing left. */
export class InputValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputValidationError';
  }
}

/** The raw-data object (or local file) does not exist. */
export class InputNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputNotFoundError';
  }
}

/** Writing an output object failed (S3 or local disk); whatever was written has been removed. */
export class OutputWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputWriteError';
  }
}

/** Anything unexpected, re-thrown by the handler with its message only (no stack trace). */
export class PrepareDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrepareDataError';
  }
}

export const PREPARE_DATA_ERROR_NAMES = [
  'InputValidationError',
  'InputNotFoundError',
  'OutputWriteError',
  'PrepareDataError',
] as const;
export type PrepareDataErrorName = (typeof PREPARE_DATA_ERROR_NAMES)[number];

export function isPrepareDataError(err: unknown): err is Error & { name: PrepareDataErrorName } {
  return err instanceof Error && (PREPARE_DATA_ERROR_NAMES as readonly string[]).includes(err.name);
}
