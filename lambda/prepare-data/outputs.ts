/** Renders the output objects as chunk generators (never whole files in memory). */
import { stringify } from 'csv-stringify/sync';
import type { PairTable } from './aggregate';

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

const BATCH = 8192;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** `user_id,item_id` rows of the pairs with assign[p] === which, in first-seen order. */
export async function* pairsCsv(t: PairTable, assign: Uint8Array, which: number): AsyncGenerator<Buffer> {
  let rows: string[] = [];
  yield Buffer.from('user_id,item_id\n');
  for (let p = 0; p < t.size; p++) {
    if (assign[p] !== which) continue;
    const u = t.userIds[t.pairUser[p]];
    const i = t.itemIds[t.pairItem[p]];
    // ids rarely need quoting; csv-stringify handles the ones that do
    rows.push(NEEDS_QUOTES.test(u) || NEEDS_QUOTES.test(i) ? stringify([[u, i]]) : `${u},${i}\n`);
    if (rows.length === BATCH) {
      yield Buffer.from(rows.join(''));
      rows = [];
    }
  }
  if (rows.length) yield Buffer.from(rows.join(''));
}

/** `item_id,description` for every item with a kept pair. */
export async function* catalogCsv(t: PairTable, assign: Uint8Array): AsyncGenerator<Buffer> {
  const used = new Uint8Array(t.itemIds.length);
  for (let p = 0; p < t.size; p++) if (assign[p]) used[t.pairItem[p]] = 1;
  let rows: string[][] = [['item_id', 'description']];
  for (let i = 0; i < used.length; i++) {
    if (!used[i]) continue;
    rows.push([t.itemIds[i], t.itemDescription[i]]);
    if (rows.length === BATCH) {
      yield Buffer.from(stringify(rows));
      rows = [];
    }
  }
  if (rows.length) yield Buffer.from(stringify(rows));
}

/** The batch-transform input: one {"user_id","top_n"} line (string values) per training user. */
export async function* usersJsonl(t: PairTable, assign: Uint8Array, trainValue: number, topN: number): AsyncGenerator<Buffer> {
  const seen = new Uint8Array(t.userIds.length);
  for (let p = 0; p < t.size; p++) if (assign[p] === trainValue) seen[t.pairUser[p]] = 1;
  const n = String(topN);
  let lines: string[] = [];
  for (let u = 0; u < seen.length; u++) {
    if (!seen[u]) continue;
    lines.push(JSON.stringify({ user_id: t.userIds[u], top_n: n }));
    if (lines.length === BATCH) {
      yield Buffer.from(lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length) yield Buffer.from(lines.join('\n') + '\n');
}
