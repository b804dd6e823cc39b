/** How many distinct items each customer bought, as a histogram with doubling buckets (1, 2, 3-4, 5-8, ...). */
import type { PairTable } from './aggregate';

export interface PairsPerCustomer {
  /** Customers with min..max distinct items (inclusive); empty buckets are kept up to the largest. */
  buckets: { min: number; max: number; customers: number }[];
  mean: number;
  median: number;
  max: number;
}

/** The distribution over the customers of the pairs where keep[p] is set. */
export function pairsPerCustomer(t: PairTable, keep: Uint8Array): PairsPerCustomer {
  const perUser = new Uint32Array(t.userIds.length);
  for (let p = 0; p < t.size; p++) if (keep[p]) perUser[t.pairUser[p]]++;
  const counts = perUser.filter((c) => c > 0).sort();
  const buckets: PairsPerCustomer['buckets'] = [];
  let total = 0;
  for (const c of counts) {
    total += c;
    // bucket b holds 2^(b-1)+1 .. 2^b (bucket 0 holds 1)
    const b = c <= 1 ? 0 : Math.ceil(Math.log2(c));
    while (buckets.length <= b) {
      const i = buckets.length;
      buckets.push({ min: i === 0 ? 1 : 2 ** (i - 1) + 1, max: 2 ** i, customers: 0 });
    }
    buckets[b].customers++;
  }
  const n = counts.length;
  return {
    buckets,
    mean: n ? total / n : 0,
    median: n ? counts[(n - 1) >> 1] : 0,
    max: n ? counts[n - 1] : 0,
  };
}
