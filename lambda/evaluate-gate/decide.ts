/**
 * The deployment gate as a pure function: deploy only when the model's metric reaches the
 * threshold and beats the popularity baseline. Metrics are selected by name, never by position;
 * a missing or non-finite metric rejects the model with a reason naming it.
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
 * Reads the threshold: a number in [0, 1], or a numeric string for direct invocations (the state
 * machine's ValidateInput state already lets only numbers in [0, 1] through).
 */
export function parseThreshold(raw: unknown): number {
  const n = typeof raw === 'string' ? parseDecimal(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new GateInputError(`threshold must be a number between 0 and 1, got ${quoted(raw)}`);
  }
  return n;
}

/** Decides whether the model is deployed. */
export function decide(
  list: readonly FinalMetric[] | undefined,
  threshold: number,
  metricName: string,
  baselineMetricName: string,
): GateDecision {
  const metrics = metricsByName(list);
  const value = Number.isFinite(metrics[metricName]) ? metrics[metricName] : null;
  const baselineValue = Number.isFinite(metrics[baselineMetricName]) ? metrics[baselineMetricName] : null;
  const base = { metricName, value, baselineMetricName, baselineValue, threshold, metrics };
  if (value === null)
    return { ...base, passed: false, reason: `metric ${metricName} is missing from the training job's final metrics` };
  if (baselineValue === null) {
    return { ...base, passed: false, reason: `metric ${baselineMetricName} is missing from the training job's final metrics` };
  }
  if (value < threshold) return { ...base, passed: false, reason: `${metricName} ${value} is below the threshold ${threshold}` };
  if (value <= baselineValue) {
    return { ...base, passed: false, reason: `${metricName} ${value} does not beat the popularity baseline ${baselineValue}` };
  }
  return {
    ...base,
    passed: true,
    reason: `${metricName} ${value} reaches the threshold ${threshold} and beats the baseline ${baselineValue}`,
  };
}
