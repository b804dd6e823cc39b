/**
 * The bounds every stage shares, one place each: data preparation (lambda/prepare-data), training
 * (train), the model server (serve), the CDK app (lib/) and the local run import them from here.
 * docs/data-preparation.md, docs/training.md and docs/model-server.md state them.
 */

/** Largest `top_n` of a recommendation request, and of the `top_n` data preparation writes into users.jsonl. */
export const MAX_TOP_N = 100;

/** `top_n` when a request leaves it out, and data preparation's default `--top-n`. */
export const DEFAULT_TOP_N = 10;

/** Longest customer or item id, in characters (longer ones are refused, never truncated). */
export const MAX_ID_LENGTH = 256;

/**
 * Longest CSV record, in characters: one line, or the lines of one record whose quoted field holds
 * line breaks. A file without line breaks, or a quote that is never closed, fails at this point
 * instead of being read whole into memory.
 */
export const MAX_RECORD_CHARS = 1 << 20;

/**
 * Largest number of recommendations one /invocations request may ask for: the sum of `top_n` over
 * its lines. Work and response size grow with it; past it the server answers 413.
 */
export const MAX_REQUEST_ITEMS = 4_000_000;

/** MaxPayloadInMB of the batch transform job (the smallest SageMaker takes; see payloadItemsBound). */
export const BATCH_MAX_PAYLOAD_MB = 1;

/** SageMaker keeps the first 1,024 characters of /opt/ml/output/failure as the job's FailureReason. */
export const FAILURE_REASON_CHARS = 1024;

/** The shortest users.jsonl line asking for `topN` items: `{"user_id":"1","top_n":"100"}` and its newline. */
export function shortestBatchLine(topN: number): number {
  return Buffer.byteLength(JSON.stringify({ user_id: '1', top_n: String(topN) })) + 1;
}

/**
 * The most recommendations a batch payload of `mb` MiB of users.jsonl lines can ask for (every
 * line as short as can be, each with the largest top_n): what MAX_REQUEST_ITEMS must cover.
 */
export function payloadItemsBound(mb: number): number {
  return Math.ceil((mb * 1024 * 1024) / shortestBatchLine(MAX_TOP_N)) * MAX_TOP_N;
}
