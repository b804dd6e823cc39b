/**
 * A real S3 API on loopback (s3rver) and the few object helpers the local stand-ins need. Its
 * endpoint is passed explicitly to whatever needs a client (the Lambda handlers get it through
 * their HandlerEnvironment); nothing here changes process.env.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { makeS3Client } from '../lambda/shared/s3-client';
import { listKeys as listKeysUnder } from '../lambda/shared/s3-list';
import { parseS3Uri } from '../lambda/shared/s3-uri';

export interface LocalS3Options {
  /** Buckets created at start. */
  readonly buckets: readonly string[];
  /** Where s3rver keeps objects; a new temporary folder when omitted (removed on stop). */
  readonly directory?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
}

export interface LocalS3 {
  readonly endpoint: string;
  readonly directory: string;
  readonly client: S3Client;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with the buckets, and a client for it. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const ownDir = !options.directory;
  const directory = options.directory ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'local-s3-')));
  await fs.mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = makeS3Client({ endpoint });
  let stopped = false;
  return {
    endpoint,
    directory,
    client,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await server.close();
      if (ownDir) await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/** Every key under an s3:// prefix (a prefix that names one object lists that object). */
export async function listKeys(client: S3Client, uri: string): Promise<{ bucket: string; keys: string[] }> {
  const { bucket, key: prefix } = parseS3Uri(uri);
  return { bucket, keys: await listKeysUnder(client, bucket, prefix) };
}

/**
 * Downloads every object under an S3 prefix into dir, keeping the key's path below the prefix
 * (as SageMaker's File mode does with S3Prefix channels). Returns the files written.
 */
export async function downloadPrefix(client: S3Client, uri: string, dir: string): Promise<string[]> {
  const { bucket, keys } = await listKeys(client, uri);
  const { key: prefix } = parseS3Uri(uri);
  const base = prefix.endsWith('/') || !keys.includes(prefix) ? prefix : prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const files: string[] = [];
  for (const key of keys) {
    const rel = key.slice(base.length).replace(/^\/+/, '') || path.posix.basename(key);
    const file = path.join(dir, ...rel.split('/'));
    if (!file.startsWith(path.resolve(dir) + path.sep)) continue; // keys with '..' never leave dir
    await fs.mkdir(path.dirname(file), { recursive: true });
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await pipeline(res.Body as Readable, createWriteStream(file));
    files.push(file);
  }
  return files;
}

export async function uploadFile(client: S3Client, uri: string, file: string, contentType?: string): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  const { size } = await fs.stat(file);
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: createReadStream(file),
      ContentLength: size,
      ContentType: contentType,
    }),
  );
}

export async function putText(client: S3Client, uri: string, body: string | Buffer, contentType?: string): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

export async function getBuffer(client: S3Client, uri: string): Promise<Buffer> {
  const { bucket, key } = parseS3Uri(uri);
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

export async function getText(client: S3Client, uri: string): Promise<string> {
  return (await getBuffer(client, uri)).toString('utf8');
}
