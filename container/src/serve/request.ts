/**
 * Parses /invocations bodies into typed requests (pure). A body is either one JSON object, or
 * JSON Lines: one object per line, as batch transform sends with SplitType Line + MultiRecord
 * (under Content-Type application/json as well as application/jsonlines). Blank lines are skipped.
 */
import { z } from 'zod';
import { quoted } from '../errors';
import { DEFAULT_TOP_N, MAX_ID_LENGTH, MAX_TOP_N } from '../limits';
import { BadRequestError, TooManyRecommendationsError } from './errors';

/** Request field that keeps the user's training items in the ranking when false (default true). */
export const EXCLUDE_FIELD = 'exclude_purchased';

export interface RecommendationRequest {
  readonly userId: string;
  readonly topN: number;
  readonly excludeTrained: boolean;
}

export interface ParsedBody {
  readonly requests: RecommendationRequest[];
  /** True when the body was JSON Lines (even of one line): the response is then JSON Lines too. */
  readonly lines: boolean;
}

const RequestSchema = z.object({
  user_id: z.union(
    [z.string().trim().min(1, 'must not be empty').max(MAX_ID_LENGTH, `longer than ${MAX_ID_LENGTH} characters`), z.number()],
    { error: 'must be a string or a number' },
  ),
  top_n: z.union([z.string(), z.number()], { error: 'must be a string or a number' }).optional(),
  [EXCLUDE_FIELD]: z.union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false' }).optional(),
});

/**
 * Parses a body; `jsonLines` is true for application/jsonlines. A leading byte-order mark is
 * ignored. Throws BadRequestError, or TooManyRecommendationsError as soon as the lines read so far
 * ask for more than `maxItems` recommendations (top_n summed), before any work is done.
 */
export function parseBody(text: string, jsonLines: boolean, maxItems: number): ParsedBody {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new BadRequestError('request body is empty');
  if (!jsonLines) {
    // One JSON document (possibly pretty-printed over several lines) is a single request;
    // a parse failure on a multi-line body means it is JSON Lines, as batch transform sends.
    let doc: unknown;
    let failure: Error | undefined;
    try {
      doc = JSON.parse(body);
    } catch (err) {
      failure = err as Error;
    }
    if (!failure) return { requests: [withinBound(toRequest(doc, ''), 0, 1, maxItems)], lines: false };
    if (countLines(body) < 2) throw new BadRequestError(`malformed JSON: ${failure.message}`);
  }
  const requests: RecommendationRequest[] = [];
  const rows = body.split('\n');
  let items = 0;
  for (let n = 0; n < rows.length; n++) {
    const row = rows[n]!;
    if (row.trim() === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(row);
    } catch (err) {
      throw new BadRequestError(`line ${n + 1}: malformed JSON: ${(err as Error).message}`);
    }
    const request = withinBound(toRequest(doc, `line ${n + 1}: `), items, n + 1, maxItems);
    items += request.topN;
    requests.push(request);
  }
  return { requests, lines: true };
}

function withinBound(request: RecommendationRequest, before: number, line: number, maxItems: number): RecommendationRequest {
  if (before + request.topN > maxItems) throw new TooManyRecommendationsError(maxItems, line);
  return request;
}

function countLines(body: string): number {
  let count = 0;
  for (const row of body.split('\n')) if (row.trim() !== '') count++;
  return count;
}

function toRequest(doc: unknown, where: string): RecommendationRequest {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BadRequestError(`${where}expected a JSON object like {"user_id": "17519", "top_n": "10"}`);
  }
  const parsed = RequestSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : 'request';
    const detail = (doc as Record<string, unknown>)[String(issue.path[0])] === undefined ? 'is required' : issue.message;
    throw new BadRequestError(`${where}${field}: ${detail}`);
  }
  const r = parsed.data;
  const excl = r[EXCLUDE_FIELD];
  return {
    userId: String(r.user_id).trim(),
    topN: parseTopN(r.top_n, where),
    excludeTrained: excl === undefined ? true : excl === true || excl === 'true',
  };
}

function parseTopN(v: string | number | undefined, where: string): number {
  if (v === undefined) return DEFAULT_TOP_N;
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOP_N) {
    throw new BadRequestError(`${where}top_n must be an integer from 1 to ${MAX_TOP_N}, got ${quoted(v)}`);
  }
  return n;
}
