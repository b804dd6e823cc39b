/**
 * The state machine definitions, read from the synthesized template: static checks of the ASL and
 * runs in the local interpreter (aws-local-stepfunctions) with stub tasks for every branch.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { metricDefinitions } from '../../container/src/metrics/definitions';
import { stateMachineDefinition } from '../../lib/definition';
import { BatchStates as B, ENDPOINT_NOT_FOUND_ERRORS, TaskResources, TrainingStates as S } from '../../lib/pipeline-names';
import { handler as gateHandler } from '../../lambda/evaluate-gate';
import { resourcesOf, synth } from './synth-helper';

// aws-local-stepfunctions declares Node >= 22; on Node 20 it only lacks Promise.withResolvers.
const P = Promise as any;
if (!P.withResolvers) {
  P.withResolvers = () => {
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

let pipelineTemplate: any;
let training: any;
let batch: any;
let small: any; // deployMaxPolls 3, spot training, retraining disabled
let smallSchedules: any[];
beforeAll(() => {
  const s = synth({}, false);
  pipelineTemplate = s.pipeline;
  training = stateMachineDefinition(s.pipeline, 'TrainingPipelineStateMachine');
  batch = stateMachineDefinition(s.pipeline, 'BatchRecommendationsStateMachine');
  const t = synth({ deployMaxPolls: 3, useSpotTraining: true, retrainingEnabled: false, gateThreshold: 0.2 }, false);
  small = stateMachineDefinition(t.pipeline, 'TrainingPipelineStateMachine');
  smallSchedules = Object.values(resourcesOf(t.pipeline, 'AWS::Scheduler::Schedule'));
});

const tasks = (def: any) => Object.entries<any>(def.States).filter(([, st]) => st.Type === 'Task');
const err = (name: string, message = name) => Object.assign(new Error(message), { name });
const metrics = (p: number, b: number) => [
  { MetricName: 'baseline_precision@10', Value: b },
  { MetricName: 'recall@10', Value: 0.3 },
  { MetricName: 'precision@10', Value: p },
  { MetricName: 'p@k(10)', Value: 0.25 },
];
const context = {
  Execution: {
    Name: 'exec-1',
    Id: 'arn:aws:states:us-east-1:123456789012:execution:bpr:exec-1',
    StartTime: '2026-11-27T10:00:00.000Z',
  },
  State: { EnteredTime: '2026-11-27T10:05:00.000Z' },
};

/** One interpreter per definition: its constructor validates the ASL (asl-validator), which is slow. */
const machines = new Map<any, StateMachine>();
function machineFor(def: any): StateMachine {
  if (!machines.has(def)) machines.set(def, new StateMachine(def, { validationOptions: { checkArn: false } }));
  return machines.get(def)!;
}

