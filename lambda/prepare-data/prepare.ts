/** The whole step over a byte stream and a sink: read, clean, aggregate, split, write, publish. */
import { aggregate } from './aggregate';
import { InputValidationError } from './errors';
import { ByteSource, openInput } from './input';
import type { PrepareOptions } from './options';
import { catalogCsv, OUTPUT_KEYS, pairsCsv, usersJsonl } from './outputs';
import type { OutputSink } from './sinks';
import { applyMinInteractions, countPairs, Counts, productPairs, splitPairs, SplitStats, TEST, TRAIN } from './split';
import type { DroppedRows } from './aggregate';
import { pairsPerCustomer, type PairsPerCustomer } from './distribution';

export interface PrepareStats {
  input: { format: 'csv' | 'xlsx'; gzip: boolean; layout: 'retail' | 'clean'; sheets: number };
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

export interface ManifestEntry {
  key: string;
  bytes: number;
}

export interface PrepareOutcome {
  stats: PrepareStats;
  objects: ManifestEntry[];
}

export async function prepareData(
  source: ByteSource,
  sink: OutputSink,
  options: PrepareOptions,
  now: () => number = Date.now,
): Promise<PrepareOutcome> {
  const started = now();
  try {
    const input = await openInput(source);
    const table = await aggregate(input.batches, options.split === 'temporal');
    const all = new Uint8Array(table.size).fill(1);
    const afterBasicRules = countPairs(table, all);
    const keep = productPairs(table);
    const afterNonProductRule = countPairs(table, keep);
    table.dropped.nonProduct = afterBasicRules.rows - afterNonProductRule.rows;
    const minUser = options.minUserInteractions ?? 1;
    const minItem = options.minItemInteractions ?? 1;
    const pairsDropped = applyMinInteractions(table, keep, minUser, minItem);
    const final = countPairs(table, keep);
    if (final.pairs === 0) {
      throw new InputValidationError(
        `nothing left after cleaning: ${table.rowsRead} rows read, ${JSON.stringify(table.dropped)} dropped`,
      );
    }
    const { assign, stats: split } = splitPairs(table, keep, options);
    const objects: ManifestEntry[] = [];
    const put = async (key: string, body: AsyncIterable<Buffer>, type: string) => {
      objects.push({ key, bytes: await sink.put(key, body, type) });
    };
    await put(OUTPUT_KEYS.training, pairsCsv(table, assign, TRAIN), 'text/csv');
    await put(OUTPUT_KEYS.testing, pairsCsv(table, assign, TEST), 'text/csv');
    await put(OUTPUT_KEYS.catalog, catalogCsv(table, assign), 'text/csv');
    await put(OUTPUT_KEYS.batchInput, usersJsonl(table, assign, TRAIN, options.topN), 'application/jsonlines');
    const stats: PrepareStats = {
      input: { format: input.format, gzip: input.gzip, layout: table.layout, sheets: table.sheets },
      rowsRead: table.rowsRead,
      rowsDropped: table.dropped,
      rowsWithUnreadableDate: table.rowsWithUnreadableDate,
      afterBasicRules,
      afterNonProductRule,
      minInteractions: { user: minUser, item: minItem, pairsDropped },
      users: final.users,
      items: final.items,
      pairs: final.pairs,
      density: final.pairs / (final.users * final.items),
      pairsPerCustomer: pairsPerCustomer(table, keep),
      split,
      seconds: 0,
    };
    stats.seconds = Math.round((now() - started) / 10) / 100;
    const statsJson = JSON.stringify(stats, null, 2) + '\n';
    await put(
      OUTPUT_KEYS.stats,
      (async function* () {
        yield Buffer.from(statsJson);
      })(),
      'application/json',
    );
    const manifest = { version: 1, createdAt: new Date(now()).toISOString(), options, objects };
    await sink.commit(JSON.stringify(manifest, null, 2) + '\n');
    return { stats, objects };
  } catch (err) {
    await sink.abort();
    throw err;
  }
}
