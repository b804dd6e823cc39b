/** Lambda handler: raw export in S3 -> training/testing/catalog channels, batch input, stats. */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { PrepareDataResult } from '../../lib/contracts';
import { InvalidS3UriError, withoutStack } from '../shared/errors';
import { LAMBDA_ENVIRONMENT, type HandlerEnvironment } from '../shared/handler';
import { parseS3Uri, s3Uri } from '../shared/s3-uri';
import { InputNotFoundError, InputValidationError, isPrepareDataError, PrepareDataError } from './errors';
import { PrepareDataEvent, PrepareDataEventSchema, validate } from './options';
import { OUTPUT_KEYS } from './outputs';
import { prepareData } from './prepare';
import { S3Sink } from './sinks';

export type { PrepareDataEvent } from './options';

const logger = new Logger({ serviceName: 'prepare-data' });

/** Named errors pass as they are; others leave as InputValidationError (a bad URI) or PrepareDataError. */
function classify(err: unknown): Error {
  if (isPrepareDataError(err)) return err;
  if (err instanceof InvalidS3UriError) return new InputValidationError(err.message);
  const e = err instanceof Error ? err : new Error(String(err));
  // AWS SDK errors: their name and message only
  return new PrepareDataError(`${e.name}: ${e.message}`);
}

/** The handler for an environment (the deployed function's by default). */
export function createHandler(env: HandlerEnvironment = LAMBDA_ENVIRONMENT) {
  return async (event: PrepareDataEvent): Promise<PrepareDataResult> => {
    try {
      const { rawDataUri, outputUri, ...rest } = validate(PrepareDataEventSchema, event, 'event');
      const input = parseS3Uri(rawDataUri);
      const out = parseS3Uri(outputUri.endsWith('/') ? outputUri : `${outputUri}/`);
      const base = s3Uri(out.bucket, out.key);
      const s3 = env.s3Client();
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
      const named = classify(err);
      logger.error('data preparation failed', { errorName: named.name, errorMessage: named.message });
      throw withoutStack(named);
    }
  };
}

export const handler = createHandler();
