/**
 * promote-artifacts Lambda: the state machine's PromoteArtifacts task, before a model is created.
 * Event: a PromoteRequest. Copies the model artifact, the batch input and the catalog to
 * deployed/<run id>/ and returns their new URIs (DeployedArtifacts), which the model, the
 * deployment record and the batch pipeline use.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DeployedArtifacts, PromoteRequest } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { LAMBDA_ENVIRONMENT, type HandlerEnvironment } from '../shared/handler';
import { promote } from './promote';

const logger = new Logger({ serviceName: 'promote-artifacts' });

/** The handler for an environment (the deployed function's by default). */
export function createHandler(env: HandlerEnvironment = LAMBDA_ENVIRONMENT) {
  return async (event: PromoteRequest): Promise<DeployedArtifacts> => {
    try {
      const copies = await promote(env.s3Client(), event);
      logger.info('artifacts promoted', { ...copies });
      return copies;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      logger.error('promotion failed', { errorName: e.name, errorMessage: e.message });
      throw withoutStack(e);
    }
  };
}

export const handler = createHandler();
