/** The Model Registry: a run's copies under registry/, its registration and the approval status it gets. */
import type { PrepareStats } from './prepare';
import type { GateDecision } from './training';
import type { TuningSummary } from './tuning';

/** SageMaker's ModelApprovalStatus values: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackageSummary.html */
export type ModelApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

/** How a model that passes the gate is approved: at once (`auto`), or by a person (`manual`). */
export type ApprovalMode = 'auto' | 'manual';

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
  /** The tuning job the model won (null: one training job). */
  readonly tuning: TuningSummary | null;
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
