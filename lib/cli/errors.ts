/** Errors of the command-line programs (the pipeline CLI, npm start, data:prepare, data:generate). */
import { NamedError } from '../../container/src/errors';

/** Bad command line: the message names the option. */
export class UsageError extends NamedError {}

/** The state machine asked for is not there (in the account, or in the synthesized app). */
export class StateMachineNotFoundError extends NamedError {}

/** The model registry has no such version (or none to roll back to). */
export class VersionNotFoundError extends NamedError {}
