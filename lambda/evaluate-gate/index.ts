/**
 * evaluate-gate Lambda: the state machine's EvaluateGate task. Event: a GateEvent (the training
 * job's description, the threshold, the metric names, the live model measured, the champion
 * tolerance). Returns the GateDecision; the registration that follows records it.
 */
import type { GateDecision, GateEvent } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { decide, parseShare } from './decide';
import { GateInputError } from './errors';

function evaluate(event: GateEvent): GateDecision {
  const names = [event?.metricName, event?.baselineMetricName, event?.championMetricName];
  if (names.some((n) => typeof n !== 'string')) {
    throw new GateInputError('metricName, baselineMetricName and championMetricName must be strings');
  }
  const list = event.training?.FinalMetricDataList;
  if (list !== undefined && !Array.isArray(list)) throw new GateInputError('training.FinalMetricDataList must be an array');
  const version = event.champion === null || event.champion === undefined ? null : event.champion.modelPackageVersion;
  if (version !== null && !(Number.isInteger(version) && version > 0)) {
    throw new GateInputError(`champion.modelPackageVersion must be a positive integer, got ${JSON.stringify(version)}`);
  }
  return decide(list, {
    threshold: parseShare(event.threshold, 'threshold'),
    metricName: event.metricName,
    baselineMetricName: event.baselineMetricName,
    championMetricName: event.championMetricName,
    championVersion: version,
    championTolerance: parseShare(event.championTolerance, 'championTolerance'),
  });
}

/** Errors leave with name and message only (no stack trace in the execution history or notification). */
export async function handler(event: GateEvent): Promise<GateDecision> {
  try {
    return evaluate(event);
  } catch (err) {
    throw withoutStack(err instanceof Error ? err : new GateInputError(String(err)));
  }
}
