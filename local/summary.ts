/** The run's summary: built from the executions and the local services, printed and saved as summary.json. */
import { metricsByName } from '../lambda/evaluate-gate/decide';
import { readableCause } from '../lib/cli/cause';
import {
  outputFields,
  type DeploymentRecord,
  type FinalMetric,
  type GateDecision,
  type PrepareStats,
  type TrainingOutputFields,
  type TuningSummary,
} from '../lib/contracts';
import { trialObjective } from '../container/src/report/tuning';
import { ExecutionStatus } from '../lib/pipeline-names';
import type { LocalPipeline } from './pipeline';
import type { RecordedCall } from './recorders';
import type { BatchOutput, CustomerRecommendations } from './report';
import type { ExecutionResult } from './stepfunctions';

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly cause?: string;
  readonly seconds: number;
  readonly states: string[];
}

/** What a training execution ended as: its output's status, or FAILED. */
export type RunStatus = 'DEPLOYED' | 'REJECTED' | 'PENDING_APPROVAL' | 'BUSY' | 'UNCHANGED' | 'FAILED';

/** One training execution of the run: its registry version, the gate's three values and its decision. */
export interface TrainingRunSummary {
  readonly status: RunStatus;
  /** Why: the gate's reason, or the execution's error and cause. */
  readonly reason: string;
  readonly executionArn: string;
  readonly seconds: number;
  /** The model package version it registered (null when it failed before). */
  readonly modelPackageVersion: number | null;
  readonly modelApprovalStatus: string | null;
  /** The gate's decision and the three values it compared (null when it failed before). */
  readonly gate: Omit<GateDecision, 'reason' | 'metrics'> | null;
}

export interface RunSummary {
  /** The last training execution's: DEPLOYED, REJECTED (the gate said no), PENDING_APPROVAL, BUSY or FAILED. */
  readonly status: RunStatus;
  /** Why: the gate's reason, or the execution's error and cause. */
  readonly reason: string;
  /** Every training execution, in order (`npm start -- --runs N`). */
  readonly runs: TrainingRunSummary[];
  /** The version the deployment record names (live on the endpoint), if any. */
  readonly live: { readonly modelPackageVersion: number; readonly modelName: string } | null;
  /** Every version in the model registry, oldest first. */
  readonly registry: { readonly version: number; readonly status: string; readonly description: string }[];
  readonly training: ExecutionSummary;
  /** Data preparation statistics (null when preparation did not finish). */
  readonly data: PrepareStats | null;
  readonly trainingJob: { name: string; status: string; failureReason?: string; modelDataUrl?: string; seconds?: number } | null;
  /** A tuned run's tuning job, trials and best trial (null: one training job). */
  readonly tuning: TuningSummary | null;
  /** Every metric of the training job (model and baseline_ ones). */
  readonly metrics: Record<string, number>;
  /** The last run's gate decision (its reason is `reason` above). */
  readonly gate: TrainingRunSummary['gate'];
  /** The run's model report: where the pipeline published it and its copy in the work directory. */
  readonly report: { readonly uri: string; readonly path: string } | null;
  readonly endpoint: { name: string; url: string; status: string; modelName: string } | null;
  readonly recommendations: CustomerRecommendations[];
  readonly batch: (Partial<BatchOutput> & { execution: ExecutionSummary; status: string }) | null;
  /** SNS messages the run would have sent. */
  readonly notifications: { subject?: string; message: string }[];
  /** SSM parameters as the run left them. */
  readonly parameters: Record<string, string>;
  /** Calls to services that were only recorded (Scheduler etc.). */
  readonly recordedCalls: RecordedCall[];
  readonly s3Endpoint: string;
  readonly workdir: string;
  readonly totalSeconds: number;
}

export function executionSummary(r: ExecutionResult): ExecutionSummary {
  return {
    executionArn: r.executionArn,
    status: r.status,
    error: r.error,
    cause: r.cause,
    seconds: r.durationMs / 1000,
    states: r.visited,
  };
}

/** One training execution, summarized from its output. */
export function trainingRunSummary(training: ExecutionResult): TrainingRunSummary {
  const out = outputFields<TrainingOutputFields>(training.output);
  const status: RunStatus = training.status === 'FAILED' ? 'FAILED' : (out.status ?? ExecutionStatus.Rejected);
  const gate: TrainingRunSummary['gate'] =
    typeof out.metricName === 'string'
      ? {
          passed: out.modelApprovalStatus !== undefined && out.modelApprovalStatus !== 'Rejected',
          metricName: out.metricName,
          value: out.value ?? null,
          baselineMetricName: String(out.baselineMetricName),
          baselineValue: out.baselineValue ?? null,
          threshold: Number(out.threshold),
          championMetricName: String(out.championMetricName),
          championValue: out.championValue ?? null,
          championVersion: out.championVersion ?? null,
          championTolerance: Number(out.championTolerance),
        }
      : null;
  return {
    status,
    reason: status === 'FAILED' ? `${training.error}: ${readableCause(training.cause)}` : String(out.reason ?? ''),
    executionArn: training.executionArn,
    seconds: training.durationMs / 1000,
    modelPackageVersion: out.modelPackageVersion ?? null,
    modelApprovalStatus: out.modelApprovalStatus ?? null,
    gate,
  };
}

