/** The execution input of both state machines, and what the validate-input Lambda takes and returns. */
import type { TuningPlan, TuningSettings } from './tuning';

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
   * Run a hyperparameter tuning job instead of one training job (null: no tuning, whatever the
   * configuration's default).
   */
  tuning?: TuningSettings | null;
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
  'tuning',
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
  /** The training pipeline's configured defaults the input is resolved with (absent: none). */
  readonly configured?: ConfiguredTraining;
}

/** What the configuration fixes for every training run: the static hyperparameters and the tuning default. */
export interface ConfiguredTraining {
  readonly hyperparameters: Record<string, string>;
  /** The configuration's tuning (absent: runs train one job unless their input asks for tuning). */
  readonly tuning?: TuningSettings;
}

/** A deploy-only training input: the one key. */
export type DeployOnlyInput = Required<Pick<TrainingInput, 'deployModelPackage'>>;

/**
 * A training input as the state machine uses it: `hyperparameters` are the static ones (the
 * configured merged with the input's, values as strings, the searched ones left out) and `tuning`
 * the resolved plan (null: one training job).
 */
export type CheckedTrainingInput = Omit<TrainingInput, 'deployModelPackage' | 'tuning' | 'hyperparameters'> & {
  readonly hyperparameters: Record<string, string>;
  readonly tuning: TuningPlan | null;
};

/**
 * The validate-input Lambda's result: the input checked and normalized (Comment dropped). A
 * deploy-only input is `{ deployModelPackage }`; a batch input is `{}`.
 */
export interface ValidateInputResult {
  readonly input: CheckedTrainingInput | DeployOnlyInput | Record<string, never>;
}
