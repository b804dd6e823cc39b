/**
 * Minimal year-1 split for the training benchmark (UCI Online Retail II, first year): drop rows without a
 * customer, cancellations and Quantity <= 0, normalise "13085.0" to "13085", deduplicate the
 * (customer, StockCode) pairs and split them 70/30 with a seeded shuffle. The project's real
 * data preparation lives in lambda/prepare-data; this keeps the benchmark independent of it.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { Rng } from '../container/src/train/rng';
import { normaliseId } from '../container/src/ids';
import { GENERATOR_DEFAULTS, generateRetailRows } from '../local/dataset/generator';
import { year1Csv } from '../local/dataset/year1';

export interface Pair {
  readonly user: string;
  readonly item: string;
}

/** A purchase line kept by the basic rules, in file order. */
interface Purchase extends Pair {
  /** InvoiceDate as written (`2010-10-01 09:30:00`): compared as text, no time zone involved. */
  readonly date: string;
}

async function* purchases(file: string): AsyncGenerator<Purchase> {
  const parser = createReadStream(file)
    .pipe(createGunzip())
    .pipe(parse({ columns: true }));
  for await (const r of parser as AsyncIterable<Record<string, string>>) {
    const customer = r['Customer ID'];
    if (!customer || r.Invoice.startsWith('C') || !(Number(r.Quantity) > 0)) continue;
    yield { user: normaliseId(customer), item: r.StockCode, date: r.InvoiceDate };
  }
}

export async function loadYear1Split(file = year1Csv(), seed = 42): Promise<{ train: Pair[]; test: Pair[] } | null> {
  if (!file) return null;
  const seen = new Set<string>();
  const pairs: Pair[] = [];
  for await (const { user, item } of purchases(file)) {
    const key = `${user}\u0000${item}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ user, item });
  }
  new Rng(seed).shuffle(pairs);
  const cut = Math.floor(pairs.length * 0.7);
  return { train: pairs.slice(0, cut), test: pairs.slice(cut) };
}

/**
 * The temporal check: learn from the pairs bought before `cutoff`, predict the pairs first bought
 * on or after `from` (a week later by default: next month's question, with a gap).
 */
export async function loadYear1Temporal(
  file = year1Csv(),
  cutoff = '2010-10-01',
  from = '2010-10-08',
): Promise<{ train: Pair[]; test: Pair[] } | null> {
  if (!file) return null;
  const first = new Map<string, Purchase>();
  for await (const p of purchases(file)) {
    const key = `${p.user}\u0000${p.item}`;
    const seen = first.get(key);
    if (!seen || p.date < seen.date) first.set(key, p);
  }
  const train: Pair[] = [],
    test: Pair[] = [];
  for (const p of first.values()) {
    if (p.date < cutoff) train.push({ user: p.user, item: p.item });
    else if (p.date >= from) test.push({ user: p.user, item: p.item });
  }
  return { train, test };
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

/**
 * The first `pairs` distinct (customer, item) pairs, in invoice order, of the project's synthetic
 * retailer (the `npm run data:generate` generator, the same basic rules), for the scale run:
 * customers grow in proportion to the pairs, items with their square root, as the generator scales them.
 */
export function generatedPairs(pairs: number, seed = 42): Pair[] {
  const base = 495_565; // distinct pairs of the generator's default 1,067,371 lines
  const ratio = pairs / base;
  // A few more lines than the default density needs: more customers buy more distinct pairs.
  const rows = Math.round(GENERATOR_DEFAULTS.rows * ratio * 1.05);
  const customers = Math.round(GENERATOR_DEFAULTS.customers * ratio);
  const items = Math.round(GENERATOR_DEFAULTS.items * Math.sqrt(Math.max(ratio, 1)));
  const seen = new Set<string>();
  const out: Pair[] = [];
  for (const r of generateRetailRows({ seed, rows, customers, items })) {
    const customer = r[6];
    if (!customer || r[0].startsWith('C') || !(Number(r[3]) > 0)) continue;
    const user = normaliseId(customer);
    const key = `${user}\u0000${r[1]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ user, item: r[1] });
    if (out.length === pairs) break;
  }
  return out;
}