/** Builds the summary; the parts that need I/O (recommendations, batch output) come in ready. */
export function buildSummary(args: {
  pipeline: LocalPipeline;
  trainings: ExecutionResult[];
  record: DeploymentRecord | null;
  recommendations: CustomerRecommendations[];
  batch: RunSummary['batch'];
  report: RunSummary['report'];
  startedAt: number;
}): RunSummary {
  const { pipeline, record } = args;
  const training = args.trainings.at(-1)!;
  const runs = args.trainings.map(trainingRunSummary);
  const last = runs.at(-1)!;
  const out = outputFields<TrainingOutputFields>(training.output);
  // The run's model's job (a tuned run's best trial), else the last one started.
  const jobs = pipeline.services.sagemaker.training.list();
  const job = jobs.find((j) => j.TrainingJobName === out.trainingJobName) ?? jobs.at(-1);
  const endpointName =
    typeof out.endpointName === 'string' ? out.endpointName : pipeline.services.sagemaker.hosting.endpointNames()[0];
  const ep = endpointName ? pipeline.services.sagemaker.hosting.endpointInfo(endpointName) : undefined;
  return {
    status: last.status,
    reason: last.reason,
    runs,
    live: record ? { modelPackageVersion: record.modelPackageVersion, modelName: record.modelName } : null,
    registry: pipeline.services.sagemaker.registry.all().map((p) => ({
      version: p.ModelPackageVersion,
      status: p.ModelApprovalStatus,
      description: p.ModelPackageDescription ?? '',
    })),
    training: executionSummary(training),
    data: out.stats ?? pipeline.lastPreparedStats ?? null,
    trainingJob: job
      ? {
          name: String(job.TrainingJobName),
          status: String(job.TrainingJobStatus),
          failureReason: job.FailureReason as string | undefined,
          modelDataUrl: (job.ModelArtifacts as { S3ModelArtifacts?: string } | undefined)?.S3ModelArtifacts,
          seconds: job.TrainingTimeInSeconds as number | undefined,
        }
      : null,
    tuning: out.tuning ?? null,
    metrics: metricsByName(job?.FinalMetricDataList as FinalMetric[] | undefined),
    gate: last.gate,
    report: args.report,
    endpoint: ep && endpointName ? { name: endpointName, ...ep } : null,
    recommendations: args.recommendations,
    batch: args.batch,
    notifications: pipeline.services.sns.messages.map((m) => ({ subject: m.subject, message: m.message })),
    parameters: pipeline.services.ssm.all(),
    recordedCalls: pipeline.services.recorder.calls.filter((c) => c.service !== 'ssm' && c.service !== 'sns'),
    s3Endpoint: pipeline.s3.endpoint,
    workdir: pipeline.options.workdir,
    totalSeconds: (Date.now() - args.startedAt) / 1000,
  };
}

const fmt = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)).toString() : String(v));

/** One line per training execution: its version, the gate's three values, the decision. */
export function formatRun(n: number, r: TrainingRunSummary): string {
  const head = `run ${n}: ${r.status}${r.modelPackageVersion === null ? '' : `, version ${r.modelPackageVersion} ${r.modelApprovalStatus}`}`;
  if (!r.gate) return `${head} (${r.reason})`;
  const g = r.gate;
  const live = g.championVersion === null ? 'no live model' : `live model (version ${g.championVersion}) ${fmt(g.championValue)}`;
  return `${head}; gate: ${g.metricName} ${fmt(g.value)} vs threshold ${fmt(g.threshold)}, baseline ${fmt(g.baselineValue)}, ${live} -> ${g.passed ? 'pass' : 'reject'}`;
}

