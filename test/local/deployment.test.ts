/**
 * End to end, the deployment on a real (local) endpoint: the synthesized training and batch state
 * machines, run by the local interpreter against s3rver, the real Lambdas and the real container,
 * behind a wrapper that can make `serve` fail (a bad image) or start slowly (a slow fleet). Each
 * test starts its own environment.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readableCause } from '../../lib/cli/cause';
import { runTeardown } from '../../lib/cli/teardown';
import type { BatchSkippedOutput, DeploymentRecord, TrainingOutput } from '../../lib/contracts';
import { resourceNames, TrainingStates as S } from '../../lib/pipeline-names';
import { LocalPipeline, projectAppBuilder } from '../../local/pipeline';
import { listKeys } from '../../local/s3';
import type { ProgressEvent } from '../../local/stepfunctions';
import { e2eSetup, HP } from './e2e-setup';

const ENDPOINT = 'bpr-recommender';
const RECORD = resourceNames('bpr').deploymentParameter;
// keepModels 2, so that the third deployment of a test prunes the first.
const setup = e2eSetup('local-deploy-', projectAppBuilder({ keepModels: 2 }));

/** A new environment whose container's serve obeys the flag files in `flags`. */
async function environment(waitMs = 50): Promise<{ pipeline: LocalPipeline; flags: string }> {
  const workdir = await fs.mkdtemp(path.join(setup.root, 'env-'));
  // Beside the work directory: a local run takes only a new, empty or marked one.
  const flags = await fs.mkdtemp(path.join(setup.root, 'flags-'));
  const container = { command: process.execPath, args: [path.join(__dirname, 'fixtures', 'flaky-serve.js'), flags] };
  const pipeline = await LocalPipeline.start({ workdir, app: setup.app, container, waitMs });
  setup.started.push(pipeline);
  await pipeline.uploadRawData(setup.data);
  return { pipeline, flags };
}

const output = (r: { output?: unknown }) => (r.output ?? {}) as TrainingOutput & Record<string, unknown>;
const record = (p: LocalPipeline) => JSON.parse(p.services.ssm.value(RECORD) ?? 'null') as DeploymentRecord | null;
const lockItems = (p: LocalPipeline) => p.services.dynamodb.tableNames().flatMap((t) => p.services.dynamodb.items(t));

test('a batch run before any deployment succeeds SKIPPED: nothing to do is not a failure, and nobody is notified', async () => {
  const { pipeline } = await environment();
  const batch = await pipeline.runBatch({});
  expect(batch.status).toBe('SUCCEEDED');
  expect(batch.output).toEqual({
    status: 'SKIPPED',
    reason: `No model has been deployed yet (no record at ${RECORD}): nothing to recommend until a training execution deploys one`,
  } satisfies BatchSkippedOutput);
  expect(pipeline.services.sagemaker.transform.list()).toEqual([]);
  expect(pipeline.services.sns.messages).toEqual([]);
});

test('a first run whose endpoint fails (the image does not start), then a run that recovers by deleting it and creating it again', async () => {
  const { pipeline, flags } = await environment();
  const hosting = pipeline.services.sagemaker.hosting;
  await fs.writeFile(path.join(flags, 'broken'), '');
  const first = await pipeline.runTraining({ hyperparameters: HP });
  expect(first.status).toBe('FAILED');
  expect(first.error).toBe('DeploymentFailed');
  expect(readableCause(first.cause)).toMatch(
    /^The primary container for production variant AllTraffic did not pass the ping health check/,
  );
  // SageMaker leaves the endpoint Failed, refusing any update: only DeleteEndpoint is allowed.
  expect(hosting.describeEndpoint({ EndpointName: ENDPOINT })).toMatchObject({ EndpointStatus: 'Failed' });
  expect(() => hosting.updateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: 'any' })).toThrow(
    /^Cannot update failed endpoint "arn:/,
  );
  expect(record(pipeline)).toBeNull();
  expect(lockItems(pipeline)).toEqual([]); // released on the failure path
  expect(pipeline.services.sns.messages.at(-1)?.message).toMatch(/DeploymentFailed/);
  // The daily batch before the first good model: still nothing to do, still not a failure.
  expect(output(await pipeline.runBatch({})).status).toBe('SKIPPED');

  await fs.rm(path.join(flags, 'broken'));
  const second = await pipeline.runTraining({ hyperparameters: HP });
  expect([second.status, second.error]).toEqual(['SUCCEEDED', undefined]);
  const out = output(second);
  expect(out.status).toBe('DEPLOYED');
  const deploy = second.visited.slice(second.visited.indexOf(S.InitRollout));
  const calls = deploy.filter((s) => [S.DeleteFailedEndpoint, S.CreateEndpoint, S.UpdateEndpoint].includes(s as never));
  expect(calls).toEqual([S.DeleteFailedEndpoint, S.CreateEndpoint]);
  const ep = hosting.describeEndpoint({ EndpointName: ENDPOINT });
  expect(ep).toMatchObject({
    EndpointStatus: 'InService',
    EndpointConfigName: out.status === 'DEPLOYED' ? out.endpointConfigName : '',
  });
  expect((await fetch(`${hosting.endpointInfo(ENDPOINT)!.url}/ping`)).status).toBe(200);
  const rec = record(pipeline)!;
  expect(rec.endpointConfigName).toBe(ep.EndpointConfigName);
  expect(rec.modelDataUrl).toMatch(/^s3:\/\/bpr-artifacts-000000000000-us-east-1\/deployed\/[0-9a-f-]{36}\/model\.tar\.gz$/);
  expect(output(await pipeline.runBatch({})).status).toBe('COMPLETED');
});

