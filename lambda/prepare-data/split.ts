/** Filters (non-product, minimum interactions) and the train/test split of the unique pairs. */
import { InputValidationError } from './errors';
import type { PairTable } from './aggregate';
import { parseCutoff, PrepareOptions } from './options';
import { mulberry32, shuffleInPlace } from './random';

export const DROPPED = 0;
export const TRAIN = 1;
export const TEST = 2;

export interface Counts {
  rows: number;
  users: number;
  items: number;
  pairs: number;
}

export interface SplitStats {
  mode: 'random' | 'temporal';
  seed: number;
  testFraction: number;
  cutoff?: string;
  trainPairs: number;
  testPairs: number;
  testPairsDroppedUnknownUser: number;
  testPairsDroppedUnknownItem: number;
  trainUsers: number;
  trainItems: number;
  testUsers: number;
}

/** Users, items, pairs and rows (sum of pair counts) among the pairs where keep[p] is set. */
export function countPairs(t: PairTable, keep: Uint8Array): Counts {
  const u = new Uint8Array(t.userIds.length);
  const i = new Uint8Array(t.itemIds.length);
  const c: Counts = { rows: 0, users: 0, items: 0, pairs: 0 };
  for (let p = 0; p < t.size; p++) {
    if (!keep[p]) continue;
    c.pairs++;
    c.rows += t.pairCount[p];
    if (!u[t.pairUser[p]]) {
      u[t.pairUser[p]] = 1;
      c.users++;
    }
    if (!i[t.pairItem[p]]) {
      i[t.pairItem[p]] = 1;
      c.items++;
    }
  }
  return c;
}

/** keep[p] = 1 for pairs whose item is a product. */
export function productPairs(t: PairTable): Uint8Array {
  const keep = new Uint8Array(t.size);
  for (let p = 0; p < t.size; p++) keep[p] = t.itemNonProduct[t.pairItem[p]] ? 0 : 1;
  return keep;
}

/** Repeatedly drops pairs of users/items with fewer distinct pairs than the minimum (a k-core). */
export function applyMinInteractions(t: PairTable, keep: Uint8Array, minUser = 1, minItem = 1): number {
  let dropped = 0;
  for (let changed = minUser > 1 || minItem > 1; changed;) {
    changed = false;
    const uc = new Uint32Array(t.userIds.length);
    const ic = new Uint32Array(t.itemIds.length);
    for (let p = 0; p < t.size; p++) {
      if (!keep[p]) continue;
      uc[t.pairUser[p]]++;
      ic[t.pairItem[p]]++;
    }
    for (let p = 0; p < t.size; p++) {
      if (keep[p] && (uc[t.pairUser[p]] < minUser || ic[t.pairItem[p]] < minItem)) {
        keep[p] = 0;
        dropped++;
        changed = true;
      }
    }
  }
  return dropped;
}

/**
 * Assigns each kept pair to TRAIN or TEST. random: seeded shuffle of the unique pairs, the first
 * round(n * (1 - testFraction)) train. temporal: pairs first bought at or after the cut-off
 * (given, or the (1 - testFraction) quantile of first-purchase times) are test. Then test pairs
 * whose user or item never occurs in training are dropped: no model trained on that data can
 * rank them, so keeping them would only add the same unreachable misses to every model.
 */
export function splitPairs(t: PairTable, keep: Uint8Array, o: PrepareOptions): { assign: Uint8Array; stats: SplitStats } {
  const idx: number[] = [];
  for (let p = 0; p < t.size; p++) if (keep[p]) idx.push(p);
  const order = Int32Array.from(idx);
  const assign = new Uint8Array(t.size);
  let cutoff: number | undefined;
  if (o.split === 'random') {
    shuffleInPlace(order, mulberry32(o.seed));
    const nTrain = Math.round(order.length * (1 - o.testFraction));
    for (let k = 0; k < order.length; k++) assign[order[k]] = k < nTrain ? TRAIN : TEST;
  } else {
    for (const p of order) {
      if (Number.isNaN(t.pairFirst[p]))
        throw new InputValidationError('the temporal split needs a readable InvoiceDate on every kept row');
    }
    if (o.cutoffDate !== undefined) {
      cutoff = parseCutoff(o.cutoffDate);
    } else {
      const firsts = Float64Array.from(order, (p) => t.pairFirst[p]).sort();
      cutoff = firsts[Math.min(firsts.length - 1, Math.floor(firsts.length * (1 - o.testFraction)))];
    }
    for (const p of order) assign[p] = t.pairFirst[p] >= cutoff ? TEST : TRAIN;
  }
  const trainUser = new Uint8Array(t.userIds.length);
  const trainItem = new Uint8Array(t.itemIds.length);
  for (const p of order) {
    if (assign[p] !== TRAIN) continue;
    trainUser[t.pairUser[p]] = 1;
    trainItem[t.pairItem[p]] = 1;
  }
  const stats: SplitStats = {
    mode: o.split,
    seed: o.seed,
    testFraction: o.testFraction,
    ...(cutoff !== undefined ? { cutoff: new Date(cutoff).toISOString() } : {}),
    trainPairs: 0,
    testPairs: 0,
    testPairsDroppedUnknownUser: 0,
    testPairsDroppedUnknownItem: 0,
    trainUsers: trainUser.reduce((a, b) => a + b, 0),
    trainItems: trainItem.reduce((a, b) => a + b, 0),
    testUsers: 0,
  };
  const testUser = new Uint8Array(t.userIds.length);
  for (const p of order) {
    if (assign[p] === TRAIN) {
      stats.trainPairs++;
    } else if (!trainUser[t.pairUser[p]]) {
      assign[p] = DROPPED;
      stats.testPairsDroppedUnknownUser++;
    } else if (!trainItem[t.pairItem[p]]) {
      assign[p] = DROPPED;
      stats.testPairsDroppedUnknownItem++;
    } else {
      stats.testPairs++;
      if (!testUser[t.pairUser[p]]) {
        testUser[t.pairUser[p]] = 1;
        stats.testUsers++;
      }
    }
  }
  if (stats.trainPairs === 0)
    throw new InputValidationError('the split left no training pairs (check cutoffDate and testFraction)');
  return { assign, stats };
}
