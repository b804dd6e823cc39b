/**
 * prune-deployments Lambda: the state machine's PruneDeployments task, after a deployment is
 * recorded. Event: a PruneRequest. Deletes the models, endpoint configurations and deployed/
 * copies of runs older than the newest `keep`, never what the endpoint uses; returns a PruneResult.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { PruneRequest, PruneResult } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { LAMBDA_ENVIRONMENT, type HandlerEnvironment } from '../shared/handler';
import { MissingClientError } from './errors';
import { prune } from './prune';

const logger = new Logger({ serviceName: 'prune-deployments' });

/** The handler for an environment (the deployed function's, with the SDK's SageMaker client, by default). */
export function createHandler(
  env: HandlerEnvironment = { ...LAMBDA_ENVIRONMENT, sagemakerClient: () => new SageMakerClient({}) },
) {
  return async (event: PruneRequest): Promise<PruneResult> => {
    try {
      if (!env.sagemakerClient) throw new MissingClientError('prune-deployments needs a SageMaker client');
      const result = await prune(env.sagemakerClient(), env.s3Client(), event);
      logger.info('pruned', { ...result });
      return result;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      logger.error('pruning failed', { errorName: e.name, errorMessage: e.message });
      throw withoutStack(e);
    }
  };
}

export const handler = createHandler();
