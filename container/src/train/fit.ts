/**
 * Fits BPR: carves a validation slice from the training pairs (for early stopping, so the
 * testing channel never steers training), initialises the factors, runs SGD epochs with the
 * learning-rate schedule, checks validation p@k every `eval_every` epochs and keeps the best model.
 */
import { buildCsr } from './data';
import type { Csr } from '../ranking/rank';
import type { RankingMetrics } from './evaluation';
import type { Hyperparameters } from './hyperparameters';
import { KernelMemory, bitsetFits, kernelLayout } from './kernel';
import { Rng } from './rng';
import { SgdRunner } from './sgd';
import { ThreadCheck } from './thread-check';

/** Adagrad's sums of squared gradients start here (as in LightFM): early steps are close to plain SGD's. */
const ADAGRAD_START = 1;

export interface FitInput {
  readonly nUsers: number;
  readonly nItems: number;
  /** Every training pair, deduplicated (CSR by user). */
  readonly train: Csr;
}

export interface EpochLog {
  readonly epoch: number;
  readonly loss: number;
  /** Share of samples whose positive outscored the chosen negative before the update. */
  readonly pairsCorrect: number;
  readonly samplesPerSecond: number;
  readonly learningRate: number;
  readonly elapsedSeconds: number;
  /** Threads that shared the epoch (fewer than asked for when one thread alone was faster). */
  readonly threads: number;
  /** The thread count changed after this epoch, and why. */
  readonly threadNote?: string;
  /** Validation p@k(K) when checked at this epoch. */
  readonly validation?: number;
}

export interface FitResult {
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
  readonly epochsRun: number;
  /** Epoch whose model was kept (the last one without early stopping). */
  readonly bestEpoch: number;
  readonly bestValidation: number | null;
  /** Every ranking metric (no AUC) of the kept model on the validation slice; null without one. */
  readonly bestValidationMetrics: RankingMetrics | null;
  readonly history: EpochLog[];
  readonly seconds: number;
  readonly samples: number;
}

/** Splits each user's pairs into SGD pairs and validation pairs; every user keeps at least one SGD pair. */
export function splitValidation(train: Csr, fraction: number, rng: Rng): { sgd: Csr; validation: Csr } {
  const nUsers = train.indptr.length - 1;
  const su: number[] = [],
    si: number[] = [],
    vu: number[] = [],
    vi: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const row = Array.from(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
    rng.shuffle(row);
    for (let q = 0; q < row.length; q++) {
      const hold = q > 0 && rng.next() < fraction;
      (hold ? vu : su).push(u);
      (hold ? vi : si).push(row[q]);
    }
  }
  return { sgd: buildCsr(nUsers, su, si), validation: buildCsr(nUsers, vu, vi) };
}

export function learningRateAt(hp: Pick<Hyperparameters, 'learning_rate' | 'lr_schedule' | 'epochs'>, epoch: number): number {
  const progress = hp.epochs > 1 ? epoch / (hp.epochs - 1) : 0;
  const floor = 0.1;
  switch (hp.lr_schedule) {
    case 'linear':
      return hp.learning_rate * (1 - (1 - floor) * progress);
    case 'cosine':
      return hp.learning_rate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    default:
      return hp.learning_rate;
  }
}

export interface FitOptions {
  /**
   * Let each epoch's thread count follow the measured speed (thread-check.ts; on by default).
   * Off, every epoch runs on hp.threads: the benchmarks measure the threads' raw scaling so.
   */
  readonly checkThreads?: boolean;
}

