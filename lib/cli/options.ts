/**
 * Option values shared by every command line (npm start, the pipeline CLI, data:prepare,
 * data:generate): numbers and `k=v,...` hyperparameters, read by one set of rules and rejected
 * with a UsageError that names the option.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDecimal } from '../../container/src/decimal';
import { HyperparameterError } from '../../container/src/train/errors';
import { parseHyperparameters as checkHyperparameters } from '../../container/src/train/hyperparameters';
import type { TuningSettings } from '../contracts';
import { UsageError } from './errors';

/** Bounds of a numeric option; the error message is written from them. */
export interface NumberRule {
  readonly integer?: boolean;
  /** n >= atLeast */
  readonly atLeast?: number;
  /** n > above */
  readonly above?: number;
  /** n <= atMost */
  readonly atMost?: number;
  /** n < below */
  readonly below?: number;
}

/** "a number between 0 and 1", "an integer >= 1", ... */
export function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const { atLeast, above, atMost, below } = rule;
  if (atLeast !== undefined && atMost !== undefined) return `${kind} between ${atLeast} and ${atMost}`;
  if (above !== undefined && below !== undefined) return `${kind} between ${above} and ${below} (exclusive)`;
  const bounds = [
    atLeast !== undefined ? `>= ${atLeast}` : undefined,
    above !== undefined ? `> ${above}` : undefined,
    atMost !== undefined ? `<= ${atMost}` : undefined,
    below !== undefined ? `< ${below}` : undefined,
  ].filter((b) => b !== undefined);
  return [kind, bounds.join(' and ')].filter(Boolean).join(' ');
}

function satisfies(n: number, rule: NumberRule): boolean {
  return (
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (rule.atLeast === undefined || n >= rule.atLeast) &&
    (rule.above === undefined || n > rule.above) &&
    (rule.atMost === undefined || n <= rule.atMost) &&
    (rule.below === undefined || n < rule.below)
  );
}

/**
 * The number an option's text holds, or undefined when the option is absent. Only decimal notation
 * is read: blank text (Number('') would be 0), "0x10", NaN and infinities are refused, as are
 * values outside the rule.
 */
export function numberOption(raw: string | undefined, option: string, rule: NumberRule = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = parseDecimal(raw);
  if (!satisfies(n, rule)) throw new UsageError(`--${option} must be ${describeRule(rule)}, got "${raw}"`);
  return n;
}

/** Hyperparameter names SageMaker passes through (letters, digits, `_`, `.`, `-`). */
const HYPERPARAMETER_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses `k=v,k2=v2` (the value is everything after the first `=`, and stays a string, as
 * SageMaker wants). Spaces around pairs, keys and values are dropped; an empty list is refused.
 * Names and values are checked by the training program's own rules (train/hyperparameters.ts), so
 * a misspelt name fails here, before any AWS call or local run, naming the known ones.
 */
export function parseHyperparameters(raw: string, option = 'hyperparameters'): Record<string, string> {
  // A map, not an object: "__proto__=1" must be a name like any other (and an unknown one).
  const out = new Map<string, string>();
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    const value = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!HYPERPARAMETER_KEY.test(key) || value === '') {
      throw new UsageError(`--${option} expects key=value pairs separated by commas, got "${pair}"`);
    }
    if (out.has(key)) throw new UsageError(`--${option}: ${key} is given twice`);
    out.set(key, value);
  }
  if (out.size === 0) throw new UsageError(`--${option} is empty`);
  const hyperparameters = Object.fromEntries(out);
  try {
    checkHyperparameters(hyperparameters);
  } catch (err) {
    if (err instanceof HyperparameterError) throw new UsageError(`--${option}: ${err.message}`);
    throw err;
  }
  return hyperparameters;
}

/** node:util parseArgs in strict mode, its errors (unknown option, missing value) turned into UsageError. */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** `tuning` from --tune N and its companions (which need --tune); undefined without --tune. */
export function tuningOption(
  jobs: string | undefined,
  parallel: string | undefined,
  strategy: string | undefined,
  ranges: string | undefined,
): TuningSettings | undefined {
  if (jobs === undefined) {
    const stray = [parallel && '--tune-parallel', strategy && '--tune-strategy', ranges && '--tune-ranges'].filter(Boolean);
    if (stray.length) throw new UsageError(`${stray.join(', ')} need --tune N`);
    return undefined;
  }
  let parsedRanges: unknown;
  if (ranges !== undefined) {
    try {
      parsedRanges = JSON.parse(ranges);
    } catch (err) {
      throw new UsageError(`--tune-ranges must be a JSON object, got ${JSON.stringify(ranges)} (${(err as Error).message})`);
    }
  }
  return {
    maxJobs: numberOption(jobs, 'tune', { integer: true, atLeast: 1 }),
    ...(parallel !== undefined
      ? { maxParallelJobs: numberOption(parallel, 'tune-parallel', { integer: true, atLeast: 1 }) }
      : {}),
    ...(strategy !== undefined ? { strategy: strategy as TuningSettings['strategy'] } : {}),
    ...(ranges !== undefined ? { ranges: parsedRanges as TuningSettings['ranges'] } : {}),
  };
}
