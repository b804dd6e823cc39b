/** The execution input of both state machines, and what the validate-input Lambda takes and returns. */

/** Input of a training execution; every field is optional (the state machine applies its defaults). */
export interface TrainingInput {
  rawDataUri?: string;
  threshold?: number;
  /** Merged over the configured hyperparameters. */
  hyperparameters?: Record<string, string>;
  split?: 'random' | 'temporal';
  testFraction?: number;
  seed?: number;
  /**
   * Deploy this registered model version (a model package ARN of the project's group) through the
   * deployment steps, and do nothing else: the deploy-only entry a rollback and an approval use.
   * Takes no other key.
   */
  deployModelPackage?: string;
}

/** The keys a training execution's input may have (lambda/validate-input and the pipeline CLI refuse others). */
export const TRAINING_INPUT_KEYS = [
  'rawDataUri',
  'threshold',
  'hyperparameters',
  'split',
  'testFraction',
  'seed',
  'deployModelPackage',
] as const satisfies readonly (keyof TrainingInput)[];
// Every field of TrainingInput is listed (a new field fails the type check until it is).
const _everyTrainingKey: Exclude<keyof TrainingInput, (typeof TRAINING_INPUT_KEYS)[number]> extends never ? true : never = true;
void _everyTrainingKey;

/** A batch execution takes no input keys. */
export const BATCH_INPUT_KEYS = [] as const;

/** The key the Step Functions console puts in a new execution's input: allowed everywhere, and ignored. */
export const IGNORED_INPUT_KEY = 'Comment';

/** The two state machines, as the input check names them. */
export type PipelineKind = 'training' | 'batch';

/** What the ValidateInput task sends the validate-input Lambda. */
export interface ValidateInputEvent {
  readonly pipeline: PipelineKind;
  /** The execution's input, as it was given (`$$.Execution.Input`). */
  readonly input: unknown;
}

/** A deploy-only training input: the one key. */
export type DeployOnlyInput = Required<Pick<TrainingInput, 'deployModelPackage'>>;

/**
 * The validate-input Lambda's result: the input checked and normalized (Comment dropped,
 * hyperparameter values as strings, `hyperparameters` present, `{}` when none was given). A
 * deploy-only input is `{ deployModelPackage }`; a batch input is `{}`.
 */
export interface ValidateInputResult {
  readonly input:
    | (Omit<TrainingInput, 'deployModelPackage'> & { readonly hyperparameters: Record<string, string> })
    | DeployOnlyInput
    | Record<string, never>;
}
