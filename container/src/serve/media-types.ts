/** The media types /invocations reads and answers; the model registry's inference specification lists them too. */
export const JSON_TYPE = 'application/json';
export const JSON_LINES_TYPES = ['application/jsonlines', 'application/x-jsonlines', 'application/jsonl'] as const;
export const CSV_TYPE = 'text/csv';
/** Request bodies /invocations reads. */
export const SUPPORTED_IN: readonly string[] = [JSON_TYPE, ...JSON_LINES_TYPES];
/** Answers /invocations writes (Accept). */
export const SUPPORTED_OUT: readonly string[] = [JSON_TYPE, JSON_LINES_TYPES[0], CSV_TYPE];
