/**
 * Ranking evaluation, pure and independent of the SGD kernel. Each evaluated user's top K comes
 * from the Ranker the model server uses (its training items left out), and is compared with the
 * user's test items. Definitions:
 * - precision@K = hits / (K x evaluated users)
 * - p@k(K) (implicit's definition) = hits / sum over users of min(K, |test items|)
 * - recall@K = mean over users of hits / |test items|
 * - ndcg@K = mean of DCG@K / ideal DCG@K (binary gains, log2 discount)
 * - map@K = mean over users of (sum of precision at each hit rank) / min(K, |test items|)
 * - auc = mean over users of the share of (test item, other item) pairs ranked correctly, over
 *   the full ranking of every item not in the user's training set (ties count one half)
 * - coverage = distinct items appearing in any top K / number of items
 */
import { Ranker, type Csr } from '../ranking/rank';
import type { ItemScores } from '../ranking/scorer';

export interface EvaluationInput {
  readonly nItems: number;
  readonly k: number;
  /** Items never recommended to the user (the training items). */
  readonly exclude: Csr;
  /** Test items known to the model, per user; rows may be empty. */
  readonly test: Csr;
  /** Per user, test items the model cannot rank (unknown to training): they count as misses. */
  readonly unknownTestItems?: Int32Array;
  /** Users to evaluate; default every user with at least one test item. */
  readonly users?: ArrayLike<number>;
  /** Compute the full-ranking AUC (a sort per user); default true. */
  readonly auc?: boolean;
}

export interface RankingMetrics {
  readonly precision: number;
  readonly pAtK: number;
  readonly recall: number;
  readonly ndcg: number;
  readonly map: number;
  readonly auc: number;
  readonly coverage: number;
  /** Users evaluated. */
  readonly users: number;
  readonly hits: number;
}

export function evaluateRanking(input: EvaluationInput, scores: ItemScores): RankingMetrics {
  const acc = new RankingAccumulator(input, scores);
  const candidates = input.users ?? range(input.test.indptr.length - 1);
  for (let c = 0; c < candidates.length; c++) acc.add(candidates[c]);
  return rankingMetrics(acc.sums, input.k);
}

/** Per-user sums behind the metrics; sums over disjoint sets of users add up (threads split the users). */
export interface RankingSums {
  users: number;
  hits: number;
  idealHits: number;
  recallSum: number;
  ndcgSum: number;
  mapSum: number;
  aucSum: number;
  aucUsers: number;
  /** 1 for every item in some top K. */
  readonly recommended: Uint8Array;
}

/** Adds b into a. */
export function addSums(a: RankingSums, b: RankingSums): RankingSums {
  a.users += b.users;
  a.hits += b.hits;
  a.idealHits += b.idealHits;
  a.recallSum += b.recallSum;
  a.ndcgSum += b.ndcgSum;
  a.mapSum += b.mapSum;
  a.aucSum += b.aucSum;
  a.aucUsers += b.aucUsers;
  for (let i = 0; i < a.recommended.length; i++) a.recommended[i] |= b.recommended[i];
  return a;
}

export function rankingMetrics(s: RankingSums, k: number): RankingMetrics {
  const nItems = s.recommended.length;
  let covered = 0;
  for (let i = 0; i < nItems; i++) covered += s.recommended[i];
  return {
    precision: s.users ? s.hits / (k * s.users) : NaN,
    pAtK: s.idealHits ? s.hits / s.idealHits : NaN,
    recall: s.users ? s.recallSum / s.users : NaN,
    ndcg: s.users ? s.ndcgSum / s.users : NaN,
    map: s.users ? s.mapSum / s.users : NaN,
    auc: s.aucUsers ? s.aucSum / s.aucUsers : NaN,
    coverage: nItems ? covered / nItems : NaN,
    users: s.users,
    hits: s.hits,
  };
}

/** Evaluates users one at a time (input.users is not read: the caller chooses them). */
export class RankingAccumulator {
  readonly sums: RankingSums;
  private readonly ranker: Ranker;
  private readonly mask: Uint8Array; // 1 = training item, 2 = test item
  private readonly posScores: Float32Array;