/** Runs a definition with stub tasks; records every call as [state, input]. */
async function run(def: any, input: unknown, stubs: Record<string, (i: any) => unknown>) {
  const calls: Array<[string, any]> = [];
  const handlers = Object.fromEntries(
    tasks(def).map(([name]) => [
      name,
      async (i: any) => {
        calls.push([name, i]);
        const stub = stubs[name];
        return stub ? stub(i) : {};
      },
    ]),
  );
  const machine = machineFor(def);
  const waits = Object.fromEntries(
    Object.entries<any>(def.States)
      .filter(([, st]) => st.Type === 'Wait')
      .map(([n]) => [n, 0]),
  );
  const retries = Object.fromEntries(tasks(def).map(([n]) => [n, 0]));
  const execution = machine.run(input as any, {
    overrides: { taskResourceLocalHandlers: handlers as any, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context,
  });
  try {
    return { output: (await execution.result) as any, calls, error: undefined as any };
  } catch (e) {
    return { output: undefined as any, calls, error: (e as any).cause ?? e };
  }
}

/** Stubs of a first deployment (no endpoint yet). */
function deployStubs(p = 0.2, b = 0.1): Record<string, (i: any) => unknown> {
  let polls = 0;
  let config = '';
  return {
    [S.CreateEndpoint]: (i) => {
      config = i.EndpointConfigName;
      return {};
    },
    [S.UpdateEndpoint]: (i) => {
      config = i.EndpointConfigName;
      return {};
    },
    [S.PrepareData]: (i) => ({
      Payload: {
        trainingUri: `${i.Payload.outputUri}training/`,
        testingUri: `${i.Payload.outputUri}testing/`,
        catalogUri: `${i.Payload.outputUri}catalog/`,
        batchInputUri: `${i.Payload.outputUri}users.jsonl`,
        statsUri: 's3://a/stats.json',
        manifestUri: 's3://a/manifest.json',
        stats: { users: 3 },
      },
    }),
    [S.TrainModel]: (i) => ({
      TrainingJobName: i.TrainingJobName,
      ModelArtifacts: { S3ModelArtifacts: 's3://a/model.tar.gz' },
      FinalMetricDataList: metrics(p, b),
    }),
    [S.EvaluateGate]: async (i) => ({ Payload: await gateHandler(i.Payload) }),
    [S.DescribeEndpoint]: () => {
      throw err(ENDPOINT_NOT_FOUND_ERRORS[0], 'Could not find endpoint "bpr-recommender".');
    },
    [S.CheckEndpointStatus]: () => ({
      EndpointName: 'bpr-recommender',
      EndpointStatus: ++polls < 2 ? 'Creating' : 'InService',
      EndpointConfigName: config,
    }),
  };
}

describe('training state machine definition', () => {
  test('every task retries throttling and catches everything into the failure path', () => {
    for (const [name, st] of tasks(training)) {
      expect(st.Retry[0].ErrorEquals).toEqual(expect.arrayContaining(['ThrottlingException', 'Lambda.TooManyRequestsException']));
      const all = st.Catch.find((c: any) => c.ErrorEquals.includes('States.ALL'));
      expect(all.Next).toBe(name === S.NotifyFailure ? S.PipelineFailed : S.NotifyFailure);
      expect(st.Catch[st.Catch.length - 1]).toBe(all);
    }
    expect(training.States[S.PipelineFailed]).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  test('tasks use the native SageMaker integrations and the documented resources', () => {
    const resources = Object.fromEntries(tasks(training).map(([n, st]) => [n, st.Resource]));
    expect(resources).toEqual({
      [S.PrepareData]: TaskResources.lambdaInvoke,
      [S.TrainModel]: TaskResources.createTrainingJobSync,
      [S.EvaluateGate]: TaskResources.lambdaInvoke,
      [S.NotifyRejected]: TaskResources.snsPublish,
      [S.CreateModel]: TaskResources.createModel,
      [S.CreateEndpointConfig]: TaskResources.createEndpointConfig,
      [S.DescribeEndpoint]: TaskResources.describeEndpoint,
      [S.CreateEndpoint]: TaskResources.createEndpoint,
      [S.UpdateEndpoint]: TaskResources.updateEndpoint,
      [S.CheckEndpointStatus]: TaskResources.describeEndpoint,
      [S.RecordDeployment]: TaskResources.ssmPutParameter,
      [S.NotifySuccess]: TaskResources.snsPublish,
      [S.NotifyFailure]: TaskResources.snsPublish,
    });
  });

  test('training: in-repo image, isolated, metric definitions from the container, channels, stopping condition', () => {
    const p = training.States[S.TrainModel].Parameters;
    expect(p.EnableNetworkIsolation).toBe(true);
    expect(p.AlgorithmSpecification.TrainingImage).toMatch(/dkr\.ecr\..*container-assets.*:[0-9a-f]{64}$/);
    expect(p.AlgorithmSpecification.MetricDefinitions).toEqual(metricDefinitions(10));
    expect(
      p.InputDataConfig.map((c: any) => [c.ChannelName, c.DataSource.S3DataSource['S3Uri.$'], c.ContentType, c.InputMode]),
    ).toEqual([
      ['training', '$.prepared.trainingUri', 'text/csv', 'File'],
      ['testing', '$.prepared.testingUri', 'text/csv', 'File'],
      ['catalog', '$.prepared.catalogUri', 'text/csv', 'File'],
    ]);
    expect(p['HyperParameters.$']).toBe('$.hyperparameters');
    expect(p.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200 });
    expect(p.EnableManagedSpotTraining).toBeUndefined();
    expect(small.States[S.TrainModel].Parameters).toMatchObject({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 14400 },
    });
  });

  test('the gate selects precision@10 and its baseline by name, then a Choice routes on the decision', () => {
    expect(training.States[S.EvaluateGate].Parameters.Payload).toMatchObject({
      metricName: 'precision@10',
      baselineMetricName: 'baseline_precision@10',
    });
    expect(training.States[S.CheckGate]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.gate.passed', BooleanEquals: true, Next: S.CreateModel }],
      Default: S.BuildRejectedOutput,
    });
  });

  test('create-or-update: DescribeEndpoint not found -> CreateEndpoint, found -> blue/green UpdateEndpoint with alarm rollback', () => {
    const describe = training.States[S.DescribeEndpoint];
    expect(describe.Catch[0]).toEqual({
      ErrorEquals: ENDPOINT_NOT_FOUND_ERRORS,
      ResultPath: '$.describeError',
      Next: S.CreateEndpoint,
    });
    expect(describe.Next).toBe(S.UpdateEndpoint);
    const config = training.States[S.UpdateEndpoint].Parameters.DeploymentConfig;
    expect(config.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type).toBe('ALL_AT_ONCE');
    const alarms = resourcesOf(pipelineTemplate, 'AWS::CloudWatch::Alarm');
    expect(
      config.AutoRollbackConfiguration.Alarms.map((a: any) => alarms[a.AlarmName.slice(1, -1)].Properties.AlarmName),
    ).toEqual(['bpr-endpoint-5xx', 'bpr-endpoint-latency']);
  });

  test('the threshold is checked right after the input is merged, before any task', () => {
    expect(training.States[S.MergeInput].Next).toBe(S.ValidateInput);
    expect(training.States[S.ValidateInput]).toMatchObject({
      Type: 'Choice',
      Default: S.InvalidInput,
      Choices: [{ Next: S.NameRun }],
    });
    expect(training.States[S.InvalidInput]).toMatchObject({ Type: 'Pass', ResultPath: '$.error', Next: S.NotifyFailure });
  });

  test('the InService polling loop is bounded by deployMaxPolls', () => {
    expect(training.States[S.CountPoll].Parameters).toEqual({ 'count.$': 'States.MathAdd($.poll.count, 1)' });
    const bound = small.States[S.EndpointReady].Choices.find((c: any) => c.Variable === '$.poll.count');
    expect(bound).toEqual({ Variable: '$.poll.count', NumericGreaterThanEquals: 3, Next: S.DeploymentTimedOut });
    expect(small.States[S.EndpointReady].Default).toBe(S.WaitForEndpoint);
  });

  test('a disabled retraining schedule is synthesized DISABLED', () => {
    expect(smallSchedules.map((r) => r.Properties.State).sort()).toEqual(['DISABLED', 'ENABLED']);
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
    const { output, calls, error } = await run(training, {}, stubs);
    expect(error).toBeUndefined();
    const input = (state: string) => calls.filter(([n]) => n === state).map(([, i]) => i);
    expect(input(S.PrepareData)).toHaveLength(2); // retried once after throttling
    expect(input(S.PrepareData)[1].Payload).toEqual({
      rawDataUri: 's3://bpr-raw-123456789012-us-east-1/raw/online_retail_II.csv',
      outputUri: 's3://bpr-artifacts-123456789012-us-east-1/runs/exec-1/data/',
      split: 'random',
      testFraction: 0.3,
      seed: 42,
    });
    const job = input(S.TrainModel)[0];
    expect(job.TrainingJobName).toMatch(/^bpr-train-[0-9a-f-]{36}$/);
    expect(job.HyperParameters).toEqual({ seed: '42', eval_k: '10' });
    expect(job.OutputDataConfig.S3OutputPath).toBe('s3://bpr-artifacts-123456789012-us-east-1/runs/exec-1/model/');
    expect(input(S.CreateEndpoint)[0]).toEqual({
      EndpointName: 'bpr-recommender',
      EndpointConfigName: job.TrainingJobName.replace('train', 'epc'),
    });
    expect(input(S.UpdateEndpoint)).toHaveLength(0);
    expect(output).toMatchObject({
      status: 'DEPLOYED',
      trainingJobName: job.TrainingJobName,
      modelName: job.TrainingJobName.replace('train', 'model'),
      endpointName: 'bpr-recommender',
      metricName: 'precision@10',
      value: 0.2,
      baselineValue: 0.1,
      threshold: 0.05,
      metrics: { 'precision@10': 0.2, 'baseline_precision@10': 0.1, 'recall@10': 0.3, 'p@k(10)': 0.25 },
    });
    const record = JSON.parse(input(S.RecordDeployment)[0].Value);
    expect(record).toMatchObject({
      modelName: output.modelName,
      batchInputUri: 's3://bpr-artifacts-123456789012-us-east-1/runs/exec-1/data/users.jsonl',
    });
    expect(JSON.parse(input(S.NotifySuccess)[0].Message)).toEqual(output);
  });

  test('execution input overrides threshold and hyperparameters; a rejected model ends in ModelRejected with its values', async () => {
    const { output, calls } = await run(
      training,
      { threshold: 0.5, hyperparameters: { epochs: '5', eval_k: '3' } },
      deployStubs(0.2, 0.1),
    );
    const names = calls.map(([n]) => n);
    expect(calls.find(([n]) => n === S.TrainModel)![1].HyperParameters).toEqual({ seed: '42', epochs: '5', eval_k: '10' });
    expect(names).not.toContain(S.CreateModel);
    expect(names).toContain(S.NotifyRejected);
    expect(output).toMatchObject({
      status: 'REJECTED',
      value: 0.2,
      baselineValue: 0.1,
      threshold: 0.5,
      reason: expect.stringContaining('below the threshold'),
    });
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
    const { output, calls, error } = await run(training, {}, stubs);
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
    expect(JSON.parse(calls.find(([n]) => n === S.NotifyRejected)![1].Message)).toEqual(output);
  });

  test.each([['abc'], [1.5], [-0.1], [null], ['0.1']])(
    'threshold %j fails the execution before any work, naming the field',
    async (threshold) => {
      const { error, calls } = await run(training, { threshold }, deployStubs());
      expect(error.name).toBe('InvalidExecutionInput');
      expect(error.message).toBe(`threshold must be a number between 0 and 1, got ${JSON.stringify(threshold)}`);
      expect(calls.map(([n]) => n)).toEqual([S.NotifyFailure]);
      expect(calls[0][1].Message).toContain('InvalidExecutionInput');
    },
  );

  test('thresholds 0 and 1 are accepted', async () => {
    expect((await run(training, { threshold: 0 }, deployStubs())).output).toMatchObject({ status: 'DEPLOYED', threshold: 0 });
    expect((await run(training, { threshold: 1 }, deployStubs())).output).toMatchObject({ status: 'REJECTED', threshold: 1 });
  });

  test('an existing endpoint is updated; a rollback fails the execution and notifies', async () => {
    const stubs = deployStubs();
    stubs[S.DescribeEndpoint] = () => ({ EndpointStatus: 'InService', EndpointConfigName: 'bpr-epc-old' });
    stubs[S.CheckEndpointStatus] = () => ({
      EndpointName: 'bpr-recommender',
      EndpointStatus: 'InService',
      EndpointConfigName: 'bpr-epc-old',
    });
    const { error, calls } = await run(training, {}, stubs);
    expect(calls.map(([n]) => n)).toEqual(expect.arrayContaining([S.UpdateEndpoint, S.NotifyFailure]));
    expect(calls.map(([n]) => n)).not.toContain(S.CreateEndpoint);
    expect(calls.map(([n]) => n)).not.toContain(S.RecordDeployment);
    expect(error.name).toBe('DeploymentRolledBack');
    expect(error.message).toContain('bpr-epc-old');
  });

  test('the polling loop gives up after deployMaxPolls', async () => {
    const stubs = deployStubs();
    stubs[S.CheckEndpointStatus] = () => ({
      EndpointName: 'bpr-recommender',
      EndpointStatus: 'Creating',
      EndpointConfigName: 'x',
    });
    const { error, calls } = await run(small, { threshold: 0.1 }, stubs);
    expect(calls.filter(([n]) => n === S.CheckEndpointStatus)).toHaveLength(3);
    expect(error.name).toBe('DeploymentTimedOut');
  });

  test('a failed training job fails the execution with its reason and deploys nothing', async () => {
    const stubs = deployStubs();
    stubs[S.TrainModel] = () => {
      throw err('States.TaskFailed', 'factors must be a positive integer');
    };
    const { error, calls } = await run(training, {}, stubs);
    expect(error.name).toBe('States.TaskFailed');
    expect(error.message).toBe('factors must be a positive integer');
    expect(calls.map(([n]) => n)).not.toContain(S.CreateModel);
    expect(calls.find(([n]) => n === S.NotifyFailure)![1].Message).toContain('factors must be a positive integer');
  });
});

