/**
 * The state machine definitions as `npm start` reads them from the synthesized app: static checks
 * of the ASL, and runs in the local runner (local/stepfunctions.ts) with stub task handlers for
 * every branch.
 */
import validateAsl from 'asl-validator';
import { BATCH_MAX_PAYLOAD_MB, MAX_REQUEST_ITEMS, payloadItemsBound } from '../../container/src/limits';
import { metricDefinitions } from '../../container/src/metrics/definitions';
import { BatchStates as B, PrepareDataErrors, TaskResources, TrainingStates as S } from '../../lib/pipeline-names';
import { IntegrationErrors } from '../../lib/aws-errors';
import type { AslState, Definition } from '../../local/cdk/synth';
import { ACCOUNT, deployStubs, err, packageArn, run, tasks } from './stub-run';
import { localDefinitions } from './synth-helper';

let training: Definition;
let batch: Definition;
let small: Definition; // deployMaxPolls 3 (of 800 s), spot training, retraining disabled
let smallScheduleStates: string[];
beforeAll(() => {
  const all = localDefinitions();
  training = all.training;
  batch = all.batch;
  const t = localDefinitions({
    deployMaxPolls: 3,
    deployPollIntervalSeconds: 800,
    useSpotTraining: true,
    retrainingEnabled: false,
    gateThreshold: 0.2,
  });
  small = t.training;
  smallScheduleStates = Object.values(t.pipeline.findResources('AWS::Scheduler::Schedule')).map((r) => r.Properties.State);
});

/** Task states inside a Map (their Map catches for them). */
const mapTasks = (def: Definition) =>
  Object.values(def.States).flatMap((st) => (st.Type === 'Map' ? tasks(st.ItemProcessor as Definition).map(([n]) => n) : []));
const state = (def: Definition, name: string): AslState => def.States[name];

test('both definitions are valid Amazon States Language (asl-validator, paths and ARNs checked)', () => {
  for (const def of [training, batch, small]) {
    // The validator annotates the definition it checks: give it a copy.
    const { isValid, errors } = validateAsl(JSON.parse(JSON.stringify(def)), { checkPaths: true, checkArn: true });
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  }
});

