/**
 * Minimal year-1 split for the training benchmark: drop rows without a customer, cancellations
 * and Quantity <= 0, normalise "13085.0" to "13085" (as data preparation does), deduplicate the
 * (customer, StockCode) pairs and split them 70/30 with a seeded shuffle. The project's real
 * data preparation lives in lambda/prepare-data; this keeps the benchmark independent of it.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { Rng } from '../container/src/train/rng';
import { normaliseId as normaliseUserId } from '../container/src/ids';
import { year1Csv } from '../local/dataset/year1';

export interface Pair {
  readonly user: string;
  readonly item: string;
}

/** The split of the year-1 file, or null when the file is absent. */
export async function loadYear1Split(
  file = year1Csv(),
  seed = 42,
): Promise<{ train: Pair[]; test: Pair[]; rows: number } | null> {
  if (!file) return null;
  const seen = new Set<string>();
  const pairs: Pair[] = [];
  let rows = 0;
  const parser = createReadStream(file)
    .pipe(createGunzip())
    .pipe(parse({ columns: true }));
  for await (const r of parser as AsyncIterable<Record<string, string>>) {
    rows++;
    const customer = r['Customer ID'];
    if (!customer || r.Invoice.startsWith('C') || !(Number(r.Quantity) > 0)) continue;
    const user = normaliseUserId(customer);
    const key = `${user}\u0000${r.StockCode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ user, item: r.StockCode });
  }
  new Rng(seed).shuffle(pairs);
  const cut = Math.floor(pairs.length * 0.7);
  return { train: pairs.slice(0, cut), test: pairs.slice(cut), rows };
}

/**
 * A validation split for choosing hyperparameters without looking at the test pairs: a seeded
 * 75/25 split of the year-1 training pairs only (fit on the first part, score on the second).
 */
export function validationSplit(train: readonly Pair[], seed = 2024, fitShare = 0.75): { fit: Pair[]; validation: Pair[] } {
  const pairs = train.slice();
  new Rng(seed).shuffle(pairs);
  const cut = Math.floor(pairs.length * fitShare);
  return { fit: pairs.slice(0, cut), validation: pairs.slice(cut) };
}
