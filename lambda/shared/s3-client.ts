/**
 * One way to build the S3 client for every handler. In AWS the defaults apply; locally the
 * pipeline points the SDK at a loopback S3 API with AWS_ENDPOINT_URL_S3, which then also needs
 * path-style addressing and checksums only when required (otherwise streamed bodies are stored
 * still chunk-encoded by s3rver).
 */
import { S3Client } from '@aws-sdk/client-s3';

/** Environment variable (read by the SDK itself too) that points S3 calls at another endpoint. */
export const S3_ENDPOINT_ENV = 'AWS_ENDPOINT_URL_S3';

export function makeS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env[S3_ENDPOINT_ENV];
  if (!endpoint) return new S3Client({});
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'S3RVER', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER' },
  });
}

/** Splits `s3://bucket/key` into its parts; throws a named error on anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?(.*)$/.exec(uri);
  if (!m) throw new InvalidS3UriError(uri);
  return { bucket: m[1], key: m[2] };
}

export class InvalidS3UriError extends Error {
  constructor(uri: string) {
    super(`not an s3://bucket/key URI: ${JSON.stringify(uri)}`);
    this.name = 'InvalidS3UriError';
  }
}
