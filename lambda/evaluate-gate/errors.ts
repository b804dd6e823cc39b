/** Errors of the evaluate-gate Lambda; the state machine catches them into its failure path. */

/** The event is not what the state machine sends (for example a threshold that is not a number). */
export class GateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateInputError';
  }
}