  constructor(
    private readonly input: EvaluationInput,
    scores: ItemScores,
  ) {
    const n = input.nItems;
    this.ranker = new Ranker(scores, input.exclude);
    this.mask = new Uint8Array(n);
    this.posScores = new Float32Array(n);
    this.sums = {
      users: 0,
      hits: 0,
      idealHits: 0,
      recallSum: 0,
      ndcgSum: 0,
      mapSum: 0,
      aucSum: 0,
      aucUsers: 0,
      recommended: new Uint8Array(n),
    };
  }

  /** Ranks user u's top K and adds the user's figures; a user without test items is not counted. */
  add(u: number): void {
    const { k, exclude, test } = this.input;
    const { mask, sums } = this;
    const unknown = this.input.unknownTestItems;
    const t0 = test.indptr[u],
      t1 = test.indptr[u + 1];
    const nTest = t1 - t0 + (unknown ? unknown[u] : 0);
    if (nTest === 0) return;
    sums.users++;
    const top = this.ranker.rank(u, k, true).items;
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) mask[exclude.indices[p]] = 1;
    for (let p = t0; p < t1; p++) if (mask[test.indices[p]] === 0) mask[test.indices[p]] = 2;

    let userHits = 0,
      dcg = 0,
      ap = 0;
    for (let r = 0; r < top.length; r++) {
      sums.recommended[top[r]] = 1;
      if (mask[top[r]] === 2) {
        userHits++;
        dcg += 1 / Math.log2(r + 2);
        ap += userHits / (r + 1);
      }
    }
    const ideal = Math.min(k, nTest);
    let idcg = 0;
    for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
    sums.hits += userHits;
    sums.idealHits += ideal;
    sums.recallSum += userHits / nTest;
    sums.ndcgSum += dcg / idcg;
    sums.mapSum += ap / ideal;

    const auc = this.input.auc === false ? NaN : userAuc(this.ranker.scores, mask, this.posScores);
    if (!Number.isNaN(auc)) {
      sums.aucSum += auc;
      sums.aucUsers++;
    }
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) mask[exclude.indices[p]] = 0;
    for (let p = t0; p < t1; p++) mask[test.indices[p]] = 0;
  }
}

/**
 * Share of (test, non-test) pairs among non-training items where the test item scores higher (ties
 * count one half). Counted from the negatives' side: a user has few test items and thousands of
 * other items, so the test scores are sorted and each other item is placed among them by binary
 * search (O(items log tests) instead of sorting every item).
 */
function userAuc(scores: Float32Array, mask: Uint8Array, posBuf: Float32Array): number {
  let nPos = 0;
  for (let i = 0; i < scores.length; i++) if (mask[i] === 2) posBuf[nPos++] = scores[i];
  const pos = posBuf.subarray(0, nPos).sort();
  if (nPos === 0) return NaN;
  const lowest = pos[0],
    highest = pos[nPos - 1];
  let nNeg = 0,
    sum = 0;
  for (let i = 0; i < scores.length; i++) {
    if (mask[i] !== 0) continue;
    nNeg++;
    const s = scores[i];
    if (s < lowest) sum += nPos;
    if (!(s >= lowest && s <= highest)) continue;
    const below = lowerBound(pos, s);
    let notAbove = below;
    while (notAbove < nPos && pos[notAbove] === s) notAbove++;
    sum += nPos - notAbove + 0.5 * (notAbove - below);
  }
  return nNeg ? sum / (nPos * nNeg) : NaN;
}

/** Number of values in sorted a below v; branch-free steps (v falls anywhere among a's values, so branches would mispredict). */
function lowerBound(a: Float32Array, v: number): number {
  let base = 0,
    n = a.length;
  while (n > 1) {
    const half = n >>> 1;
    base = a[base + half - 1] < v ? base + half : base;
    n -= half;
  }
  return n === 1 && a[base] < v ? base + 1 : base;
}

function range(n: number): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}
