/**
 * Ranks the items for a user the one way the product does: scores every item, leaves out the
 * user's training items when asked, keeps the best n (ties to the lower item index). The model
 * server returns these lists and the evaluation measures them, so the gate's metrics are the
 * served lists' metrics.
 */
import type { ItemScores } from './scorer';
import { TopN, type TopItems } from './topn';

/** Compressed rows: the items of user u are indices[indptr[u] .. indptr[u+1]). */
export interface Csr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
}

/** Not reentrant: the score buffer and the heap are reused from one call to the next. */
export class Ranker {
  private readonly topn = new TopN();
  private last: Float32Array = new Float32Array(0);

  constructor(
    private readonly source: ItemScores,
    /** Each user's training items. */
    private readonly trained: Csr,
  ) {}

  rank(u: number, n: number, excludeTrained: boolean): TopItems {
    const scores = this.source.score(u);
    if (excludeTrained) {
      const { indptr, indices } = this.trained;
      for (let p = indptr[u]!, end = indptr[u + 1]!; p < end; p++) scores[indices[p]!] = -Infinity;
    }
    this.last = scores;
    return this.topn.select(scores, n);
  }

  /** Scores of the last user ranked (its training items at -Infinity when left out), until the next call. */
  get scores(): Float32Array {
    return this.last;
  }
}
