/**
 * What DuckDB does not say about a CSV file, checked while it reads: a gzip stream cut short or
 * corrupt (DuckDB reads what decompresses and stops without a word when the cut falls between
 * lines), and a last line longer than its read buffer (32 MiB), which DuckDB drops without an
 * error. And, when DuckDB refuses a file, the error named by file and line (locate.ts).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { MAX_RECORD_CHARS } from '../../container/src/limits';
import { InputValidationError } from './errors';
import { locateRecord } from './locate';
import type { SourceFile } from './source';

const NEWLINE = 0x0a;

/** How errors name a file: by its label when there are several. */
const where = (f: SourceFile, files: readonly SourceFile[]) => (files.length > 1 ? `${f.label}: ` : '');

/** Bytes after the last line break of a gzip file, read whole (a truncated or corrupt stream fails). */
async function gzipTail(f: SourceFile): Promise<number> {
  let tail = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const last = chunk.lastIndexOf(NEWLINE);
      tail = last < 0 ? tail + chunk.length : chunk.length - last - 1;
      done();
    },
  });
  try {
    await pipeline(createReadStream(f.path), createGunzip(), sink);
  } catch (err) {
    throw new InputValidationError(`${f.label}: truncated or corrupt gzip input (${(err as Error).message})`);
  }
  return tail;
}

/** Whether a plain file's last line is longer than the record bound (its end read only). */
async function plainTailTooLong(f: SourceFile): Promise<boolean> {
  const fh = await open(f.path, 'r');
  try {
    const { size } = await fh.stat();
    if (size <= MAX_RECORD_CHARS) return false;
    const buf = Buffer.alloc(MAX_RECORD_CHARS + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, size - buf.length);
    return buf.subarray(0, bytesRead).indexOf(NEWLINE) < 0;
  } finally {
    await fh.close();
  }
}

/** Fails with a named error when one of the files is a broken gzip stream, or ends in a line past the record bound. */
export async function checkFiles(files: readonly SourceFile[]): Promise<void> {
  for (const f of files) {
    if (f.format !== 'csv' || f.sheetRows) continue;
    const tooLong = f.gzip ? (await gzipTail(f)) > MAX_RECORD_CHARS : await plainTailTooLong(f);
    if (!tooLong) continue;
    const found = await locateRecord(f, 0);
    if ('problem' in found) throw new InputValidationError(`${where(f, files)}CSV line ${found.line}: ${found.problem}`);
  }
}

/** DuckDB's own words, without the local paths it quotes: its first line and the reason. */
function duckdbReason(err: Error, files: readonly SourceFile[]): string {
  const lines = err.message.split('\n').map((l) => l.trim());
  const reason = lines.find((l) =>
    /^(Expected Number of Columns|Maximum line size|Value with unterminated quote|Invalid unicode)/i.test(l),
  );
  const file = files.find((f) => err.message.includes(f.path));
  const text = [lines[0], reason].filter(Boolean).join('; ');
  return `${file && files.length > 1 ? `${file.label}: ` : ''}the input cannot be read: ${text.slice(0, 300)}`;
}

/**
 * A DuckDB error while reading the files, named: the first syntax problem or record with another
 * number of fields than its header, by file and line (csv-parse reading each CSV file again).
 */
export async function readingError(err: Error, files: readonly SourceFile[], headers: readonly string[][]): Promise<Error> {
  for (const [k, f] of files.entries()) {
    if (f.format !== 'csv') continue;
    try {
      const found = await locateRecord(f, 0, headers[k].length);
      if ('problem' in found) return new InputValidationError(`${where(f, files)}CSV line ${found.line}: ${found.problem}`);
    } catch (e) {
      return new InputValidationError(`${f.label}: truncated or corrupt gzip input (${(e as Error).message})`);
    }
  }
  return new InputValidationError(duckdbReason(err, files));
}
