/**
 * Naming the line of a problem, on the error path only. DuckDB reads the data; when it refuses a
 * CSV file (a syntax problem, a record with another number of fields than the header), or when a
 * rule of sql.ts fails a row, csv-parse reads that file once more to find the line where the
 * record starts (blank lines and line breaks inside quoted fields counted, as an editor shows them). Reading is linear and bounded: a record longer than MAX_RECORD_CHARS (a line
 * without a line break, or a quote that is never closed) stops it at once.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvError, parse } from 'csv-parse';
import { MAX_RECORD_CHARS } from '../../container/src/limits';
import type { SourceFile } from './source';

/** The outcome of reading a CSV file up to a record: its line, or the syntax problem found first. */
export type Located = { line: number } | { problem: string; line: number } | { end: true };

/** The file's text; a read or gzip error ends `into` with it (a pipe forwards data, not errors). */
function bytes(f: SourceFile, into: Writable): Readable {
  const raw = createReadStream(f.path);
  const text = f.gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => into.destroy(err));
  if (text !== raw) text.on('error', (err: Error) => into.destroy(err));
  return text;
}

function syntaxProblem(err: CsvError): string {
  if (err.code === 'CSV_MAX_RECORD_SIZE')
    return `longer than ${MAX_RECORD_CHARS} characters (a line without a line break, or a quote opened here that is never closed)`;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field opened here is never closed';
  return `malformed quoting (${err.message.slice(0, 160)})`;
}

/**
 * Reads `f` until its data record `record` (1-based; 0 = to the end, looking for a problem: a
 * syntax problem, or with `columns` a record with another number of fields) and tells the line
 * where that record starts, or the first problem and its line.
 */
export async function locateRecord(f: SourceFile, record: number, columns?: number): Promise<Located> {
  if (f.sheetRows) return record > 0 && record <= f.sheetRows.length ? { line: f.sheetRows[record - 1] } : { end: true };
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const source = bytes(f, parser);
  source.pipe(parser);
  let lastLine = 0;
  let lastEmpty = 0;
  let n = -1; // the header is record 0
  try {
    for await (const { record: fields, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number; empty_lines: number };
    }>) {
      const start = lastLine + 1 + (info.empty_lines - lastEmpty);
      lastLine = info.lines;
      lastEmpty = info.empty_lines;
      if (++n === record && record > 0) return { line: start };
      if (record === 0 && columns !== undefined && fields.length !== columns) {
        return { problem: `${fields.length} fields where the header has ${columns}`, line: start };
      }
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const e = err as CsvError & { empty_lines?: number };
    return { problem: syntaxProblem(e), line: lastLine + 1 + ((e.empty_lines ?? lastEmpty) - lastEmpty) };
  } finally {
    parser.destroy();
    source.destroy();
  }
  return { end: true };
}
