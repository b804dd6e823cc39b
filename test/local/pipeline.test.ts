/**
 * End to end: the synthesized training and batch state machines, run by the local interpreter
 * against s3rver, the real Lambda handlers and the real container (container/dist, built by
 * `npm test`'s pretest). The app is synthesized once; each test starts its own environment (S3,
 * endpoints, parameters) and sets up the state it needs, so any one runs alone (`jest -t`).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { LocalPipeline, projectAppBuilder } from '../../local/pipeline';
import { getText } from '../../local/s3';
import { runLocal } from '../../local/run';
import type { ProgressEvent } from '../../local/stepfunctions';
import { DATA, e2eSetup, HP } from './e2e-setup';

const execFileP = promisify(execFile);
const BIN = path.join(__dirname, '..', '..', 'bin', 'local.ts');

const setup = e2eSetup('local-e2e-');

/** A new environment of its own over the app synthesized once: nothing deployed, no parameters. */
async function environment(onProgress?: (machine: string, e: ProgressEvent) => void): Promise<LocalPipeline> {
  const workdir = await fs.mkdtemp(path.join(setup.root, 'env-'));
  const pipeline = await LocalPipeline.start({ workdir, app: setup.app, waitMs: 50, onProgress });
  setup.started.push(pipeline);
  return pipeline;
}

const run = (pipeline: LocalPipeline, extra: { threshold?: number; hyperparameters?: Record<string, string> }) =>
  runLocal({ workdir: pipeline.options.workdir, input: setup.data, ...extra }, pipeline);

