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
  /**
   * Deploy this registered model version (a model package ARN of the project's group) through the
   * deployment steps, and do nothing else: the deploy-only entry a rollback and an approval use.
   * Takes no other key.
   */
  deployModelPackage?: string;
}

/** The keys a training execution's input may have (lambda/validate-input and the pipeline CLI refuse others). */
export const TRAINING_INPUT_KEYS = [
  'rawDataUri',
  'threshold',
  'hyperparameters',
  'split',
  'testFraction',
  'seed',
  'deployModelPackage',
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

/** A deploy-only training input: the one key. */
export type DeployOnlyInput = Required<Pick<TrainingInput, 'deployModelPackage'>>;

/**
 * The validate-input Lambda's result: the input checked and normalized (Comment dropped,
 * hyperparameter values as strings, `hyperparameters` present, `{}` when none was given). A
 * deploy-only input is `{ deployModelPackage }`; a batch input is `{}`.
 */
export interface ValidateInputResult {
  readonly input:
    | (Omit<TrainingInput, 'deployModelPackage'> & { readonly hyperparameters: Record<string, string> })
    | DeployOnlyInput
    | Record<string, never>;
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

/**
 * The live model when a training execution starts (kept under `$.champion`, null when nothing is
 * live): read from the deployment record, given to the training job as its `champion` channel.
 */
export interface LiveModel {
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  /** Its model artifact (under registry/, which does not expire). */
  readonly modelDataUrl: string;
}

/** What the EvaluateGate task sends the evaluate-gate Lambda. */
export interface GateEvent {
  /** The DescribeTrainingJob result of the `.sync` training task. */
  readonly training?: { readonly FinalMetricDataList?: FinalMetric[] };
  /** A number in [0, 1] (a numeric string too, for direct invocations). */
  readonly threshold: unknown;
  readonly metricName: string;
  readonly baselineMetricName: string;
  /** The live model's metric on the same test pairs (`champion_<metric>`). */
  readonly championMetricName: string;
  /** The live model the training job evaluated; null on a first run. */
  readonly champion: LiveModel | null;
  /** How much worse than the live model the new one may be, relative: a number in [0, 1]. */
  readonly championTolerance: unknown;
}

/**
 * What the gate decided (kept under `$.gate`), with the three measured values (null when a metric
 * is missing; championValue also when nothing is live).
 */
export interface GateDecision {
  readonly passed: boolean;
  readonly reason: string;
  readonly metricName: string;
  readonly value: number | null;
  readonly baselineMetricName: string;
  readonly baselineValue: number | null;
  readonly threshold: number;
  readonly championMetricName: string;
  readonly championValue: number | null;
  /** The live model's registry version; null on a first run. */
  readonly championVersion: number | null;
  readonly championTolerance: number;
  readonly metrics: Record<string, number>;
}

/** SageMaker's ModelApprovalStatus values: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackageSummary.html */
export type ModelApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

/** The promote-artifacts Lambda's event: copy a run's artifacts under destinationUri. */
export interface PromoteRequest {
  readonly modelDataUrl: string;
  readonly batchInputUri: string;
  readonly catalogUri: string;
  /** The run's report, when it has one. */
  readonly reportUri: string | null;
  /** s3://<artifacts>/registry/<runId>/ */
  readonly destinationUri: string;
}

/** A registered version's copies under registry/ (kept under `$.artifacts`): the model package names them. */
export interface RegistryArtifacts {
  readonly prefix: string;
  readonly modelDataUrl: string;
  readonly batchInputUri: string;
  readonly catalogUri: string;
  readonly reportUri: string | null;
}

/** What the RegisterModel task sends the register-model Lambda. */
export interface RegisterModelRequest {
  readonly modelPackageGroupName: string;
  /** With `manual`, a model that passes the gate waits for a person (PendingManualApproval). */
  readonly approvalMode: ApprovalMode;
  readonly gate: GateDecision;
  /** ClientToken of CreateModelPackage (a retried task registers one version) and the registry/ folder's name. */
  readonly runId: string;
  readonly executionArn: string;
  readonly trainingJobName: string;
  /** The serving image (the inference specification's container). */
  readonly image: string;
  readonly artifacts: RegistryArtifacts;
  /** What the model was trained on. */
  readonly rawDataUri: string;
  readonly dataUri: string;
  readonly stats: PrepareStats;
  readonly realtimeInstanceType: string;
  readonly transformInstanceType: string;
}

/** What the register-model Lambda returns (kept under `$.registered`). */
export interface RegisteredModel {
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  readonly modelApprovalStatus: ModelApprovalStatus;
  /** The model-quality document ModelMetrics references (JSON: metrics and the gate's decision). */
  readonly qualityUri: string;
}

/** What every outcome of a training run outputs: the gate's decision, the run, its data and its registry entry. */
export interface TrainingOutcome extends Omit<GateDecision, 'passed'> {
  readonly trainingJobName: string;
  readonly modelDataUrl: string;
  /** The run's model report (PublishReportResult.reportUri): for people, notifications and the model registry. */
  readonly reportUri: string | null;
  readonly endpointName: string;
  readonly stats: PrepareStats;
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  readonly modelApprovalStatus: ModelApprovalStatus;
}

/** Output of a training execution whose model the gate rejected (registered Rejected). */
export interface RejectedOutput extends TrainingOutcome {
  readonly status: typeof ExecutionStatus.Rejected;
}

/** Output of a training execution whose model passed the gate and waits for a person (approvalMode manual). */
export interface PendingApprovalOutput extends TrainingOutcome {
  readonly status: typeof ExecutionStatus.PendingApproval;
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

/**
 * Output of a deploy-only execution (`deployModelPackage`: a rollback or an approval): DEPLOYED,
 * BUSY (another execution kept the deployment lock for the whole wait) or UNCHANGED (the version
 * was already live).
 */
export interface DeployVersionOutput {
  readonly status: typeof ExecutionStatus.Deployed | typeof ExecutionStatus.Busy | typeof ExecutionStatus.Unchanged;
  readonly reason: string;
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  readonly endpointName: string;
}

/** Output of a successful training execution (a training run, or a deploy-only one). */
export type TrainingOutput = RejectedOutput | DeployedOutput | BusyOutput | PendingApprovalOutput | DeployVersionOutput;

/** Every field a training execution's output may have, for its readers (the CLI, npm start): any may be missing. */
export type TrainingOutputFields = Partial<Omit<DeployedOutput, 'status'> & Pick<BusyOutput, 'lockHolder'>> & {
  readonly status?: TrainingOutput['status'];
};

/**
 * What the deployment steps deploy (kept under `$.deployRequest`): a registered, approved model
 * version. The training pipeline builds it from its run and registry entry; the deploy-only entry
 * builds the same object from the model package.
 */
export interface DeployRequest {
  /** The training run that produced the version (its registry/<runId>/ copies). */
  readonly runId: string;
  /** The model created from the package for this deployment, and its endpoint configuration. */
  readonly modelName: string;
  readonly endpointConfigName: string;
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  readonly trainingJobName: string;
  /** The version's model artifact (under registry/, which does not expire). */
  readonly modelDataUrl: string;
  /** users.jsonl for batch recommendations with this model. */
  readonly batchInputUri: string;
  /** The catalog the model was trained with (a prefix). */
  readonly catalogUri: string;
  readonly metricName: string;
  readonly value: number | null;
  readonly baselineValue: number | null;
}

/** The prune-deployments Lambda's event. */
export interface PruneRequest {
  readonly endpointName: string;
  /** SageMaker models (with their endpoint configurations) kept besides the live one. */
  readonly keep: number;
  readonly modelPrefix: string;
  readonly endpointConfigPrefix: string;
}

/** What the prune-deployments Lambda deleted. */
export interface PruneResult {
  /** Deployment ids kept (their models and configurations). */
  readonly kept: string[];
  readonly deletedModels: string[];
  readonly deletedEndpointConfigs: string[];
}

/**
 * The SSM record of the deployed model, written by the deployment steps (PutParameter: no stack
 * owns it, so stack updates leave it alone) and read by the batch pipeline and, as the champion,
 * by the next training run: the request it deployed (the registry version and its copies), the
 * endpoint and when.
 */
export interface DeploymentRecord extends Omit<DeployRequest, 'runId'> {
  readonly endpointName: string;
  readonly executionArn: string;
  /** ISO date-time. */
  readonly deployedAt: string;
}

/** How a model that passes the gate is approved: at once (`auto`), or by a person (`manual`). */
export type ApprovalMode = 'auto' | 'manual';

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
