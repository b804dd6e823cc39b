/** The `npm start` command line: options, their defaults and validation. */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export const USAGE = `usage: npm start -- [options]
  --input FILE               raw Online Retail II export (xlsx or CSV); default: the generated dataset
  --rows N                   size of the generated dataset (default 1,067,371 lines)
  --threshold X              gate threshold for the model's precision@10 (default: the stack's, 0.05)
  --hyperparameters k=v,...  training hyperparameters (strings), e.g. epochs=20,factors=32
  --keep-serving             leave the endpoint up after the run, print curl examples, stop on Ctrl-C
  --workdir DIR              work directory (default .local/)
  --verbose                  print every container and Lambda log line
  --help`;

export function parseHyperparameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p.trim())) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--hyperparameters: "${pair}" is not key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

export interface CliOptions {
  readonly help: boolean;
  readonly input?: string;
  readonly rows?: number;
  readonly threshold?: number;
  readonly hyperparameters?: Record<string, string>;
  readonly keepServing: boolean;
  readonly workdir: string;
  readonly verbose: boolean;
}

/** Marks a directory as a local run's work directory (written by runLocal). */
export const WORKDIR_MARKER = '.bpr-local-workdir';
/** What a run writes in its work directory; a directory holding only these is taken to be a work directory. */
const WORKDIR_ENTRIES = new Set([
  WORKDIR_MARKER,
  'summary.json',
  'data',
  's3',
  'cdk.out',
  'training-jobs',
  'endpoints',
  'transform-jobs',
]);

/**
 * A run clears s3/, cdk.out/, training-jobs/ ... in its work directory, so it only accepts a new or
 * empty directory, or one a run made: `--workdir .` or `--workdir ~` must not delete anything.
 */
export function checkWorkdir(dir: string): void {
  const kind = statSync(dir, { throwIfNoEntry: false });
  if (!kind) return;
  if (!kind.isDirectory()) throw new UsageError(`--workdir: ${dir} is not a directory`);
  const entries = readdirSync(dir);
  if (entries.includes(WORKDIR_MARKER) || entries.every((e) => WORKDIR_ENTRIES.has(e))) return;
  throw new UsageError(
    `--workdir: ${dir} holds files of its own and was not made by npm start (a run clears its s3/, cdk.out/, training-jobs/ ... folders); choose a new or empty directory`,
  );
}

/** Parses argv (without node and script); throws UsageError naming the bad option. */
export function parseOptions(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      rows: { type: 'string' },
      threshold: { type: 'string' },
      hyperparameters: { type: 'string' },
      'keep-serving': { type: 'boolean', default: false },
      workdir: { type: 'string', default: '.local' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  // Number('') is 0: an empty value must not silently become a threshold of 0.
  const threshold = values.threshold === undefined ? undefined : values.threshold.trim() === '' ? NaN : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
    throw new UsageError(`--threshold: "${values.threshold}" is not a number between 0 and 1`);
  const rows = values.rows === undefined ? undefined : Number(values.rows);
  if (rows !== undefined && !(Number.isInteger(rows) && rows > 0))
    throw new UsageError(`--rows: ${values.rows} is not a positive integer`);
  if (values.input !== undefined) {
    const kind = statSync(values.input, { throwIfNoEntry: false });
    if (!kind) throw new UsageError(`--input: ${values.input} does not exist`);
    if (!kind.isFile()) throw new UsageError(`--input: ${values.input} is not a file`);
  }
  checkWorkdir(values.workdir);
  return {
    help: values.help,
    input: values.input ? path.resolve(values.input) : undefined,
    rows,
    threshold,
    hyperparameters: values.hyperparameters ? parseHyperparameters(values.hyperparameters) : undefined,
    keepServing: values['keep-serving'],
    workdir: path.resolve(values.workdir),
    verbose: values.verbose,
  };
}
