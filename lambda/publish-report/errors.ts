/** Errors of the publish-report Lambda. */
import { NamedError } from '../../container/src/errors';

/** The event is not what the state machine sends. */
export class PublishReportInputError extends NamedError {}
