/**
 * The training hyperparameters: one zod schema parses SageMaker's all-string
 * hyperparameters.json into typed values with documented defaults. Docs and tests read
 * HYPERPARAMETER_DOCS and HYPERPARAMETER_DEFAULTS from here.
 *
 * A value is a string (SageMaker's contract) or a finite JSON number; numbers are read in decimal
 * notation only ("0x10", "true" or [8] are refused, never coerced), and every name must be known.
 */
import * as os from 'node:os';
import { z } from 'zod';
import { decimalOrAsIs } from '../decimal';
import { quoted, shownName } from '../errors';
import { HyperparameterError } from './errors';

// The schema-wide message is for a value that is no number at all; a number out of range says its range.
const number = z.number({
  error: (issue) => (issue.code === 'invalid_type' ? 'must be a number in decimal notation' : undefined),
});
const range = (min: number, max: number) => `must be between ${min} and ${max}`;
const int = (min: number, max: number) =>
  z.preprocess(decimalOrAsIs, number.int('must be an integer').min(min, range(min, max)).max(max, range(min, max)));
const num = (min: number, max: number) => z.preprocess(decimalOrAsIs, number.min(min, range(min, max)).max(max, range(min, max)));
const BOOLEANS: Record<string, boolean> = { true: true, True: true, '1': true, false: false, False: false, '0': false };
const bool = z.preprocess(
  (v) => (typeof v === 'string' || typeof v === 'number' ? BOOLEANS[String(v)] : undefined),
  z.boolean({ error: 'must be true or false' }),
);

export const LR_SCHEDULES = ['constant', 'linear', 'cosine'] as const;
export const NEGATIVE_SAMPLING = ['uniform', 'popularity'] as const;
export const OPTIMIZERS = ['adagrad', 'sgd'] as const;

/** Cores available to this process: the default for `threads`. */
export function defaultThreads(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export const HYPERPARAMETER_DOCS = {
  factors: 'latent factors per user and item',
  learning_rate: 'step size at the first epoch (with `optimizer=sgd`, 0.05 suits the other defaults)',
  optimizer: "adagrad (row-wise: each user's and item's step shrinks with the squared gradients it has had) or sgd (plain steps)",
  lr_schedule: 'learning-rate schedule over `epochs`: constant, linear (to 10 %) or cosine (to 10 %)',
  regularization: 'L2 penalty on user and item factors, applied at every update',
  bias_regularization: 'L2 penalty on the item bias',
  epochs: 'maximum passes over the training pairs (one pass = as many samples as pairs); alias `iterations`',
  negative_samples: 'negative candidates drawn per sample; the highest-scored one is used (1 = plain BPR)',
  negative_sampling:
    'how candidates are drawn: uniform over items, or popularity (in proportion to distinct buyers, as implicit does)',
  verify_negatives: 'redraw a negative candidate the user already bought',
  validation_fraction:
    "share of each user's training pairs held out for early stopping (0 = no early stopping, train all epochs)",
  validation_users: 'at most this many users are scored at each validation check',
  eval_every: 'epochs between validation checks',
  patience: 'validation checks without improvement before stopping; the best model so far is kept',
  eval_k: 'K of the ranking metrics (precision@K, p@k(K), ...)',
  seed: 'seed of every random choice; with threads=1 a run is reproducible bit for bit',
  threads: 'SGD threads (Hogwild over shared memory); default = all cores',
  gate_threshold:
    "the deployment gate's threshold, shown in the model report (the training pipeline passes it; no effect on training)",
} as const;

export const hyperparameterSchema = z
  .object({
    factors: int(1, 1024).default(128),
    learning_rate: num(1e-6, 10).default(0.12),
    optimizer: z.enum(OPTIMIZERS).default('adagrad'),
    lr_schedule: z.enum(LR_SCHEDULES).default('linear'),
    regularization: num(0, 10).default(0.03),
    bias_regularization: num(0, 10).default(0.03),
    epochs: int(1, 10000).default(25),
    negative_samples: int(1, 100).default(10),
    negative_sampling: z.enum(NEGATIVE_SAMPLING).default('uniform'),
    verify_negatives: bool.default(true),
    validation_fraction: num(0, 0.5).default(0.05),
    validation_users: int(1, 10_000_000).default(5000),
    eval_every: int(1, 10000).default(5),
    patience: int(1, 1000).default(3),
    eval_k: int(1, 1000).default(10),
    seed: int(0, 2 ** 31 - 1).default(42),
    threads: int(1, 256).optional(),
    gate_threshold: num(0, 1).optional(),
  })
  .strict();

export type Hyperparameters = Omit<z.output<typeof hyperparameterSchema>, 'threads'> & { threads: number };

export type HyperparameterName = keyof typeof HYPERPARAMETER_DOCS;

/** Parsed values of an empty hyperparameters.json (threads resolved for this machine). */
export const HYPERPARAMETER_DEFAULTS: Hyperparameters = parseHyperparameters({});

const ALIASES: ReadonlyMap<string, HyperparameterName> = new Map([['iterations', 'epochs']]);
const KNOWN: ReadonlySet<string> = new Set(Object.keys(HYPERPARAMETER_DOCS));

/** Names SageMaker adds itself (sagemaker_*, _tuning_objective_metric...); "__proto__" is not one. */
const RESERVED = /^(?:sagemaker_|_[a-z])/;

/** Every name a hyperparameters object may hold (SageMaker's own, sagemaker_* and _*, besides). */
export const HYPERPARAMETER_NAMES: readonly string[] = [...KNOWN, ...ALIASES.keys()];

/** The known name a given name stands for (an alias's target), or undefined for an unknown name. */
export function hyperparameterName(name: string): HyperparameterName | undefined {
  return ALIASES.get(name) ?? (KNOWN.has(name) ? (name as HyperparameterName) : undefined);
}

/** The error for a name that is neither known nor SageMaker's (shared with the command lines). */
export function unknownHyperparameter(name: string): HyperparameterError {
  return new HyperparameterError(`unknown hyperparameter ${shownName(name)}; known: ${HYPERPARAMETER_NAMES.join(', ')}`);
}

/**
 * Parses raw hyperparameters (values usually strings). Throws HyperparameterError naming the
 * field for an unknown name or a bad value.
 */
export function parseHyperparameters(raw: unknown): Hyperparameters {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HyperparameterError('hyperparameters must be a JSON object of name to string value');
  }
  // Own names only, into a map: "__proto__" or "toString" are names like any other (and unknown).
  const input = new Map<HyperparameterName, string | number>();
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (RESERVED.test(name)) continue;
    const target = hyperparameterName(name);
    if (!target) throw unknownHyperparameter(name);
    if (input.has(target))
      throw new HyperparameterError(`hyperparameter ${name}: given twice (also as ${target === name ? 'an alias' : target})`);
    if (typeof value === 'number' && Number.isFinite(value)) input.set(target, value);
    else if (typeof value !== 'string')
      throw new HyperparameterError(`hyperparameter ${name}: must be a string (or a finite number), got ${quoted(value)}`);
    // An empty value is an error, not a silent zero.
    else if (value.trim() === '') throw new HyperparameterError(`hyperparameter ${name}: empty value`);
    else input.set(target, value.trim());
  }
  const parsed = hyperparameterSchema.safeParse(Object.fromEntries(input));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '') as HyperparameterName;
    throw new HyperparameterError(`hyperparameter ${field}: ${issue.message} (got ${quoted(input.get(field))})`);
  }
  return { ...parsed.data, threads: parsed.data.threads ?? defaultThreads() };
}
