/**
 * Pure part of `npm run pipeline -- start ...`: parses the command line and builds the execution
 * input of the training pipeline (README.md, "Execution input and output").
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

/** Environment variable naming the state machine ARN (overridden by --state-machine-arn). */
export const STATE_MACHINE_ARN_ENV = 'BPR_STATE_MACHINE_ARN';

/** Execution input of the training pipeline; every field is optional. */
export interface ExecutionInput {
  rawDataUri?: string;
  threshold?: number;
  hyperparameters?: Record<string, string>;
  split?: 'random' | 'temporal';
  testFraction?: number;
  seed?: number;
}

/** The parsed `start` command. */
export interface StartOptions {
  readonly input: ExecutionInput;
  readonly wait: boolean;
  readonly stateMachineArn?: string;
  readonly projectName: string;
  readonly region?: string;
  readonly executionName?: string;
  readonly pollSeconds: number;
  readonly timeoutMinutes: number;
}

export const USAGE = `usage: npm run pipeline -- start [options]
  --input s3://bucket/key        raw export to prepare (default: the configured rawDataKey)
  --threshold X                  gate threshold for precision@K, 0..1 (default: configured)
  --hyperparameters k=v,...      training hyperparameters merged over the configured ones
  --split random|temporal        split mode of data preparation
  --test-fraction F              test share, 0 < F < 1
  --seed N                       split seed
  --wait                         follow the execution; exit 0 when deployed, 2 when rejected, 1 on failure
  --state-machine-arn ARN        (or env ${STATE_MACHINE_ARN_ENV}); default: find "<project>-training-pipeline"
  --project NAME                 project name used to find the state machine (default: bpr)
  --region REGION                AWS region (default: the SDK's configuration)
  --name NAME                    execution name (default: generated)
  --poll-seconds N               --wait polling interval (default 10)
  --timeout-minutes N            --wait gives up after this long (default 720)`;

function number(raw: string | undefined, option: string, check: (n: number) => boolean, rule: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${option} must be ${rule}, got "${raw}"`);
  return n;
}

/** Parses `k=v,k2=v2` (values stay strings, as SageMaker wants). */
export function parseHyperparameters(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) || eq === pair.length - 1) {
      throw new UsageError(`--hyperparameters expects key=value pairs separated by commas, got "${pair}"`);
    }
    out[key] = pair.slice(eq + 1).trim();
  }
  if (Object.keys(out).length === 0) throw new UsageError('--hyperparameters is empty');
  return out;
}

/** Parses the arguments after `npm run pipeline --`. */
export function parseStartArgs(argv: string[], env: NodeJS.ProcessEnv = {}): StartOptions {
  const [command, ...rest] = argv;
  if (command !== 'start') throw new UsageError(command ? `unknown command "${command}"` : 'missing command "start"');
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        input: { type: 'string' },
        threshold: { type: 'string' },
        hyperparameters: { type: 'string' },
        split: { type: 'string' },
        'test-fraction': { type: 'string' },
        seed: { type: 'string' },
        wait: { type: 'boolean', default: false },
        'state-machine-arn': { type: 'string' },
        project: { type: 'string', default: 'bpr' },
        region: { type: 'string' },
        name: { type: 'string' },
        'poll-seconds': { type: 'string' },
        'timeout-minutes': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const str = (k: string) => values[k] as string | undefined;
  const input: ExecutionInput = {};
  const raw = str('input');
  if (raw !== undefined) {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/.test(raw))
      throw new UsageError(`--input must be an s3://bucket/key URI, got "${raw}"`);
    input.rawDataUri = raw;
  }
  const threshold = number(str('threshold'), 'threshold', (n) => n >= 0 && n <= 1, 'a number between 0 and 1');
  if (threshold !== undefined) input.threshold = threshold;
  if (str('hyperparameters') !== undefined) input.hyperparameters = parseHyperparameters(str('hyperparameters')!);
  const split = str('split');
  if (split !== undefined) {
    if (split !== 'random' && split !== 'temporal') throw new UsageError(`--split must be random or temporal, got "${split}"`);
    input.split = split;
  }
  const fraction = number(str('test-fraction'), 'test-fraction', (n) => n > 0 && n < 1, 'a number between 0 and 1 (exclusive)');
  if (fraction !== undefined) input.testFraction = fraction;
  const seed = number(str('seed'), 'seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  if (seed !== undefined) input.seed = seed;
  const name = str('name');
  if (name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(name))
    throw new UsageError(`--name must be 1-80 letters, digits, - or _, got "${name}"`);
  return {
    input,
    wait: values.wait === true,
    stateMachineArn: str('state-machine-arn') ?? (env[STATE_MACHINE_ARN_ENV] || undefined),
    projectName: str('project')!,
    region: str('region'),
    executionName: name,
    pollSeconds: number(str('poll-seconds'), 'poll-seconds', (n) => n > 0 && n <= 300, 'between 0 and 300') ?? 10,
    timeoutMinutes: number(str('timeout-minutes'), 'timeout-minutes', (n) => n > 0, 'positive') ?? 720,
  };
}
