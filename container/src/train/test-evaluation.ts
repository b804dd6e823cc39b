/**
 * The test evaluation on every thread: the users are shared out in chunks through a counter in
 * shared memory, each thread ranks its users with its own scorer (the model server's scoring code)
 * and the per-user sums are added up. With one thread it is evaluateRanking, user by user in order.
 */
import { Worker } from 'node:worker_threads';
import { ItemScorer, popularityScores, type FactorModel, type ItemScores } from '../ranking/scorer';
import { TrainError } from './errors';
import {
  addSums,
  rankingMetrics,
  RankingAccumulator,
  type EvaluationInput,
  type RankingMetrics,
  type RankingSums,
} from './evaluation';
import { workerScript } from './worker-script';

/** What ranks the items: a factor model, or the items' popularity (the baseline). */
export type ScoreSource =
  | { readonly kind: 'model'; readonly model: FactorModel }
  | { readonly kind: 'popularity'; readonly popularity: ArrayLike<number> };

export interface EvaluationShare {
  readonly input: EvaluationInput;
  readonly sources: readonly ScoreSource[];
  /** Users claimed so far, one counter per source (shared memory). */
  readonly claimed: Int32Array;
}

/** Users a thread claims at a time. */
const USER_CHUNK = 32;

function scorer(source: ScoreSource): ItemScores {
  return source.kind === 'model' ? ItemScorer.forModel(source.model) : popularityScores(source.popularity);
}

/** This thread's part: for each source, claims users until none are left. */
export function evaluateShare(share: EvaluationShare): RankingSums[] {
  const { input } = share;
  const users = input.users ?? Int32Array.from({ length: input.test.indptr.length - 1 }, (_, u) => u);
  return share.sources.map((source, s) => {
    const acc = new RankingAccumulator(input, scorer(source));
    for (;;) {
      const start = Atomics.add(share.claimed, s, USER_CHUNK);
      if (start >= users.length) return acc.sums;
      const end = Math.min(start + USER_CHUNK, users.length);
      for (let c = start; c < end; c++) acc.add(users[c]);
    }
  });
}

/** Metrics of each source on the input, computed by `threads` threads (this one and threads - 1 workers). */
export async function evaluateSources(
  input: EvaluationInput,
  sources: readonly ScoreSource[],
  threads: number,
): Promise<RankingMetrics[]> {
  const share: EvaluationShare = { input, sources, claimed: new Int32Array(new SharedArrayBuffer(4 * sources.length)) };
  const workers: Worker[] = [];
  const replies: Array<Promise<RankingSums[]>> = [];
  if (threads > 1) {
    const script = workerScript('test-evaluation-worker.js');
    for (let t = 1; t < threads; t++) {
      const w = new Worker(script, { workerData: share });
      workers.push(w);
      replies.push(
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', (err) => reject(new TrainError(`evaluation worker failed: ${err.message}`)));
        }),
      );
    }
  }
  try {
    const own = evaluateShare(share);
    for (const sums of await Promise.all(replies)) sums.forEach((s, k) => addSums(own[k], s));
    return own.map((s) => rankingMetrics(s, input.k));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
