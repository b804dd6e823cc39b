/** The deployment: what the deployment steps deploy, the pruning of old models, and the record of the live one. */

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
