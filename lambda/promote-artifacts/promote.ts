/**
 * Copies what a registered model version needs for as long as it is registered (the model
 * artifact, the batch input, the catalog, the report) from runs/, which expires, to
 * registry/<run id>/, which does not: its model package, the endpoint and the batch pipeline use
 * the copies. Copies are server-side (CopyObject); a run promoted twice gets the same keys again.
 */
import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { REPORT_FILE } from '../../container/src/paths';
import type { PromoteRequest, RegistryArtifacts } from '../../lib/contracts';
import { InvalidS3UriError } from '../shared/errors';
import { listKeys } from '../shared/s3-list';
import { parseS3Uri, s3Uri, type S3Location } from '../shared/s3-uri';
import { ArtifactNotFoundError, PromoteInputError } from './errors';

/** The copies keep these names whatever the source objects were called. */
export const REGISTRY_KEYS = {
  model: 'model.tar.gz',
  batchInput: 'users.jsonl',
  catalog: 'catalog/',
  report: REPORT_FILE,
  quality: 'model-quality.json',
} as const;

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
export async function promote(s3: S3Client, req: PromoteRequest): Promise<RegistryArtifacts> {
  const model = location(req?.modelDataUrl, 'modelDataUrl');
  const report = req.reportUri === null || req.reportUri === undefined ? null : location(req.reportUri, 'reportUri');
  const batchInput = location(req.batchInputUri, 'batchInputUri');
  const catalog = location(req.catalogUri, 'catalogUri');
  const dest = location(req.destinationUri, 'destinationUri');
  if (!dest.key.endsWith('/') || !model.key || !batchInput.key) {
    throw new PromoteInputError('destinationUri must name a folder (end with /), modelDataUrl and batchInputUri an object each');
  }
  const target = (key: string): S3Location => ({ bucket: dest.bucket, key: dest.key + key });
  await copy(s3, model, target(REGISTRY_KEYS.model));
  await copy(s3, batchInput, target(REGISTRY_KEYS.batchInput));

  const catalogPrefix = catalog.key === '' || catalog.key.endsWith('/') ? catalog.key : `${catalog.key}/`;
  const keys = await listKeys(s3, catalog.bucket, catalogPrefix);
  if (keys.length === 0) throw new ArtifactNotFoundError(`${s3Uri(catalog.bucket, catalogPrefix)} holds no catalog`);
  for (const key of keys) {
    await copy(s3, { bucket: catalog.bucket, key }, target(REGISTRY_KEYS.catalog + key.slice(catalogPrefix.length)));
  }
  if (report) await copy(s3, report, target(REGISTRY_KEYS.report));
  return {
    prefix: s3Uri(dest.bucket, dest.key),
    modelDataUrl: s3Uri(dest.bucket, dest.key + REGISTRY_KEYS.model),
    batchInputUri: s3Uri(dest.bucket, dest.key + REGISTRY_KEYS.batchInput),
    catalogUri: s3Uri(dest.bucket, dest.key + REGISTRY_KEYS.catalog),
    reportUri: report ? s3Uri(dest.bucket, dest.key + REGISTRY_KEYS.report) : null,
  };
}
