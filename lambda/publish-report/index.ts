/**
 * publish-report Lambda: the state machine's PublishReport task, after training. Event: a
 * PublishReportEvent. Returns a PublishReportResult; it never fails the pipeline over a report:
 * a missing report or an S3 error becomes `reportUri: null` with the reason (and a log line).
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { PublishReportEvent, PublishReportResult } from '../../lib/contracts';
import { withoutStack } from '../shared/errors';
import { LAMBDA_ENVIRONMENT, type HandlerEnvironment } from '../shared/handler';
import { isS3Uri, parseS3Uri } from '../shared/s3-uri';
import { PublishReportInputError } from './errors';
import { outputArchiveUri, publishReport, type ReportStore } from './publish';

const logger = new Logger({ serviceName: 'publish-report' });

function s3Store(env: HandlerEnvironment): ReportStore {
  const s3 = env.s3Client();
  return {
    async get(uri, maxBytes) {
      const { bucket, key } = parseS3Uri(uri);
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if ((res.ContentLength ?? 0) > maxBytes) throw new PublishReportInputError(`${uri} is larger than ${maxBytes} bytes`);
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey') return null;
        throw err;
      }
    },
    async put(uri, body, contentType) {
      const { bucket, key } = parseS3Uri(uri);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
  };
}

function validate(event: PublishReportEvent): PublishReportEvent {
  for (const field of ['modelDataUrl', 'reportUri', 'latestReportUri'] as const) {
    if (typeof event?.[field] !== 'string' || !isS3Uri(event[field], 'object')) {
      throw new PublishReportInputError(`${field} must be an s3://bucket/key URI, got ${JSON.stringify(event?.[field])}`);
    }
  }
  outputArchiveUri(event.modelDataUrl); // throws unless it ends with /model.tar.gz
  const t = event.tuning;
  if (
    t !== undefined &&
    t !== null &&
    (typeof t !== 'object' || !Array.isArray(t.trials) || typeof t.tuningJobName !== 'string')
  ) {
    throw new PublishReportInputError('tuning must be null or the tuning summary (tuningJobName, trials, ...)');
  }
  return event;
}

/** The handler for an environment (the deployed function's by default). */
export function createHandler(env: HandlerEnvironment = LAMBDA_ENVIRONMENT) {
  return async (event: PublishReportEvent): Promise<PublishReportResult> => {
    let valid: PublishReportEvent;
    try {
      valid = validate(event);
    } catch (err) {
      // A malformed event is the state machine's bug: fail loudly.
      throw withoutStack(err as Error);
    }
    try {
      const result = await publishReport(s3Store(env), valid, (message) => logger.warn(message));
      if (result.reportUri) logger.info('report published', { ...result });
      else logger.warn('no report to publish', { reason: result.reason });
      return result;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      logger.error('publishing the report failed', { errorName: e.name, errorMessage: e.message });
      return { reportUri: null, latestReportUri: null, reason: `publishing failed: ${e.name}: ${e.message}` };
    }
  };
}

export const handler = createHandler();
