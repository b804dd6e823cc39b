/**
 * promote-artifacts Lambda: the state machine's PromoteArtifacts task, after the gate and before
 * the model is registered. Event: a PromoteRequest. Copies the model artifact, the batch input,
 * the catalog and the report to registry/<run id>/ and returns their new URIs (RegistryArtifacts),
 * which the model package, the deployment record and the batch pipeline use.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { PromoteRequest, RegistryArtifacts } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { LAMBDA_ENVIRONMENT, type HandlerEnvironment } from '../shared/handler';
import { promote } from './promote';

const logger = new Logger({ serviceName: 'promote-artifacts' });

/** The handler for an environment (the deployed function's by default). */
export function createHandler(env: HandlerEnvironment = LAMBDA_ENVIRONMENT) {
  return async (event: PromoteRequest): Promise<RegistryArtifacts> => {
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
