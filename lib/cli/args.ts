/**
 * Pure part of `npm run pipeline -- start ...`: parses the command line and builds the execution
 * input of the training pipeline (README.md, "Execution input and output").
 */
import { InvalidExecutionInputError } from '../../lambda/validate-input/errors';
import { checkExecutionInput } from '../../lambda/validate-input/input';
import type { TRAINING_INPUT_KEYS, TrainingInput, TuningSettings } from '../contracts';
import { UsageError } from './errors';
import { numberOption, parseCommandLine, parseHyperparameters, tuningOption } from './options';

/** Environment variable naming the state machine ARN (overridden by --state-machine-arn). */
export const STATE_MACHINE_ARN_ENV = 'BPR_STATE_MACHINE_ARN';

/** The parsed `start` command. */
export interface StartOptions {
  readonly input: TrainingInput;
  readonly wait: boolean;
  readonly stateMachineArn?: string;
  readonly projectName: string;
  readonly region?: string;
  readonly executionName?: string;
  readonly pollSeconds: number;
  readonly timeoutMinutes: number;
}

export const USAGE = `usage: npm run pipeline -- start [options]
  --input s3://bucket/key        raw export (or prefix/ of files) to prepare (default: the configured rawDataKey)
  --threshold X                  gate threshold for precision@K, 0..1 (default: configured)
  --hyperparameters k=v,...      training hyperparameters merged over the configured ones
  --split random|temporal        split mode of data preparation
  --test-fraction F              test share, 0 < F < 1
  --seed N                       split seed
  --tune N                       run a hyperparameter tuning job of N trials (1-100) instead of one training job;
                                 the best trial on the validation slice of the training pairs goes on to the gate
  --tune-parallel P              trials at a time (default 2, at most N)
  --tune-strategy S              Bayesian (default) or Random
  --tune-ranges JSON             ranges merged over the default ones, e.g. '{"factors":{"min":64,"max":256,"scale":"log"}}'
                                 (null leaves a default range out)
  --wait                         follow the execution; exit 0 when deployed, 2 when rejected, 3 when busy,
                                 4 when the model awaits approval (approvalMode manual), 1 on failure
  --state-machine-arn ARN        (or env ${STATE_MACHINE_ARN_ENV}); default: find "<project>-training-pipeline"
  --project NAME                 project name used to find the state machine (default: bpr)
  --region REGION                AWS region (default: the SDK's configuration)
  --name NAME                    execution name (default: generated)
  --poll-seconds N               --wait polling interval (default 10)
  --timeout-minutes N            --wait gives up after this long (default 720)`;

/** Parses the arguments after `npm run pipeline --`. */
export function parseStartArgs(argv: string[], env: NodeJS.ProcessEnv = {}): StartOptions {
  const [command, ...rest] = argv;
  if (command !== 'start') throw new UsageError(command ? `unknown command "${command}"` : 'missing command "start"');
  const values: Record<string, string | boolean | undefined> = parseCommandLine(rest, {
    input: { type: 'string' },
    threshold: { type: 'string' },
    hyperparameters: { type: 'string' },
    split: { type: 'string' },
    'test-fraction': { type: 'string' },
    seed: { type: 'string' },
    tune: { type: 'string' },
    'tune-parallel': { type: 'string' },
    'tune-strategy': { type: 'string' },
    'tune-ranges': { type: 'string' },
    wait: { type: 'boolean', default: false },
    'state-machine-arn': { type: 'string' },
    project: { type: 'string', default: 'bpr' },
    region: { type: 'string' },
    name: { type: 'string' },
    'poll-seconds': { type: 'string' },
    'timeout-minutes': { type: 'string' },
  });
  const str = (k: string) => values[k] as string | undefined;
  // Text to JSON types here; what each value may be, the execution input's own check says.
  const fields = {
    rawDataUri: str('input'),
    threshold: numberOption(str('threshold'), 'threshold'),
    hyperparameters: str('hyperparameters') === undefined ? undefined : parseHyperparameters(str('hyperparameters')!),
    split: str('split'),
    testFraction: numberOption(str('test-fraction'), 'test-fraction'),
    seed: numberOption(str('seed'), 'seed'),
    tuning: tuningOption(str('tune'), str('tune-parallel'), str('tune-strategy'), str('tune-ranges')),
  } satisfies Record<Exclude<keyof TrainingInput, 'deployModelPackage'>, unknown>;
  const input = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  const name = str('name');
  if (name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(name))
    throw new UsageError(`--name must be 1-80 letters, digits, - or _, got "${name}"`);
  return {
    input: checkStartInput(input),
    wait: values.wait === true,
    stateMachineArn: str('state-machine-arn') ?? (env[STATE_MACHINE_ARN_ENV] || undefined),
    projectName: str('project')!,
    region: str('region'),
    executionName: name,
    pollSeconds: numberOption(str('poll-seconds'), 'poll-seconds', { above: 0, atMost: 300 }) ?? 10,
    timeoutMinutes: numberOption(str('timeout-minutes'), 'timeout-minutes', { above: 0 }) ?? 720,
  };
}

/** The option each execution input field of `start` comes from. */
const OPTION_OF: Record<Exclude<(typeof TRAINING_INPUT_KEYS)[number], 'deployModelPackage'>, string> = {
  rawDataUri: 'input',
  threshold: 'threshold',
  hyperparameters: 'hyperparameters',
  split: 'split',
  testFraction: 'test-fraction',
  seed: 'seed',
  tuning: 'tune',
};

/** The option each tuning setting comes from. */
const TUNING_OPTION: Record<keyof TuningSettings, string> = {
  maxJobs: 'tune',
  maxParallelJobs: 'tune-parallel',
  strategy: 'tune-strategy',
  ranges: 'tune-ranges',
  seed: 'tune',
};

/**
 * The pre-flight check of a training execution's input, before any AWS call: the same check as the
 * state machine's first task (lambda/validate-input), its problems told by option name
 * (`--threshold must be a number between 0 and 1, got 2`). Returns the input as given.
 */
export function checkStartInput(input: unknown): TrainingInput {
  try {
    checkExecutionInput('training', input);
  } catch (err) {
    if (!(err instanceof InvalidExecutionInputError)) throw err;
    const told = err.problems.map(({ field, text }) => {
      const setting = /^tuning\.(\w+)/.exec(text)?.[1] as keyof TuningSettings | undefined;
      if (setting && TUNING_OPTION[setting]) return `--${TUNING_OPTION[setting]}: ${text}`;
      const option = OPTION_OF[field as keyof typeof OPTION_OF];
      return option && text.startsWith(field) ? `--${option}${text.slice(field.length)}` : text;
    });
    throw new UsageError(told.join('; '));
  }
  return input as TrainingInput;
}
