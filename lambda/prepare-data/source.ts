/**
 * The input as DuckDB reads it: local files (the CLI's file or folder, or what the Lambda
 * downloaded from an S3 object or prefix), each detected by its first bytes: CSV text (plain or
 * gzip), Parquet, or an xlsx workbook (converted to one CSV per sheet first, with exceljs's
 * streaming reader). Their headers are mapped to the canonical columns of sql.ts (columns.ts), and
 * `<db>.source` is one read per file, so a row's position is its record number in its file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { MAX_RECORD_CHARS } from '../../container/src/limits';
import { looksLikeText, SNIFF_BYTES } from '../../container/src/text';
import { ColumnMap, mapColumns, sameMapping } from './columns';
import { createView, ident } from './dialect';
import { InputValidationError } from './errors';
import { SOURCE_COLUMNS } from './sql';

export type FileFormat = 'csv' | 'parquet' | 'xlsx';

/** One file DuckDB reads, and what it came from. */
export interface SourceFile {
  /** The file DuckDB reads (for xlsx: the CSV of one sheet). */
  readonly path: string;
  /** How errors name it: the input's name, with the sheet for xlsx. */
  readonly label: string;
  readonly format: 'csv' | 'parquet';
  readonly gzip: boolean;
  /** xlsx: the sheet row of each CSV record (errors name the sheet's row). */
  readonly sheetRows?: Int32Array;
}

export interface DetectedFile {
  readonly path: string;
  readonly name: string;
  readonly format: FileFormat;
  readonly gzip: boolean;
}

const PARQUET_MAGIC = Buffer.from('PAR1');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

async function head(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first bytes inside a gzip file (a truncated one fails here or when DuckDB reads it). */
async function gunzippedHead(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const gz = createReadStream(path).pipe(createGunzip());
  gz.on('error', () => undefined); // a truncated stream is reported by the whole-file check
  try {
    for await (const chunk of gz) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SNIFF_BYTES) break;
    }
  } catch (err) {
    if (size === 0) throw new InputValidationError(`truncated or corrupt gzip input (${(err as Error).message})`);
  } finally {
    gz.destroy();
  }
  return Buffer.concat(chunks).subarray(0, SNIFF_BYTES);
}

/** The format of one file, by content. */
export async function detectFile(path: string, name = basename(path)): Promise<DetectedFile> {
  const first = await head(path, SNIFF_BYTES);
  if (first.length === 0) throw new InputValidationError(`${name}: the input is empty`);
  if (first[0] === 0x1f && first[1] === 0x8b) {
    const inner = await gunzippedHead(path);
    if (inner.length === 0) throw new InputValidationError(`${name}: the input is empty`);
    if (!looksLikeText(inner)) throw new InputValidationError(`${name}: gzip of something that is not CSV text`);
    return { path, name, format: 'csv', gzip: true };
  }
  if (first.subarray(0, 4).equals(ZIP_MAGIC)) return { path, name, format: 'xlsx', gzip: false };
  if (first.subarray(0, 4).equals(PARQUET_MAGIC)) return { path, name, format: 'parquet', gzip: false };
  if (!looksLikeText(first)) {
    throw new InputValidationError(`${name}: the input is neither CSV text, Parquet nor an xlsx workbook (binary content)`);
  }
  return { path, name, format: 'csv', gzip: false };
}

/** A file, or every file under a folder (sorted by path; hidden files skipped). */
export async function listInputFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: unknown };
    if (o.richText) return o.richText.map((r) => r.text).join('');
    if (o.text !== undefined) return cellText(o.text);
    if (o.result !== undefined) return cellText(o.result);
    if (o.error !== undefined) return '';
  }
  return String(v);
}

/**
 * Every worksheet of the workbook as its own CSV file in `dir` (blank rows skipped, the first
 * non-blank row the header), read with exceljs's streaming reader.
 */
