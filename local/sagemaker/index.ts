/** The local stand-in for SageMaker: training jobs, hyperparameter tuning jobs, the Model Registry, models, endpoint configs, endpoints, transform jobs. */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { Hosting } from './hosting';
import type { SageMakerContext } from './context';
import { ModelRegistry } from './registry';
import { localSageMakerClient } from './sdk-client';
import { TrainingJobs } from './training';
import { TransformJobs } from './transform';
import { TuningJobs } from './tuning';

export { JobFailedError, SageMakerValidationError } from './errors';
export type { SageMakerContext } from './context';

export class LocalSageMaker {
  readonly training: TrainingJobs;
  readonly tuning: TuningJobs;
  readonly registry: ModelRegistry;
  readonly hosting: Hosting;
  readonly transform: TransformJobs;
  /** The same stand-in behind the AWS SDK client's interface (for handlers and the CLI). */
  readonly client: SageMakerClient;

  /** `modelPackageGroups`: the groups the templates create. */
  constructor(
    readonly ctx: SageMakerContext,
    modelPackageGroups: readonly string[] = [],
  ) {
    this.training = new TrainingJobs(ctx);
    this.tuning = new TuningJobs(ctx, this.training);
    this.registry = new ModelRegistry(ctx, modelPackageGroups);
    this.hosting = new Hosting(ctx, this.registry);
    this.transform = new TransformJobs(ctx, this.hosting);
    this.client = localSageMakerClient(this.hosting, this.registry);
  }

  /** Stops every serve process (endpoints; transform jobs stop their own). */
  async stop(): Promise<void> {
    await this.hosting.stopAll();
  }
}
