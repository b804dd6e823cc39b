/** Errors of ranking. */
import { NamedError } from '../errors';

/** The model's item factors do not fit the scoring kernel's WebAssembly memory (4 GiB). */
export class ModelTooLargeError extends NamedError {
  constructor(mib: number) {
    super(`the model needs ${mib} MiB of scoring memory, more than WebAssembly's 4 GiB`);
  }
}
