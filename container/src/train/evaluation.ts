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
  const { nItems, k, exclude, test } = input;
  const nUsers = test.indptr.length - 1;
  const unknown = input.unknownTestItems;
  const candidates = input.users ?? range(nUsers);
  const ranker = new Ranker(scores, exclude);
  const mask = new Uint8Array(nItems); // 1 = training item, 2 = test item
  const recommended = new Uint8Array(nItems);
  const negScores = new Float32Array(nItems);
  let users = 0,
    hits = 0,
    idealHits = 0,
    recallSum = 0,
    ndcgSum = 0,
    mapSum = 0,
    aucSum = 0,
    aucUsers = 0;

  for (let c = 0; c < candidates.length; c++) {
    const u = candidates[c];
    const t0 = test.indptr[u],
      t1 = test.indptr[u + 1];
    const nTest = t1 - t0 + (unknown ? unknown[u] : 0);
    if (nTest === 0) continue;
    users++;
    const top = ranker.rank(u, k, true).items;
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) mask[exclude.indices[p]] = 1;
    for (let p = t0; p < t1; p++) if (mask[test.indices[p]] === 0) mask[test.indices[p]] = 2;

    let userHits = 0,
      dcg = 0,
      ap = 0;
    for (let r = 0; r < top.length; r++) {
      recommended[top[r]] = 1;
      if (mask[top[r]] === 2) {
        userHits++;
        dcg += 1 / Math.log2(r + 2);
        ap += userHits / (r + 1);
      }
    }
    const ideal = Math.min(k, nTest);
    let idcg = 0;
    for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
    hits += userHits;
    idealHits += ideal;
    recallSum += userHits / nTest;
    ndcgSum += dcg / idcg;
    mapSum += ap / ideal;

    const auc = input.auc === false ? NaN : userAuc(ranker.scores, mask, negScores);
    if (!Number.isNaN(auc)) {
      aucSum += auc;
      aucUsers++;
    }
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) mask[exclude.indices[p]] = 0;
    for (let p = t0; p < t1; p++) mask[test.indices[p]] = 0;
  }
  let covered = 0;
  for (let i = 0; i < nItems; i++) covered += recommended[i];
  return {
    precision: users ? hits / (k * users) : NaN,
    pAtK: idealHits ? hits / idealHits : NaN,
    recall: users ? recallSum / users : NaN,
    ndcg: users ? ndcgSum / users : NaN,
    map: users ? mapSum / users : NaN,
    auc: aucUsers ? aucSum / aucUsers : NaN,
    coverage: nItems ? covered / nItems : NaN,
    users,
    hits,
  };
}

/** Share of (test, non-test) pairs among non-training items where the test item scores higher. */
function userAuc(scores: Float32Array, mask: Uint8Array, negBuf: Float32Array): number {
  let nNeg = 0;
  for (let i = 0; i < scores.length; i++) if (mask[i] === 0) negBuf[nNeg++] = scores[i];
  const neg = negBuf.subarray(0, nNeg).sort();
  let nPos = 0,
    sum = 0;
  for (let i = 0; i < scores.length; i++) {
    if (mask[i] !== 2) continue;
    nPos++;
    const s = scores[i];
    const below = lowerBound(neg, s);
    sum += below + 0.5 * (lowerBound(neg, nextUp(s)) - below);
  }
  return nPos && nNeg ? sum / (nPos * nNeg) : NaN;
}

function lowerBound(a: Float32Array, v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Smallest float32 greater than v, so that lowerBound(nextUp(v)) counts values <= v. */
const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
function nextUp(v: number): number {
  if (v === 0) return 1e-45;
  F32[0] = v;
  I32[0] += v > 0 ? 1 : -1;
  return F32[0];
}

function range(n: number): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}
