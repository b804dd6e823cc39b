/**
 * Lambda handler: raw export in S3 (one object or a prefix) -> training/testing/catalog channels,
 * batch input, stats. On DuckDB it prepares the data itself; for Athena (chosen, `auto` on a large
 * input, or a Glue table as the input) it returns the plan of statements the state machine runs,
 * and is called again with `publish` to write the outputs from Athena's results.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { PrepareDataResult } from '../../lib/contracts';
import { InvalidS3UriError, withoutStack } from '../shared/errors';
import { LAMBDA_ENVIRONMENT, type HandlerEnvironment } from '../shared/handler';
import { parseS3Uri, s3Uri } from '../shared/s3-uri';
import { planAthena, publishAthena } from './athena';
import { chooseEngine, lambdaLimits } from './limits';
import { InputValidationError, isPrepareDataError, PrepareDataError } from './errors';
import { PrepareDataEvent, PrepareDataEventSchema, validate } from './options';
import { OUTPUT_KEYS } from './outputs';
import { prepareData } from './prepare';
import { downloadInput, listInput, relativeKey } from './s3-input';
import { S3Sink } from './sinks';
import type { InputSummary } from './source';

export type { PrepareDataEvent } from './options';

const logger = new Logger({ serviceName: 'prepare-data' });

/** Named errors pass as they are; others leave as InputValidationError (a bad URI) or PrepareDataError. */
function classify(err: unknown): Error {
  if (isPrepareDataError(err)) return err;
  if (err instanceof InvalidS3UriError) return new InputValidationError(err.message);
  const e = err instanceof Error ? err : new Error(String(err));
  // AWS SDK and DuckDB errors: their name and message only
  return new PrepareDataError(`${e.name}: ${e.message.split('\n')[0]}`);
}

/** The output URIs of a run. */
function outputUris(base: string): Omit<PrepareDataResult, 'stats' | 'engine' | 'athena'> {
  return {
    trainingUri: `${base}training/`,
    testingUri: `${base}testing/`,
    catalogUri: `${base}catalog/`,
    batchInputUri: base + OUTPUT_KEYS.batchInput,
    statsUri: base + OUTPUT_KEYS.stats,
    manifestUri: base + OUTPUT_KEYS.manifest,
  };
}

/** The handler for an environment (the deployed function's by default). */
export function createHandler(env: HandlerEnvironment = LAMBDA_ENVIRONMENT) {
  return async (event: PrepareDataEvent): Promise<PrepareDataResult> => {
    try {
      const { rawDataUri, outputUri, engine, rawTable, athena, publish, ...options } = validate(
        PrepareDataEventSchema,
        event,
        'event',
      );
      parseS3Uri(rawDataUri);
      const out = parseS3Uri(outputUri.endsWith('/') ? outputUri : `${outputUri}/`);
      const base = s3Uri(out.bucket, out.key);
      const s3 = env.s3Client();
      if (publish) {
        if (!athena) throw new InputValidationError('publish: the athena settings are missing');
        const sink = new S3Sink(s3, out.bucket, out.key);
        await sink.begin();
        const plan = { workUri: athena.workUri, input: athena.input as InputSummary | undefined };
        const { stats } = await publishAthena(s3, plan, sink, options, rawTable !== undefined);
        logger.info('data prepared on Athena', { stats });
        return { ...outputUris(base), stats, engine: 'athena', athena: null };
      }
      const input = rawTable ? undefined : await listInput(s3, rawDataUri);
      const chosen = chooseEngine(engine, rawTable !== undefined, input);
      logger.info('preparing data', {
        rawDataUri,
        outputUri: base,
        engine: chosen,
        options,
        bytes: input?.bytes,
        objects: input?.objects.length,
      });
      if (chosen === 'athena') {
        if (!athena) throw new InputValidationError('engine athena: the athena settings (database, workUri) are missing');
        const plan = await planAthena(s3, { input, rawTable, athena, options, rawDataUri });
        return { ...outputUris(base), stats: null, engine: 'athena', athena: plan };
      }
      const sink = new S3Sink(s3, out.bucket, out.key);
      await sink.begin();
      const work = join('/tmp', `prepare-${randomUUID()}`);
      try {
        await mkdir(work, { recursive: true });
        const path = await downloadInput(s3, input!, join(work, 'input'));
        const name = input!.objects.length === 1 ? relativeKey(input!, input!.objects[0].key) : undefined;
        const { stats } = await prepareData(
          { path, name, workDir: work, limits: lambdaLimits(env.variables, work) },
          sink,
          options,
        );
        logger.info('data prepared', { stats });
        return { ...outputUris(base), stats, engine: 'duckdb', athena: null };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    } catch (err) {
      const named = classify(err);
      logger.error('data preparation failed', { errorName: named.name, errorMessage: named.message });
      throw withoutStack(named);
    }
  };
}

export const handler = createHandler();
