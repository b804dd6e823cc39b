/** Errors of the evaluate-gate Lambda; the state machine catches them into its failure path. */
import { NamedError } from '../../container/src/errors';

/** The event is not what the state machine sends (for example a threshold that is not a number). */
export class GateInputError extends NamedError {}
