/** The one reading of `s3://bucket/key` URIs for the handlers, the CLIs and the local runner. */
import { InvalidS3UriError } from './errors';

/** Bucket names S3 accepts (3-63 lower-case letters, digits, dots and dashes). */
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/** A bucket and a key (or key prefix; empty for the whole bucket). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Splits `s3://bucket/key` into its parts; throws InvalidS3UriError on anything else. */
export function parseS3Uri(uri: string): S3Location {
  const m = S3_URI.exec(uri);
  if (!m) throw new InvalidS3UriError(uri);
  return { bucket: m[1], key: m[2] ?? '' };
}

/** Whether uri is an s3:// URI; with `object`, one that names an object (a non-empty key). */
export function isS3Uri(uri: string, kind: 'prefix' | 'object' = 'prefix'): boolean {
  const m = S3_URI.exec(uri);
  return m !== null && (kind === 'prefix' || Boolean(m[2]));
}

/** `s3://bucket/key`. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Joins an s3:// prefix and relative keys with exactly one slash between parts. */
export function joinS3(prefix: string, ...parts: string[]): string {
  return [prefix.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].join('/');
}
