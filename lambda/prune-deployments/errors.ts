/** Errors of the prune-deployments Lambda (the state machine keeps them and goes on: pruning is housekeeping). */
import { NamedError } from '../../container/src/errors';

/** The event is not what the state machine sends. */
export class PruneInputError extends NamedError {}

/** The handler was built without a SageMaker client. */
export class MissingClientError extends NamedError {}
