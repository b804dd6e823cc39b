/**
 * Copies what a deployed model needs for as long as it is deployed (the model artifact, the batch
 * input, the catalog) from runs/, which expires, to deployed/<run id>/, which does not. Copies are
 * server-side (CopyObject); a run promoted twice gets the same keys again.
 */
import { CopyObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DeployedArtifacts, PromoteRequest } from '../../lib/contracts';
import { InvalidS3UriError } from '../shared/errors';
import { parseS3Uri, s3Uri, type S3Location } from '../shared/s3-uri';
import { ArtifactNotFoundError, PromoteInputError } from './errors';

/** Deployed copies keep these names whatever the source objects were called. */
export const DEPLOYED_KEYS = { model: 'model.tar.gz', batchInput: 'users.jsonl', catalog: 'catalog/' } as const;

function location(value: unknown, field: keyof PromoteRequest): S3Location {
  if (typeof value !== 'string') throw new PromoteInputError(`${field} must be an s3:// URI, got ${JSON.stringify(value)}`);
  try {
    return parseS3Uri(value);
  } catch (err) {
    if (err instanceof InvalidS3UriError) throw new PromoteInputError(`${field}: ${err.message}`);
    throw err;
  }
}

const missing = (err: unknown) => ['NoSuchKey', 'NotFound', 'NoSuchBucket'].includes((err as Error)?.name);

/** Server-side copy of one object (nothing to do when source and target are the same). */
async function copy(s3: S3Client, from: S3Location, to: S3Location): Promise<void> {
  if (from.bucket === to.bucket && from.key === to.key) return;
  const source = `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;
  await s3.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source })).catch((err: unknown) => {
    if (missing(err)) throw new ArtifactNotFoundError(`${s3Uri(from.bucket, from.key)} does not exist`);
    throw err;
  });
}

/** Copies the request's artifacts under destinationUri; returns where the copies are. */
export async function promote(s3: S3Client, req: PromoteRequest): Promise<DeployedArtifacts> {
  const model = location(req?.modelDataUrl, 'modelDataUrl');
  const batchInput = location(req.batchInputUri, 'batchInputUri');
  const catalog = location(req.catalogUri, 'catalogUri');
  const dest = location(req.destinationUri, 'destinationUri');
  if (!dest.key.endsWith('/') || !model.key || !batchInput.key) {
    throw new PromoteInputError('destinationUri must name a folder (end with /), modelDataUrl and batchInputUri an object each');
  }
  const target = (key: string): S3Location => ({ bucket: dest.bucket, key: dest.key + key });
  await copy(s3, model, target(DEPLOYED_KEYS.model));
  await copy(s3, batchInput, target(DEPLOYED_KEYS.batchInput));

  const catalogPrefix = catalog.key === '' || catalog.key.endsWith('/') ? catalog.key : `${catalog.key}/`;
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: catalog.bucket, Prefix: catalogPrefix, ContinuationToken }));
    for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) keys.push(o.Key);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  if (keys.length === 0) throw new ArtifactNotFoundError(`${s3Uri(catalog.bucket, catalogPrefix)} holds no catalog`);
  for (const key of keys) {
    await copy(s3, { bucket: catalog.bucket, key }, target(DEPLOYED_KEYS.catalog + key.slice(catalogPrefix.length)));
  }
  return {
    prefix: s3Uri(dest.bucket, dest.key),
    modelDataUrl: s3Uri(dest.bucket, dest.key + DEPLOYED_KEYS.model),
    batchInputUri: s3Uri(dest.bucket, dest.key + DEPLOYED_KEYS.batchInput),
    catalogUri: s3Uri(dest.bucket, dest.key + DEPLOYED_KEYS.catalog),
  };
}
