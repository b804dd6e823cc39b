/**
 * evaluate-gate Lambda: the state machine's EvaluateGate task. Event:
 * { training: <DescribeTrainingJob result>, threshold, metricName, baselineMetricName }.
 * Returns the GateDecision; a following Choice state routes on `passed`.
 */
import { decide, FinalMetric, GateDecision, parseThreshold } from './decide';
import { GateInputError } from './errors';

/** The event the EvaluateGate state sends. */
export interface GateEvent {
  readonly training?: { readonly FinalMetricDataList?: FinalMetric[] };
  readonly threshold: unknown;
  readonly metricName: string;
  readonly baselineMetricName: string;
}

export async function handler(event: GateEvent): Promise<GateDecision> {
  if (typeof event?.metricName !== 'string' || typeof event.baselineMetricName !== 'string') {
    throw new GateInputError('metricName and baselineMetricName must be strings');
  }
  const list = event.training?.FinalMetricDataList;
  if (list !== undefined && !Array.isArray(list)) throw new GateInputError('training.FinalMetricDataList must be an array');
  return decide(list, parseThreshold(event.threshold), event.metricName, event.baselineMetricName);
}
