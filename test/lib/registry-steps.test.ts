/**
 * The registry paths of the training state machine, run in the local runner with stub tasks: the
 * live model as champion (channel, gate, decision), manual approval, and the deploy-only entry a
 * rollback and an approval use (the same deployment steps; refused for a version that is not an
 * Approved one of the group; UNCHANGED for the live one).
 */
import { IntegrationErrors as E } from '../../lib/aws-errors';
import type { DeploymentRecord } from '../../lib/contracts';
import { TrainingStates as S } from '../../lib/pipeline-names';
import type { Definition } from '../../local/cdk/synth';
import { deployStubs, endpointSim, err, GROUP, heldLock, metrics, packageArn, recordOf, run, type Stub } from './stub-run';
import { localDefinitions } from './synth-helper';

let training: Definition;
let manual: Definition;
let small: Definition; // deployMaxPolls 3 of 800 s
beforeAll(() => {
  training = localDefinitions().training;
  manual = localDefinitions({ approvalMode: 'manual' }).training;
  small = localDefinitions({ deployMaxPolls: 3, deployPollIntervalSeconds: 800 }).training;
});

const LIVE_DATA = 's3://bpr-artifacts-000000000000-us-east-1/registry/run-1/model.tar.gz';
/** The record of version `version` live on the endpoint. */
const live = (version: number): Partial<DeploymentRecord> => ({
  modelName: 'bpr-model-run-1',
  endpointConfigName: 'bpr-epc-run-1',
  endpointName: 'bpr-recommender',
  modelPackageArn: packageArn(version),
  modelPackageVersion: version,
  modelDataUrl: LIVE_DATA,
});
/** A run that finds version 3 live, its model at p, the live one at c. */
const againstLive = (p: number, c: number | undefined): Record<string, Stub> => {
  const stubs = deployStubs(p, 0.1, endpointSim({ EndpointStatus: 'InService', EndpointConfigName: 'bpr-epc-run-1' }), 4);
  stubs[S.ReadLiveModel] = recordOf(live(3));
  stubs[S.ReadLiveRecord] = recordOf(live(3));
  const train = stubs[S.TrainModel];
  stubs[S.TrainModel] = (i) => ({ ...(train(i) as object), FinalMetricDataList: metrics(p, 0.1, c) });
  return stubs;
};

describe('the live model as champion', () => {
  test('the training job gets the live version as its champion channel; a better model is deployed over it, blue/green', async () => {
    const { output, inputs, visited } = await run(training, {}, againstLive(0.3, 0.25));
    expect(visited).toContain(S.WithChampion);
    const channels = inputs(S.TrainModel)[0].InputDataConfig;
    expect(channels.map((c) => c.ChannelName)).toEqual(['training', 'testing', 'catalog', 'stats', 'champion']);
    expect(channels.at(-1)!.DataSource.S3DataSource.S3Uri).toBe(LIVE_DATA);
    expect(inputs(S.EvaluateGate)[0].Payload).toMatchObject({
      champion: { modelPackageArn: packageArn(3), modelPackageVersion: 3, modelDataUrl: LIVE_DATA },
      championMetricName: 'champion_precision@10',
      championTolerance: 0.02,
    });
    expect(output).toMatchObject({
      status: 'DEPLOYED',
      value: 0.3,
      baselineValue: 0.1,
      championValue: 0.25,
      championVersion: 3,
      modelPackageVersion: 4,
      modelApprovalStatus: 'Approved',
      reason: expect.stringContaining("within 2% of the live model (version 3)'s 0.25"),
    });
    expect(inputs(S.UpdateEndpoint)).toHaveLength(1);
  });

  test('a model worse than the live one beyond the tolerance is registered Rejected; the live model keeps serving', async () => {
    const { output, inputs, names } = await run(training, {}, againstLive(0.2, 0.25));
    expect(output).toMatchObject({
      status: 'REJECTED',
      value: 0.2,
      baselineValue: 0.1,
      championValue: 0.25,
      championVersion: 3,
      modelApprovalStatus: 'Rejected',
      reason: "precision@10 0.2 is worse than the live model (version 3)'s 0.25 by 20%, more than the tolerance of 2%",
    });
    expect(inputs(S.RegisterModel)[0].Payload.gate).toMatchObject({ passed: false, championValue: 0.25 });
    expect(names).not.toContain(S.AcquireDeployLock);
    // The decision, the three values and the reason are in the notification.
    expect(JSON.parse(inputs(S.NotifyRejected)[0].Message)).toEqual(output);
  });

  test('no record, or one that names no registry version, gates as a first run', async () => {
    for (const read of [deployStubs()[S.ReadLiveModel], recordOf({ modelName: 'bpr-model-old', modelDataUrl: LIVE_DATA })]) {
      const stubs = { ...deployStubs(), [S.ReadLiveModel]: read };
      const { output, inputs, visited } = await run(training, {}, stubs);
      expect(visited).toContain(S.WithoutChampion);
      expect(inputs(S.TrainModel)[0].InputDataConfig.map((c) => c.ChannelName)).not.toContain('champion');
      expect(inputs(S.EvaluateGate)[0].Payload.champion).toBeNull();
      expect(output).toMatchObject({ status: 'DEPLOYED', championValue: null, championVersion: null });
    }
  });
});