describe('batch state machine', () => {
  test('every task retries throttling and catches everything into the failure path', () => {
    expect(tasks(batch).length).toBe(4);
    for (const [name, st] of tasks(batch)) {
      expect(st.Retry[0].ErrorEquals).toEqual(expect.arrayContaining(['ThrottlingException', 'SageMaker.ThrottlingException']));
      const last = name === B.NotifyBatchFailure; // keeps the original error: its own catch discards the SNS error
      expect(st.Catch).toEqual([
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
    const { output, calls, error } = result;
    expect(error).toBeUndefined();
    const job = calls.find(([n]) => n === B.RunBatchTransform)![1];
    expect(batch.States[B.RunBatchTransform].Resource).toBe(TaskResources.createTransformJobSync);
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
        S3OutputPath: 's3://bpr-artifacts-123456789012-us-east-1/batch/2026-11-27/exec-1/',
      },
    });
    expect(job.TransformJobName).toMatch(/^bpr-batch-[0-9a-f-]{36}$/);
    expect(output).toMatchObject({ status: 'COMPLETED', outputUri: job.TransformOutput.S3OutputPath });
  });

  test('without a deployed model the batch run fails with NoDeployedModel', async () => {
    const { error, calls } = await run(batch, {}, { [B.ReadDeployment]: () => ({ Parameter: { Value: '{}' } }) });
    expect(error.name).toBe('NoDeployedModel');
    expect(calls.map(([n]) => n)).toEqual([B.ReadDeployment, B.NotifyBatchFailure]);
  });
});
