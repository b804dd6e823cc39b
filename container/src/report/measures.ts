/**
 * What the report measures beyond the metric lines, from one ranking pass per ranker over the
 * evaluated test users (the evaluation's users: at least one test item): each user's list is
 * ranked once to `depth` by the shared Ranker, and precision@K and recall@K for every K up to
 * depth come from the hit positions of that one list. Definitions are the evaluation's:
 * precision@K = hits / (K x users), recall@K = mean over users of hits / |test items|; at the
 * evaluation's K they equal its metrics. The top-K lists also count how often each item is
 * recommended (the long-tail view).
 */
import { Ranker } from '../ranking/rank';
import type { ItemScores } from '../ranking/scorer';
import type { EvaluationInput } from '../train/evaluation';

/** The test pairs and what to leave out, as the evaluation takes them; k is the K of the item counts. */
export type MeasureInput = Pick<EvaluationInput, 'nItems' | 'k' | 'exclude' | 'test' | 'unknownTestItems'>;

export interface DepthCurves {
  /** precision[K - 1] = precision@K, for K = 1 .. depth. */
  readonly precision: number[];
  /** recall[K - 1] = recall@K. */
  readonly recall: number[];
  /** Users evaluated. */
  readonly users: number;
  /** Times each item appears in a top-k list (k = input.k). */
  readonly recommended: Int32Array;
}

/** Ranks every evaluated user once to depth (at least k) and measures every K from that list. */
export function depthCurves(input: MeasureInput, scores: ItemScores, depth: number): DepthCurves {
  const { nItems, k, exclude, test } = input;
  const d = Math.max(depth, k);
  const unknown = input.unknownTestItems;
  const nUsers = test.indptr.length - 1;
  const ranker = new Ranker(scores, exclude);
  const isTest = new Uint8Array(nItems);
  const hitsAt = new Float64Array(depth); // hits within the first r + 1 ranks, summed over users
  const recallAt = new Float64Array(depth); // the same per user divided by its test items (summed as the evaluation sums)
  const recommended = new Int32Array(nItems);
  let users = 0;
  for (let u = 0; u < nUsers; u++) {
    const t0 = test.indptr[u],
      t1 = test.indptr[u + 1];
    const nTest = t1 - t0 + (unknown ? unknown[u] : 0);
    if (nTest === 0) continue;
    users++;
    for (let p = t0; p < t1; p++) isTest[test.indices[p]] = 1;
    const top = ranker.rank(u, d, true).items;
    let userHits = 0;
    for (let r = 0; r < d; r++) {
      if (r < top.length) {
        if (r < k) recommended[top[r]]++;
        userHits += isTest[top[r]];
      }
      if (r < depth) {
        hitsAt[r] += userHits;
        recallAt[r] += userHits / nTest;
      }
    }
    for (let p = t0; p < t1; p++) isTest[test.indices[p]] = 0;
  }
  const precision = Array.from(hitsAt, (h, r) => (users ? h / ((r + 1) * users) : NaN));
  const recall = Array.from(recallAt, (s) => (users ? s / users : NaN));
  return { precision, recall, users, recommended };
}

/** One bin of items by popularity rank (1 = bought by the most customers). */
export interface PopularityBin {
  readonly fromRank: number;
  readonly toRank: number;
  /** Share of all model recommendations that go to the bin's items. */
  readonly model: number;
  readonly baseline: number;
}

export interface Diversity {
  readonly bins: PopularityBin[];
  /** Distinct items recommended at least once. */
  readonly distinctItems: { readonly model: number; readonly baseline: number };
  /** Share of recommendations that go to the 10 % most popular items. */
  readonly headShare: { readonly model: number; readonly baseline: number };
  readonly items: number;
}

/** Items by popularity, most popular first (ties to the lower index, as the popularity ranking breaks them). */
export function popularityOrder(popularity: ArrayLike<number>): Int32Array {
  const order = new Int32Array(popularity.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => popularity[b] - popularity[a] || a - b);
}

/**
 * How recommendations spread over items ranked by popularity, for the model and the baseline, in
 * bins of doubling width (ranks 1, 2-3, 4-7, 8-15, ...): the head in detail, the long tail in a few bins.
 */
export function diversity(popularity: ArrayLike<number>, model: Int32Array, baseline: Int32Array): Diversity {
  const order = popularityOrder(popularity);
  const n = order.length;
  const total = (c: Int32Array) => c.reduce((s, v) => s + v, 0) || 1;
  const totals = { model: total(model), baseline: total(baseline) };
  const head = Math.max(1, Math.ceil(n / 10));
  const bins: PopularityBin[] = [];
  const share = { model: 0, baseline: 0 };
  for (let from = 0; from < n; from = 2 * from + 1) {
    let m = 0,
      b = 0;
    for (let r = from; r < Math.min(n, 2 * from + 1); r++) {
      m += model[order[r]];
      b += baseline[order[r]];
      if (r < head) {
        share.model += model[order[r]];
        share.baseline += baseline[order[r]];
      }
    }
    bins.push({ fromRank: from + 1, toRank: Math.min(n, 2 * from + 1), model: m / totals.model, baseline: b / totals.baseline });
  }
  const distinct = (c: Int32Array) => c.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
  return {
    bins,
    distinctItems: { model: distinct(model), baseline: distinct(baseline) },
    headShare: { model: share.model / totals.model, baseline: share.baseline / totals.baseline },
    items: n,
  };
}
