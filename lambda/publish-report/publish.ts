/**
 * Publishes a training run's report where people can open it: report.html is taken out of the
 * job's output.tar.gz (what SageMaker made of /opt/ml/output/data) and written as an object of its
 * own, for the run and as the latest report. SageMaker uploads output.tar.gz beside model.tar.gz:
 * <S3OutputPath>/<job>/output/{model,output}.tar.gz
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-output.html).
 */
import { REPORT_FILE } from '../../container/src/paths';
import type { PublishReportResult, TuningSummary } from '../../lib/contracts';
import { withTuningSection } from '../../container/src/report/tuning';
import { readArchiveFile } from '../../container/src/model/archive';
import { PublishReportInputError } from './errors';

const MODEL_ARCHIVE = /\/model\.tar\.gz$/;
/** Output archives larger than this are not read (the report and metrics are a few hundred KiB). */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;

/** What publishing needs from S3 (the handler gives it an S3 client's). */
export interface ReportStore {
  /** The object's bytes, or null when it does not exist. */
  get(uri: string, maxBytes: number): Promise<Buffer | null>;
  put(uri: string, body: Buffer, contentType: string): Promise<void>;
}

/** output.tar.gz beside a job's model.tar.gz. */
export function outputArchiveUri(modelDataUrl: string): string {
  if (!MODEL_ARCHIVE.test(modelDataUrl)) {
    throw new PublishReportInputError(`modelDataUrl must end with /model.tar.gz, got ${JSON.stringify(modelDataUrl)}`);
  }
  return modelDataUrl.replace(MODEL_ARCHIVE, '/output.tar.gz');
}

const none = (reason: string): PublishReportResult => ({ reportUri: null, latestReportUri: null, reason });

/**
 * Copies the report out of the archive to both locations, a tuned run's with the tuning section
 * added (container/src/report/tuning.ts); a run without a report gets a reason instead. `warn`
 * hears why a tuning chart could not be drawn (the section then says so).
 */
export async function publishReport(
  store: ReportStore,
  event: { modelDataUrl: string; reportUri: string; latestReportUri: string; tuning?: TuningSummary | null },
  warn: (message: string) => void = () => undefined,
): Promise<PublishReportResult> {
  const archiveUri = outputArchiveUri(event.modelDataUrl);
  const archive = await store.get(archiveUri, MAX_ARCHIVE_BYTES);
  if (!archive) return none(`the training job left no ${archiveUri}`);
  let report = await readArchiveFile(archive, REPORT_FILE);
  if (!report) return none(`the training job wrote no ${REPORT_FILE} (its log says why)`);
  if (event.tuning) {
    const added = await withTuningSection(report.toString('utf8'), event.tuning);
    if (added.chartError) warn(`the tuning chart was not drawn: ${added.chartError}`);
    report = Buffer.from(added.html, 'utf8');
  }
  const type = 'text/html; charset=utf-8';
  await store.put(event.reportUri, report, type);
  await store.put(event.latestReportUri, report, type);
  return { reportUri: event.reportUri, latestReportUri: event.latestReportUri, reason: null };
}
