/**
 * register-model Lambda: the state machine's RegisterModel task, after the gate and the copies to
 * registry/. Event: a RegisterModelRequest. Registers the run's model as a version of the model
 * package group (approval status from the gate and approvalMode) and returns a RegisteredModel.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { RegisteredModel, RegisterModelRequest } from '../../lib/contracts';
import { MissingClientError, withoutStack } from '../shared/errors';
import { LAMBDA_ENVIRONMENT, type HandlerEnvironment } from '../shared/handler';
import { register } from './register';

const logger = new Logger({ serviceName: 'register-model' });

/** The handler for an environment (the deployed function's, with the SDK's SageMaker client, by default). */
export function createHandler(
  env: HandlerEnvironment = { ...LAMBDA_ENVIRONMENT, sagemakerClient: () => new SageMakerClient({}) },
) {
  return async (event: RegisterModelRequest): Promise<RegisteredModel> => {
    try {
      if (!env.sagemakerClient) throw new MissingClientError('register-model needs a SageMaker client');
      const registered = await register(env.sagemakerClient(), env.s3Client(), event);
      logger.info('model registered', { ...registered });
      return registered;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      logger.error('registration failed', { errorName: e.name, errorMessage: e.message });
      throw withoutStack(e);
    }
  };
}

export const handler = createHandler();
