/**
 * How the local tuning stand-in draws its trials from a tuning job's ParameterRanges: a seeded
 * random search, stratified (Latin hypercube): with N trials each range is cut into N equal strata
 * on its scale (Linear, or Logarithmic) and every stratum is drawn once, in a shuffled order per
 * range, so a few trials still cover each range from end to end. Both strategies the pipeline
 * offers (Bayesian, Random) search this way locally; SageMaker's Bayesian search also learns from
 * the trials already done. Values are strings, as SageMaker passes hyperparameters.
 */
import { Rng } from '../../container/src/train/rng';
import { SageMakerValidationError } from './errors';

interface NumericRange {
  readonly Name: string;
  readonly MinValue: string;
  readonly MaxValue: string;
  readonly ScalingType?: string;
}

interface CategoricalRange {
  readonly Name: string;
  readonly Values: readonly string[];
}

/** SageMaker's ParameterRanges (the lists the stand-in searches). */
export interface Ranges {
  readonly IntegerParameterRanges?: readonly NumericRange[];
  readonly ContinuousParameterRanges?: readonly NumericRange[];
  readonly CategoricalParameterRanges?: readonly CategoricalRange[];
}

/** A range's values as numbers, refused as SageMaker refuses them (ValidationException). */
function bounds(r: NumericRange, integer: boolean): { min: number; max: number; log: boolean } {
  const min = Number(r.MinValue);
  const max = Number(r.MaxValue);
  if (!Number.isFinite(min) || !Number.isFinite(max) || (integer && (!Number.isInteger(min) || !Number.isInteger(max)))) {
    throw new SageMakerValidationError(`range ${r.Name}: MinValue and MaxValue must be ${integer ? 'integers' : 'numbers'}`);
  }
  if (min > max) throw new SageMakerValidationError(`range ${r.Name}: MinValue must not be above MaxValue`);
  const scaling = r.ScalingType ?? 'Auto';
  if (
    !['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'].includes(scaling) ||
    (integer && scaling === 'ReverseLogarithmic')
  ) {
    throw new SageMakerValidationError(`range ${r.Name}: ScalingType ${scaling} is not valid here`);
  }
  if (scaling === 'ReverseLogarithmic') {
    throw new SageMakerValidationError(`range ${r.Name}: ReverseLogarithmic scaling is not supported locally`);
  }
  // https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContinuousParameterRange.html
  if (scaling === 'Logarithmic' && min <= 0) {
    throw new SageMakerValidationError(
      `range ${r.Name}: Logarithmic scaling works only for ranges that have only values greater than 0`,
    );
  }
  return { min, max, log: scaling === 'Logarithmic' };
}

/** The value at position u in [0, 1) of a numeric range. */
function valueAt(u: number, b: { min: number; max: number; log: boolean }, integer: boolean): string {
  if (integer) {
    const x = b.log ? Math.exp(Math.log(b.min) + u * (Math.log(b.max + 1) - Math.log(b.min))) : b.min + u * (b.max - b.min + 1);
    return String(Math.min(b.max, Math.max(b.min, Math.floor(x))));
  }
  const x = b.log ? Math.exp(Math.log(b.min) + u * (Math.log(b.max) - Math.log(b.min))) : b.min + u * (b.max - b.min);
  return String(Number(x.toPrecision(6)));
}

/** Every range's name, checked once (a name searched twice is refused). */
export function rangeNames(ranges: Ranges): string[] {
  const names = [
    ...(ranges.IntegerParameterRanges ?? []),
    ...(ranges.ContinuousParameterRanges ?? []),
    ...(ranges.CategoricalParameterRanges ?? []),
  ].map((r) => r.Name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new SageMakerValidationError(`hyperparameter ${twice} has more than one range`);
  if (names.length === 0) throw new SageMakerValidationError('ParameterRanges must name at least one hyperparameter');
  return names;
}

/** The tuned hyperparameters of `count` trials, seeded. */
export function drawTrials(ranges: Ranges, count: number, seed: number): Record<string, string>[] {
  rangeNames(ranges);
  const rng = new Rng(seed, 0x7a4e);
  const trials: Record<string, string>[] = Array.from({ length: count }, () => ({}));
  const strata = (): number[] => {
    const order = Array.from({ length: count }, (_, i) => i);
    rng.shuffle(order);
    return order;
  };
  const at = (order: number[], i: number) => (order[i] + rng.next()) / count;
  for (const [list, integer] of [
    [ranges.IntegerParameterRanges ?? [], true],
    [ranges.ContinuousParameterRanges ?? [], false],
  ] as const) {
    for (const r of list) {
      const b = bounds(r, integer);
      const order = strata();
      trials.forEach((t, i) => (t[r.Name] = valueAt(at(order, i), b, integer)));
    }
  }
  for (const r of ranges.CategoricalParameterRanges ?? []) {
    if (!Array.isArray(r.Values) || r.Values.length === 0) {
      throw new SageMakerValidationError(`range ${r.Name}: Values must list at least one value`);
    }
    const order = strata();
    trials.forEach(
      (t, i) => (t[r.Name] = String(r.Values[Math.min(r.Values.length - 1, Math.floor(at(order, i) * r.Values.length))])),
    );
  }
  return trials;
}
