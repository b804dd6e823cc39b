/** The publish-report Lambda against a real S3 API on loopback (s3rver), with archives as SageMaker packs them. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import './prepare-data/quiet-logs';
import { createHandler } from '../../lambda/publish-report';
import { outputArchiveUri } from '../../lambda/publish-report/publish';
import { getText, putText, startLocalS3, type LocalS3 } from '../../local/s3';
import { packDirectory } from '../../local/tar';

const BUCKET = 'artifacts';
const JOB = `s3://${BUCKET}/runs/exec-1/model/job-1/output`;
const EVENT = {
  modelDataUrl: `${JOB}/model.tar.gz`,
  reportUri: `s3://${BUCKET}/runs/exec-1/report.html`,
  latestReportUri: `s3://${BUCKET}/reports/latest.html`,
  tuning: null,
};
const REPORT = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Model report ✓</title></head></html>\n';

let local: LocalS3;
let handler: ReturnType<typeof createHandler>;
let dir: string;

beforeAll(async () => {
  local = await startLocalS3({ buckets: [BUCKET] });
  handler = createHandler({ s3Client: () => local.client, variables: {} });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-report-'));
});

afterAll(async () => {
  await local.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** output.tar.gz of a job whose /opt/ml/output/data held these files. */
async function putOutput(files: Record<string, string>): Promise<void> {
  const data = await fs.mkdtemp(path.join(dir, 'data-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(data, name), text);
  await putText(local.client, `${JOB}/output.tar.gz`, await packDirectory(data), 'application/x-gzip');
}

describe('publish-report handler on s3rver', () => {
  it("copies report.html out of the job's output.tar.gz to the run's key and the latest key, as HTML", async () => {
    await putOutput({ 'metrics.json': '{"precision@10": 0.2}\n', 'report.html': REPORT });
    expect(await handler(EVENT)).toEqual({ reportUri: EVENT.reportUri, latestReportUri: EVENT.latestReportUri, reason: null });
    for (const uri of [EVENT.reportUri, EVENT.latestReportUri]) {
      expect(await getText(local.client, uri)).toBe(REPORT);
      const key = uri.slice(`s3://${BUCKET}/`.length);
      const head = await local.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(head.ContentType).toBe('text/html; charset=utf-8');
    }
  });

  it('a job that wrote no report gives no report and a reason, and publishes nothing', async () => {
    await putOutput({ 'metrics.json': '{}\n' });
    const event = { ...EVENT, reportUri: `s3://${BUCKET}/runs/exec-2/report.html` };
    expect(await handler(event)).toEqual({
      reportUri: null,
      latestReportUri: null,
      reason: expect.stringMatching(/wrote no report\.html/),
    });
    await expect(getText(local.client, event.reportUri)).rejects.toThrow();
  });

  it('a missing or unreadable archive gives a reason instead of failing the pipeline', async () => {
    const missing = { ...EVENT, modelDataUrl: `s3://${BUCKET}/runs/none/model/job/output/model.tar.gz` };
    expect((await handler(missing)).reason).toMatch(/left no s3:\/\/artifacts\/runs\/none\/.*output\.tar\.gz/);
    await putText(local.client, `${JOB}/output.tar.gz`, 'not gzip');
    expect(await handler(EVENT)).toMatchObject({
      reportUri: null,
      reason: expect.stringMatching(/TarFormatError: not a gzip'd archive/),
    });
  });

  it("a tuned run's report gets the tuning section before its footer, every trial in it (a chart or a note)", async () => {
    const page = '<!DOCTYPE html>\n<html><body><main><section id="metrics"></section><footer>f</footer></main></body></html>\n';
    await putOutput({ 'report.html': page });
    const trial = (n: number, value: number | null) => ({
      TrainingJobName: `bpr-tune-0123456789ab-00${n}-abcdef0${n}`,
      TrainingJobStatus: value === null ? 'Failed' : 'Completed',
      TunedHyperParameters: { factors: String(16 * n) },
      ObjectiveStatus: value === null ? 'Failed' : 'Succeeded',
      ...(value === null
        ? { FailureReason: 'AlgorithmError: <boom>' }
        : { FinalHyperParameterTuningJobObjectiveMetric: { Value: value } }),
    });
    const tuning = {
      tuningJobName: 'bpr-tune-0123456789ab',
      status: 'Completed',
      strategy: 'Bayesian' as const,
      objectiveMetricName: 'validation_p@k(10)',
      trialCount: 3,
      trainingJobStatusCounters: { Completed: 2, NonRetryableError: 1 },
      objectiveStatusCounters: { Succeeded: 2, Failed: 1 },
      best: { trainingJobName: trial(2, 0.2).TrainingJobName, hyperparameters: { factors: '32' }, objective: 0.2 },
      trials: [trial(1, 0.1), trial(2, 0.2), trial(3, null)],
    };
    expect((await handler({ ...EVENT, tuning })).reportUri).toBe(EVENT.reportUri);
    const html = await getText(local.client, EVENT.reportUri);
    expect(html.indexOf('<section id="tuning">')).toBeGreaterThan(html.indexOf('<section id="metrics">'));
    expect(html.indexOf('<section id="tuning">')).toBeLessThan(html.indexOf('<footer>'));
    expect(html).toContain('best of 3 trials of tuning job <code>bpr-tune-0123456789ab</code>');
    for (const t of tuning.trials) expect(html).toContain(t.TrainingJobName);
    expect(html).toContain('<strong>2 (best)</strong>');
    expect(html).toContain('AlgorithmError: &lt;boom&gt;'); // escaped
    // the chart is drawn where Vega loads (the Lambda, npm start); under jest's module system a note stands in
    expect(html).toMatch(/data-chart="tuning-trials">(<svg|<p class="note">chart not available)/);
    expect(await getText(local.client, EVENT.latestReportUri)).toBe(html);
  });

  it('rejects an event the state machine would never send, naming the field', async () => {
    await expect(handler({ ...EVENT, reportUri: 'runs/report.html' })).rejects.toThrow(
      /reportUri must be an s3:\/\/bucket\/key URI/,
    );
    await expect(handler({ ...EVENT, modelDataUrl: `${JOB}/weights.bin` })).rejects.toThrow(
      /modelDataUrl must end with \/model\.tar\.gz/,
    );
  });
});

test('output.tar.gz is found beside model.tar.gz', () => {
  expect(outputArchiveUri('s3://b/runs/x/model/job/output/model.tar.gz')).toBe('s3://b/runs/x/model/job/output/output.tar.gz');
  expect(() => outputArchiveUri('s3://b/runs/x/model.tar.gz.bak')).toThrow(/must end with \/model\.tar\.gz/);
});
