/**
 * End to end: the synthesized training and batch state machines, run by the local interpreter
 * against s3rver, the real Lambda handlers and the real container (container/dist, built by
 * `npm test`'s pretest). One environment serves all cases, in order, as consecutive executions.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalPipeline } from '../../local/pipeline';
import { getText } from '../../local/s3';
import { runLocal, writeGeneratedDataset } from '../../local/run';
import type { ProgressEvent } from '../../local/stepfunctions';

// threads=1 makes training reproducible; this data size lets the model beat the popularity baseline.
const HP = { threads: '1' };
const DATA = { rows: 150000, customers: 1500, items: 600 };

let workdir: string;
let data: string;
let pipeline: LocalPipeline;
let onProgress: ((machine: string, e: ProgressEvent) => void) | undefined;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'local-e2e-'));
  data = await writeGeneratedDataset(path.join(workdir, 'raw.csv'), DATA);
  pipeline = await LocalPipeline.start({ workdir, waitMs: 50, onProgress: (m, e) => onProgress?.(m, e) });
});

afterAll(async () => {
  await pipeline?.stop();
  await fs.rm(workdir, { recursive: true, force: true });
});

const run = (extra: { threshold?: number; hyperparameters?: Record<string, string> }) => runLocal({ workdir, input: data, ...extra }, pipeline);

test('threshold 0.99: the model is rejected, no endpoint is created and the summary says why', async () => {
  const { summary, summaryPath } = await run({ threshold: 0.99, hyperparameters: HP });
  expect(summary.status).toBe('REJECTED');
  expect(summary.reason).toMatch(/0\.99/);
  expect(summary.gate).toMatchObject({ metricName: 'precision@10', threshold: 0.99, passed: false });
  expect(summary.metrics['precision@10']).toBeLessThan(0.99);
  expect(summary.endpoint).toBeNull();
  expect(pipeline.services.sagemaker.hosting.endpointNames()).toEqual([]);
  expect(summary.training.states).not.toContain('CreateModel');
  expect(summary.notifications.map((n) => n.subject).join()).toMatch(/rejected/);
  expect(JSON.parse(await fs.readFile(summaryPath, 'utf8')).status).toBe('REJECTED');
});

test('a bad hyperparameter fails the execution with the container reason and deploys nothing', async () => {
  const { summary } = await run({ hyperparameters: { ...HP, factors: '0' } });
  expect(summary.status).toBe('FAILED');
  expect(summary.training.status).toBe('FAILED');
  expect(summary.trainingJob).toMatchObject({ status: 'Failed' });
  expect(summary.trainingJob?.failureReason).toMatch(/^AlgorithmError: .*factors/);
  expect(summary.training.error).toBe('States.TaskFailed');
  expect(summary.training.cause).toMatch(/factors/);
  expect(summary.reason).toMatch(/factors/);
  expect(summary.endpoint).toBeNull();
  expect(summary.parameters).toEqual({});
  expect(summary.notifications.at(-1)?.message).toMatch(/factors/);
});

test('success: the model is deployed, serves recommendations and the batch writes the seed CSV format', async () => {
  const { summary } = await run({ hyperparameters: HP });
  expect(summary.status).toBe('DEPLOYED');
  expect(summary.training.states).toContain('CreateEndpoint');
  expect(summary.training.states).not.toContain('UpdateEndpoint');
  expect(summary.endpoint).toMatchObject({ name: 'bpr-recommender', status: 'InService' });
  expect((await fetch(`${summary.endpoint!.url}/ping`)).status).toBe(200);
  expect(summary.recommendations).toHaveLength(2);
  for (const r of summary.recommendations) {
    expect(r.items).toHaveLength(5);
    for (const it of r.items) expect(it.description).toEqual(expect.any(String));
  }
  const record = JSON.parse(Object.values(summary.parameters)[0]) as { modelName: string; batchInputUri: string };
  expect(record.modelName).toBe(summary.endpoint!.modelName);

  expect(summary.batch?.status).toBe('COMPLETED');
  const users = (await getText(pipeline.s3.client, record.batchInputUri)).trim().split('\n').map((l) => JSON.parse(l) as { user_id: string; top_n: string });
  expect(summary.batch?.files).toHaveLength(1);
  expect(summary.batch?.files?.[0]).toMatch(/users\.jsonl\.out$/);
  const lines = (await getText(pipeline.s3.client, summary.batch!.files![0])).split('\n').filter(Boolean);
  expect(summary.batch?.lines).toBe(lines.length);
  expect(lines.length).toBe(users.reduce((n, u) => n + Number(u.top_n), 0));
  const first = users[0];
  const firstLines = lines.slice(0, Number(first.top_n)).map((l) => l.split(','));
  for (const l of lines) expect(l).toMatch(/^[^,\s]+,[^,\s]+,-?\d+(\.\d+)?(e[-+]?\d+)?$/);
  expect(firstLines.every((f) => f[0] === first.user_id)).toBe(true);
  const scores = firstLines.map((f) => Number(f[2]));
  expect([...scores].sort((a, b) => b - a)).toEqual(scores);
});

test('a second run updates the endpoint; the old model serves until the new one is ready', async () => {
  const hosting = pipeline.services.sagemaker.hosting;
  const before = hosting.endpointInfo('bpr-recommender')!;
  const during: { status: string; oldPing: number }[] = [];
  onProgress = (machine, e) => {
    if (machine === 'training' && e.type === 'exited' && e.state === 'UpdateEndpoint') {
      const status = hosting.endpointInfo('bpr-recommender')!.status;
      void fetch(`${before.url}/ping`).then(
        (r) => during.push({ status, oldPing: r.status }),
        () => during.push({ status, oldPing: 0 }),
      );
    }
  };
  const { summary } = await run({ hyperparameters: { ...HP, factors: '32' } });
  onProgress = undefined;
  expect(summary.status).toBe('DEPLOYED');
  expect(summary.training.states).toContain('UpdateEndpoint');
  expect(summary.training.states).not.toContain('CreateEndpoint');
  expect(during).toEqual([{ status: 'Updating', oldPing: 200 }]);
  const after = hosting.endpointInfo('bpr-recommender')!;
  expect(after.modelName).not.toBe(before.modelName);
  expect(after.url).not.toBe(before.url);
  expect((await fetch(`${after.url}/ping`)).status).toBe(200);
  await expect(fetch(`${before.url}/ping`)).rejects.toThrow();
  expect(JSON.parse(Object.values(summary.parameters)[0]).modelName).toBe(after.modelName);
});
