/** Errors of the pipeline CLI. */

/** Bad command line: the message names the option. Exit code 64. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The training state machine could not be found. */
export class StateMachineNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateMachineNotFoundError';
  }
}