test('an update while another execution is deploying: the second waits for the lock, then updates; record and endpoint agree; old models are pruned; teardown removes it all', async () => {
  // Wait states pause 150 ms here: the first deployment must still be polling when the second
  // execution, which trains meanwhile, reaches the lock.
  const { pipeline, flags } = await environment(150);
  const hosting = pipeline.services.sagemaker.hosting;
  const base = output(await pipeline.runTraining({ hyperparameters: HP }));
  expect(base.status).toBe('DEPLOYED');

  await fs.writeFile(path.join(flags, 'hold'), ''); // the next fleet starts only when released
  let locked!: () => void;
  const aLocked = new Promise<void>((resolve) => (locked = resolve));
  const a = pipeline.runTraining({ hyperparameters: HP }, (e: ProgressEvent) => {
    if (e.type === 'exited' && e.state === S.AcquireDeployLock) locked();
  });
  await aLocked;
  let waited = false;
  const b = pipeline.runTraining({ hyperparameters: { ...HP, factors: '32' } }, (e: ProgressEvent) => {
    if (e.type === 'entered' && e.state === S.WaitForDeployLock && !waited) {
      waited = true;
      void fs.rm(path.join(flags, 'hold'), { force: true });
    }
  });
  const [ra, rb] = await Promise.all([a, b]);
  const [oa, ob] = [output(ra), output(rb)];
  expect([ra.status, ra.error, oa.status]).toEqual(['SUCCEEDED', undefined, 'DEPLOYED']);
  expect([rb.status, rb.error, ob.status]).toEqual(['SUCCEEDED', undefined, 'DEPLOYED']);
  expect(waited).toBe(true);
  expect(ra.visited).not.toContain(S.WaitForDeployLock);
  expect(rb.visited).toEqual(expect.arrayContaining([S.CheckLockHolder, S.WaitForDeployLock, S.UpdateEndpoint]));

  // One after the other: the records were written in deployment order, the last is B's, and the
  // endpoint serves what the record names.
  const written = pipeline.services.recorder
    .of('ssm', 'putParameter')
    .map((c) => (JSON.parse(String((c.params as { Value: string }).Value)) as DeploymentRecord).modelName);
  const models = [base, oa, ob].map((o) => (o.status === 'DEPLOYED' ? o.modelName : ''));
  expect(written).toEqual(models);
  const ep = hosting.describeEndpoint({ EndpointName: ENDPOINT });
  expect(record(pipeline)!.endpointConfigName).toBe(ep.EndpointConfigName);
  expect(hosting.endpointInfo(ENDPOINT)!.modelName).toBe(models[2]);
  expect(lockItems(pipeline)).toEqual([]);

  // keepModels 2: the first run's model, configuration and deployed/ copies are gone.
  const sm = pipeline.services.sagemaker;
  expect(hosting.listModels().map((m) => m.name)).toEqual(models.slice(1));
  expect(hosting.listEndpointConfigs().map((c) => c.name)).toEqual(models.slice(1).map((m) => m.replace('-model-', '-epc-')));
  const artifacts = 's3://bpr-artifacts-000000000000-us-east-1/deployed/';
  const runIds = new Set((await listKeys(pipeline.s3.client, artifacts)).keys.map((k) => k.split('/')[1]));
  expect([...runIds].sort()).toEqual(
    models
      .slice(1)
      .map((m) => m.replace('bpr-model-', ''))
      .sort(),
  );

  // Teardown: lists without --confirm, deletes with it; the endpoint goes through Deleting.
  const lines: string[] = [];
  const deps = {
    sagemaker: sm.client,
    ssm: pipeline.services.ssm.client(),
    log: (l: string) => lines.push(l),
    sleep: async () => undefined,
    now: () => 0,
  };
  const opts = { confirm: false, projectName: 'bpr', endpointName: ENDPOINT, timeoutMinutes: 1 };
  expect(await runTeardown(opts, deps)).toBe(0);
  expect(lines).toContain(`endpoint ${ENDPOINT}: InService`);
  expect(hosting.endpointNames()).toEqual([ENDPOINT]);
  const clock = { t: 0 };
  const sleep = async (ms: number) => {
    clock.t += ms; // the teardown's 15 s polls, while the stand-in takes a few ms to stop the server
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  expect(await runTeardown({ ...opts, confirm: true, timeoutMinutes: 10 }, { ...deps, sleep, now: () => clock.t })).toBe(0);
  expect(hosting.endpointNames()).toEqual([]);
  expect(hosting.listModels()).toEqual([]);
  expect(hosting.listEndpointConfigs()).toEqual([]);
  expect(record(pipeline)).toBeNull();
  expect(lines.at(-1)).toMatch(/^teardown complete/);
});
