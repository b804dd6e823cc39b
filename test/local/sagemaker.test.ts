/** The local SageMaker stand-in against a fake container with the real container's contract. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getBuffer, getText, listKeys, putText, startLocalS3, type LocalS3 } from '../../local/s3';
import { JobFailedError, LocalSageMaker, SageMakerValidationError } from '../../local/sagemaker';
import { batchLines } from '../../local/sagemaker/transform';
import { stopAllProcesses } from '../../local/processes';
import { packDirectory, unpackArchive } from '../../local/tar';
import { metricDefinitions } from '../../container/src/metrics/definitions';
import { deleteResource, describeEndpoint, listByPrefix } from '../../lambda/shared/sagemaker-resources';

const FAKE = { command: process.execPath, args: [path.join(__dirname, 'fixtures', 'fake-container.js')] };
let s3: LocalS3;
let workdir: string;
let sm: LocalSageMaker;

beforeAll(async () => {
  workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'local-sm-'));
  s3 = await startLocalS3({ buckets: ['data', 'artifacts'] });
  await putText(s3.client, 's3://data/run/training/part-0.csv', 'user_id,item_id\n1,a\n1,b\n2,c\n');
  await putText(s3.client, 's3://data/run/testing/part-0.csv', 'user_id,item_id\n2,a\n');
  await putText(s3.client, 's3://data/run/batch/users.jsonl', '{"user_id":"1","top_n":"2"}\n{"user_id":"2","top_n":"2"}\n');
  sm = new LocalSageMaker({
    s3: s3.client,
    workdir,
    container: FAKE,
    region: 'us-east-1',
    account: '000000000000',
    log: () => undefined,
  });
});

afterAll(async () => {
  await sm.stop();
  await stopAllProcesses();
  await s3.stop();
  await fs.rm(workdir, { recursive: true, force: true });
});

function trainingParams(name: string, hp: Record<string, unknown>) {
  const channel = (n: string) => ({
    ChannelName: n,
    ContentType: 'text/csv',
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/run/${n}/` } },
  });
  return {
    TrainingJobName: name,
    AlgorithmSpecification: { TrainingImage: 'local', TrainingInputMode: 'File', MetricDefinitions: metricDefinitions(10) },
    HyperParameters: hp,
    InputDataConfig: [channel('training'), channel('testing')],
    OutputDataConfig: { S3OutputPath: 's3://artifacts/models/' },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  };
}

async function waitInService(name: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const d = sm.hosting.describeEndpoint({ EndpointName: name });
    if (!['Creating', 'Updating', 'Deleting'].includes(String(d.EndpointStatus))) return d;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('endpoint never settled');
}

async function score(url: string): Promise<number> {
  const res = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"user_id":"1","top_n":"1"}',
  });
  return ((await res.json()) as { score: number }[])[0].score;
}

test('tar round trip keeps nested files byte for byte', async () => {
  const src = path.join(workdir, 'tar-src');
  await fs.mkdir(path.join(src, 'a', 'b'), { recursive: true });
  await fs.writeFile(path.join(src, 'a', 'b', 'x.bin'), Buffer.alloc(1000, 7));
  await fs.writeFile(path.join(src, 'm.json'), '{}');
  const out = path.join(workdir, 'tar-out');
  const files = await unpackArchive(await packDirectory(src), out);
  expect(files.map((f) => path.relative(out, f)).sort()).toEqual([path.join('a', 'b', 'x.bin'), 'm.json']);
  expect(await fs.readFile(path.join(out, 'a', 'b', 'x.bin'))).toEqual(Buffer.alloc(1000, 7));
});

test('a training job lays out the channels, reads the metrics and uploads model.tar.gz', async () => {
  const job = await sm.training.runSync(trainingParams('job-ok', { precision: '0.25', tag: '1' }));
  expect(job.TrainingJobStatus).toBe('Completed');
  const metrics = Object.fromEntries(
    (job.FinalMetricDataList as { MetricName: string; Value: number }[]).map((m) => [m.MetricName, m.Value]),
  );
  expect(metrics).toMatchObject({ 'precision@10': 0.25, 'baseline_precision@10': 0.1, epoch: 1 });
  expect((job.ModelArtifacts as { S3ModelArtifacts: string }).S3ModelArtifacts).toBe(
    's3://artifacts/models/job-ok/output/model.tar.gz',
  );
  const dir = path.join(workdir, 'unpacked');
  await unpackArchive(await getBuffer(s3.client, 's3://artifacts/models/job-ok/output/model.tar.gz'), dir);
  expect(JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')).items).toEqual(['a', 'b', 'c']);
  const config = JSON.parse(
    await fs.readFile(path.join(workdir, 'training-jobs', 'job-ok', 'input', 'config', 'inputdataconfig.json'), 'utf8'),
  );
  expect(Object.keys(config)).toEqual(['training', 'testing']);
});

test('a failing container fails the job with the reason from output/failure', async () => {
  const err = await sm.training
    .runSync(trainingParams('job-bad', { fail: 'epochs must be a positive integer' }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(JobFailedError);
  const d = (err as JobFailedError).description;
  expect(d.TrainingJobStatus).toBe('Failed');
  expect(d.FailureReason).toBe('AlgorithmError: epochs must be a positive integer\nmore detail');
  await expect(sm.training.runSync(trainingParams('job-bad', {}))).rejects.toBeInstanceOf(SageMakerValidationError);
  await expect(sm.training.runSync(trainingParams('job-num', { epochs: 3 }))).rejects.toThrow(
    /HyperParameters.epochs must be a string/,
  );
});

test('endpoints: create, describe, blue/green update, missing endpoint', async () => {
  expect(() => sm.hosting.describeEndpoint({ EndpointName: 'nope' })).toThrow(
    'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/nope".',
  );
  await sm.hosting.createModel({
    ModelName: 'm1',
    PrimaryContainer: { Image: 'local', ModelDataUrl: 's3://artifacts/models/job-ok/output/model.tar.gz' },
  });
  sm.hosting.createEndpointConfig({
    EndpointConfigName: 'c1',
    ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm1' }],
  });
  sm.hosting.createEndpoint({ EndpointName: 'ep', EndpointConfigName: 'c1' });
  expect(sm.hosting.describeEndpoint({ EndpointName: 'ep' }).EndpointStatus).toBe('Creating');
  expect((await waitInService('ep')).EndpointStatus).toBe('InService');
  const first = sm.hosting.endpointInfo('ep')!.url;
  expect(Math.floor(await score(first))).toBe(1);

  await sm.training.runSync(trainingParams('job-2', { tag: '2' }));
  await sm.hosting.createModel({
    ModelName: 'm2',
    PrimaryContainer: {
      ModelDataUrl: 's3://artifacts/models/job-2/output/model.tar.gz',
      Environment: { FAKE_SERVE_DELAY_MS: '700' },
    },
  });
  sm.hosting.createEndpointConfig({
    EndpointConfigName: 'c2',
    ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm2' }],
  });
  sm.hosting.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'c2' });
  expect(sm.hosting.describeEndpoint({ EndpointName: 'ep' }).EndpointStatus).toBe('Updating');
  expect(() => sm.hosting.updateEndpoint({ EndpointName: 'ep', EndpointConfigName: 'c1' })).toThrow(
    'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/ep".',
  );
  expect(() => sm.hosting.deleteEndpoint({ EndpointName: 'ep' })).toThrow(/^Cannot update in-progress endpoint/);
  // While the new model starts, the old one keeps answering.
  expect(Math.floor(await score(first))).toBe(1);
  const done = await waitInService('ep');
  expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'c2' });
  const second = sm.hosting.endpointInfo('ep')!.url;
  expect(second).not.toBe(first);
  expect(Math.floor(await score(second))).toBe(2);
  await expect(fetch(`${first}/ping`)).rejects.toThrow();
});

test('a failed create leaves a Failed endpoint that allows only DeleteEndpoint; models need their data', async () => {
  await putText(s3.client, 's3://artifacts/models/broken/model.tar.gz', 'not a gzip file');
  await expect(
    sm.hosting.createModel({
      ModelName: 'm-missing',
      PrimaryContainer: { ModelDataUrl: 's3://artifacts/models/none/model.tar.gz' },
    }),
  ).rejects.toThrow('Could not find model data at s3://artifacts/models/none/model.tar.gz.');
  await sm.hosting.createModel({
    ModelName: 'm-bad',
    PrimaryContainer: { ModelDataUrl: 's3://artifacts/models/broken/model.tar.gz' },
  });
  sm.hosting.createEndpointConfig({
    EndpointConfigName: 'c-bad',
    ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm-bad' }],
  });
  expect(() => sm.hosting.createEndpoint({ EndpointName: 'ep-bad', EndpointConfigName: 'c-none' })).toThrow(
    'Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/c-none".',
  );
  sm.hosting.createEndpoint({ EndpointName: 'ep-bad', EndpointConfigName: 'c-bad' });
  expect(() => sm.hosting.createEndpoint({ EndpointName: 'ep-bad', EndpointConfigName: 'c-bad' })).toThrow(
    'Cannot create already existing endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/ep-bad".',
  );
  const failed = await waitInService('ep-bad');
  expect(failed).toMatchObject({
    EndpointStatus: 'Failed',
    FailureReason: expect.stringMatching(/did not pass the ping health check/),
  });
  expect(() => sm.hosting.updateEndpoint({ EndpointName: 'ep-bad', EndpointConfigName: 'c1' })).toThrow(
    'Cannot update failed endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/ep-bad".',
  );
  sm.hosting.deleteEndpoint({ EndpointName: 'ep-bad' });
  expect(sm.hosting.describeEndpoint({ EndpointName: 'ep-bad' }).EndpointStatus).toBe('Deleting');
  await sm.hosting.settle('ep-bad');
  expect(() => sm.hosting.describeEndpoint({ EndpointName: 'ep-bad' })).toThrow(/^Could not find endpoint "/);
  expect(sm.hosting.endpointNames()).not.toContain('ep-bad');
});

test('UpdateEndpoint checks the blue/green bounds as SageMaker does', () => {
  const update = (policy: Record<string, number>) => () =>
    sm.hosting.updateEndpoint({
      EndpointName: 'ep',
      EndpointConfigName: 'c1',
      DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE' }, ...policy } },
    });
  expect(update({ MaximumExecutionTimeoutInSeconds: 599 })).toThrow(/maximumExecutionTimeoutInSeconds.*between 600 and 28800/);
  expect(update({ TerminationWaitInSeconds: 3601 })).toThrow(/terminationWaitInSeconds.*between 0 and 3600/);
});

test("the SDK-shaped client answers from the same resources, with SageMaker's not-found errors", async () => {
  const models = await listByPrefix(sm.client, 'model', 'm');
  expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['m1', 'm2', 'm-bad']));
  expect(await describeEndpoint(sm.client, 'ep')).toEqual({ status: 'InService', configName: 'c2', modelNames: ['m2'] });
  expect(await describeEndpoint(sm.client, 'nope')).toBeUndefined();
  expect(await deleteResource(sm.client, 'endpointConfig', 'c-bad')).toBe(true);
  expect(await deleteResource(sm.client, 'endpointConfig', 'c-bad')).toBe(false);
  expect(await deleteResource(sm.client, 'model', 'm-bad')).toBe(true);
  expect((await listByPrefix(sm.client, 'endpointConfig', 'c')).map((c) => c.name)).not.toContain('c-bad');
});

test('a transform job writes <input name>.out with one CSV line per recommendation', async () => {
  const job = await sm.transform.runSync({
    TransformJobName: 'batch-1',
    ModelName: 'm1',
    BatchStrategy: 'MultiRecord',
    TransformInput: {
      ContentType: 'application/json',
      SplitType: 'Line',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/run/batch/users.jsonl' } },
    },
    TransformOutput: { S3OutputPath: 's3://artifacts/batch/out/', Accept: 'text/csv', AssembleWith: 'Line' },
  });
  expect(job.TransformJobStatus).toBe('Completed');
  expect((await listKeys(s3.client, 's3://artifacts/batch/out/')).keys).toEqual(['batch/out/users.jsonl.out']);
  const lines = (await getText(s3.client, 's3://artifacts/batch/out/users.jsonl.out')).trim().split('\n');
  expect(lines).toHaveLength(4);
  for (const l of lines) expect(l).toMatch(/^[12],[abc],[0-9.]+$/);
});

test('AWS credentials in the environment stay here: the local S3 client uses fixed local ones, containers get none', async () => {
  const secrets = {
    AWS_ACCESS_KEY_ID: 'AKIAREALUSERKEY00000',
    AWS_SECRET_ACCESS_KEY: 'real-secret',
    AWS_SESSION_TOKEN: 'real-token',
    AWS_PROFILE: 'no-such-profile',
  };
  const saved = { ...process.env };
  Object.assign(process.env, secrets);
  try {
    const local = await startLocalS3({ buckets: ['creds'] });
    try {
      const credentials = await local.client.config.credentials();
      expect(credentials.accessKeyId).not.toBe(secrets.AWS_ACCESS_KEY_ID);
      expect(credentials.sessionToken).toBeUndefined();
      await putText(local.client, 's3://creds/k', 'v');
      expect(await getText(local.client, 's3://creds/k')).toBe('v');
    } finally {
      await local.stop();
    }
    await sm.training.runSync(trainingParams('job-env', {}));
    const dir = path.join(workdir, 'unpacked-env');
    await unpackArchive(await getBuffer(s3.client, 's3://artifacts/models/job-env/output/model.tar.gz'), dir);
    expect(JSON.parse(await fs.readFile(path.join(dir, 'env.json'), 'utf8'))).toEqual([]);
    await sm.hosting.createModel({
      ModelName: 'm-env',
      PrimaryContainer: { ModelDataUrl: 's3://artifacts/models/job-env/output/model.tar.gz' },
    });
    sm.hosting.createEndpointConfig({
      EndpointConfigName: 'c-env',
      ProductionVariants: [{ VariantName: 'A', ModelName: 'm-env' }],
    });
    sm.hosting.createEndpoint({ EndpointName: 'ep-env', EndpointConfigName: 'c-env' });
    await waitInService('ep-env');
    const url = sm.hosting.endpointInfo('ep-env')!.url;
    // The local endpoint listens on loopback only (SageMaker's container listens on every interface).
    expect(await (await fetch(`${url}/env`)).json()).toEqual({ aws: [], bind: '127.0.0.1' });
  } finally {
    for (const k of Object.keys(secrets)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test('batchLines keeps MultiRecord requests under the payload limit', () => {
  const lines = Array.from({ length: 10 }, (_, i) => `{"user_id":"${i}"}`);
  const batches = batchLines(lines, 40, true);
  expect(batches.join('')).toBe(lines.join('\n') + '\n');
  for (const b of batches) expect(Buffer.byteLength(b)).toBeLessThanOrEqual(40);
  expect(batchLines(lines, 1000, false)).toHaveLength(10);
});
