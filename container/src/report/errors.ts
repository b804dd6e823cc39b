/** Errors of the model report. Training logs them and carries on: the report never fails a run. */
import { NamedError } from '../errors';

/** A chart could not be compiled or rendered. */
export class ChartRenderError extends NamedError {}
