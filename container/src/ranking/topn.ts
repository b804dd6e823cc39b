/** The one top-n selection of the container: served lists, evaluated lists, the popularity order. */

/** A ranked list: item indices and their scores, best first. */
export interface TopItems {
  readonly items: Int32Array;
  readonly scores: Float64Array;
}

/**
 * Top-n of a score buffer with a bounded min-heap (worst kept item at the root): one pass,
 * O(items log n), no sort of the whole catalogue. -Infinity (excluded) and NaN never enter.
 * Ties go to the lower item index so that results are deterministic. Reuses its heap across calls.
 */
export class TopN {
  private heapItems = new Int32Array(16);
  private heapScores = new Float64Array(16);

  /** Best n of scores, as item indices and scores, best first. */
  select(scores: Float32Array, n: number): TopItems {
    if (this.heapItems.length < n) {
      this.heapItems = new Int32Array(n);
      this.heapScores = new Float64Array(n);
    }
    const hi = this.heapItems;
    const hs = this.heapScores;
    let size = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (!(s > -Infinity)) continue;
      if (size < n) {
        // Sift up: the new entry climbs while it is worse than its parent.
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (!worse(s, i, hs[p]!, hi[p]!)) break;
          hs[c] = hs[p]!;
          hi[c] = hi[p]!;
          c = p;
        }
        hs[c] = s;
        hi[c] = i;
      } else if (s > hs[0]!) {
        // Items arrive in index order, so an equal score never beats the root.
        siftDown(hs, hi, size, s, i);
      }
    }
    // Pop worst-first into the result from the back.
    const items = new Int32Array(size);
    const out = new Float64Array(size);
    for (let k = size - 1; k >= 0; k--) {
      items[k] = hi[0]!;
      out[k] = hs[0]!;
      if (k > 0) siftDown(hs, hi, k, hs[k]!, hi[k]!);
    }
    return { items, scores: out };
  }
}

/** True when (s1, i1) ranks below (s2, i2). */
function worse(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 < s2 || (s1 === s2 && i1 > i2);
}

/** Puts (s, i) at the root of a heap of `size` entries and sifts it down. */
function siftDown(hs: Float64Array, hi: Int32Array, size: number, s: number, i: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!) ? r : l;
    if (!worse(hs[m]!, hi[m]!, s, i)) break;
    hs[c] = hs[m]!;
    hi[c] = hi[m]!;
    c = m;
  }
  hs[c] = s;
  hi[c] = i;
}
