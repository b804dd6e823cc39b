/**
 * Reads input channels: every file under a channel folder (sorted, recursively), CSV with a
 * header row, plain or gzip (detected by its magic bytes, not its name), streamed through csv-parse.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { InputDataError } from './errors';

export const USER_COLUMN = 'user_id';
export const ITEM_COLUMN = 'item_id';
export const DESCRIPTION_COLUMN = 'description';

/** Channel names (SageMaker's input/data/<channel>); `stats` holds the data preparation statistics (JSON, optional). */
export const CHANNELS = { training: 'training', testing: 'testing', catalog: 'catalog', stats: 'stats' } as const;

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

/**
 * Streams the rows of one CSV file, calling onRow with the values of the wanted columns.
 * Returns the number of data rows. Errors name the file and, where known, the line.
 */
export async function readColumns(
  file: string,
  wanted: readonly string[],
  onRow: (values: string[]) => void,
  allowEmpty = false,
): Promise<number> {
  const name = path.basename(file);
  const source: Readable = (await isGzip(file)) ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const parser = source.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }));
  source.on('error', (err) => parser.destroy(err));
  let positions: number[] | null = null;
  let rows = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!positions) {
        const header = record.map((h) => h.toLowerCase());
        positions = wanted.map((w) => header.indexOf(w));
        const missing = wanted.filter((_, k) => positions![k] < 0);
        if (missing.length) {
          throw new InputDataError(
            `${name}: missing column ${missing.join(', ')} (found columns: ${record.join(', ') || 'none'})`,
          );
        }
        continue;
      }
      const values = positions.map((p) => record[p] ?? '');
      const empty = values.findIndex((v) => v === '');
      if (empty >= 0 && !allowEmpty) throw new InputDataError(`${name} line ${parser.info.lines}: empty ${wanted[empty]}`);
      onRow(values);
      rows++;
    }
  } catch (err) {
    if (err instanceof InputDataError) throw err;
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
  for (const f of files) rows += await readColumns(f, [USER_COLUMN, ITEM_COLUMN], (v) => onPair(v[0], v[1]));
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
