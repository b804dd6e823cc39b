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

/** The keys a training execution's input may have (lambda/validate-input and the pipeline CLI refuse others). */
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

/** The two state machines, as the input check names them. */
export type PipelineKind = 'training' | 'batch';

/** What the ValidateInput task sends the validate-input Lambda. */
export interface ValidateInputEvent {
  readonly pipeline: PipelineKind;
  /** The execution's input, as it was given (`$$.Execution.Input`). */
  readonly input: unknown;
}

/**
 * The validate-input Lambda's result: the input checked and normalized (Comment dropped,
 * hyperparameter values as strings, `hyperparameters` present, `{}` when none was given). A batch
 * input is `{}`.
 */
export interface ValidateInputResult {
  readonly input: (TrainingInput & { readonly hyperparameters: Record<string, string> }) | Record<string, never>;
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

/** Output of a training execution whose model passed the gate while another execution kept deploying. */
export interface BusyOutput extends TrainingOutcome {
  readonly status: typeof ExecutionStatus.Busy;
  /** The execution that held the deployment lock. */
  readonly lockHolder: string;
}

/** Output of a successful training execution. */
export type TrainingOutput = RejectedOutput | DeployedOutput | BusyOutput;

/**
 * What the deployment steps deploy (kept under `$.deployRequest`). The training pipeline builds it
 * from its run; any other entry into the same steps (a rollback) builds the same object.
 */
export interface DeployRequest {
  /** Names the run's copies: deployed/<runId>/. */
  readonly runId: string;
  readonly modelName: string;
  readonly endpointConfigName: string;
  readonly trainingJobName: string;
  /** The model artifact as training wrote it. */
  readonly modelDataUrl: string;
  /** users.jsonl for batch recommendations with this model. */
  readonly batchInputUri: string;
  /** The catalog channel the model was trained with (a prefix). */
  readonly catalogUri: string;
  readonly metricName: string;
  readonly value: number;
  readonly baselineValue: number;
}

/** The promote-artifacts Lambda's event: copy the artifacts under destinationUri. */
export interface PromoteRequest {
  readonly modelDataUrl: string;
  readonly batchInputUri: string;
  readonly catalogUri: string;
  /** s3://<artifacts>/deployed/<runId>/ */
  readonly destinationUri: string;
}

/** The copies under deployed/ that the endpoint and the batch pipeline use (kept under `$.deployed`). */
export interface DeployedArtifacts {
  readonly prefix: string;
  readonly modelDataUrl: string;
  readonly batchInputUri: string;
  readonly catalogUri: string;
}

/** The prune-deployments Lambda's event. */
export interface PruneRequest {
  readonly endpointName: string;
  /** Models (with their endpoint configurations and deployed/ copies) kept besides the live one. */
  readonly keep: number;
  readonly modelPrefix: string;
  readonly endpointConfigPrefix: string;
  /** s3://<artifacts>/deployed/ */
  readonly deployedUri: string;
}

/** What the prune-deployments Lambda deleted. */
export interface PruneResult {
  /** Run ids kept (their models, configurations and copies). */
  readonly kept: string[];
  readonly deletedModels: string[];
  readonly deletedEndpointConfigs: string[];
  readonly deletedObjects: number;
}

/**
 * The SSM record of the deployed model, written by the training pipeline (PutParameter: no stack
 * owns it, so stack updates leave it alone) and read by the batch pipeline: the request it deployed
 * (its URIs replaced by the deployed/ copies, which do not expire), the endpoint and when.
 */
export interface DeploymentRecord extends Omit<DeployRequest, 'runId'> {
  readonly endpointName: string;
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

/** Output of a batch execution that had nothing to do (no model deployed yet). */
export interface BatchSkippedOutput {
  readonly status: typeof ExecutionStatus.BatchSkipped;
  readonly reason: string;
}

/** A value for every field of T: a missing, extra or renamed field fails the type check. */
export type Fields<T, V> = { readonly [K in keyof T]-?: V };

/** The fields of an execution output read as a partial object (none when it is not an object). */
export function outputFields<T>(output: unknown): Partial<T> {
  return output && typeof output === 'object' && !Array.isArray(output) ? (output as Partial<T>) : {};
}
