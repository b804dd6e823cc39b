/** Lambda handler: raw export in S3 -> training/testing/catalog channels, batch input, stats. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { withoutStack } from '../shared/errors';
import { makeS3Client, parseS3Uri } from '../shared/s3-client';
import { InputNotFoundError, InputValidationError, isPrepareDataError, PrepareDataError } from './errors';
import { PrepareDataEvent, PrepareDataEventSchema, validate } from './options';
import { OUTPUT_KEYS } from './outputs';
import { prepareData, PrepareStats } from './prepare';
import { S3Sink } from './sinks';

export type { PrepareDataEvent } from './options';
export { PREPARE_DATA_ERROR_NAMES } from './errors';

export interface PrepareDataResult {
  trainingUri: string;
  testingUri: string;
  catalogUri: string;
  batchInputUri: string;
  statsUri: string;
  manifestUri: string;
  stats: PrepareStats;
}

const logger = new Logger({ serviceName: 'prepare-data' });

export const handler = async (event: PrepareDataEvent): Promise<PrepareDataResult> => {
  try {
    const { rawDataUri, outputUri, ...rest } = validate(PrepareDataEventSchema, event, 'event');
    const input = parseS3Uri(rawDataUri);
    const out = parseS3Uri(outputUri.endsWith('/') ? outputUri : `${outputUri}/`);
    const base = `s3://${out.bucket}/${out.key}`;
    const s3 = makeS3Client();
    const sink = new S3Sink(s3, out.bucket, out.key);
    await sink.begin();
    const object = await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: input.key })).catch((err: Error) => {
      if (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.name === 'NoSuchBucket') {
        throw new InputNotFoundError(`rawDataUri: ${rawDataUri} does not exist`);
      }
      throw err;
    });
    if (!object.Body) throw new InputValidationError(`rawDataUri: ${rawDataUri} has no body`);
    logger.info('preparing data', { rawDataUri, outputUri: base, options: rest, bytes: object.ContentLength });
    const { stats } = await prepareData(object.Body as AsyncIterable<Uint8Array>, sink, rest);
    logger.info('data prepared', { stats });
    return {
      trainingUri: `${base}training/`,
      testingUri: `${base}testing/`,
      catalogUri: `${base}catalog/`,
      batchInputUri: base + OUTPUT_KEYS.batchInput,
      statsUri: base + OUTPUT_KEYS.stats,
      manifestUri: base + OUTPUT_KEYS.manifest,
      stats,
    };
  } catch (err) {
    if (isPrepareDataError(err)) {
      logger.error('data preparation failed', { errorName: err.name, errorMessage: err.message });
      throw withoutStack(err);
    }
    const e = err as Error;
    const name = e?.name ?? 'Error';
    // InvalidS3UriError and AWS SDK errors: message only, classified as input or unexpected
    const wrapped =
      name === 'InvalidS3UriError'
        ? new InputValidationError(e.message)
        : new PrepareDataError(`${name}: ${e?.message ?? String(err)}`);
    logger.error('data preparation failed', { errorName: wrapped.name, errorMessage: wrapped.message });
    throw withoutStack(wrapped);
  }
};
