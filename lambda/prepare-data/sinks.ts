/**
 * Where outputs go. Both sinks publish atomically: objects first, manifest.json last (S3) or a
 * rename of a sibling temp directory (local disk); abort() removes what was written. Neither
 * removes anything it did not write: a local output directory is replaced only when it is empty
 * or holds nothing but an earlier run's outputs (outputProblem).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isPrepareDataError, OutputWriteError } from './errors';
import { OUTPUT_KEYS, OUTPUT_MARKER } from './outputs';

export interface OutputSink {
  /** Streams `body` to `key` (relative to the output location); resolves to the bytes written. */
  put(key: string, body: AsyncIterable<Buffer>, contentType: string): Promise<number>;
  /** Writes manifest.json (the marker of a complete output) and publishes. */
  commit(manifest: string): Promise<void>;
  /** Best-effort removal of everything written so far. */
  abort(): Promise<void>;
}

async function* counted(body: AsyncIterable<Buffer>, total: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    total.bytes += chunk.length;
    yield chunk;
  }
}

export class S3Sink implements OutputSink {
  private readonly written: string[] = [];
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  /** Removes a manifest left by an earlier run first, so a failed rerun cannot look complete. */
  async begin(): Promise<void> {
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + OUTPUT_KEYS.manifest }))
      .catch((err) => {
        throw new OutputWriteError(
          `cannot clear s3://${this.bucket}/${this.prefix}${OUTPUT_KEYS.manifest}: ${(err as Error).name}`,
        );
      });
  }

  async put(key: string, body: AsyncIterable<Buffer>, contentType: string): Promise<number> {
    const total = { bytes: 0 };
    const Key = this.prefix + key;
    this.written.push(Key);
    try {
      await new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key, Body: Readable.from(counted(body, total)), ContentType: contentType },
      }).done();
    } catch (err) {
      if (isPrepareDataError(err)) throw err;
      throw new OutputWriteError(`writing s3://${this.bucket}/${Key} failed: ${(err as Error).name}: ${(err as Error).message}`);
    }
    return total.bytes;
  }

  async commit(manifest: string): Promise<void> {
    await this.put(
      OUTPUT_KEYS.manifest,
      (async function* () {
        yield Buffer.from(manifest);
      })(),
      'application/json',
    );
  }

  async abort(): Promise<void> {
    if (!this.written.length) return;
    const Objects = this.written.map((Key) => ({ Key }));
    await this.client
      .send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }))
      .catch(() => undefined);
  }
}

/** What a run writes in its local output directory: the marker, the output files and their folders. */
const OWN_ENTRIES: ReadonlySet<string> = new Set([
  OUTPUT_MARKER,
  ...Object.values(OUTPUT_KEYS).flatMap((key) => key.split('/').map((_, k, parts) => parts.slice(0, k + 1).join('/'))),
]);

/**
 * Why `dir` cannot be a local output directory, or undefined when it can: it does not exist, is
 * empty, or holds the marker and only the files an earlier run wrote. A regular file, a symbolic
 * link, or a directory holding anything else (`--output .` in a project) is refused: replacing it
 * would delete what this tool did not write.
 */
export async function outputProblem(dir: string): Promise<string | undefined> {
  const target = resolve(dir);
  const kind = await lstat(target).catch(() => undefined);
  if (!kind) return undefined;
  if (kind.isSymbolicLink()) return `${target} is a symbolic link; give the directory itself`;
  if (!kind.isDirectory()) return `${target} is not a directory`;
  const entries = (await readdir(target, { recursive: true, withFileTypes: true })).map((e) =>
    relative(target, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .split(sep)
      .join(posix.sep),
  );
  if (entries.length === 0) return undefined;
  const marked = entries.includes(OUTPUT_MARKER);
  const foreign = entries.filter((e) => !marked || !OWN_ENTRIES.has(e)).sort();
  // Show the top-level names (and nested ones in our folders), not every file of a foreign tree.
  const shown = [...new Set(foreign.map((e) => (marked ? e : e.split('/')[0])))];
  if (shown.length === 0) return undefined;
  return `${target} holds files data preparation did not write (${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ', ...' : ''}); choose a new or empty directory, or one an earlier run wrote`;
}

export class LocalDirSink implements OutputSink {
  readonly target: string;
  readonly temp: string;
  constructor(dir: string) {
    this.target = resolve(dir);
    this.temp = join(dirname(this.target), `.${basename(this.target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  async put(key: string, body: AsyncIterable<Buffer>): Promise<number> {
    const total = { bytes: 0 };
    const path = join(this.temp, key);
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(Readable.from(counted(body, total)), createWriteStream(path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code) throw new OutputWriteError(`writing ${path} failed: ${(err as Error).message}`);
      throw err;
    }
    return total.bytes;
  }

  /** Refuses at once an output directory this run must not replace (see outputProblem). */
  async begin(): Promise<void> {
    const problem = await outputProblem(this.target);
    if (problem) throw new OutputWriteError(problem);
  }

  /**
   * Replaces the target directory: old one moved aside, temp renamed in, old one removed. The old
   * one is checked again first: it may only hold what an earlier run wrote.
   */
  async commit(manifest: string): Promise<void> {
    const problem = await outputProblem(this.target);
    if (problem) throw new OutputWriteError(problem);
    try {
      await writeFile(
        join(this.temp, OUTPUT_MARKER),
        'written by data preparation (npm run data:prepare): the next run replaces it\n',
      );
      await writeFile(join(this.temp, OUTPUT_KEYS.manifest), manifest);
      const exists = await lstat(this.target).then(
        () => true,
        () => false,
      );
      const old = `${this.temp}.old`;
      if (exists) await rename(this.target, old);
      await rename(this.temp, this.target);
      if (exists) await rm(old, { recursive: true, force: true });
    } catch (err) {
      throw new OutputWriteError(`publishing ${this.target} failed: ${(err as Error).message}`);
    }
  }

  async abort(): Promise<void> {
    await rm(this.temp, { recursive: true, force: true }).catch(() => undefined);
  }
}