describe('training state machine definition', () => {
  test('every task retries throttling and ends in a States.ALL catch; after the lock is taken, failures release it first', () => {
    const lockHeld = new Set<string>([
      S.ReadLiveRecord,
      S.CreateModel,
      S.CreateEndpointConfig,
      S.DescribeEndpoint,
      S.CreateEndpoint,
      S.UpdateEndpoint,
      S.DeleteFailedEndpoint,
      S.RecordDeployment,
    ]);
    const expected: Record<string, string> = {
      [S.ValidateInput]: S.InputCheckFailed, // input-check.test.ts
      [S.NotifyFailure]: S.PipelineFailed,
      [S.ReleaseDeployLockOnFailure]: S.NotifyFailure,
      [S.PruneDeployments]: S.ReleaseDeployLock, // housekeeping: its failure does not undo the deployment
      [S.ReleaseDeployLock]: S.DeployedOutcome,
      [S.ReleaseDeployLockUnchanged]: S.BuildUnchangedOutput,
      // after Athena's statements ran, a failure drops the run's Glue database first
      [S.PublishAthenaResults]: S.DropAthenaDatabaseAfterFailure,
      [S.RunAthenaQueries]: S.DropAthenaDatabaseAfterFailure,
    };
    expect(mapTasks(training)).toEqual([S.RunAthenaQuery]);
    for (const [name, st] of [...tasks(training), [S.RunAthenaQueries, state(training, S.RunAthenaQueries)] as const]) {
      if (st.Type === 'Task') {
        expect(st.Retry![0].ErrorEquals).toEqual(
          expect.arrayContaining(['ThrottlingException', 'Lambda.TooManyRequestsException']),
        );
      }
      if (mapTasks(training).includes(name)) {
        expect(st.Catch).toBeUndefined(); // the Map's catch is theirs
        continue;
      }
      const all = st.Catch!.at(-1)!;
      expect(all.ErrorEquals).toEqual(['States.ALL']);
      expect([name, all.Next]).toEqual([
        name,
        expected[name] ?? (lockHeld.has(name) ? S.ReleaseDeployLockOnFailure : S.NotifyFailure),
      ]);
    }
    expect(state(training, S.PipelineFailed)).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  test('PrepareData retries a failed write, never bad input', () => {
    const retried = state(training, S.PrepareData).Retry!.flatMap((r) => r.ErrorEquals);
    expect(retried).toContain(PrepareDataErrors.OutputWrite);
    expect(retried).not.toContain(PrepareDataErrors.InputValidation);
    expect(retried).not.toContain(PrepareDataErrors.InputNotFound);
  });

  test('tasks use the native SageMaker integrations and the documented resources', () => {
    const resources = Object.fromEntries(tasks(training).map(([n, st]) => [n, st.Resource]));
    expect(resources).toEqual({
      [S.ValidateInput]: TaskResources.lambdaInvoke,
      [S.DescribeModelPackage]: TaskResources.describeModelPackage,
      [S.PrepareData]: TaskResources.lambdaInvoke,
      [S.ReadLiveModel]: TaskResources.ssmGetParameter,
      [S.TrainModel]: TaskResources.createTrainingJobSync,
      [S.PublishReport]: TaskResources.lambdaInvoke,
      [S.EvaluateGate]: TaskResources.lambdaInvoke,
      [S.PromoteArtifacts]: TaskResources.lambdaInvoke,
      [S.RegisterModel]: TaskResources.lambdaInvoke,
      [S.NotifyRejected]: TaskResources.snsPublish,
      [S.NotifyPending]: TaskResources.snsPublish,
      [S.AcquireDeployLock]: TaskResources.dynamoPutItem,
      [S.ReadDeployLock]: TaskResources.dynamoGetItem,
      [S.CheckLockHolder]: TaskResources.describeExecution,
      [S.TakeOverDeployLock]: TaskResources.dynamoPutItem,
      [S.NotifyBusy]: TaskResources.snsPublish,
      [S.NotifyVersionBusy]: TaskResources.snsPublish,
      [S.ReadLiveRecord]: TaskResources.ssmGetParameter,
      [S.ReleaseDeployLockUnchanged]: TaskResources.dynamoDeleteItem,
      [S.NotifyUnchanged]: TaskResources.snsPublish,
      [S.CreateModel]: TaskResources.createModel,
      [S.CreateEndpointConfig]: TaskResources.createEndpointConfig,
      [S.DescribeEndpoint]: TaskResources.describeEndpoint,
      [S.CreateEndpoint]: TaskResources.createEndpoint,
      [S.UpdateEndpoint]: TaskResources.updateEndpoint,
      [S.DeleteFailedEndpoint]: TaskResources.deleteEndpoint,
      [S.RecordDeployment]: TaskResources.ssmPutParameter,
      [S.PruneDeployments]: TaskResources.lambdaInvoke,
      [S.ReleaseDeployLock]: TaskResources.dynamoDeleteItem,
      [S.ReleaseDeployLockOnFailure]: TaskResources.dynamoDeleteItem,
      [S.NotifySuccess]: TaskResources.snsPublish,
      [S.NotifyVersionDeployed]: TaskResources.snsPublish,
      [S.NotifyFailure]: TaskResources.snsPublish,
      [S.RunAthenaQuery]: TaskResources.athenaStartQueryExecutionSync,
      [S.PublishAthenaResults]: TaskResources.lambdaInvoke,
      [S.DropAthenaDatabase]: TaskResources.athenaStartQueryExecutionSync,
      [S.DropAthenaDatabaseAfterFailure]: TaskResources.athenaStartQueryExecutionSync,
    });
  });

  test('training: in-repo image, isolated, metric definitions from the container, channels (and the champion), stopping condition', () => {
    const p = state(training, S.TrainModel).Parameters!;
    expect(p).toMatchObject({
      EnableNetworkIsolation: true,
      AlgorithmSpecification: {
        TrainingImage: expect.stringMatching(/dkr\.ecr\..*container-assets.*:[0-9a-f]{64}$/),
        MetricDefinitions: metricDefinitions(10),
      },
      'InputDataConfig.$': '$.jobInput.channels',
      'HyperParameters.$': 'States.JsonMerge($.hyperparameters, $.run.hyperparameters, false)',
      StoppingCondition: { MaxRuntimeInSeconds: 7200 },
    });
    const prepared = [
      ...['training', 'testing', 'catalog'].map((name) => ({
        ChannelName: name,
        ContentType: 'text/csv',
        InputMode: 'File',
        DataSource: { S3DataSource: { 'S3Uri.$': `$.prepared.${name}Uri`, S3DataType: 'S3Prefix' } },
      })),
      // the prepare step's stats.json, for the model report
      {
        ChannelName: 'stats',
        ContentType: 'application/json',
        InputMode: 'File',
        DataSource: { S3DataSource: { 'S3Uri.$': '$.prepared.statsUri', S3DataType: 'S3Prefix' } },
      },
    ];
    expect(state(training, S.WithoutChampion).Parameters).toEqual({
      'champion.$': "States.StringToJson('null')",
      channels: prepared,
    });
    // The live model's model.tar.gz, measured on the same test pairs.
    expect(state(training, S.WithChampion).Parameters).toEqual({
      champion: {
        'modelPackageArn.$': '$.live.record.modelPackageArn',
        'modelPackageVersion.$': '$.live.record.modelPackageVersion',
        'modelDataUrl.$': '$.live.record.modelDataUrl',
      },
      channels: [
        ...prepared,
        {
          ChannelName: 'champion',
          ContentType: 'application/x-gzip',
          InputMode: 'File',
          DataSource: { S3DataSource: { 'S3Uri.$': '$.live.record.modelDataUrl', S3DataType: 'S3Prefix' } },
        },
      ],
    });
    expect(p.EnableManagedSpotTraining).toBeUndefined();
    expect(state(small, S.TrainModel).Parameters).toMatchObject({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 14400 },
    });
  });

  test('the gate selects precision@10, its baseline and the live model by name; every model is registered, then a Choice routes on its approval status', () => {
    expect(state(training, S.EvaluateGate).Parameters).toMatchObject({
      Payload: {
        metricName: 'precision@10',
        baselineMetricName: 'baseline_precision@10',
        championMetricName: 'champion_precision@10',
        'champion.$': '$.jobInput.champion',
        championTolerance: 0.02,
      },
    });
    expect(state(training, S.EvaluateGate).Next).toBe(S.PromoteArtifacts);
    expect(state(training, S.PromoteArtifacts).Next).toBe(S.RegisterModel);
    expect(state(training, S.RegisterModel).Parameters).toMatchObject({
      Payload: { modelPackageGroupName: 'bpr-models', approvalMode: 'auto', 'gate.$': '$.gate' },
    });
    expect(state(training, S.CheckApproval)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.registered.modelApprovalStatus', StringEquals: 'Approved', Next: S.BuildDeployRequest },
        { Variable: '$.registered.modelApprovalStatus', StringEquals: 'PendingManualApproval', Next: S.BuildPendingOutput },
      ],
      Default: S.BuildRejectedOutput,
    });
  });

  test('a disabled retraining schedule is synthesized DISABLED', () => {
    expect(smallScheduleStates.sort()).toEqual(['DISABLED', 'ENABLED']);
  });
});

