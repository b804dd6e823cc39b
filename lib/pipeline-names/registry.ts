/** Names of model governance: the gate's metrics, the Model Registry's group, approval statuses and metadata. */
import { BASELINE_PREFIX, CHAMPION_PREFIX, GATE_METRIC, metricName } from '../../container/src/metrics/definitions';

/** Name of the gate's model metric, its popularity-baseline twin and the live model's, at K. */
export function gateMetricNames(k: number): { metric: string; baseline: string; champion: string } {
  const metric = metricName(GATE_METRIC, k);
  return { metric, baseline: BASELINE_PREFIX + metric, champion: CHAMPION_PREFIX + metric };
}

/** SageMaker's approval statuses of a model package version. */
export const ApprovalStatus = {
  Approved: 'Approved',
  Rejected: 'Rejected',
  PendingManualApproval: 'PendingManualApproval',
} as const;

/**
 * Keys of a model package's CustomerMetadataProperties that the register-model Lambda writes and
 * the deploy-only entry reads back (values are strings: numbers and null as JSON). Metadata values
 * may hold only letters, digits, spaces and `_.:/=+-@`, at most 256 characters:
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackage.html
 */
export const PackageMetadata = {
  runId: 'runId',
  trainingJobName: 'trainingJobName',
  batchInputUri: 'batchInputUri',
  catalogUri: 'catalogUri',
  metricName: 'metricName',
  value: 'value',
  baselineValue: 'baselineValue',
  championValue: 'championValue',
  championVersion: 'championVersion',
  gateDecision: 'gateDecision',
  /** A tuned run's tuning job, trial count, best objective (`name=value`) and best hyperparameters (`k=v k=v`). */
  tuningJobName: 'tuningJobName',
  tuningTrials: 'tuningTrials',
  tuningObjective: 'tuningObjective',
  tuningBestHyperparameters: 'tuningBestHyperparameters',
} as const;

/**
 * The project's model package group (its versions are the registered models). Like the buckets it
 * outlives `cdk destroy` (the registry is the models' history), so its name carries the optional
 * bucketSuffix: a re-deployment with a new suffix gets a new group.
 */
export function modelPackageGroupName(projectName: string, suffix?: string): string {
  return `${projectName}-models${suffix ? `-${suffix}` : ''}`;
}
