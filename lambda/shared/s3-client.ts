/**
 * One way to build the S3 client for every handler. In AWS the SDK's defaults apply. A loopback S3
 * API (the local runner, tests) is named explicitly and also needs path-style addressing and
 * checksums only when required (otherwise streamed bodies are stored still chunk-encoded by s3rver).
 */
import { S3Client } from '@aws-sdk/client-s3';

/** A loopback S3 API, such as s3rver. */
export interface LocalS3Endpoint {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Default us-east-1. */
  readonly region?: string;
}

/** The SDK's default client, or one for the given local endpoint. */
export function makeS3Client(local?: LocalS3Endpoint): S3Client {
  if (!local) return new S3Client({});
  return new S3Client({
    endpoint: local.endpoint,
    forcePathStyle: true,
    region: local.region ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // s3rver accepts any signature; these never leave the machine.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}
