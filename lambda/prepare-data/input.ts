/**
 * Turns a raw byte stream into batches of string records, detecting the format by content:
 * PK zip magic = xlsx, 1f 8b = gzip (then detected again inside), otherwise UTF-8 CSV text.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { InputValidationError } from './errors';

export type InputFormat = 'csv' | 'xlsx';

/** A batch of records; `header` is set when a new table (CSV file or xlsx sheet) starts. */
export interface RecordBatch {
  header?: string[];
  sheet?: string;
  rows: string[][];
  /** 1-based line (CSV) or sheet row number of rows[0]. */
  firstLine: number;
}

export interface DetectedInput {
  format: InputFormat;
  gzip: boolean;
  batches: AsyncIterable<RecordBatch>;
}

const SNIFF_BYTES = 4096;

export type ByteSource = AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>;

/** Reads the first bytes, decides the format and returns the record batches. */
export async function openInput(source: ByteSource, nested = false): Promise<DetectedInput> {
  const it =
    Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : (async function* () {
          yield* source;
        })();
  const head: Buffer[] = [];
  let size = 0;
  while (size < SNIFF_BYTES) {
    const next = await it.next();
    if (next.done) break;
    const chunk = asBuffer(next.value);
    head.push(chunk);
    size += chunk.length;
  }
  const first = Buffer.concat(head);
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: async function* () {
      if (first.length) yield first;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield asBuffer(next.value);
      }
    },
  };
  if (first.length === 0) throw new InputValidationError('the input is empty');
  if (first[0] === 0x1f && first[1] === 0x8b && !nested) {
    const inner = await openInput(gunzip(rest), true);
    return { ...inner, gzip: true };
  }
  if (first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04) {
    return { format: 'xlsx', gzip: false, batches: xlsxBatches(rest) };
  }
  if (!looksLikeText(first)) {
    throw new InputValidationError('the input is neither CSV text nor an xlsx workbook (binary content)');
  }
  return { format: 'csv', gzip: false, batches: csvBatches(rest) };
}

function asBuffer(v: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(v)) return v;
  return typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function looksLikeText(sample: Buffer): boolean {
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

async function* gunzip(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gz = createGunzip({ chunkSize: 1 << 20 });
  const source = Readable.from(src);
  let sourceError: Error | undefined;
  // pipe() does not forward source errors: pass them on, but do not blame the gzip data for them
  source.on('error', (err) => gz.destroy((sourceError = err)));
  source.pipe(gz);
  try {
    for await (const chunk of gz) yield chunk as Buffer;
  } catch (err) {
    if (sourceError) throw sourceError;
    throw new InputValidationError(`truncated or corrupt gzip input (${(err as Error).message})`);
  } finally {
    source.destroy();
  }
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * CSV records. Lines without a quote character cannot hold quoted fields, so they are split on
 * commas directly; only the lines with quotes go through csv-parse, batched per chunk. This keeps
 * RFC 4180 semantics (quoted commas, doubled quotes, quoted newlines) at ~3x csv-parse's speed.
 */
export async function* csvBatches(src: AsyncIterable<Buffer>): AsyncGenerator<RecordBatch> {
  const decoder = new TextDecoder('utf-8'); // strips a leading BOM
  let rest = '';
  let pending = '';
  let pendingLine = 0;
  let line = 0;
  let header: string[] | undefined;
  const flush = (lines: string[], final: boolean): RecordBatch | undefined => {
    const rows: string[][] = [];
    const quotedAt: number[] = [];
    const quoted: string[] = [];
    const start = line + 1;
    for (let raw of lines) {
      line++;
      if (raw.endsWith('\r')) raw = raw.slice(0, -1);
      if (pending) {
        pending += '\n' + raw;
        if (countQuotes(pending) % 2) continue;
        quotedAt.push(rows.length);
        rows.push([]);
        quoted.push(pending);
        pending = '';
        continue;
      }
      if (raw.length === 0) continue;
      if (raw.indexOf('"') < 0) {
        rows.push(raw.split(','));
        continue;
      }
      if (countQuotes(raw) % 2) {
        pending = raw;
        pendingLine = line;
        continue;
      }
      quotedAt.push(rows.length);
      rows.push([]);
      quoted.push(raw);
    }
    if (final && pending) throw new InputValidationError(`CSV line ${pendingLine}: unterminated quoted field`);
    if (quoted.length) {
      let parsed: string[][];
      try {
        parsed = parse(quoted.join('\n'), { relax_column_count: true }) as string[][];
      } catch (err) {
        throw new InputValidationError(`malformed CSV between lines ${start} and ${line}: ${(err as Error).message}`);
      }
      if (parsed.length !== quoted.length)
        throw new InputValidationError(`malformed CSV quoting between lines ${start} and ${line}`);
      for (let k = 0; k < quotedAt.length; k++) rows[quotedAt[k]] = parsed[k];
    }
    if (!header) {
      if (rows.length === 0) return undefined;
      header = rows.shift()!;
      return { header, rows, firstLine: start + 1 };
    }
    return { rows, firstLine: start };
  };
  for await (const chunk of src) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop()!;
    const batch = flush(lines, false);
    if (batch) yield batch;
  }
  rest += decoder.decode();
  const batch = flush(rest ? [rest] : [], true);
  if (batch) yield batch;
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

/** Every worksheet of the workbook, read with exceljs's streaming reader; each sheet has its own header. */
export async function* xlsxBatches(src: AsyncIterable<Buffer>): AsyncGenerator<RecordBatch> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(src), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  });
  try {
    for await (const sheet of reader) {
      const ws = sheet as unknown as AsyncIterable<ExcelJS.Row> & { name?: string };
      let rows: string[][] = [];
      let header: string[] | undefined;
      let headerPending = false;
      let firstLine = 0;
      const take = (): RecordBatch => {
        const batch: RecordBatch = { rows, firstLine, sheet: ws.name };
        if (headerPending) batch.header = header;
        headerPending = false;
        rows = [];
        return batch;
      };
      for await (const row of ws) {
        const values = row.values as unknown[];
        const cells: string[] = new Array(Math.max(0, values.length - 1));
        for (let c = 1; c < values.length; c++) cells[c - 1] = cellText(values[c]);
        if (cells.every((c) => c === '')) continue;
        if (!header) {
          header = cells;
          headerPending = true;
          continue;
        }
        if (rows.length === 0) firstLine = row.number;
        rows.push(cells);
        if (rows.length >= 4096) yield take();
      }
      if (headerPending || rows.length) yield take();
    }
  } catch (err) {
    if (err instanceof InputValidationError) throw err;
    throw new InputValidationError(`not a readable xlsx workbook: ${(err as Error).message}`);
  }
}
