/**
 * What a hyperparameter tuning job may search in this training program: which hyperparameters
 * (and why the others not), their default ranges, and the check of one range against the
 * program's own rules (hyperparameters.ts), so a range whose ends the program would refuse fails
 * before any job starts. A range comes out in SageMaker's ParameterRanges form, values as strings:
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ParameterRanges.html
 */
import { quoted, shownName } from '../errors';
import { HyperparameterError } from './errors';
import { hyperparameterName, parseHyperparameters, unknownHyperparameter, type HyperparameterName } from './hyperparameters';

/** How a tunable hyperparameter's min/max range is searched by default: its own type. */
export type NumericKind = 'integer' | 'continuous';

/** Each hyperparameter: the kind of its min/max range, `categorical` (values only), or why it is never searched. */
export const TUNING_RULES = {
  factors: 'integer',
  learning_rate: 'continuous',
  regularization: 'continuous',
  bias_regularization: 'continuous',
  epochs: 'integer',
  negative_samples: 'integer',
  patience: 'integer',
  optimizer: 'categorical',
  lr_schedule: 'categorical',
  negative_sampling: 'categorical',
  verify_negatives: 'categorical',
  validation_fraction: {
    never: 'it changes the validation slice the objective is measured on, so trials would not be compared on the same pairs',
  },
  validation_users: { never: 'it changes which validation customers the objective is measured on' },
  eval_every: { never: 'it changes when the objective is measured, not the model' },
  eval_k: { never: 'the gate and the metric definitions are built for the configured K' },
  seed: { never: 'searching seeds picks luck on the validation slice, not a better model' },
  threads: { never: "it is a resource setting (each trial uses its instance's cores), not a model setting" },
  gate_threshold: { never: "it is the gate's threshold, not a training setting" },
} as const satisfies Record<HyperparameterName, NumericKind | 'categorical' | { never: string }>;

/** A range as an execution input gives it. */
export type RangeInput =
  | { readonly min: number | string; readonly max: number | string; readonly scale?: 'linear' | 'log' }
  | { readonly values: readonly (string | number | boolean)[] };

/** SageMaker's ScalingType of each scale. */
const SCALING = { linear: 'Linear', log: 'Logarithmic' } as const;

/**
 * The default ranges: the model's size, step, penalty, negatives and training length, each with the
 * default near its middle on its scale (factors 128, learning_rate 0.12, regularization 0.03,
 * negative_samples 10, epochs 25). Wider ones (regularization from 0.001, learning_rate from 0.02,
 * one negative) spent most of 12 trials on the year-1 split on plainly worse models
 * (docs/benchmarks.md). Early stopping still keeps each trial's best epoch on the validation slice.
 */
export const DEFAULT_TUNING_RANGES: Readonly<Partial<Record<HyperparameterName, RangeInput>>> = {
  factors: { min: 64, max: 256, scale: 'log' },
  learning_rate: { min: 0.04, max: 0.3, scale: 'log' },
  regularization: { min: 0.01, max: 0.1, scale: 'log' },
  negative_samples: { min: 4, max: 16, scale: 'linear' },
  epochs: { min: 15, max: 40, scale: 'linear' },
};

/** At most this many values in one categorical range (SageMaker's CategoricalParameterRange). */
export const MAX_CATEGORICAL_VALUES = 30;

/** One range in SageMaker's form, by the list of ParameterRanges it belongs in. */
export type SageMakerRange =
  | { readonly list: 'IntegerParameterRanges' | 'ContinuousParameterRanges'; readonly range: NumericRange }
  | { readonly list: 'CategoricalParameterRanges'; readonly range: { Name: string; Values: string[] } };

interface NumericRange {
  Name: string;
  MinValue: string;
  MaxValue: string;
  ScalingType: (typeof SCALING)[keyof typeof SCALING];
}

/** The known name a range names (an alias's target); throws for an unknown or never-searched one. */
export function tunableName(name: string): HyperparameterName {
  const known = hyperparameterName(name);
  if (!known) throw unknownHyperparameter(name);
  const rule = TUNING_RULES[known];
  if (typeof rule === 'object') throw new HyperparameterError(`hyperparameter ${shownName(name)} cannot be tuned: ${rule.never}`);
  return known;
}

/** The value as the program reads it, or the program's own error naming the hyperparameter. */
function checkedValue(name: HyperparameterName, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new HyperparameterError(`hyperparameter ${name}: a range takes numbers or strings, got ${quoted(value)}`);
  }
  const text = String(value);
  parseHyperparameters({ [name]: text });
  return text;
}

/**
 * Checks one range (the input's name, as given) and returns it in SageMaker's form. Throws
 * HyperparameterError naming the hyperparameter and what is wrong.
 */
export function sageMakerRange(given: string, raw: unknown): SageMakerRange {
  const name = tunableName(given);
  const rule = TUNING_RULES[name] as NumericKind | 'categorical';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HyperparameterError(`range of ${name}: must be {"min", "max", "scale"} or {"values": [...]}, got ${quoted(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  const keys = Object.keys(r);
  if ('values' in r) {
    if (keys.length !== 1) throw new HyperparameterError(`range of ${name}: "values" takes no other key, got ${keys.join(', ')}`);
    const list = r.values;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CATEGORICAL_VALUES) {
      throw new HyperparameterError(`range of ${name}: "values" must be a list of 1 to ${MAX_CATEGORICAL_VALUES} values`);
    }
    const values = list.map((v) => checkedValue(name, v));
    if (new Set(values).size !== values.length) throw new HyperparameterError(`range of ${name}: a value is listed twice`);
    return { list: 'CategoricalParameterRanges', range: { Name: name, Values: values } };
  }
  if (rule === 'categorical') {
    throw new HyperparameterError(`range of ${name}: it takes {"values": [...]} (it is not a number)`);
  }
  const extra = keys.filter((k) => !['min', 'max', 'scale'].includes(k));
  if (extra.length || !('min' in r) || !('max' in r)) {
    throw new HyperparameterError(
      `range of ${name}: must be {"min", "max", "scale"} (scale optional), got keys ${keys.join(', ') || '(none)'}`,
    );
  }
  const scale = r.scale ?? 'linear';
  if (scale !== 'linear' && scale !== 'log')
    throw new HyperparameterError(`range of ${name}: scale must be linear or log, got ${quoted(scale)}`);
  const [min, max] = [checkedValue(name, r.min), checkedValue(name, r.max)].map(Number);
  if (!(min < max)) throw new HyperparameterError(`range of ${name}: min (${min}) must be below max (${max})`);
  // Logarithmic scaling works only for ranges of values greater than 0 (API_IntegerParameterRange).
  if (scale === 'log' && min <= 0) throw new HyperparameterError(`range of ${name}: a log scale needs min above 0, got ${min}`);
  return {
    list: rule === 'integer' ? 'IntegerParameterRanges' : 'ContinuousParameterRanges',
    range: { Name: name, MinValue: String(min), MaxValue: String(max), ScalingType: SCALING[scale] },
  };
}
