/**
 * validate-input Lambda: the first task of both state machines (ValidateInput). Event: a
 * ValidateInputEvent (which pipeline, and the execution's input). Returns the input checked
 * (ValidateInputResult), or fails with InvalidExecutionInput naming each wrong field, before any
 * work is done.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ValidateInputEvent, ValidateInputResult } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { InvalidExecutionInputError, ValidateInputEventError } from './errors';
import { checkExecutionInput } from './input';

const logger = new Logger({ serviceName: 'validate-input' });

export async function handler(event: ValidateInputEvent): Promise<ValidateInputResult> {
  if (event?.pipeline !== 'training' && event?.pipeline !== 'batch') {
    throw withoutStack(new ValidateInputEventError(`pipeline must be training or batch, got ${JSON.stringify(event?.pipeline)}`));
  }
  try {
    const result = checkExecutionInput(event.pipeline, event.input);
    logger.info('execution input accepted', { pipeline: event.pipeline, keys: Object.keys(result.input) });
    return result;
  } catch (err) {
    if (err instanceof InvalidExecutionInputError) {
      logger.warn('execution input refused', { pipeline: event.pipeline, fields: err.problems.map((p) => p.field) });
    }
    throw withoutStack(err as Error);
  }
}
