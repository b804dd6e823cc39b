/** Errors of the training program. Each one's message is what output/failure shows. */
import { NamedError } from '../errors';

/** Base class: an error whose message is safe and useful to show the user as the failure reason. */
export class TrainError extends NamedError {}

/** A hyperparameter is unknown or has a bad value. */
export class HyperparameterError extends TrainError {}

/** An input channel is missing, empty or malformed. */
export class InputDataError extends TrainError {}

/** The testing channel cannot be evaluated against the training data. */
export class EvaluationDataError extends TrainError {}
