/** Interaction data in index form: id maps and per-user item rows (CSR), deduplicated and sorted. */
import type { Csr } from '../ranking/rank';

/** Assigns dense indices to string ids in first-seen order. */
export class IdIndex {
  readonly ids: string[] = [];
  readonly map = new Map<string, number>();

  /** Index of id, adding it when new. */
  add(id: string): number {
    let i = this.map.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.map.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  get(id: string): number | undefined {
    return this.map.get(id);
  }

  get size(): number {
    return this.ids.length;
  }
}

/** A growable Int32 list (pairs can be millions long; plain arrays of numbers cost more). */
export class IntList {
  private buf = new Int32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  toArray(): Int32Array {
    return this.buf.slice(0, this.length);
  }
}

/** Builds CSR rows from (user, item) pairs, with each row sorted and duplicates removed. */
export function buildCsr(nUsers: number, users: ArrayLike<number>, items: ArrayLike<number>): Csr {
  const counts = new Int32Array(nUsers + 1);
  for (let p = 0; p < users.length; p++) counts[users[p] + 1]++;
  for (let u = 0; u < nUsers; u++) counts[u + 1] += counts[u];
  const fill = counts.slice(0, nUsers);
  const raw = new Int32Array(users.length);
  for (let p = 0; p < users.length; p++) raw[fill[users[p]]++] = items[p];
  const indptr = new Int32Array(nUsers + 1);
  let n = 0;
  for (let u = 0; u < nUsers; u++) {
    const row = raw.subarray(counts[u], counts[u + 1]).sort();
    indptr[u] = n;
    for (let q = 0; q < row.length; q++) if (q === 0 || row[q] !== row[q - 1]) raw[n++] = row[q];
  }
  indptr[nUsers] = n;
  const indices = new Int32Array(n);
  indices.set(raw.subarray(0, n));
  return { indptr, indices };
}

/** Number of distinct users per item. */
export function itemPopularity(csr: Csr, nItems: number): Int32Array {
  const pop = new Int32Array(nItems);
  for (let p = 0; p < csr.indices.length; p++) pop[csr.indices[p]]++;
  return pop;
}
