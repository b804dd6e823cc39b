/** What the executions of both state machines output (their `status` values are ExecutionStatus). */
import type { ExecutionStatus } from '../pipeline-names';
import type { PrepareStats } from './prepare';
import type { ModelApprovalStatus } from './registry';
import type { GateDecision } from './training';
import type { TuningSummary } from './tuning';

/** What every outcome of a training run outputs: the gate's decision, the run, its data and its registry entry. */
export interface TrainingOutcome extends Omit<GateDecision, 'passed'> {
  /** The training job of the run's model (a tuned run's best trial). */
  readonly trainingJobName: string;
  /** The tuning job, its trials and the best one (null: the run trained one job). */
  readonly tuning: TuningSummary | null;
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