test('threshold 0.99: the model is rejected, no endpoint is created and the summary says why', async () => {
  const pipeline = await environment();
  const { summary, summaryPath } = await run(pipeline, { threshold: 0.99, hyperparameters: HP });
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

test('--prepare-engine athena: the plan runs on the Athena stand-in, and training reads what the publish step wrote', async () => {
  const athenaApp = LocalPipeline.synthesize({
    workdir: await fs.mkdtemp(path.join(setup.root, 'athena-app-')),
    buildApp: projectAppBuilder({ prepareEngine: 'athena' }),
  });
  const workdir = await fs.mkdtemp(path.join(setup.root, 'athena-'));
  const pipeline = await LocalPipeline.start({ workdir, app: athenaApp, waitMs: 50 });
  setup.started.push(pipeline);
  const { summary } = await runLocal({ workdir, input: setup.data, threshold: 0.99, hyperparameters: HP }, pipeline);
  expect(summary.status).toBe('REJECTED');
  const states = summary.training.states;
  for (const s of ['RunAthenaQueries', 'PublishAthenaResults', 'DropAthenaDatabase', 'TrainModel']) expect(states).toContain(s);
  expect(states).not.toContain('DropAthenaDatabaseAfterFailure');
  expect(summary.data).toMatchObject({ rowsRead: DATA.rows, input: { engine: 'athena' } });
  // every statement of the plan ran, the last one dropping the run's database
  const statements = pipeline.services.athena!.statements;
  expect(statements[0]).toMatch(/^CREATE DATABASE IF NOT EXISTS bpr_prep_/);
  expect(statements.filter((q) => q.startsWith('UNLOAD'))).toHaveLength(7);
  expect(statements.at(-1)).toMatch(/^DROP DATABASE IF EXISTS bpr_prep_\w+ CASCADE$/);
});

test('a bad hyperparameter or an unknown input key fails at the first task (the validate-input Lambda), naming it, before any work', async () => {
  const pipeline = await environment();
  const { summary } = await run(pipeline, { hyperparameters: { ...HP, factors: '0' } });
  expect(summary.status).toBe('FAILED');
  expect(summary.training.error).toBe('InvalidExecutionInput');
  expect(summary.reason).toBe(
    'InvalidExecutionInput: hyperparameters: hyperparameter factors: must be between 1 and 1024 (got "0")',
  );
  expect(summary.training.states).toEqual(['ValidateInput', 'InputCheckFailed', 'NotifyFailure']);
  expect(summary.trainingJob).toBeNull();
  expect(summary.notifications.at(-1)?.message).toMatch(/Error: InvalidExecutionInput\. Cause: .*factors/);

  // A console start with a misspelt key (the CLIs refuse it before they start anything).
  const training = await pipeline.runTraining({ Comment: 'Insert your JSON here', treshold: 0.1 });
  expect(training).toMatchObject({ status: 'FAILED', error: 'InvalidExecutionInput' });
  expect(JSON.parse(training.cause!).errorMessage).toMatch(/^the training pipeline does not take a key treshold in its input; /);
  const batch = await pipeline.runBatch({ date: '2026-01-01' });
  expect(batch).toMatchObject({ status: 'FAILED', error: 'InvalidExecutionInput' });
  expect(await pipeline.runBatch({ Comment: 'x' })).toMatchObject({ status: 'SUCCEEDED', output: { status: 'SKIPPED' } });
  expect(pipeline.services.sagemaker.hosting.endpointNames()).toEqual([]);
});

test('success: the model is deployed, serves recommendations and the batch writes the seed CSV format', async () => {
  const pipeline = await environment();
  const { summary } = await run(pipeline, { hyperparameters: HP });
  expect(summary.status).toBe('DEPLOYED');
  expect(summary.training.states).toContain('CreateEndpoint');
  expect(summary.training.states).not.toContain('UpdateEndpoint');
  expect(summary.endpoint).toMatchObject({ name: 'bpr-recommender', status: 'InService' });
  expect((await fetch(`${summary.endpoint!.url}/ping`)).status).toBe(200);
  // The local endpoint listens on loopback only: 127.0.0.2 (loopback too, another address) is refused.
  expect(await connects(Number(new URL(summary.endpoint!.url).port), '127.0.0.2')).toBe(false);
  expect(summary.recommendations).toHaveLength(2);
  for (const r of summary.recommendations) {
    expect(r.items).toHaveLength(5);
    for (const it of r.items) expect(it.description).toEqual(expect.any(String));
  }
  const record = JSON.parse(Object.values(summary.parameters)[0]) as { modelName: string; batchInputUri: string };
  expect(record.modelName).toBe(summary.endpoint!.modelName);

  // the model report: published beside the run's data and as the latest, in the work directory, linked from the notification
  const report = summary.report!;
  expect(report.uri).toMatch(/^s3:\/\/bpr-artifacts-[^/]+\/runs\/local-training-1-[^/]+\/report\.html$/);
  const html = await fs.readFile(report.path, 'utf8');
  expect(report.path).toBe(path.join(pipeline.options.workdir, 'report.html'));
  expect(html).toContain(`<title>Model report: ${summary.trainingJob!.name}</title>`);
  expect(await getText(pipeline.s3.client, report.uri)).toBe(html);
  expect(await getText(pipeline.s3.client, report.uri.replace(/runs\/.*$/, 'reports/latest.html'))).toBe(html);
  expect(JSON.parse(summary.notifications[0].message)).toMatchObject({ status: 'DEPLOYED', reportUri: report.uri });

  expect(summary.batch?.status).toBe('COMPLETED');
  const users = (await getText(pipeline.s3.client, record.batchInputUri))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { user_id: string; top_n: string });
  expect(summary.batch?.files).toHaveLength(1);
  expect(summary.batch?.files?.[0]).toMatch(/users\.jsonl\.out$/);
  const lines = (await getText(pipeline.s3.client, summary.batch!.files![0])).split('\n').filter(Boolean);
  expect(summary.batch?.lines).toBe(lines.length);
  expect(lines.length).toBe(users.reduce((n, u) => n + Number(u.top_n), 0));
  // The seed's format: headerless user_id,item_id,score; each user's top_n lines together, in the
  // order of users.jsonl, distinct items, best score first.
  for (const l of lines) expect(l).toMatch(/^[^,\s]+,[^,\s]+,-?\d+(\.\d+)?(e[-+]?\d+)?$/);
  let at = 0;
  const wrong: string[] = [];
  for (const u of users) {
    const mine = lines.slice(at, (at += Number(u.top_n))).map((l) => l.split(','));
    const scores = mine.map((f) => Number(f[2]));
    if (!mine.every((f) => f[0] === u.user_id)) wrong.push(`${u.user_id}: lines of other users`);
    if (new Set(mine.map((f) => f[1])).size !== mine.length) wrong.push(`${u.user_id}: repeated items`);
    if (scores.some((x, i) => i > 0 && x > scores[i - 1])) wrong.push(`${u.user_id}: not in rank order`);
  }
  expect(wrong).toEqual([]);
});

test('a second run updates the endpoint; the old model serves until the new one is ready', async () => {
  let onProgress: ((machine: string, e: ProgressEvent) => void) | undefined;
  const pipeline = await environment((m, e) => onProgress?.(m, e));
  expect((await run(pipeline, { hyperparameters: HP })).summary.status).toBe('DEPLOYED');
  const hosting = pipeline.services.sagemaker.hosting;
  const before = hosting.endpointInfo('bpr-recommender')!;
  const record = JSON.parse(Object.values(pipeline.services.ssm.all())[0]) as { batchInputUri: string };
  const user = (JSON.parse((await getText(pipeline.s3.client, record.batchInputUri)).split('\n')[0]) as { user_id: string })
    .user_id;
  const ask = (url: string) =>
    fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user_id: user, top_n: '5' }),
    }).then(
      (r) => (r.ok ? r.text() : `HTTP ${r.status}`),
      () => 'no answer',
    );
  const oldAnswer = await ask(before.url);
  expect(JSON.parse(oldAnswer)).toHaveLength(5);
  // The old model's server is asked after every state that ends while the endpoint is Updating
  // (UpdateEndpoint, then each status poll). An answer (or its absence) counts against the status
  // at the time it came back: once InService the old server may rightly be gone.
  const during: { status: string; answer: string }[] = [];
  onProgress = (machine, e) => {
    if (machine !== 'training' || e.type !== 'exited' || hosting.endpointInfo('bpr-recommender')?.status !== 'Updating') return;
    void ask(before.url).then((a) =>
      during.push({
        status: hosting.endpointInfo('bpr-recommender')!.status,
        answer: a === oldAnswer ? 'the old model' : a.slice(0, 80),
      }),
    );
  };
  const { summary } = await run(pipeline, { hyperparameters: { ...HP, factors: '32' } });
  onProgress = undefined;
  expect(summary.status).toBe('DEPLOYED');
  expect(summary.training.states).toContain('UpdateEndpoint');
  expect(summary.training.states).not.toContain('CreateEndpoint');
  const whileUpdating = during.filter((d) => d.status === 'Updating');
  expect(whileUpdating.length).toBeGreaterThan(0);
  expect(whileUpdating).toEqual(whileUpdating.map(() => ({ status: 'Updating', answer: 'the old model' })));
  const after = hosting.endpointInfo('bpr-recommender')!;
  expect(after.modelName).not.toBe(before.modelName);
  expect(after.url).not.toBe(before.url);
  const newAnswer = await ask(after.url);
  expect(JSON.parse(newAnswer)).toHaveLength(5);
  expect(newAnswer).not.toBe(oldAnswer);
  await expect(fetch(`${before.url}/ping`)).rejects.toThrow();
  expect(JSON.parse(Object.values(summary.parameters)[0]).modelName).toBe(after.modelName);
});

