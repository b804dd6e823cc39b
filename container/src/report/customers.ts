/**
 * A few customers of the test set as a person checks a recommender: what they bought (training),
 * what they bought later (test), and the model's top list with the later purchases marked. The
 * customers are drawn with the run's seed from the evaluated users, so a rerun shows the same ones.
 */
import { Ranker, type Csr } from '../ranking/rank';
import type { ItemScores } from '../ranking/scorer';
import { Rng } from '../train/rng';

/** Stream of the seeded generator for the choice (apart from training's streams). */
const CUSTOMER_STREAM = 0x7e9027;

export interface ItemLine {
  readonly id: string;
  readonly description: string | null;
}

export interface RecommendedLine extends ItemLine {
  readonly rank: number;
  readonly score: number;
  /** The customer bought it later (a test item). */
  readonly hit: boolean;
}

export interface CustomerExample {
  readonly userId: string;
  readonly bought: ItemLine[];
  readonly boughtLater: ItemLine[];
  /** Later purchases of items the model does not know (not in training). */
  readonly boughtLaterUnknown: number;
  readonly recommended: RecommendedLine[];
}

export interface CustomerSource {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly train: Csr;
  readonly test: Csr;
  readonly unknownTestItems?: Int32Array;
  readonly catalog: Readonly<Record<string, string>> | null;
}

/** Evaluated users (at least one test item), in index order. */
export function evaluatedUsers(test: Csr, unknown?: Int32Array): number[] {
  const users: number[] = [];
  for (let u = 0; u + 1 < test.indptr.length; u++) {
    if (test.indptr[u + 1] > test.indptr[u] || (unknown && unknown[u] > 0)) users.push(u);
  }
  return users;
}

/** `count` customers drawn with the seed, each with the model's top n. */
export function sampleCustomers(
  source: CustomerSource,
  scores: ItemScores,
  options: { readonly count: number; readonly topN: number; readonly seed: number },
): CustomerExample[] {
  const users = evaluatedUsers(source.test, source.unknownTestItems);
  new Rng(options.seed, CUSTOMER_STREAM).shuffle(users);
  const chosen = users.slice(0, options.count).sort((a, b) => a - b);
  const ranker = new Ranker(scores, source.train);
  const line = (i: number): ItemLine => {
    const id = source.itemIds[i];
    return { id, description: source.catalog?.[id] ?? null };
  };
  const row = (csr: Csr, u: number) => Array.from(csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1]));
  return chosen.map((u) => {
    const later = new Set(row(source.test, u));
    const top = ranker.rank(u, options.topN, true);
    return {
      userId: source.userIds[u],
      bought: row(source.train, u).map(line),
      boughtLater: [...later].map(line),
      boughtLaterUnknown: source.unknownTestItems ? source.unknownTestItems[u] : 0,
      recommended: Array.from(top.items, (i, r) => ({ ...line(i), rank: r + 1, score: top.scores[r], hit: later.has(i) })),
    };
  });
}
