/**
 * The check of an execution's input: one implementation for the state machines' ValidateInput task
 * (this Lambda) and the pipeline CLI (`start`, `rollback`). Known keys only (Comment, which the
 * console puts in a new execution's input, is allowed and dropped); each value of the form the
 * stage that uses it takes (the split options by data preparation's own schemas, hyperparameters
 * by the training program's own rules). `deployModelPackage` (the deploy-only entry) takes no other
 * key. Returns the input as the state machine uses it.
 */
import { z } from 'zod';
import { quoted, shownName } from '../../container/src/errors';
import { parseHyperparameters } from '../../container/src/train/hyperparameters';
import {
  BATCH_INPUT_KEYS,
  IGNORED_INPUT_KEY,
  TRAINING_INPUT_KEYS,
  type ConfiguredTraining,
  type PipelineKind,
  type ValidateInputResult,
} from '../../lib/contracts';
import { RAW_DATA_URI_FIELD, SPLIT_FIELDS } from '../prepare-data/options';
import { InvalidExecutionInputError, type InputProblem } from './errors';
import { checkTuningSettings, resolveTuning } from './tuning';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Strings or finite numbers with known names (train/hyperparameters.ts); numbers become strings,
 * as SageMaker's CreateTrainingJob takes hyperparameters only as a map of strings.
 */
const hyperparametersSchema = z
  .custom<Record<string, unknown>>(isObject)
  .superRefine((value, ctx) => {
    try {
      parseHyperparameters(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, params: { training: true } });
    }
  })
  .transform((value) => Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])));

/** null (no tuning) or the tuning settings, checked by their own rules (tuning.ts). */
const tuningSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (value === null) return;
    try {
      checkTuningSettings(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, params: { own: true } });
    }
  })
  .transform((value) => value as ConfiguredTraining['tuning']);

/**
 * A versioned model package's ARN (`.../model-package/<group>/<version>`):
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackageSummary.html
 */
export const MODEL_PACKAGE_VERSION_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/[0-9]{1,5}$/;

/** Each field of a training input: its schema and what it must be (the words of the error). */
const FIELDS = {
  rawDataUri: RAW_DATA_URI_FIELD,
  deployModelPackage: {
    schema: z.string().regex(MODEL_PACKAGE_VERSION_ARN),
    rule: 'a model package version ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
  },
  threshold: { schema: z.number().min(0).max(1), rule: 'a number between 0 and 1' },
  hyperparameters: { schema: hyperparametersSchema, rule: 'an object of hyperparameter names to strings' },
  tuning: { schema: tuningSchema, rule: 'null or an object of tuning settings' },
  ...SPLIT_FIELDS,
} as const satisfies Record<(typeof TRAINING_INPUT_KEYS)[number], { schema: z.ZodType; rule: string }>;

/** A training execution's input, every field optional. */
export const TrainingInputSchema = z.strictObject({
  rawDataUri: FIELDS.rawDataUri.schema.optional(),
  threshold: FIELDS.threshold.schema.optional(),
  hyperparameters: FIELDS.hyperparameters.schema.optional(),
  split: FIELDS.split.schema.optional(),
  testFraction: FIELDS.testFraction.schema.optional(),
  seed: FIELDS.seed.schema.optional(),
  tuning: FIELDS.tuning.schema.optional(),
  deployModelPackage: FIELDS.deployModelPackage.schema.optional(),
});

const ACCEPTED: Record<PipelineKind, readonly string[]> = { training: TRAINING_INPUT_KEYS, batch: BATCH_INPUT_KEYS };

/** At most this many unknown keys are named (an input may have thousands). */
const MAX_NAMED = 10;

function unknownKeysProblem(pipeline: PipelineKind, unknown: string[]): InputProblem {
  const accepted = ACCEPTED[pipeline];
  const named = unknown.slice(0, MAX_NAMED).map(shownName).join(', ');
  const more = unknown.length > MAX_NAMED ? ` and ${unknown.length - MAX_NAMED} more` : '';
  const takes = accepted.length
    ? `its keys are ${accepted.join(', ')} (and ${IGNORED_INPUT_KEY}, which is ignored)`
    : `it takes no keys (but ${IGNORED_INPUT_KEY}, which is ignored)`;
  const what = unknown.length === 1 ? 'a key' : 'keys';
  return { field: unknown[0], text: `the ${pipeline} pipeline does not take ${what} ${named}${more} in its input; ${takes}` };
}

/** No configured defaults (the pipeline CLI's check, which does not know the deployed configuration). */
export const NOTHING_CONFIGURED: ConfiguredTraining = { hyperparameters: {} };

/**
 * Checks an execution input for `pipeline`; returns it as the state machine uses it (Comment
 * dropped; for training, the static hyperparameters as strings, the configured ones merged under
 * the input's, and the tuning plan or null: the input's `tuning`, else the configured one).
 * Throws InvalidExecutionInputError naming each field that is wrong.
 */
export function checkExecutionInput(
  pipeline: PipelineKind,
  input: unknown,
  configured: ConfiguredTraining = NOTHING_CONFIGURED,
): ValidateInputResult {
  if (!isObject(input)) {
    throw new InvalidExecutionInputError([
      { field: '(input)', text: `the execution input must be a JSON object, got ${quoted(input)}` },
    ]);
  }
  const unknown = Object.keys(input).filter((k) => k !== IGNORED_INPUT_KEY && !ACCEPTED[pipeline].includes(k));
  if (unknown.length) throw new InvalidExecutionInputError([unknownKeysProblem(pipeline, unknown)]);
  if (pipeline === 'batch') return { input: {} };
  const { [IGNORED_INPUT_KEY]: _ignored, ...given } = input;
  const others = Object.keys(given).filter((k) => k !== 'deployModelPackage');
  if ('deployModelPackage' in given && others.length) {
    throw new InvalidExecutionInputError([
      {
        field: others[0],
        text: `deployModelPackage deploys a registered model version and takes no other key, got ${others.map(shownName).join(', ')}`,
      },
    ]);
  }
  const parsed = TrainingInputSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue): InputProblem => {
      const field = String(issue.path[0]) as keyof typeof FIELDS;
      const text =
        issue.code === 'custom' && issue.params?.training
          ? `hyperparameters: ${issue.message}`
          : issue.code === 'custom' && issue.params?.own
            ? issue.message
            : `${field} must be ${FIELDS[field].rule}, got ${quoted(given[field])}`;
      return { field, text };
    });
    throw new InvalidExecutionInputError(problems);
  }
  const { deployModelPackage, tuning, hyperparameters, ...training } = parsed.data;
  if (deployModelPackage !== undefined) return { input: { deployModelPackage } };
  try {
    const resolved = resolveTuning(
      tuning === undefined ? (configured.tuning ?? null) : tuning,
      configured.hyperparameters,
      hyperparameters ?? {},
    );
    return { input: { ...training, hyperparameters: resolved.hyperparameters, tuning: resolved.plan } };
  } catch (err) {
    const message = (err as Error).message;
    throw new InvalidExecutionInputError([
      { field: 'tuning', text: message.startsWith('tuning') ? message : `tuning: ${message}` },
    ]);
  }
}
