/**
 * The one reader of gzip'd tar archives (SageMaker's model.tar.gz and output.tar.gz): POSIX ustar
 * entries read from a buffer in memory. Archives here are a model or a report, a few files; other
 * entry types (links, pax and GNU headers) are returned with their type and no special meaning.
 * `train` unpacks the live model it is given with it, the publish-report Lambda reads the report
 * out of the training output, and the local SageMaker stand-in unpacks models for its endpoints.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { TarFormatError } from './errors';

export const TAR_BLOCK = 512;
const gunzip = promisify(zlib.gunzip);

export interface TarEntry {
  /** Path inside the archive (prefix and name joined). */
  readonly name: string;
  /** ustar type flag: '0' regular file, '5' directory, ... */
  readonly type: string;
  readonly data: Buffer;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const raw = buf.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** The entries of an uncompressed tar, in order; throws TarFormatError on a truncated entry. */
export function* tarEntries(tar: Buffer): Generator<TarEntry> {
  let offset = 0;
  while (offset + TAR_BLOCK <= tar.length) {
    const h = tar.subarray(offset, offset + TAR_BLOCK);
    if (h.every((b) => b === 0)) return;
    const name = [readString(h, 345, 155), readString(h, 0, 100)].filter(Boolean).join('/');
    const size = parseInt(readString(h, 124, 12).trim() || '0', 8);
    const flag = h[156] || 0x30;
    if (!Number.isFinite(size) || offset + TAR_BLOCK + size > tar.length) throw new TarFormatError(`truncated entry ${name}`);
    yield { name, type: String.fromCharCode(flag), data: tar.subarray(offset + TAR_BLOCK, offset + TAR_BLOCK + size) };
    offset += TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
  }
}

/** Gunzips an archive; a buffer that is not gzip is a TarFormatError. */
export async function gunzipArchive(archive: Buffer): Promise<Buffer> {
  try {
    return await gunzip(archive);
  } catch (err) {
    throw new TarFormatError(`not a gzip'd archive: ${(err as Error).message}`);
  }
}

const isFile = (type: string) => type === '0' || type === '\0';

/** The regular file at `name` (a leading `./` ignored) of a gzip'd tar, or null when there is none. */
export async function readArchiveFile(archive: Buffer, name: string): Promise<Buffer | null> {
  for (const entry of tarEntries(await gunzipArchive(archive))) {
    if (isFile(entry.type) && entry.name.replace(/^\.\//, '') === name) return entry.data;
  }
  return null;
}

/** Unpacks a gzip'd tar into dir; only regular files and folders, never outside dir. Returns the files. */
export async function unpackArchive(archive: Buffer, dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  const files: string[] = [];
  for (const { name, type, data } of tarEntries(await gunzipArchive(archive))) {
    const target = path.resolve(root, name);
    if (target !== root && !target.startsWith(root + path.sep)) throw new TarFormatError(`entry escapes the folder: ${name}`);
    if (isFile(type)) {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, data);
      files.push(target);
    } else if (type === '5') {
      await fs.mkdir(target, { recursive: true });
    }
  }
  return files;
}