/** Whether a TCP connection to host:port is accepted. */
function connects(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('npm start (bin/local.ts) as a user runs it', () => {
  // A user with AWS credentials configured: the local run works and sends them nowhere.
  const awsUser = {
    AWS_ACCESS_KEY_ID: 'AKIAREALUSERKEY00000',
    AWS_SECRET_ACCESS_KEY: 'real-secret',
    AWS_SESSION_TOKEN: 'real-token',
    AWS_PROFILE: 'no-such-profile',
    AWS_REGION: 'eu-west-1',
  };
  const cli = async (args: string[], input = setup.data) => {
    const wd = await fs.mkdtemp(path.join(os.tmpdir(), 'local-cli-'));
    const res = await execFileP(process.execPath, [require.resolve('tsx/cli'), BIN, '--input', input, '--workdir', wd, ...args], {
      timeout: 90000,
      env: { ...process.env, ...awsUser },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const lines = res.stdout.trim().split('\n');
    const summary = JSON.parse(await fs.readFile(path.join(wd, 'summary.json'), 'utf8')) as { status: string; reason: string };
    await fs.rm(wd, { recursive: true, force: true });
    return { ...res, last: lines.at(-1), expectedLast: path.join(wd, 'summary.json'), summary };
  };

  test('a rejected model with --keep-serving exits 0, keeps nothing running, and ends with the summary path', async () => {
    const r = await cli(['--threshold', '0.99', '--keep-serving', '--hyperparameters', 'threads=1,epochs=5']);
    expect(r.code).toBe(0);
    expect(r.summary.status).toBe('REJECTED');
    expect(r.stdout).toMatch(/=== REJECTED ===\nreason: .*0\.99/);
    expect(r.stdout).toMatch(/nothing is left running/);
    expect(r.last).toBe(r.expectedLast);
  });

  test('a failed training job exits 1 with the container reason, no stack trace, and ends with the summary path', async () => {
    // Data preparation takes it; training refuses a set with one item (a bad hyperparameter now
    // fails on the command line, before any run).
    const oneItem = path.join(setup.root, 'one-item.csv');
    await fs.writeFile(oneItem, `user_id,item_id\n${Array.from({ length: 20 }, (_, k) => `${k},A`).join('\n')}\n`);
    const r = await cli([], oneItem);
    expect(r.code).toBe(1);
    expect(r.summary.status).toBe('FAILED');
    expect(r.stdout).toMatch(/reason: States\.TaskFailed: AlgorithmError: the training data has 1 item/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\s+at /m);
    expect(r.last).toBe(r.expectedLast);
  });
});
