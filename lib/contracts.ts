/**
 * The contracts between the pipeline's stages, typed once: what the PrepareData and EvaluateGate
 * Lambdas take and return, what the training and batch executions output, and the record of the
 * deployed model. The state machine constructs build their field selections from these types (a
 * renamed field fails the type check), the handlers return them, and the local runner and the
 * pipeline CLI read executions' outputs through them.
 */
import type { PrepareDataEvent } from '../lambda/prepare-data/options';
import type { AthenaPlan } from '../lambda/prepare-data/athena';
import type { PrepareStats } from '../lambda/prepare-data/prepare';
import type { ExecutionStatus } from './pipeline-names';

export type { PrepareStats } from '../lambda/prepare-data/prepare';

/** Input of a training execution; every field is optional (the state machine applies its defaults). */
export interface TrainingInput {
  rawDataUri?: string;
  threshold?: number;
  /** Merged over the configured hyperparameters. */
  hyperparameters?: Record<string, string>;
  split?: 'random' | 'temporal';
  testFraction?: number;
  seed?: number;
}

/** The keys a training execution's input may have (a state machine check and the pipeline CLI refuse others). */
export const TRAINING_INPUT_KEYS = [
  'rawDataUri',
  'threshold',
  'hyperparameters',
  'split',
  'testFraction',
  'seed',
] as const satisfies readonly (keyof TrainingInput)[];
// Every field of TrainingInput is listed (a new field fails the type check until it is).
const _everyTrainingKey: Exclude<keyof TrainingInput, (typeof TRAINING_INPUT_KEYS)[number]> extends never ? true : never = true;
void _everyTrainingKey;

/** A batch execution takes no input keys. */
export const BATCH_INPUT_KEYS = [] as const;

/** The key the Step Functions console puts in a new execution's input: allowed everywhere, and ignored. */
export const IGNORED_INPUT_KEY = 'Comment';

/** What an execution input with an unknown key is told (the state machines' cause and the pipeline CLI's error). */
export function unknownInputKeyMessage(input: string, pipeline: string, accepted: readonly string[]): string {
  const keys = accepted.length
    ? `its keys are ${accepted.join(', ')} (and ${IGNORED_INPUT_KEY}, which is ignored)`
    : `it takes no keys (but ${IGNORED_INPUT_KEY}, which is ignored)`;
  return `the execution input ${input} has a key the ${pipeline} pipeline does not take; ${keys}`;
}

/** The keys of an execution input that are neither accepted nor the ignored Comment. */
export function unknownInputKeys(input: object, accepted: readonly string[]): string[] {
  return Object.keys(input).filter((k) => k !== IGNORED_INPUT_KEY && !accepted.includes(k));
}

/** What the PrepareData task sends the prepare-data Lambda (the event schema allows more options). */
export type PrepareDataRequest = Pick<
  PrepareDataEvent,
  'rawDataUri' | 'outputUri' | 'split' | 'testFraction' | 'seed' | 'engine' | 'athena' | 'rawTable' | 'publish'
>;

/** The prepare-data Lambda's result (kept under `$.prepared`). */
export interface PrepareDataResult {
  /** Channel prefixes of the training job. */
  readonly trainingUri: string;
  readonly testingUri: string;
  readonly catalogUri: string;
  /** users.jsonl, the batch transform's input. */
  readonly batchInputUri: string;
  readonly statsUri: string;
  readonly manifestUri: string;
  /** Null in an Athena plan (the publish step's result has them). */
  readonly stats: PrepareStats | null;
  /** Which engine ran (or, with `athena` set, is to run) the SQL. */
  readonly engine: 'duckdb' | 'athena';
  /** The statements for Athena when the state machine is to run them; null otherwise. */
  readonly athena: AthenaPlan | null;
}

/** One entry of DescribeTrainingJob's FinalMetricDataList. */
export interface FinalMetric {
  readonly MetricName?: string;
  readonly Value?: number;
}

