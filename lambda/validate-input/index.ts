/**
 * validate-input Lambda: the first task of both state machines (ValidateInput). Event: a
 * ValidateInputEvent (which pipeline, and the execution's input). Returns the input checked
 * (ValidateInputResult), or fails with InvalidExecutionInput naming each wrong field, before any
 * work is done.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConfiguredTraining, ValidateInputEvent, ValidateInputResult } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { InvalidExecutionInputError, ValidateInputEventError } from './errors';
import { checkExecutionInput, NOTHING_CONFIGURED } from './input';

/** The configured defaults the state machine sends (a malformed one is the state machine's bug). */
function configuredOf(event: ValidateInputEvent): ConfiguredTraining {
  const c = event.configured;
  if (c === undefined) return NOTHING_CONFIGURED;
  const hp = c?.hyperparameters;
  if (!hp || typeof hp !== 'object' || Object.values(hp).some((v) => typeof v !== 'string')) {
    throw withoutStack(new ValidateInputEventError('configured.hyperparameters must be an object of strings'));
  }
  return c;
}

const logger = new Logger({ serviceName: 'validate-input' });

export async function handler(event: ValidateInputEvent): Promise<ValidateInputResult> {
  if (event?.pipeline !== 'training' && event?.pipeline !== 'batch') {
    throw withoutStack(new ValidateInputEventError(`pipeline must be training or batch, got ${JSON.stringify(event?.pipeline)}`));
  }
  const configured = configuredOf(event);
  try {
    const result = checkExecutionInput(event.pipeline, event.input, configured);
    logger.info('execution input accepted', { pipeline: event.pipeline, keys: Object.keys(result.input) });
    return result;
  } catch (err) {
    if (err instanceof InvalidExecutionInputError) {
      logger.warn('execution input refused', { pipeline: event.pipeline, fields: err.problems.map((p) => p.field) });
    }
    throw withoutStack(err as Error);
  }
}
