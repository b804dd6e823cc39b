/** The raw input in S3: one object, or every object under a prefix; listed, sized and downloaded. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../shared/s3-uri';
import { InputNotFoundError } from './errors';

export interface InputObject {
  readonly key: string;
  readonly bytes: number;
}

export interface InputObjects {
  readonly bucket: string;
  /** The prefix the keys are relative to (the object's key itself for a single object). */
  readonly prefix: string;
  readonly objects: InputObject[];
  readonly bytes: number;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

/**
 * The object the URI names, or (when no object has that exact key) the objects under it as a
 * prefix: folder markers, empty objects and names starting with `_` or `.` (such as _SUCCESS) skipped.
 */
export async function listInput(s3: S3Client, uri: string): Promise<InputObjects> {
  const { bucket, key } = parseS3Uri(uri);
  const objects: InputObject[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/') || !o.Size) continue;
        if (o.Key === key) return { bucket, prefix: key, objects: [{ key: o.Key, bytes: o.Size }], bytes: o.Size };
        const rest = o.Key.slice(key.length);
        if (!key.endsWith('/') && !rest.startsWith('/')) continue; // raw/a.csv is not under raw/a
        if (rest.split('/').some((part) => part.startsWith('_') || part.startsWith('.'))) continue;
        objects.push({ key: o.Key, bytes: o.Size });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    if (NOT_FOUND.has((err as Error).name)) throw new InputNotFoundError(`rawDataUri: ${uri} does not exist`);
    throw err;
  }
  if (objects.length === 0)
    throw new InputNotFoundError(`rawDataUri: ${uri} does not exist (no object, and no objects under it)`);
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { bucket, prefix: key.endsWith('/') ? key : `${key}/`, objects, bytes: objects.reduce((s, o) => s + o.bytes, 0) };
}

/** A key below the input's prefix (the file name for a single object). */
export function relativeKey(input: InputObjects, key: string): string {
  return key === input.prefix ? key.split('/').pop()! : key.slice(input.prefix.length);
}

/** Downloads the objects into dir, keeping their paths below the prefix; returns the local path of the input. */
export async function downloadInput(s3: S3Client, input: InputObjects, dir: string): Promise<string> {
  for (const o of input.objects) {
    const file = join(dir, ...relativeKey(input, o.key).split('/'));
    await mkdir(dirname(file), { recursive: true });
    const res = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: o.key })).catch((err: Error) => {
      if (NOT_FOUND.has(err.name)) throw new InputNotFoundError(`s3://${input.bucket}/${o.key} does not exist`);
      throw err;
    });
    await pipeline(res.Body as Readable, createWriteStream(file));
  }
  return input.objects.length === 1 ? join(dir, relativeKey(input, input.objects[0].key)) : dir;
}