/** What the PublishReport task sends the publish-report Lambda. */
export interface PublishReportEvent {
  /** The training job's model artifact (…/output/model.tar.gz); the job's output.tar.gz is beside it. */
  readonly modelDataUrl: string;
  /** Where the run's report goes: s3://<artifacts>/runs/<execution name>/report.html. */
  readonly reportUri: string;
  /** The copy of the latest run's report, which the dashboard links to. */
  readonly latestReportUri: string;
}

/** What the publish-report Lambda returns (kept under `$.report`): where the run's report is, or why there is none. */
export interface PublishReportResult {
  /** The run's self-contained HTML report in S3; null when the training job wrote none. */
  readonly reportUri: string | null;
  readonly latestReportUri: string | null;
  /** Why there is no report (null when there is one). */
  readonly reason: string | null;
}

/** What the EvaluateGate task sends the evaluate-gate Lambda. */
export interface GateEvent {
  /** The DescribeTrainingJob result of the `.sync` training task. */
  readonly training?: { readonly FinalMetricDataList?: FinalMetric[] };
  /** A number in [0, 1] (a numeric string too, for direct invocations). */
  readonly threshold: unknown;
  readonly metricName: string;
  readonly baselineMetricName: string;
}

/** What the gate decided (kept under `$.gate`), with the measured values (null when a metric is missing). */
export interface GateDecision {
  readonly passed: boolean;
  readonly reason: string;
  readonly metricName: string;
  readonly value: number | null;
  readonly baselineMetricName: string;
  readonly baselineValue: number | null;
  readonly threshold: number;
  readonly metrics: Record<string, number>;
}

/** What both outcomes of a training execution output: the gate's decision, the run and its data. */
export interface TrainingOutcome extends Omit<GateDecision, 'passed'> {
  readonly trainingJobName: string;
  readonly modelDataUrl: string;
  /** The run's model report (PublishReportResult.reportUri): for people, notifications and the model registry. */
  readonly reportUri: string | null;
  readonly endpointName: string;
  readonly stats: PrepareStats;
}

/** Output of a training execution whose model the gate rejected. */
export interface RejectedOutput extends TrainingOutcome {
  readonly status: typeof ExecutionStatus.Rejected;
}

/** Output of a training execution that deployed its model. */
export interface DeployedOutput extends TrainingOutcome {
  readonly status: typeof ExecutionStatus.Deployed;
  readonly modelName: string;
  readonly endpointConfigName: string;
  readonly batchInputUri: string;
}

/** Output of a successful training execution. */
export type TrainingOutput = RejectedOutput | DeployedOutput;

/** The SSM record of the deployed model, written by the training pipeline and read by the batch pipeline. */
export interface DeploymentRecord {
  readonly modelName: string;
  readonly endpointName: string;
  readonly endpointConfigName: string;
  readonly trainingJobName: string;
  readonly modelDataUrl: string;
  readonly batchInputUri: string;
  readonly catalogUri: string;
  readonly metricName: string;
  readonly value: number;
  readonly baselineValue: number;
  readonly executionArn: string;
  /** ISO date-time. */
  readonly deployedAt: string;
}

/** Output of a successful batch execution. */
export interface BatchOutput {
  readonly status: typeof ExecutionStatus.BatchCompleted;
  readonly transformJobName: string;
  readonly modelName: string;
  readonly batchInputUri: string;
  /** s3://<artifacts>/batch/<date>/<execution name>/ */
  readonly outputUri: string;
}

/** A value for every field of T: a missing, extra or renamed field fails the type check. */
export type Fields<T, V> = { readonly [K in keyof T]-?: V };

/** The fields of an execution output read as a partial object (none when it is not an object). */
export function outputFields<T>(output: unknown): Partial<T> {
  return output && typeof output === 'object' && !Array.isArray(output) ? (output as Partial<T>) : {};
}
