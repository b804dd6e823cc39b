/**
 * The statistics of a preparation, made from the rows of the `stats` and `histogram` queries of
 * sql.ts (whichever engine ran them), and the checks that fail a preparation with nothing to train on.
 */
import type { Engine } from './dialect';
import { InputValidationError } from './errors';
import type { InputSummary } from './source';

export interface DroppedRows {
  missingCustomer: number;
  cancellation: number;
  nonPositiveQuantity: number;
  missingItem: number;
  nonProduct: number;
}

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

export interface PairsPerCustomer {
  /** Customers with min..max distinct items (inclusive); empty buckets are kept up to the largest. */
  buckets: { min: number; max: number; customers: number }[];
  mean: number;
  median: number;
  max: number;
}

export interface PrepareStats {
  /** What was read, and which engine ran the SQL. */
  input: InputSummary & { engine?: Engine };
  rowsRead: number;
  rowsDropped: DroppedRows;
  rowsWithUnreadableDate: number;
  /** After the basic rules (customer, cancellation, quantity), before the non-product rule. */
  afterBasicRules: Counts;
  /** After the non-product rule too. */
  afterNonProductRule: Counts;
  minInteractions: { user: number; item: number; pairsDropped: number };
  /** What the split worked on (after every filter). */
  users: number;
  items: number;
  pairs: number;
  density: number;
  /** Distinct items per customer over the kept pairs (before the split). */
  pairsPerCustomer: PairsPerCustomer;
  split: SplitStats;
  seconds: number;
}

/** A row of the `stats` query, by column name (numbers may arrive as strings or bigints). */
export type StatsRow = Record<string, unknown>;

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Customers by distinct items -> doubling buckets (1, 2, 3-4, 5-8, ...), mean, median and max. */
export function pairsPerCustomer(histogram: readonly [number, number][]): PairsPerCustomer {
  const buckets: PairsPerCustomer['buckets'] = [];
  let customers = 0;
  let total = 0;
  for (const [pairs, count] of histogram) {
    customers += count;
    total += pairs * count;
    // bucket b holds 2^(b-1)+1 .. 2^b (bucket 0 holds 1)
    const b = pairs <= 1 ? 0 : Math.ceil(Math.log2(pairs));
    while (buckets.length <= b) {
      const i = buckets.length;
      buckets.push({ min: i === 0 ? 1 : 2 ** (i - 1) + 1, max: 2 ** i, customers: 0 });
    }
    buckets[b].customers += count;
  }
  // the lower median: the ((customers - 1) >> 1)-th customer in order of their counts
  let median = 0;
  for (let seen = 0, k = 0, target = (customers - 1) >> 1; k < histogram.length; k++) {
    seen += histogram[k][1];
    if (seen > target) {
      median = histogram[k][0];
      break;
    }
  }
  return {
    buckets,
    mean: customers ? total / customers : 0,
    median,
    max: histogram.length ? histogram[histogram.length - 1][0] : 0,
  };
}

/** What the statistics are built from besides the query rows. */
export interface StatsContext {
  input: PrepareStats['input'];
  split: 'random' | 'temporal';
  seed: number;
  testFraction: number;
  minUser: number;
  minItem: number;
}

/**
 * The statistics from the query rows; throws InputValidationError when nothing is left after
 * cleaning or the split leaves no training pair.
 */
export function buildStats(row: StatsRow, histogram: readonly [number, number][], c: StatsContext): PrepareStats {
  const rowsDropped: DroppedRows = {
    missingCustomer: n(row.dropped_missingCustomer ?? row.dropped_missingcustomer),
    cancellation: n(row.dropped_cancellation),
    nonPositiveQuantity: n(row.dropped_nonPositiveQuantity ?? row.dropped_nonpositivequantity),
    missingItem: n(row.dropped_missingItem ?? row.dropped_missingitem),
    nonProduct: n(row.basic_rows) - n(row.product_rows),
  };
  const counts = (p: string): Counts => ({
    rows: n(row[`${p}_rows`]),
    users: n(row[`${p}_users`]),
    items: n(row[`${p}_items`]),
    pairs: n(row[`${p}_pairs`]),
  });
  const final = counts('kept');
  const rowsRead = n(row.rows_read);
  if (final.pairs === 0) {
    throw new InputValidationError(`nothing left after cleaning: ${rowsRead} rows read, ${JSON.stringify(rowsDropped)} dropped`);
  }
  const split: SplitStats = {
    mode: c.split,
    seed: c.seed,
    testFraction: c.testFraction,
    ...(row.cutoff_ms !== null && row.cutoff_ms !== undefined ? { cutoff: new Date(n(row.cutoff_ms)).toISOString() } : {}),
    trainPairs: n(row.train_pairs),
    testPairs: n(row.test_pairs),
    testPairsDroppedUnknownUser: n(row.test_unknown_user),
    testPairsDroppedUnknownItem: n(row.test_unknown_item),
    trainUsers: n(row.train_users),
    trainItems: n(row.train_items),
    testUsers: n(row.test_users),
  };
  if (split.trainPairs === 0)
    throw new InputValidationError('the split left no training pairs (check cutoffDate and testFraction)');
  const afterNonProductRule = counts('product');
  return {
    input: c.input,
    rowsRead,
    rowsDropped,
    rowsWithUnreadableDate: n(row.undated),
    afterBasicRules: counts('basic'),
    afterNonProductRule,
    minInteractions: { user: c.minUser, item: c.minItem, pairsDropped: afterNonProductRule.pairs - final.pairs },
    users: final.users,
    items: final.items,
    pairs: final.pairs,
    density: final.pairs / (final.users * final.items),
    pairsPerCustomer: pairsPerCustomer(histogram),
    split,
    seconds: 0,
  };
}
