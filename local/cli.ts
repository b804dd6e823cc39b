/** The `npm start` command line: options, their defaults and validation. */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../lib/cli/errors';
import { numberOption, parseCommandLine, parseHyperparameters, tuningOption } from '../lib/cli/options';
import type { TuningSettings } from '../lib/contracts';
import { WorkdirError } from './errors';
import { PREPARE_ENGINES, type PrepareEngine } from '../lambda/prepare-data/options';

export const USAGE = `usage: npm start -- [options]
  --input FILE               raw Online Retail II export (xlsx or CSV); default: the generated dataset
  --rows N                   size of the generated dataset (default 1,067,371 lines)
  --threshold X              gate threshold for the model's precision@10 (default: the stack's, 0.05)
  --hyperparameters k=v,...  training hyperparameters (strings), e.g. epochs=20,factors=32
  --runs N                   training executions one after another (default 1): each later one measures
                             the live model as its champion, registers a new version and deploys it or not
  --tune N                   a hyperparameter tuning job of N trials instead of one training job (each trial a
                             real train process; the best on the validation slice of the training pairs goes on)
  --tune-parallel P          trials at a time (default 2; the cores are shared out between them)
  --tune-strategy S          Bayesian (default) or Random (both a seeded stratified random search locally)
  --tune-ranges JSON         ranges merged over the default ones, e.g. '{"factors":{"min":64,"max":256,"scale":"log"}}'
  --prepare-engine E         data preparation engine: auto (default), duckdb or athena (Athena's states run on DuckDB here)
  --keep-serving             leave the endpoint up after the run, print curl examples, stop on Ctrl-C
  --workdir DIR              work directory (default .local/)
  --verbose                  print every container and Lambda log line
  --help`;

export interface CliOptions {
  readonly help: boolean;
  readonly input?: string;
  readonly rows?: number;
  readonly threshold?: number;
  readonly hyperparameters?: Record<string, string>;
  readonly runs: number;
  /** The execution input's `tuning` (--tune N and its companions). */
  readonly tuning?: TuningSettings;
  readonly keepServing: boolean;
  readonly prepareEngine?: PrepareEngine;
  readonly workdir: string;
  readonly verbose: boolean;
}

/** Marks a directory as a local run's work directory (written by runLocal). */
export const WORKDIR_MARKER = '.bpr-local-workdir';

/**
 * A run clears s3/, cdk.out/, training-jobs/ ... in its work directory, so it only takes a new or
 * empty directory, or one holding the marker file a run writes: `--workdir .` or `--workdir ~`
 * must not delete anything, nor a directory that merely has folders named like a run's.
 */
export function checkWorkdir(dir: string): void {
  const kind = statSync(dir, { throwIfNoEntry: false });
  if (!kind) return;
  if (!kind.isDirectory()) throw new WorkdirError(`--workdir: ${dir} is not a directory`);
  const entries = readdirSync(dir);
  if (entries.length === 0 || entries.includes(WORKDIR_MARKER)) return;
  throw new WorkdirError(
    `--workdir: ${dir} holds files of its own and was not made by npm start (it has no ${WORKDIR_MARKER} file, and a run clears its s3/, cdk.out/, training-jobs/ ... folders); choose a new or empty directory`,
  );
}

/** Parses argv (without node and script); throws UsageError naming the bad option. */
export function parseOptions(argv: string[]): CliOptions {
  const values = parseCommandLine(argv, {
    input: { type: 'string' },
    rows: { type: 'string' },
    threshold: { type: 'string' },
    hyperparameters: { type: 'string' },
    runs: { type: 'string' },
    tune: { type: 'string' },
    'tune-parallel': { type: 'string' },
    'tune-strategy': { type: 'string' },
    'tune-ranges': { type: 'string' },
    'keep-serving': { type: 'boolean', default: false },
    'prepare-engine': { type: 'string' },
    workdir: { type: 'string', default: '.local' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  const threshold = numberOption(values.threshold, 'threshold', { atLeast: 0, atMost: 1 });
  const rows = numberOption(values.rows, 'rows', { integer: true, atLeast: 1 });
  const runs = numberOption(values.runs, 'runs', { integer: true, atLeast: 1, atMost: 20 }) ?? 1;
  if (values.input !== undefined) {
    const kind = statSync(values.input, { throwIfNoEntry: false });
    if (!kind) throw new UsageError(`--input: ${values.input} does not exist`);
    if (!kind.isFile()) throw new UsageError(`--input: ${values.input} is not a file`);
  }
  checkWorkdir(values.workdir);
  const engine = values['prepare-engine'];
  if (engine !== undefined && !(PREPARE_ENGINES as readonly string[]).includes(engine)) {
    throw new UsageError(`--prepare-engine: ${JSON.stringify(engine)} is not one of ${PREPARE_ENGINES.join(', ')}`);
  }
  return {
    prepareEngine: engine as PrepareEngine | undefined,
    help: values.help,
    input: values.input ? path.resolve(values.input) : undefined,
    rows,
    threshold,
    hyperparameters: values.hyperparameters ? parseHyperparameters(values.hyperparameters) : undefined,
    runs,
    tuning: tuningOption(values.tune, values['tune-parallel'], values['tune-strategy'], values['tune-ranges']),
    keepServing: values['keep-serving'],
    workdir: path.resolve(values.workdir),
    verbose: values.verbose,
  };
}
