/**
 * Where outputs go. Both sinks publish atomically: objects first, manifest.json last (S3) or a
 * rename of a sibling temp directory (local disk); abort() removes what was written.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isPrepareDataError, OutputWriteError } from './errors';
import { OUTPUT_KEYS } from './outputs';

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

  /** Replaces the target directory: old one moved aside, temp renamed in, old one removed. */
  async commit(manifest: string): Promise<void> {
    try {
      await writeFile(join(this.temp, OUTPUT_KEYS.manifest), manifest);
      const exists = await stat(this.target).then(
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