describe('training state machine runs', () => {
  test('{} deploys a new endpoint with the configured defaults and records it', async () => {
    let throttled = false;
    const stubs = deployStubs();
    const prepare = stubs[S.PrepareData];
    stubs[S.PrepareData] = (i) => {
      if (!throttled) {
        throttled = true;
        throw err('Lambda.TooManyRequestsException');
      }
      return prepare(i);
    };
    const { output, inputs, error } = await run(training, {}, stubs);
    expect(error).toBeUndefined();
    expect(inputs(S.PrepareData)).toHaveLength(2); // retried once after throttling
    expect(inputs(S.PrepareData)[1].Payload).toEqual({
      rawDataUri: `s3://bpr-raw-${ACCOUNT}-us-east-1/raw/online_retail_II.csv`,
      outputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/`,
      split: 'random',
      testFraction: 0.3,
      seed: 42,
      engine: 'auto',
      athena: {
        database: expect.stringMatching(/^bpr_prep_[0-9a-f-]{36}$/),
        workUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/athena/work/exec-1/`,
      },
    });
    const job = inputs(S.TrainModel)[0];
    expect(job.TrainingJobName).toMatch(/^bpr-train-[0-9a-f-]{36}$/);
    // the gate's threshold rides along for the model report
    expect(job.HyperParameters).toEqual({ seed: '42', eval_k: '10', gate_threshold: '0.05' });
    expect(job.OutputDataConfig.S3OutputPath).toBe(`s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/model/`);
    expect(inputs(S.CreateEndpoint)[0]).toEqual({
      EndpointName: 'bpr-recommender',
      EndpointConfigName: job.TrainingJobName.replace('train', 'epc'),
    });
    expect(inputs(S.UpdateEndpoint)).toHaveLength(0);
    // The version's copies under registry/<run id>/ (they do not expire) are what its package names.
    const runId = job.TrainingJobName.replace('bpr-train-', '');
    const registry = `s3://bpr-artifacts-${ACCOUNT}-us-east-1/registry/${runId}/`;
    expect(inputs(S.PromoteArtifacts)[0].Payload).toEqual({
      modelDataUrl: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/model/${job.TrainingJobName}/output/model.tar.gz`,
      batchInputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/users.jsonl`,
      catalogUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/catalog/`,
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
      destinationUri: registry,
    });
    expect(inputs(S.RegisterModel)[0].Payload).toMatchObject({
      runId,
      trainingJobName: job.TrainingJobName,
      image: expect.stringMatching(/dkr\.ecr\..*container-assets.*:[0-9a-f]{64}$/),
      rawDataUri: `s3://bpr-raw-${ACCOUNT}-us-east-1/raw/online_retail_II.csv`,
      dataUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/`,
      artifacts: { prefix: registry, modelDataUrl: `${registry}model.tar.gz` },
      realtimeInstanceType: 'ml.c5.large',
      transformInstanceType: 'ml.c5.2xlarge',
    });
    // The model is the approved version (the package names the image and its artifact).
    expect(inputs(S.CreateModel)[0]).toEqual({
      ModelName: job.TrainingJobName.replace('train', 'model'),
      ExecutionRoleArn: expect.stringMatching(/:role\/SageMakerExecutionRole/),
      EnableNetworkIsolation: true,
      Containers: [{ ModelPackageName: packageArn(1) }],
    });
    expect(inputs(S.PublishReport)[0].Payload).toEqual({
      modelDataUrl: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/model/${job.TrainingJobName}/output/model.tar.gz`,
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
      latestReportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/reports/latest.html`,
    });
    expect(output).toMatchObject({
      status: 'DEPLOYED',
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
      trainingJobName: job.TrainingJobName,
      modelName: job.TrainingJobName.replace('train', 'model'),
      endpointName: 'bpr-recommender',
      metricName: 'precision@10',
      value: 0.2,
      baselineValue: 0.1,
      threshold: 0.05,
      championValue: null,
      championVersion: null,
      championTolerance: 0.02,
      metrics: { 'precision@10': 0.2, 'baseline_precision@10': 0.1, 'recall@10': 0.3, 'p@k(10)': 0.25 },
      modelPackageArn: packageArn(1),
      modelPackageVersion: 1,
      modelApprovalStatus: 'Approved',
    });
    const record = JSON.parse(inputs(S.RecordDeployment)[0].Value);
    expect(record).toEqual({
      modelName: output.modelName,
      endpointName: 'bpr-recommender',
      endpointConfigName: job.TrainingJobName.replace('train', 'epc'),
      modelPackageArn: packageArn(1),
      modelPackageVersion: 1,
      trainingJobName: job.TrainingJobName,
      modelDataUrl: `${registry}model.tar.gz`,
      batchInputUri: `${registry}users.jsonl`,
      catalogUri: `${registry}catalog/`,
      metricName: 'precision@10',
      value: 0.2,
      baselineValue: 0.1,
      executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:bpr:exec-1`,
      deployedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(output.batchInputUri).toBe(`${registry}users.jsonl`);
    expect(JSON.parse(inputs(S.NotifySuccess)[0].Message)).toEqual(output);
  });

  test('execution input overrides threshold and hyperparameters; a rejected model ends in ModelRejected with its values', async () => {
    const { output, calls, inputs } = await run(
      training,
      { threshold: 0.5, hyperparameters: { epochs: '5', eval_k: '3' } },
      deployStubs(0.2, 0.1),
    );
    const names = calls.map(([n]) => n);
    expect(inputs(S.TrainModel)[0].HyperParameters).toEqual({ seed: '42', epochs: '5', eval_k: '10', gate_threshold: '0.5' });
    expect(names).not.toContain(S.CreateModel);
    expect(names).toContain(S.NotifyRejected);
    // Registered all the same, Rejected: the registry holds every trained model.
    expect(names).toContain(S.RegisterModel);
    expect(output).toMatchObject({
      status: 'REJECTED',
      modelPackageVersion: 1,
      modelApprovalStatus: 'Rejected',
      value: 0.2,
      baselineValue: 0.1,
      threshold: 0.5,
      reason: expect.stringContaining('below the threshold'),
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
    });
  });

  test('a run without a report goes on: reportUri null in the output, the gate still decides', async () => {
    const stubs = deployStubs();
    stubs[S.PublishReport] = () => ({
      Payload: { reportUri: null, latestReportUri: null, reason: 'the training job wrote no report.html' },
    });
    const { output, error } = await run(training, {}, stubs);
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ status: 'DEPLOYED', reportUri: null });
  });

  test('a model that does not beat the baseline is rejected', async () => {
    expect((await run(training, {}, deployStubs(0.1, 0.12))).output).toMatchObject({
      status: 'REJECTED',
      reason: expect.stringContaining('baseline'),
    });
  });

  test('a missing gate metric fails the gate: REJECTED naming the metric, with the values that were measured, nothing deployed', async () => {
    const stubs = deployStubs();
    stubs[S.TrainModel] = (i) => ({
      TrainingJobName: i.TrainingJobName,
      ModelArtifacts: { S3ModelArtifacts: 's3://a/m' },
      FinalMetricDataList: [
        { MetricName: 'baseline_precision@10', Value: 0.1 },
        { MetricName: 'recall@10', Value: 0.4 },
      ],
    });
    const { output, calls, inputs, error } = await run(training, {}, stubs);
    expect(error).toBeUndefined();
    expect(output).toMatchObject({
      status: 'REJECTED',
      metricName: 'precision@10',
      value: null,
      baselineValue: 0.1,
      threshold: 0.05,
      metrics: { 'baseline_precision@10': 0.1, 'recall@10': 0.4 },
      reason: "metric precision@10 is missing from the training job's final metrics",
    });
    const names = calls.map(([n]) => n);
    expect(names).not.toContain(S.CreateModel);
    expect(names).not.toContain(S.RecordDeployment);
    expect(JSON.parse(inputs(S.NotifyRejected)[0].Message)).toEqual(output);
  });

  test('thresholds 0 and 1 are accepted', async () => {
    expect((await run(training, { threshold: 0 }, deployStubs())).output).toMatchObject({ status: 'DEPLOYED', threshold: 0 });
    expect((await run(training, { threshold: 1 }, deployStubs())).output).toMatchObject({ status: 'REJECTED', threshold: 1 });
  });

  test('bad input from PrepareData fails the execution at once, under its own name', async () => {
    const stubs = deployStubs();
    stubs[S.PrepareData] = () => {
      throw err(PrepareDataErrors.InputValidation, 'missing column(s) StockCode');
    };
    const { error, cause, inputs, calls } = await run(training, {}, stubs);
    expect(error).toBe('InputValidationError');
    expect(cause).toBe('missing column(s) StockCode');
    expect(inputs(S.PrepareData)).toHaveLength(1);
    expect(calls.map(([n]) => n)).toEqual([S.ValidateInput, S.PrepareData, S.NotifyFailure]);
  });

  test('a failed write of the prepared data is retried once, then fails the execution', async () => {
    const stubs = deployStubs();
    const prepare = stubs[S.PrepareData];
    let failures = 1;
    stubs[S.PrepareData] = (i) => {
      if (failures-- > 0) throw err(PrepareDataErrors.OutputWrite, 'writing s3://a/runs/x/users.jsonl failed');
      return prepare(i);
    };
    const retried = await run(training, {}, stubs);
    expect(retried.inputs(S.PrepareData)).toHaveLength(2);
    expect(retried.output).toMatchObject({ status: 'DEPLOYED' });
    failures = 2;
    const failed = await run(training, {}, stubs);
    expect(failed.inputs(S.PrepareData)).toHaveLength(2);
    expect(failed.error).toBe('OutputWriteError');
  });

  test('a failed training job fails the execution with its reason and deploys nothing', async () => {
    const stubs = deployStubs();
    stubs[S.TrainModel] = () => {
      throw err('States.TaskFailed', 'factors must be a positive integer');
    };
    const { error, cause, calls, inputs } = await run(training, {}, stubs);
    expect(error).toBe('States.TaskFailed');
    expect(cause).toBe('factors must be a positive integer');
    expect(calls.map(([n]) => n)).not.toContain(S.CreateModel);
    expect(inputs(S.NotifyFailure)[0].Message).toContain('factors must be a positive integer');
  });
});

