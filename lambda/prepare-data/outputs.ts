/**
 * Renders the output objects from the rows of the result queries (sql.ts resultQueries), batch by
 * batch (never whole files in memory). Both engines' rows go through these writers, so the same
 * rows give the same bytes.
 */
import { stringify } from 'csv-stringify/sync';

export const OUTPUT_KEYS = {
  training: 'training/train.csv',
  testing: 'testing/test.csv',
  catalog: 'catalog/catalog.csv',
  batchInput: 'users.jsonl',
  stats: 'stats.json',
  manifest: 'manifest.json',
} as const;

/**
 * Marks a local output directory as written by data preparation (`npm run data:prepare`); the next
 * run replaces such a directory, and refuses any other that is not empty.
 */
export const OUTPUT_MARKER = '.prepare-data-output';

/** Rows of a result, in batches, every value as text. */
export type RowBatches = AsyncIterable<string[][]>;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** `user_id,item_id` rows with a header. */
export async function* pairsCsv(batches: RowBatches): AsyncGenerator<Buffer> {
  yield Buffer.from('user_id,item_id\n');
  for await (const rows of batches) {
    const out: string[] = [];
    // ids rarely need quoting; csv-stringify handles the ones that do
    for (const [u, i] of rows) out.push(NEEDS_QUOTES.test(u) || NEEDS_QUOTES.test(i) ? stringify([[u, i]]) : `${u},${i}\n`);
    if (out.length) yield Buffer.from(out.join(''));
  }
}

/** `item_id,description` for every item of a kept pair. */
export async function* catalogCsv(batches: RowBatches): AsyncGenerator<Buffer> {
  yield Buffer.from('item_id,description\n');
  for await (const rows of batches) if (rows.length) yield Buffer.from(stringify(rows));
}

/** The batch-transform input: one {"user_id","top_n"} line (string values) per training user. */
export async function* usersJsonl(batches: RowBatches, topN: number): AsyncGenerator<Buffer> {
  const n = String(topN);
  for await (const rows of batches) {
    if (rows.length) yield Buffer.from(rows.map(([u]) => JSON.stringify({ user_id: u, top_n: n })).join('\n') + '\n');
  }
}