export async function xlsxToCsv(file: DetectedFile, dir: string): Promise<SourceFile[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(file.path), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  });
  const out: SourceFile[] = [];
  try {
    for await (const sheet of reader) {
      const ws = sheet as unknown as AsyncIterable<ExcelJS.Row> & { name?: string };
      const path = join(dir, `${basename(file.name)}.sheet${out.length + 1}.csv`);
      const rows: number[] = [];
      let header = true;
      const records = async function* () {
        for await (const row of ws) {
          const values = row.values as unknown[];
          const cells: string[] = new Array(Math.max(0, values.length - 1));
          for (let c = 1; c < values.length; c++) cells[c - 1] = cellText(values[c]);
          if (cells.every((c) => c === '')) continue;
          if (!header) rows.push(row.number);
          header = false;
          yield cells;
        }
      };
      await pipeline(Readable.from(records()), stringify(), createWriteStream(path));
      if (header) continue; // an empty sheet
      out.push({
        path,
        label: `${file.name} sheet ${JSON.stringify(ws.name ?? String(out.length + 1))}`,
        format: 'csv',
        gzip: false,
        sheetRows: Int32Array.from(rows),
      });
    }
  } catch (err) {
    if (err instanceof InputValidationError) throw err;
    throw new InputValidationError(`${file.name}: not a readable xlsx workbook: ${(err as Error).message}`);
  }
  if (out.length === 0) throw new InputValidationError(`${file.name}: the workbook has no rows`);
  return out;
}

/** DuckDB's reader of one file, every column as text (CSV options fixed: no sniffing of the dialect). */
export function readFunction(f: SourceFile, names?: readonly string[], rowNumbers = false): string {
  const path = `'${f.path.replace(/'/g, "''")}'`;
  if (f.format === 'parquet') return `read_parquet(${path}${rowNumbers ? ', file_row_number = true' : ''})`;
  // The dialect is given, never sniffed (auto_detect off): a stray quote fails when read, naming no guess.
  const columns = names ? `, columns = {${names.map((n) => `'${n}': 'VARCHAR'`).join(', ')}}` : '';
  return `read_csv(${path}, auto_detect = false, header = true, delim = ',', quote = '"', escape = '"', max_line_size = ${MAX_RECORD_CHARS}, compression = '${f.gzip ? 'gzip' : 'none'}'${columns})`;
}

/** What the input is, as the statistics report it (a type, so that it passes as a JSON record in the Athena plan). */
export type InputSummary = {
  /** `table`: a Glue table (Athena). */
  format: FileFormat | 'table';
  gzip: boolean;
  layout: 'retail' | 'clean';
  /** Tables read: xlsx sheets, or files. */
  sheets: number;
  /** Files (or objects) read. */
  files?: number;
};

/**
 * `<db>.<name>` (default `source`) over the files: one read per file (with its own header), every
 * file's columns mapped by its header. `src_row` is the record's position in its file only with
 * `positions` (numbering the rows makes DuckDB read a file in order, on one thread: the error path
 * asks for it, the main pass does not).
 */
export function sourceView(
  db: string,
  files: readonly SourceFile[],
  headers: readonly string[][],
  map: ColumnMap,
  { positions = false, name = 'source', only }: { positions?: boolean; name?: string; only?: number } = {},
): string {
  const parts = files.flatMap((f, k) => {
    if (only !== undefined && k !== only) return [];
    // CSV columns are named by position (header cells need not be identifiers); Parquet's by the file.
    const names = f.format === 'csv' ? headers[k].map((_, c) => `c${c}`) : headers[k];
    const col = (i: number) => (i >= 0 ? `CAST(${ident(names[i])} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)');
    const picks: Record<(typeof SOURCE_COLUMNS)[number], number> = {
      invoice: map.invoice,
      item_raw: map.item,
      description: map.description,
      quantity: map.quantity,
      invoice_date: map.date,
      user_raw: map.user,
    };
    const cols = SOURCE_COLUMNS.map((c) => `${col(picks[c])} AS ${c}`).join(', ');
    const read = f.format === 'csv' ? readFunction(f, names) : readFunction(f, undefined, positions);
    const from = !positions
      ? read
      : f.format === 'csv'
        ? `${read} WITH ORDINALITY`
        : `(SELECT *, file_row_number + 1 AS ordinality FROM ${read})`;
    const row = positions ? 'CAST(ordinality AS BIGINT)' : 'CAST(NULL AS BIGINT)';
    return [`SELECT ${cols}, '${String(k).padStart(6, '0')}' AS src_file, ${row} AS src_row FROM ${from}`];
  });
  return createView(db, name, parts.join('\nUNION ALL\n'));
}

/** Every file's column mapping; they must agree (one table). */
export function mapHeaders(files: readonly SourceFile[], headers: readonly string[][], needDate: boolean): ColumnMap {
  let first: ColumnMap | undefined;
  for (const [k, header] of headers.entries()) {
    const map = mapColumns(header, needDate, files.length > 1 ? files[k].label : undefined);
    if (first && !sameMapping(first, map)) {
      throw new InputValidationError(`${files[k].label} has different columns from ${files[0].label}`);
    }
    first ??= map;
  }
  if (!first) throw new InputValidationError('the input has no header row');
  return first;
}
