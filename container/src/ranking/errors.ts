/** Errors of ranking. */
import { NamedError } from '../errors';

/** The model's item factors do not fit the scoring kernel's WebAssembly memory (4 GiB). */
export class ModelTooLargeError extends NamedError {
  constructor(bytes: number) {
    super(`the model needs ${Math.round(bytes / 2 ** 20)} MiB of scoring memory, more than WebAssembly's 4 GiB`);
  }
}