/** A tuned run: the tuning job, every trial (its tuned hyperparameters and objective) and the winner. */
export function formatTuning(t: TuningSummary): string[] {
  const c = t.trainingJobStatusCounters;
  const lines = [
    `tuning job: ${t.tuningJobName} ${t.status}, ${t.trialCount} trials (${c.Completed ?? 0} completed, ${(c.NonRetryableError ?? 0) + (c.RetryableError ?? 0)} failed, ${c.Stopped ?? 0} stopped), ${t.strategy} search, objective ${t.objectiveMetricName} (validation slice of the training pairs)`,
  ];
  for (const [i, trial] of t.trials.entries()) {
    const hp = Object.entries(trial.TunedHyperParameters)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const objective = trialObjective(trial);
    const mark = trial.TrainingJobName === t.best.trainingJobName ? ' <- best' : '';
    lines.push(
      `  trial ${String(i + 1).padStart(2)} ${objective === undefined ? `${trial.TrainingJobStatus}`.padEnd(8) : fmt(objective).padEnd(8)} ${hp}${mark}`,
    );
  }
  lines.push(`winner: ${t.best.trainingJobName}, ${t.objectiveMetricName} ${fmt(t.best.objective)}; its test metrics follow`);
  return lines;
}

/** Human-readable summary lines. */
export function formatSummary(s: RunSummary): string[] {
  const lines: string[] = ['', `=== ${s.status} ===`, `reason: ${s.reason}`];
  if (s.data) {
    const d = s.data;
    const split = d.split ?? {};
    lines.push(
      `data: ${fmt(d.rowsRead)} rows read -> ${fmt(d.users)} customers, ${fmt(d.items)} items, ${fmt(d.pairs)} unique pairs`,
    );
    const dropped = Object.entries(d.rowsDropped ?? {}).filter(([, v]) => typeof v === 'number' && v > 0);
    if (dropped.length) lines.push(`      rows dropped: ${dropped.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
    lines.push(
      `      ${String(split.mode ?? '?')} split: ${fmt(split.trainPairs)} training / ${fmt(split.testPairs)} test pairs`,
    );
  }
  if (s.trainingJob) {
    lines.push(
      `training job: ${s.trainingJob.name} ${s.trainingJob.status}${s.trainingJob.seconds !== undefined ? ` in ${s.trainingJob.seconds} s` : ''}${s.trainingJob.failureReason ? ` (${s.trainingJob.failureReason})` : ''}`,
    );
  }
  if (s.tuning) lines.push(...formatTuning(s.tuning));
  const model = Object.entries(s.metrics).filter(
    ([k]) => !/^(baseline|champion|validation)_/.test(k) && !['epoch', 'train_loss', 'samples_per_second'].includes(k),
  );
  if (model.length) {
    const live = model.some(([k]) => s.metrics[`champion_${k}`] !== undefined);
    lines.push(`metrics (model vs popularity baseline${live ? ' and the live model' : ''}):`);
    for (const [k, v] of model)
      lines.push(
        `  ${k.padEnd(16)} ${fmt(v).padEnd(10)} baseline ${fmt(s.metrics[`baseline_${k}`] ?? '-').padEnd(10)}${live ? ` live ${fmt(s.metrics[`champion_${k}`] ?? '-')}` : ''}`.trimEnd(),
      );
  }
  for (const [i, r] of s.runs.entries()) lines.push(formatRun(i + 1, r));
  if (s.registry.length)
    lines.push(
      `registry: ${s.registry.map((v) => `version ${v.version} ${v.status}`).join(', ')}; live: ${s.live ? `version ${s.live.modelPackageVersion}` : 'none'}`,
    );
  lines.push(s.report ? `report: ${s.report.path}` : 'report: none');
  if (s.endpoint)
    lines.push(
      `endpoint: ${s.endpoint.name} ${s.endpoint.status} at ${s.endpoint.url}/invocations (model ${s.endpoint.modelName})`,
    );
  else lines.push('endpoint: none');
  for (const r of s.recommendations) {
    lines.push(`recommendations for customer ${r.userId}:`);
    for (const [i, it] of r.items.entries())
      lines.push(`  ${String(i + 1).padStart(2)}. ${it.itemId.padEnd(8)} ${fmt(it.score).padEnd(9)} ${it.description ?? ''}`);
  }
  if (s.batch) {
    lines.push(
      `batch: ${s.batch.status}${s.batch.outputUri ? ` -> ${s.batch.outputUri} (${s.batch.lines} lines in ${s.batch.files?.length} file(s))` : ''}${s.batch.execution.error ? ` ${s.batch.execution.error}: ${readableCause(s.batch.execution.cause)}` : ''}`,
    );
    for (const l of s.batch.sample ?? []) lines.push(`  ${l}`);
  }
  for (const n of s.notifications) lines.push(`notification: ${n.subject ?? '(no subject)'}`);
  for (const [k, v] of Object.entries(s.parameters))
    lines.push(`parameter ${k}: ${v.length > 120 ? `${v.slice(0, 117)}...` : v}`);
  lines.push(`total: ${s.totalSeconds.toFixed(1)} s`);
  return lines;
}
