/**
 * evaluate-gate Lambda: the state machine's EvaluateGate task. Event: a GateEvent (the training
 * job's description, the threshold and the metric names). Returns the GateDecision; a following
 * Choice state routes on `passed`.
 */
import type { GateDecision, GateEvent } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { decide, parseThreshold } from './decide';
import { GateInputError } from './errors';

function evaluate(event: GateEvent): GateDecision {
  if (typeof event?.metricName !== 'string' || typeof event.baselineMetricName !== 'string') {
    throw new GateInputError('metricName and baselineMetricName must be strings');
  }
  const list = event.training?.FinalMetricDataList;
  if (list !== undefined && !Array.isArray(list)) throw new GateInputError('training.FinalMetricDataList must be an array');
  return decide(list, parseThreshold(event.threshold), event.metricName, event.baselineMetricName);
}

/** Errors leave with name and message only (no stack trace in the execution history or notification). */
export async function handler(event: GateEvent): Promise<GateDecision> {
  try {
    return evaluate(event);
  } catch (err) {
    throw withoutStack(err instanceof Error ? err : new GateInputError(String(err)));
  }
}
