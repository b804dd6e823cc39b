/** The header of each input file: a CSV's first record (csv-parse), a Parquet file's column names (DuckDB). */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { MAX_RECORD_CHARS } from '../../container/src/limits';
import type { DuckDb } from './engine';
import { InputValidationError } from './errors';
import { readFunction, type SourceFile } from './source';

async function csvHeader(f: SourceFile): Promise<string[]> {
  const raw = createReadStream(f.path);
  const text = f.gzip ? raw.pipe(createGunzip()) : raw;
  const parser = text.pipe(
    parse({ bom: true, to: 1, skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_RECORD_CHARS }),
  );
  // A gzip stream cut short fails here when the file is smaller than its header's read.
  text.on('error', (err: Error) =>
    parser.destroy(new InputValidationError(`${f.label}: truncated or corrupt gzip input (${err.message})`)),
  );
  try {
    for await (const record of parser as AsyncIterable<string[]>) return record;
  } catch (err) {
    if (err instanceof InputValidationError) throw err;
    throw new InputValidationError(`${f.label}: the header cannot be read (${(err as Error).message.slice(0, 160)})`);
  } finally {
    raw.destroy();
  }
  throw new InputValidationError(`${f.label}: the input has no header row`);
}

export async function readHeaders(db: DuckDb, files: readonly SourceFile[]): Promise<string[][]> {
  const headers: string[][] = [];
  for (const f of files) {
    if (f.format === 'csv') headers.push(await csvHeader(f));
    else {
      const rows = await db.objects(`DESCRIBE SELECT * FROM ${readFunction(f)}`);
      headers.push(rows.map((r) => String(r.column_name)).filter((c) => c !== 'file_row_number'));
    }
  }
  return headers;
}