export async function fit(
  input: FitInput,
  hp: Hyperparameters,
  log: (e: EpochLog) => void = () => {},
  options: FitOptions = {},
): Promise<FitResult> {
  const { nUsers, nItems } = input;
  const F = hp.factors;
  const rng = new Rng(hp.seed, 0x5eed);
  const { sgd, validation } =
    hp.validation_fraction > 0
      ? splitValidation(input.train, hp.validation_fraction, rng)
      : { sgd: input.train, validation: null };

  const mem = new KernelMemory(
    kernelLayout({
      nUsers,
      nItems,
      factors: F,
      nPairs: sgd.indices.length,
      threads: hp.threads,
      bitset: bitsetFits(nUsers, nItems),
      adagrad: hp.optimizer === 'adagrad',
    }),
  );
  const { userFactors, itemFactors, itemBias } = mem;
  for (let x = 0; x < userFactors.length; x++) userFactors[x] = (rng.next() - 0.5) / F;
  for (let x = 0; x < itemFactors.length; x++) itemFactors[x] = (rng.next() - 0.5) / F;
  if (mem.layout.adagrad) mem.startAdagrad(ADAGRAD_START);
  mem.setPositives(sgd);
  const valSet = validation ? { test: validation, users: sampleUsers(validation, hp.validation_users, rng), k: hp.eval_k } : null;
  const runner = new SgdRunner(mem, hp.seed, valSet);
  const threadCheck = new ThreadCheck(options.checkThreads === false ? 1 : runner.threads);
  const history: EpochLog[] = [];
  const start = performance.now();
  let best: {
    epoch: number;
    value: number;
    metrics: RankingMetrics;
    u: Float32Array;
    i: Float32Array;
    b: Float32Array;
  } | null = null;
  let sinceBest = 0;
  let samples = 0;
  let epoch = 0;
  try {
    for (; epoch < hp.epochs; epoch++) {
      const lr = learningRateAt(hp, epoch);
      const t0 = performance.now();
      const alone = threadCheck.plan(epoch, sgd.indices.length);
      const threads = alone >= sgd.indices.length ? 1 : runner.threads;
      const stats = await runner.epoch(
        {
          factors: F,
          nItems,
          learningRate: lr,
          regularization: hp.regularization,
          biasRegularization: hp.bias_regularization,
          negatives: hp.negative_samples,
          verifyNegatives: hp.verify_negatives,
          popularityNegatives: hp.negative_sampling === 'popularity',
          samples: sgd.indices.length,
        },
        alone,
      );
      const seconds = (performance.now() - t0) / 1000;
      const threadNote = threadCheck.record(runner.lastTiming);
      samples += stats.used + stats.skipped;
      let value: number | undefined;
      const last = epoch === hp.epochs - 1;
      if (valSet && ((epoch + 1) % hp.eval_every === 0 || last)) {
        const metrics = await runner.validate();
        value = metrics.pAtK;
        if (!best || value > best.value) {
          best = { epoch: epoch + 1, value, metrics, u: userFactors.slice(), i: itemFactors.slice(), b: itemBias.slice() };
          sinceBest = 0;
        } else sinceBest++;
      }
      const entry: EpochLog = {
        epoch: epoch + 1,
        loss: stats.lossSamples ? stats.lossSum / stats.lossSamples : NaN,
        pairsCorrect: stats.used ? stats.correct / stats.used : NaN,
        samplesPerSecond: (stats.used + stats.skipped) / seconds,
        learningRate: lr,
        elapsedSeconds: (performance.now() - start) / 1000,
        threads,
        ...(threadNote ? { threadNote } : {}),
        ...(value === undefined ? {} : { validation: value }),
      };
      history.push(entry);
      log(entry);
      if (sinceBest >= hp.patience) {
        epoch++;
        break;
      }
    }
  } finally {
    await runner.close();
  }
  const keep = best && best.epoch < epoch ? best : null;
  if (keep) {
    userFactors.set(keep.u);
    itemFactors.set(keep.i);
    itemBias.set(keep.b);
  }
  return {
    userFactors: userFactors.slice(),
    itemFactors: itemFactors.slice(),
    itemBias: itemBias.slice(),
    epochsRun: epoch,
    bestEpoch: keep ? keep.epoch : epoch,
    bestValidation: best ? best.value : null,
    bestValidationMetrics: best ? best.metrics : null,
    history,
    seconds: (performance.now() - start) / 1000,
    samples,
  };
}

/** Up to max users that have validation pairs, chosen with the seeded generator. */
function sampleUsers(validation: Csr, max: number, rng: Rng): Int32Array {
  const users: number[] = [];
  for (let u = 0; u + 1 < validation.indptr.length; u++) if (validation.indptr[u + 1] > validation.indptr[u]) users.push(u);
  rng.shuffle(users);
  return Int32Array.from(users.slice(0, max)).sort();
}
