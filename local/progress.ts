/** Progress lines for the console: state name, elapsed time and the key figures a state produced. */
import { readableCause } from '../lib/cli/cause';
import { metricsByName } from '../lambda/evaluate-gate/decide';
import type { DeployedArtifacts, FinalMetric, GateDecision, PrepareDataResult, PruneResult } from '../lib/contracts';
import type { ProgressEvent } from './stepfunctions';

type Out = Record<string, unknown>;

const n = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v);

/** Key figures of the fields a state added to the execution's data. */
export function describeNewFields(fields: Out): string {
  const parts: string[] = [];
  const prepared = fields.prepared as Partial<PrepareDataResult> | undefined;
  if (prepared?.stats)
    parts.push(
      `${prepared.stats.rowsRead} rows -> ${prepared.stats.users} customers, ${prepared.stats.items} items, ${prepared.stats.pairs} pairs`,
    );
  const training = fields.training as Out | undefined;
  if (training?.TrainingJobName) {
    const m = metricsByName(Array.isArray(training.FinalMetricDataList) ? (training.FinalMetricDataList as FinalMetric[]) : []);
    parts.push(
      `${String(training.TrainingJobName)} ${String(training.TrainingJobStatus)}: precision@10 ${n(m['precision@10'])} (baseline ${n(m['baseline_precision@10'])}), p@k(10) ${n(m['p@k(10)'])}`,
    );
  }
  const gate = fields.gate as Partial<GateDecision> | undefined;
  if (gate && 'passed' in gate) parts.push(`${gate.passed ? 'PASSED' : 'REJECTED'}: ${String(gate.reason)}`);
  const lockHolder = fields.lockHolder as Out | undefined;
  if (lockHolder?.status) parts.push(`deployment lock held by an execution that is ${String(lockHolder.status)}`);
  const deployed = fields.deployed as Partial<DeployedArtifacts> | undefined;
  if (deployed?.prefix) parts.push(`artifacts copied to ${deployed.prefix}`);
  const endpointError = fields.endpointError as Out | undefined;
  if (endpointError?.Cause) parts.push(`SageMaker: ${readableCause(String(endpointError.Cause)).replace(/ \(Service: .*$/, '')}`);
  const pruned = fields.pruned as Partial<PruneResult> | undefined;
  if (pruned?.kept) parts.push(`kept ${pruned.kept.length} run(s), deleted ${pruned.deletedModels?.length ?? 0} old model(s)`);
  const endpoint = fields.endpoint as Out | undefined;
  if (endpoint?.EndpointStatus)
    parts.push(`endpoint ${String(endpoint.EndpointStatus)} (${String(endpoint.EndpointConfigName)})`);
  const transform = fields.transform as Out | undefined;
  if (transform?.TransformJobStatus) parts.push(`${String(transform.TransformJobName)} ${String(transform.TransformJobStatus)}`);
  const error = fields.error as Out | undefined;
  if (error?.Error) parts.push(`error ${String(error.Error)}: ${readableCause(String(error.Cause)).slice(0, 300)}`);
  return parts.join('; ');
}

/**
 * Turns progress events into console lines, remembering what each state added. A state polled in
 * a loop is printed again only when its figures change; an error a Catch handles is shown as such.
 */
export function progressPrinter(write: (line: string) => void): (machine: string, e: ProgressEvent) => void {
  let previous: Out = {};
  const entered = new Set<string>();
  const lastFigures = new Map<string, string>();
  let pendingFailure: ProgressEvent | undefined;
  return (machine, e) => {
    const t = (ev: ProgressEvent) => `[${(ev.elapsedMs / 1000).toFixed(1).padStart(6)} s] ${machine}`;
    if (pendingFailure && !(e.type === 'caught' || e.type === 'retried')) {
      write(
        `${t(pendingFailure)} ${pendingFailure.state} failed: ${pendingFailure.error}: ${readableCause(pendingFailure.cause).slice(0, 300)}`,
      );
    }
    if (e.type === 'caught' && pendingFailure)
      write(`${t(e)} ${e.state} raised ${pendingFailure.error} (caught by the definition)`);
    if (e.type === 'retried' && pendingFailure) write(`${t(e)} ${e.state} raised ${pendingFailure.error}: retrying`);
    pendingFailure = e.type === 'failed' ? e : undefined;
    if (e.type === 'entered' && e.stateType === 'Task' && !entered.has(e.state)) {
      entered.add(e.state);
      write(`${t(e)} ${e.state} ...`);
    }
    if (e.type === 'exited') {
      const out = e.output && typeof e.output === 'object' && !Array.isArray(e.output) ? (e.output as Out) : {};
      const added = Object.fromEntries(Object.entries(out).filter(([k, v]) => JSON.stringify(previous[k]) !== JSON.stringify(v)));
      previous = out;
      const figures = describeNewFields(added);
      const again = lastFigures.has(e.state);
      if ((e.stateType === 'Task' && !again) || (figures && lastFigures.get(e.state) !== figures)) {
        const took = e.durationMs !== undefined && e.stateType === 'Task' ? ` done in ${(e.durationMs / 1000).toFixed(1)} s` : '';
        write(`${t(e)} ${e.state}${took}${figures ? ` - ${figures}` : ''}`);
      }
      lastFigures.set(e.state, figures);
    }
  };
}
