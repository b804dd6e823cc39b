/** Errors of the validate-input Lambda. */
import { NamedError } from '../../container/src/errors';
import { PipelineErrors } from '../../lib/pipeline-names';

/** One thing wrong with an execution input: the field (or key) and what is wrong with it. */
export interface InputProblem {
  /** The input field or unknown key; `(input)` when the input as a whole is wrong. */
  readonly field: string;
  /** A phrase starting with the field's name: `threshold must be a number between 0 and 1, got 2`. */
  readonly text: string;
}

/**
 * An execution input the pipeline does not take. Its name is PipelineErrors.InvalidExecutionInput,
 * the error the state machines fail with (and the failure notification and the CLI show).
 */
export class InvalidExecutionInputError extends NamedError {
  constructor(readonly problems: readonly InputProblem[]) {
    super(problems.map((p) => p.text).join('; '));
    this.name = PipelineErrors.InvalidExecutionInput;
  }
}

/** The event is not what the ValidateInput task sends (a bug in the state machine, not in the input). */
export class ValidateInputEventError extends NamedError {}
