/**
 * Reads input channels: every file under a channel folder (sorted, recursively), CSV with a
 * header row, plain or gzip (detected by its magic bytes, not its name), streamed through csv-parse.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvError, parse, type CastingContext } from 'csv-parse';
import { quoted } from '../errors';
import { MAX_ID_LENGTH, MAX_RECORD_CHARS } from '../limits';
import { looksLikeText, SNIFF_BYTES } from '../text';
import { InputDataError } from './errors';

export const USER_COLUMN = 'user_id';
export const ITEM_COLUMN = 'item_id';
export const DESCRIPTION_COLUMN = 'description';

/**
 * Channel names (SageMaker's input/data/<channel>); `stats` holds the data preparation statistics
 * (JSON, optional), `champion` the live model's model.tar.gz (optional: measured on the same test
 * pairs, champion.ts).
 */
export const CHANNELS = {
  training: 'training',
  testing: 'testing',
  catalog: 'catalog',
  stats: 'stats',
  champion: 'champion',
} as const;

/** Every regular file under dir, sorted by path; [] when dir does not exist. */
export async function channelFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** The file's bytes (gunzipped when gzip), refused at once when its start is not text. */
async function* textBytes(source: Readable, name: string): AsyncGenerator<Buffer> {
  let head = true;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (head && !looksLikeText(chunk.subarray(0, SNIFF_BYTES))) {
      throw new InputDataError(`${name}: not CSV text (binary content); channels hold CSV files, plain or gzip`);
    }
    head = false;
    yield chunk;
  }
}

/** A header cell as an error message shows it: as is when short and plain, quoted otherwise. */
function cell(h: string): string {
  return /^[\x20-\x7e]{0,40}$/.test(h) ? h : quoted(h, 40);
}

/** csv-parse's reading of an error, in the product's words. */
function csvProblem(err: CsvError): string {
  if (err.code === 'CSV_MAX_RECORD_SIZE')
    return `record longer than ${MAX_RECORD_CHARS} characters (a line without a line break, or a quote opened here that is never closed)`;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field opened here is never closed';
  return `malformed CSV (${err.message.slice(0, 200)})`;
}

/**
 * Streams the rows of one CSV file, calling onRow with the values of the wanted columns.
 * Returns the number of data rows. Errors name the file and the line where the record starts
 * (csv-parse's `info`, not how far it has read ahead); records and ids are bounded (limits.ts).
 */
export async function readColumns(
  file: string,
  wanted: readonly string[],
  onRow: (values: string[]) => void,
  allowEmpty = false,
  ids: readonly string[] = [],
): Promise<number> {
  const name = path.basename(file);
  const raw: Readable = (await isGzip(file)) ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const source = Readable.from(textBytes(raw, name));
  raw.on('error', (err) => source.destroy(err));
  const parser = source.pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
      max_record_size: MAX_RECORD_CHARS,
    }),
  );
  source.on('error', (err) => parser.destroy(err));
  let positions: number[] | null = null;
  let rows = 0;
  // Where the last record ended: the next one starts on the following line, past any skipped empty lines.
  let lastLine = 0;
  let lastEmpty = 0;
  const firstLine = (info: { lines: number; empty_lines: number }) => lastLine + 1 + (info.empty_lines - lastEmpty);
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: CastingContext & { empty_lines: number };
    }>) {
      const line = firstLine(info);
      lastLine = info.lines;
      lastEmpty = info.empty_lines;
      if (!positions) {
        const header = record.map((h) => h.toLowerCase());
        positions = wanted.map((w) => header.indexOf(w));
        const missing = wanted.filter((_, k) => positions![k] < 0);
        if (missing.length) {
          const found = record.slice(0, 20).map(cell).join(', ') + (record.length > 20 ? ', ...' : '');
          throw new InputDataError(`${name}: missing column ${missing.join(', ')} (found columns: ${found || 'none'})`);
        }
        continue;
      }
      const values = positions.map((p) => record[p] ?? '');
      for (let k = 0; k < values.length; k++) {
        if (values[k] === '' && !allowEmpty) throw new InputDataError(`${name} line ${line}: empty ${wanted[k]}`);
        if (ids.includes(wanted[k]) && values[k].length > MAX_ID_LENGTH)
          throw new InputDataError(`${name} line ${line}: ${wanted[k]} longer than ${MAX_ID_LENGTH} characters`);
      }
      onRow(values);
      rows++;
    }
  } catch (err) {
    if (err instanceof InputDataError) throw err;
    if (err instanceof CsvError) {
      const e = err as CsvError & { empty_lines?: number };
      throw new InputDataError(
        `${name} line ${firstLine({ lines: 0, empty_lines: e.empty_lines ?? lastEmpty })}: ${csvProblem(e)}`,
      );
    }
    throw new InputDataError(`${name}: cannot read CSV: ${(err as Error).message}`);
  }
  if (!positions) throw new InputDataError(`${name}: no header row (expected columns ${wanted.join(', ')})`);
  return rows;
}

/** Reads (user_id, item_id) pairs from every file of a channel. Returns files and rows read. */
export async function readPairs(
  dir: string,
  onPair: (user: string, item: string) => void,
): Promise<{ files: number; rows: number }> {
  const files = await channelFiles(dir);
  let rows = 0;
  const columns = [USER_COLUMN, ITEM_COLUMN];
  for (const f of files) rows += await readColumns(f, columns, (v) => onPair(v[0], v[1]), false, columns);
  return { files: files.length, rows };
}

/** Reads the optional catalog channel into item id -> description (first non-empty description wins; rows without one are skipped); null without files. */
export async function readCatalog(dir: string, keep: (item: string) => boolean): Promise<Record<string, string> | null> {
  const files = await channelFiles(dir);
  if (files.length === 0) return null;
  const catalog: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const f of files) {
    const onRow = ([item, description]: string[]) => {
      if (item && description && keep(item) && !(item in catalog)) catalog[item] = description;
    };
    await readColumns(f, [ITEM_COLUMN, DESCRIPTION_COLUMN], onRow, true);
  }
  return catalog;
}

/**
 * Refuses training data BPR cannot learn from: it ranks an item a user holds above one the user
 * does not, so it needs two distinct items and a user without every item (one pair, one item or
 * only duplicates would "train" to a NaN loss and a model that cannot rank).
 */
export function checkTrainingSet(users: number, items: number, distinctPairs: number): void {
  if (items < 2) {
    throw new InputDataError(
      `the training data has ${items} item${items === 1 ? '' : 's'} (${distinctPairs} distinct user-item pair${distinctPairs === 1 ? '' : 's'}): ranking needs at least 2 distinct items`,
    );
  }
  if (distinctPairs >= users * items) {
    throw new InputDataError(
      `every user in the training data holds every item (${users} users, ${items} items): there is no item left to rank for anyone`,
    );
  }
}
