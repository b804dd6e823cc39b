/** Errors of the register-model Lambda; the state machine fails the run with them. */
import { NamedError } from '../../container/src/errors';

/** The event is not what the state machine sends, or would make a version the deploy-only entry cannot read. */
export class RegisterInputError extends NamedError {}
