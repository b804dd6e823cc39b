/**
 * The training hyperparameters: one zod schema parses SageMaker's all-string
 * hyperparameters.json into typed values with documented defaults. Docs and tests read
 * HYPERPARAMETER_DOCS and HYPERPARAMETER_DEFAULTS from here.
 */
import * as os from 'node:os';
import { z } from 'zod';
import { HyperparameterError } from './errors';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === 'True' || v === '1');

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
  })
  .strict();

export type Hyperparameters = Omit<z.output<typeof hyperparameterSchema>, 'threads'> & { threads: number };

export type HyperparameterName = keyof typeof HYPERPARAMETER_DOCS;

/** Parsed values of an empty hyperparameters.json (threads resolved for this machine). */
export const HYPERPARAMETER_DEFAULTS: Hyperparameters = parseHyperparameters({});

const ALIASES: Record<string, HyperparameterName> = { iterations: 'epochs' };

/** True for names SageMaker adds itself (sagemaker_*, _tuning_objective_metric...). */
function isReserved(name: string): boolean {
  return name.startsWith('sagemaker_') || name.startsWith('_');
}

/**
 * Parses raw hyperparameters (values usually strings). Throws HyperparameterError naming the
 * field for an unknown name or a bad value.
 */
export function parseHyperparameters(raw: unknown): Hyperparameters {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HyperparameterError('hyperparameters must be a JSON object of name to string value');
  }
  const input: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (isReserved(name)) continue;
    const target = ALIASES[name] ?? name;
    if (target in input)
      throw new HyperparameterError(`hyperparameter ${name}: given twice (also as ${target === name ? 'an alias' : target})`);
    // z.coerce.number() would read "" as 0: an empty value is an error, not a silent zero.
    if (typeof value === 'string' && value.trim() === '') throw new HyperparameterError(`hyperparameter ${name}: empty value`);
    input[target] = typeof value === 'string' ? value.trim() : value;
  }
  const parsed = hyperparameterSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      throw new HyperparameterError(
        `unknown hyperparameter ${issue.keys.join(', ')}; known: ${Object.keys(HYPERPARAMETER_DOCS).join(', ')}, iterations`,
      );
    }
    const field = String(issue.path[0] ?? '');
    throw new HyperparameterError(`hyperparameter ${field}: ${issue.message} (got ${JSON.stringify(input[field])})`);
  }
  return { ...parsed.data, threads: parsed.data.threads ?? defaultThreads() };
}
