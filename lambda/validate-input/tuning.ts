/**
 * The execution input's `tuning`: its settings checked, and resolved with the static
 * hyperparameters into the plan the tuning job is created from. One implementation for the
 * ValidateInput task, the pipeline CLI and the configuration's default (lib/config.ts), so a range
 * naming an unknown hyperparameter fails before any job starts, naming it.
 *
 * A hyperparameter is either static or searched, never both. The default ranges leave out what the
 * configuration or the input fixes (`hyperparameters`); a range the input gives explicitly takes
 * its hyperparameter out of the configured static ones, and may not name one the same input fixes.
 */
import { z } from 'zod';
import { quoted, shownName } from '../../container/src/errors';
import { HyperparameterError } from '../../container/src/train/errors';
import { hyperparameterName, parseHyperparameters } from '../../container/src/train/hyperparameters';
import { DEFAULT_TUNING_RANGES, sageMakerRange, type SageMakerRange } from '../../container/src/train/tuning';
import { TUNING_STRATEGIES, type TuningPlan, type TuningSettings } from '../../lib/contracts';

/**
 * A tuning job of this pipeline launches at most this many trials: the execution data, its output and
 * the notification list every trial, and Step Functions keeps at most 256 KiB of data per state.
 */
export const MAX_TUNING_JOBS = 50;

/** Defaults of the settings an input leaves out (maxParallelJobs never above maxJobs). */
export const TUNING_DEFAULTS = { maxJobs: 12, maxParallelJobs: 2, strategy: 'Bayesian', seed: 42 } as const satisfies Required<
  Omit<TuningSettings, 'ranges'>
>;

/** A tuning setting that is wrong: the message names the field (`tuning.maxJobs ...`). */
export class TuningSettingsError extends HyperparameterError {}

const count = z.number().int().min(1).max(MAX_TUNING_JOBS);

/** The settings' shape (the ranges are checked one by one, by the training program's rules). */
export const TuningSettingsSchema = z.strictObject({
  maxJobs: count.optional(),
  maxParallelJobs: count.optional(),
  strategy: z.enum(TUNING_STRATEGIES).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  ranges: z.record(z.string(), z.unknown()).optional(),
});

const RULES: Record<keyof TuningSettings, string> = {
  maxJobs: `an integer between 1 and ${MAX_TUNING_JOBS}`,
  maxParallelJobs: 'an integer between 1 and maxJobs',
  strategy: `${TUNING_STRATEGIES.join(' or ')} (SageMaker's Hyperband and Grid are not offered: the objective is measured once, at the end of a trial, and the default ranges are numeric)`,
  seed: `an integer between 0 and ${2 ** 31 - 1}`,
  ranges:
    'an object of hyperparameter names to ranges ({"min", "max", "scale"} or {"values"}), or null to leave a default range out',
};

/** Checks the settings' shape; throws TuningSettingsError naming the first wrong field. */
export function checkTuningSettings(raw: unknown): TuningSettings {
  const parsed = TuningSettingsSchema.safeParse(raw);
  if (parsed.success) return parsed.data as TuningSettings;
  const issue = parsed.error.issues[0];
  const field = issue.path[0] as keyof TuningSettings | undefined;
  if (field === undefined || !(field in RULES)) {
    const keys = Object.keys(RULES).join(', ');
    throw new TuningSettingsError(`tuning must be an object with the keys ${keys} (each optional), got ${quoted(raw)}`);
  }
  throw new TuningSettingsError(
    `tuning.${field} must be ${RULES[field]}, got ${quoted((raw as Record<string, unknown>)[field])}`,
  );
}

/** One range of the input, its error naming the setting (`tuning.ranges.factorz: unknown hyperparameter ...`). */
function inputRange(name: string, range: unknown): SageMakerRange {
  try {
    return sageMakerRange(name, range);
  } catch (err) {
    if (!(err instanceof HyperparameterError)) throw err;
    throw new TuningSettingsError(`tuning.ranges.${shownName(name)}: ${err.message}`);
  }
}

/** Canonical names of a hyperparameters object's known keys (aliases resolved). */
function namesOf(hyperparameters: Record<string, string>): Set<string> {
  return new Set(Object.keys(hyperparameters).map((k) => hyperparameterName(k) ?? k));
}

/**
 * Resolves the settings (null: no tuning) against the configured and the input's hyperparameters.
 * Returns the plan and the static hyperparameters (configured merged with the input's, the
 * searched ones left out); throws HyperparameterError naming what is wrong.
 */
export function resolveTuning(
  raw: unknown,
  configured: Record<string, string>,
  given: Record<string, string>,
): { plan: TuningPlan | null; hyperparameters: Record<string, string> } {
  const merged = { ...configured, ...given };
  if (raw === null || raw === undefined) return { plan: null, hyperparameters: merged };
  const settings = checkTuningSettings(raw);
  const maxJobs = settings.maxJobs ?? TUNING_DEFAULTS.maxJobs;
  const maxParallelJobs = settings.maxParallelJobs ?? Math.min(TUNING_DEFAULTS.maxParallelJobs, maxJobs);
  if (maxParallelJobs > maxJobs) {
    throw new TuningSettingsError(`tuning.maxParallelJobs (${maxParallelJobs}) must not be above tuning.maxJobs (${maxJobs})`);
  }
  const fixedByInput = namesOf(given);
  const fixed = namesOf(merged);
  const ranges = new Map<string, SageMakerRange>();
  for (const [name, range] of Object.entries(DEFAULT_TUNING_RANGES)) {
    if (!fixed.has(name)) ranges.set(name, sageMakerRange(name, range));
  }
  for (const [name, range] of Object.entries(settings.ranges ?? {})) {
    const known = hyperparameterName(name) ?? name;
    if (range === null) {
      ranges.delete(known);
      continue;
    }
    const checked = inputRange(name, range);
    if (fixedByInput.has(checked.range.Name)) {
      throw new TuningSettingsError(
        `tuning.ranges.${shownName(name)}: ${checked.range.Name} is also given in hyperparameters; a hyperparameter is either fixed or searched`,
      );
    }
    ranges.set(checked.range.Name, checked);
  }
  if (ranges.size === 0) throw new TuningSettingsError('tuning has no range left to search: give tuning.ranges');
  const hyperparameters = Object.fromEntries(Object.entries(merged).filter(([k]) => !ranges.has(hyperparameterName(k) ?? k)));
  // Trials are compared on the validation slice: without one there is no objective to compare.
  if (parseHyperparameters(hyperparameters).validation_fraction === 0) {
    throw new TuningSettingsError(
      'tuning needs a validation slice: validation_fraction must be above 0 (the objective is measured on it)',
    );
  }
  const parameterRanges = { IntegerParameterRanges: [], ContinuousParameterRanges: [], CategoricalParameterRanges: [] } as {
    [K in SageMakerRange['list']]: Extract<SageMakerRange, { list: K }>['range'][];
  };
  for (const r of ranges.values()) (parameterRanges[r.list] as unknown[]).push(r.range);
  return {
    plan: {
      strategy: settings.strategy ?? TUNING_DEFAULTS.strategy,
      maxJobs,
      maxParallelJobs,
      seed: settings.seed ?? TUNING_DEFAULTS.seed,
      parameterRanges,
      tunedNames: [...ranges.keys()],
    },
    hyperparameters,
  };
}
