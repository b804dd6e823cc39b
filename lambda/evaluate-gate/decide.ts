/**
 * The deployment gate as a pure function: deploy only when the model's metric reaches the
 * threshold, beats the popularity baseline and, when a model is live, is not worse than it by more
 * than the champion tolerance (relative: value >= champion x (1 - tolerance)), all measured on the
 * same test pairs. Metrics are selected by name, never by position; a missing or non-finite metric
 * rejects the model with a reason naming it. A first run (nothing live) gates on the first two.
 */
import { parseDecimal } from '../../container/src/decimal';
import { quoted } from '../../container/src/errors';
import type { FinalMetric, GateDecision } from '../../lib/contracts';
import { GateInputError } from './errors';

/** Turns FinalMetricDataList into a name -> value map (later entries win, like SageMaker's "last value"). */
export function metricsByName(list: readonly FinalMetric[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list ?? []) {
    if (typeof m?.MetricName === 'string' && typeof m.Value === 'number') out[m.MetricName] = m.Value;
  }
  return out;
}

/**
 * Reads a share in [0, 1] (the threshold, the champion tolerance): a number, or a numeric string
 * for direct invocations (the state machine's ValidateInput state already lets only numbers in
 * [0, 1] through).
 */
export function parseShare(raw: unknown, field: 'threshold' | 'championTolerance'): number {
  const n = typeof raw === 'string' ? parseDecimal(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new GateInputError(`${field} must be a number between 0 and 1, got ${quoted(raw)}`);
  }
  return n;
}

/** What the gate compares, by name. */
export interface GateRule {
  readonly threshold: number;
  readonly metricName: string;
  readonly baselineMetricName: string;
  readonly championMetricName: string;
  /** The live model's registry version; null when nothing is live (a first run). */
  readonly championVersion: number | null;
  readonly championTolerance: number;
}

const percent = (share: number) => `${Number((share * 100).toPrecision(3))}%`;

/** Decides whether the model is deployed. */
export function decide(list: readonly FinalMetric[] | undefined, rule: GateRule): GateDecision {
  const metrics = metricsByName(list);
  const finite = (name: string) => (Number.isFinite(metrics[name]) ? metrics[name]! : null);
  const { threshold, metricName, baselineMetricName, championMetricName, championVersion, championTolerance } = rule;
  const value = finite(metricName);
  const baselineValue = finite(baselineMetricName);
  const championValue = championVersion === null ? null : finite(championMetricName);
  const base = {
    metricName,
    value,
    baselineMetricName,
    baselineValue,
    threshold,
    championMetricName,
    championValue,
    championVersion,
    championTolerance,
    metrics,
  };
  const reject = (reason: string): GateDecision => ({ ...base, passed: false, reason });
  const missing = (name: string) => reject(`metric ${name} is missing from the training job's final metrics`);
  if (value === null) return missing(metricName);
  if (baselineValue === null) return missing(baselineMetricName);
  if (value < threshold) return reject(`${metricName} ${value} is below the threshold ${threshold}`);
  if (value <= baselineValue) return reject(`${metricName} ${value} does not beat the popularity baseline ${baselineValue}`);
  const passes = `${metricName} ${value} reaches the threshold ${threshold} and beats the baseline ${baselineValue}`;
  if (championVersion === null) return { ...base, passed: true, reason: `${passes}; no model is live yet` };
  const live = `the live model (version ${championVersion})`;
  if (championValue === null) {
    return reject(
      `metric ${championMetricName} is missing from the training job's final metrics: ${live} could not be measured on the same test pairs`,
    );
  }
  const floor = championValue * (1 - championTolerance);
  if (value < floor) {
    return reject(
      `${metricName} ${value} is worse than ${live}'s ${championValue} by ${percent(1 - value / championValue)}, more than the tolerance of ${percent(championTolerance)}`,
    );
  }
  return {
    ...base,
    passed: true,
    reason: `${passes}, and is within ${percent(championTolerance)} of ${live}'s ${championValue} or better`,
  };
}