describe('manual approval', () => {
  test('a model that passes the gate is registered PendingManualApproval, announced, and not deployed', async () => {
    const { status, output, inputs, names } = await run(manual, {}, deployStubs());
    expect(status).toBe('SUCCEEDED');
    expect(inputs(S.RegisterModel)[0].Payload).toMatchObject({ approvalMode: 'manual' });
    expect(output).toMatchObject({
      status: 'PENDING_APPROVAL',
      modelPackageVersion: 1,
      modelApprovalStatus: 'PendingManualApproval',
      reason: expect.stringMatching(
        /\. Version 1 waits for approval: approving it \(npm run pipeline -- approve 1, .*\) deploys it/,
      ),
    });
    expect(names).not.toContain(S.AcquireDeployLock);
    expect(inputs(S.NotifyPending)[0]).toMatchObject({ Subject: 'bpr training pipeline: model awaits approval' });
  });

  test('a model the gate rejects is registered Rejected, as in auto mode', async () => {
    expect((await run(manual, {}, deployStubs(0.01, 0.1))).output).toMatchObject({
      status: 'REJECTED',
      modelApprovalStatus: 'Rejected',
    });
  });
});

describe('the deploy-only entry (rollback, approval)', () => {
  const described = (over: Record<string, unknown> = {}, metadata: Record<string, string> = {}) => ({
    ModelPackageGroupName: GROUP,
    ModelPackageVersion: 2,
    ModelPackageArn: packageArn(2),
    ModelApprovalStatus: 'Approved',
    InferenceSpecification: { Containers: [{ Image: 'image', ModelDataUrl: 's3://a/registry/run-2/model.tar.gz' }] },
    CustomerMetadataProperties: {
      runId: 'run-2',
      trainingJobName: 'bpr-train-run-2',
      batchInputUri: 's3://a/registry/run-2/users.jsonl',
      catalogUri: 's3://a/registry/run-2/catalog/',
      metricName: 'precision@10',
      value: '0.27',
      baselineValue: 'null',
      ...metadata,
    },
    ...over,
  });
  const deployOnly = (pkg: unknown, extra: Record<string, Stub> = {}) => ({
    ...deployStubs(0.2, 0.1, endpointSim({ EndpointStatus: 'InService', EndpointConfigName: 'bpr-epc-run-3' })),
    [S.ReadLiveRecord]: recordOf(live(3)),
    [S.DescribeModelPackage]: () => pkg,
    ...extra,
  });

  test('deploys the named version through the same lock, model-from-package, blue/green and record steps; trains nothing', async () => {
    const { output, inputs, names } = await run(training, { deployModelPackage: packageArn(2) }, deployOnly(described()));
    expect(names).not.toContain(S.PrepareData);
    expect(names).not.toContain(S.TrainModel);
    expect(inputs(S.DescribeModelPackage)[0]).toEqual({ ModelPackageName: packageArn(2) });
    const model = inputs(S.CreateModel)[0];
    expect(model.Containers).toEqual([{ ModelPackageName: packageArn(2) }]);
    expect(model.ModelName).toMatch(/^bpr-model-[0-9a-f-]{36}$/);
    expect(inputs(S.UpdateEndpoint)[0].EndpointConfigName).toBe(String(model.ModelName).replace('model', 'epc'));
    expect(JSON.parse(inputs(S.RecordDeployment)[0].Value)).toMatchObject({
      modelPackageArn: packageArn(2),
      modelPackageVersion: 2,
      trainingJobName: 'bpr-train-run-2',
      modelDataUrl: 's3://a/registry/run-2/model.tar.gz',
      batchInputUri: 's3://a/registry/run-2/users.jsonl',
      value: 0.27,
      baselineValue: null,
    });
    expect(output).toEqual({
      status: 'DEPLOYED',
      reason: 'version 2 is live on endpoint bpr-recommender',
      modelPackageArn: packageArn(2),
      modelPackageVersion: 2,
      endpointName: 'bpr-recommender',
    });
    expect(inputs(S.NotifyVersionDeployed)).toHaveLength(1);
    expect(names.at(-1)).toBe(S.NotifyVersionDeployed);
  });

  test('the live version again: UNCHANGED, nothing created, the lock released', async () => {
    const { output, names } = await run(
      training,
      { deployModelPackage: packageArn(3) },
      deployOnly(described({ ModelPackageArn: packageArn(3), ModelPackageVersion: 3 })),
    );
    expect(output).toMatchObject({
      status: 'UNCHANGED',
      modelPackageVersion: 3,
      reason: 'version 3 is already live on endpoint bpr-recommender: nothing was changed',
    });
    expect(names).not.toContain(S.CreateModel);
    expect(names).toContain(S.ReleaseDeployLockUnchanged);
  });

  test('another deployment holding the lock for the whole wait: BUSY, with the version', async () => {
    const other = 'arn:aws:states:us-east-1:0:execution:bpr-training-pipeline:other';
    const { output, names } = await run(
      small,
      { deployModelPackage: packageArn(2) },
      deployOnly(described(), heldLock(other, 'RUNNING')),
    );
    expect(output).toMatchObject({
      status: 'BUSY',
      modelPackageVersion: 2,
      reason: expect.stringContaining(`execution ${other} was deploying`),
    });
    expect(names).not.toContain(S.CreateModel);
  });

  test.each([
    ['Rejected', described({ ModelApprovalStatus: 'Rejected' })],
    ['PendingManualApproval', described({ ModelApprovalStatus: 'PendingManualApproval' })],
    ["another group's", described({ ModelPackageGroupName: 'other-models' })],
    ['a hand-registered (no metadata)', described({ CustomerMetadataProperties: undefined })],
  ])('a %s version is refused with ModelPackageNotDeployable; nothing is locked or created', async (_what, pkg) => {
    const { error, cause, names } = await run(training, { deployModelPackage: packageArn(2) }, deployOnly(pkg));
    expect(error).toBe('ModelPackageNotDeployable');
    expect(cause).toBe(
      `Model package ${packageArn(2)} cannot be deployed: only an Approved version of the model package group ${GROUP} registered by this pipeline can be (npm run pipeline -- models lists them)`,
    );
    expect(names).not.toContain(S.AcquireDeployLock);
  });

  test('a package SageMaker does not know fails with its error, before anything is locked', async () => {
    const missing = () => {
      throw err(E.SageMakerSdk, `ModelPackage ${packageArn(9)} does not exist. (Service: SageMaker, Status Code: 400)`);
    };
    const { error, cause, names } = await run(
      training,
      { deployModelPackage: packageArn(9) },
      deployOnly(null, { [S.DescribeModelPackage]: missing }),
    );
    expect([error, cause]).toEqual([E.SageMakerSdk, expect.stringContaining('does not exist')]);
    expect(names).not.toContain(S.AcquireDeployLock);
  });
});
