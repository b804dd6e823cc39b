/** Errors of the promote-artifacts Lambda; the state machine fails the deployment with them. */
import { NamedError } from '../../container/src/errors';

/** The event is not what the state machine sends (a URI that is not s3://, a destination outside a folder). */
export class PromoteInputError extends NamedError {}

/** An artifact to copy is not there (a run's objects expired, or the key is wrong). */
export class ArtifactNotFoundError extends NamedError {}