describe('batch state machine', () => {
  test('every task retries throttling and catches everything into the failure path (ValidateInput: input-check.test.ts)', () => {
    expect(tasks(batch).length).toBe(5);
    for (const [name, st] of tasks(batch).filter(([n]) => n !== B.ValidateInput)) {
      expect(st.Retry![0].ErrorEquals).toEqual(expect.arrayContaining(['ThrottlingException', 'SageMaker.ThrottlingException']));
      const last = name === B.NotifyBatchFailure; // keeps the original error: its own catch discards the SNS error
      // No record yet is not a failure: ReadDeployment routes it to NoDeployedModel first.
      const notFound =
        name === B.ReadDeployment
          ? [{ ErrorEquals: [IntegrationErrors.SsmParameterNotFound], Next: B.NoDeployedModel, ResultPath: null }]
          : [];
      expect(st.Catch).toEqual([
        ...notFound,
        { ErrorEquals: ['States.ALL'], Next: last ? B.BatchFailed : B.NotifyBatchFailure, ResultPath: last ? null : '$.error' },
      ]);
    }
  });

  test("transform job over the recorded users.jsonl with the seed's batch settings", async () => {
    const record = { modelName: 'bpr-model-1', batchInputUri: 's3://b/runs/e/data/users.jsonl' };
    // The interpreter stamps $$.Execution.StartTime from the clock: freeze Date (only Date) at a time
    // whose UTC date differs from the local date east of UTC, so the folder must be the UTC date.
    jest.useFakeTimers({
      now: new Date('2026-11-27T23:30:00.000Z'),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(batch, {}, { [B.ReadDeployment]: () => ({ Parameter: { Value: JSON.stringify(record) } }) });
    } finally {
      jest.useRealTimers();
    }
    const { output, inputs, error } = result;
    expect(error).toBeUndefined();
    const job = inputs(B.RunBatchTransform)[0];
    expect(state(batch, B.RunBatchTransform).Resource).toBe(TaskResources.createTransformJobSync);
    expect(job).toMatchObject({
      ModelName: 'bpr-model-1',
      BatchStrategy: 'MultiRecord',
      TransformInput: {
        ContentType: 'application/json',
        SplitType: 'Line',
        DataSource: { S3DataSource: { S3Uri: record.batchInputUri, S3DataType: 'S3Prefix' } },
      },
      TransformOutput: {
        Accept: 'text/csv',
        AssembleWith: 'Line',
        S3OutputPath: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/batch/2026-11-27/exec-1/`,
      },
    });
    expect(job.TransformJobName).toMatch(/^bpr-batch-[0-9a-f-]{36}$/);
    // A MultiRecord payload of users.jsonl lines never asks the server for more than it serves per request.
    expect(job.MaxPayloadInMB).toBe(BATCH_MAX_PAYLOAD_MB);
    expect(payloadItemsBound(job.MaxPayloadInMB as number)).toBeLessThanOrEqual(MAX_REQUEST_ITEMS);
    expect(output).toMatchObject({
      status: 'COMPLETED',
      outputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/batch/2026-11-27/exec-1/`,
    });
  });

  test('before the first deployment (no record, or one without a model) the batch run succeeds SKIPPED and notifies nobody', async () => {
    const missing = () => {
      throw err(IntegrationErrors.SsmParameterNotFound, 'Parameter /bpr/deployment not found. (Service: Ssm, Status Code: 400)');
    };
    for (const read of [missing, () => ({ Parameter: { Value: '{}' } })]) {
      const { status, output, names } = await run(batch, {}, { [B.ReadDeployment]: read });
      expect(status).toBe('SUCCEEDED');
      expect(output).toEqual({
        status: 'SKIPPED',
        reason: expect.stringMatching(/^No model has been deployed yet \(no record at \/bpr\/deployment\)/),
      });
      expect(names).toEqual([B.ValidateInput, B.ReadDeployment]);
    }
  });
});
