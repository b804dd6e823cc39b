/** Errors of the model's on-disk format. */
import { NamedError } from '../errors';

/** model/ holds no model, or one this version cannot read or whose arrays do not fit its manifest. */
export class ModelFormatError extends NamedError {}

/** An archive that is not a well-formed gzip'd ustar file. */
export class TarFormatError extends NamedError {}
