/** The local stand-in for SageMaker: training jobs, models, endpoint configs, endpoints, transform jobs. */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { Hosting } from './hosting';
import type { SageMakerContext } from './context';
import { localSageMakerClient } from './sdk-client';
import { TrainingJobs } from './training';
import { TransformJobs } from './transform';

export { JobFailedError, SageMakerValidationError } from './errors';
export type { SageMakerContext } from './context';

export class LocalSageMaker {
  readonly training: TrainingJobs;
  readonly hosting: Hosting;
  readonly transform: TransformJobs;
  /** The same stand-in behind the AWS SDK client's interface (for handlers and the CLI). */
  readonly client: SageMakerClient;

  constructor(readonly ctx: SageMakerContext) {
    this.training = new TrainingJobs(ctx);
    this.hosting = new Hosting(ctx);
    this.transform = new TransformJobs(ctx, this.hosting);
    this.client = localSageMakerClient(this.hosting);
  }

  /** Stops every serve process (endpoints; transform jobs stop their own). */
  async stop(): Promise<void> {
    await this.hosting.stopAll();
  }
}
