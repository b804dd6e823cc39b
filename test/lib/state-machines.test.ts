/**
 * The state machine definitions as `npm start` reads them from the synthesized app: static checks
 * of the ASL, and runs in the local runner (local/stepfunctions.ts) with stub task handlers for
 * every branch.
 */
import { BATCH_MAX_PAYLOAD_MB, MAX_REQUEST_ITEMS, payloadItemsBound } from '../../container/src/limits';
import { metricDefinitions } from '../../container/src/metrics/definitions';
import { handler as gateHandler } from '../../lambda/evaluate-gate';
import { TRAINING_INPUT_KEYS, type GateEvent, type PrepareDataRequest } from '../../lib/contracts';
import {
  ATHENA_THROTTLING_ERROR,
  BatchStates as B,
  ENDPOINT_NOT_FOUND_ERRORS,
  PrepareDataErrors,
  TaskResources,
  TrainingStates as S,
} from '../../lib/pipeline-names';
import { walkStates } from '../../local/bindings';
import type { AslState, Definition } from '../../local/cdk/synth';
import { runExecution, type ExecutionResult, type TaskHandlers } from '../../local/stepfunctions';
import { localDefinitions } from './synth-helper';

let training: Definition;
let batch: Definition;
let small: Definition; // deployMaxPolls 3, spot training, retraining disabled
let alarmNames: string[];
let smallScheduleStates: string[];
beforeAll(() => {
  const all = localDefinitions();
  training = all.training;
  batch = all.batch;
  alarmNames = Object.values(all.pipeline.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName);
  const t = localDefinitions({ deployMaxPolls: 3, useSpotTraining: true, retrainingEnabled: false, gateThreshold: 0.2 });
  small = t.training;
  smallScheduleStates = Object.values(t.pipeline.findResources('AWS::Scheduler::Schedule')).map((r) => r.Properties.State);
});

const ACCOUNT = '000000000000'; // what the local runner resolves AWS::AccountId to
/** Every Task state, those inside a Map included. */
const tasks = (def: Definition) => (walkStates(def) as [string, AslState][]).filter(([, st]) => st.Type === 'Task');
/** Task states inside a Map (their Map catches for them). */
const mapTasks = (def: Definition) =>
  Object.values(def.States).flatMap((st) => (st.Type === 'Map' ? tasks(st.ItemProcessor as Definition).map(([n]) => n) : []));
const state = (def: Definition, name: string): AslState => def.States[name];
const err = (name: string, message = name) => Object.assign(new Error(message), { name });
const metrics = (p: number, b: number) => [
  { MetricName: 'baseline_precision@10', Value: b },
  { MetricName: 'recall@10', Value: 0.3 },
  { MetricName: 'precision@10', Value: p },
  { MetricName: 'p@k(10)', Value: 0.25 },
];

/** What the stubs and the assertions read from a task's input (each task sends some of these). */
interface TaskInput {
  readonly Payload: Partial<PrepareDataRequest> & Record<string, unknown>;
  readonly TrainingJobName: string;
  readonly EndpointConfigName: string;
  readonly HyperParameters: Record<string, string>;
  readonly OutputDataConfig: { readonly S3OutputPath: string };
  readonly Value: string;
  readonly Message: string;
  readonly [field: string]: unknown;
}
type Stub = (input: TaskInput) => unknown;

/** Runs a definition in the local runner with stub tasks (no pauses); records every call as [state, input]. */
async function run(def: Definition, input: unknown, stubs: Record<string, Stub>) {
  const calls: Array<[string, TaskInput]> = [];
  const handlers: TaskHandlers = Object.fromEntries(
    tasks(def).map(([name]) => [
      name,
      async (i: unknown) => {
        calls.push([name, i as TaskInput]);
        return stubs[name]?.(i as TaskInput) ?? {};
      },
    ]),
  );
  const result: ExecutionResult = await runExecution(def, input, handlers, {
    name: 'exec-1',
    waitMs: 0,
    retryMs: 0,
    stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:bpr`,
  });
  const output = (result.output ?? {}) as Record<string, unknown>;
  return { ...result, output, calls, inputs: (name: string) => calls.filter(([n]) => n === name).map(([, i]) => i) };
}

/** Stubs of a first deployment (no endpoint yet). */
function deployStubs(p = 0.2, b = 0.1): Record<string, Stub> {
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
        engine: 'duckdb',
        athena: null,
        stats: { users: 3 },
      },
    }),
    [S.TrainModel]: (i) => ({
      TrainingJobName: i.TrainingJobName,
      ModelArtifacts: { S3ModelArtifacts: 's3://a/model.tar.gz' },
      FinalMetricDataList: metrics(p, b),
    }),
    [S.PublishReport]: (i) => ({
      Payload: { reportUri: i.Payload.reportUri, latestReportUri: i.Payload.latestReportUri, reason: null },
    }),
    [S.EvaluateGate]: async (i) => ({ Payload: await gateHandler(i.Payload as unknown as GateEvent) }),
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
    // after Athena's statements ran, a failure drops the run's Glue database first
    const failureOf: Record<string, string> = {
      [S.NotifyFailure]: S.PipelineFailed,
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
      const all = st.Catch!.find((c) => c.ErrorEquals.includes('States.ALL'))!;
      expect(all.Next).toBe(failureOf[name] ?? S.NotifyFailure);
      expect(st.Catch!.at(-1)).toBe(all);
    }
    expect(state(training, S.PipelineFailed)).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  test("Athena's statements run one at a time, in order, a failed one not retried", () => {
    const map = state(training, S.RunAthenaQueries);
    expect(map).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.prepared.athena.statements' });
    const query = (map.ItemProcessor as Definition).States[S.RunAthenaQuery];
    expect(query.Retry!.flatMap((r) => r.ErrorEquals)).not.toContain('States.TaskFailed');
    expect(query.Retry!.flatMap((r) => r.ErrorEquals)).toContain(ATHENA_THROTTLING_ERROR);
    expect(query.Parameters).toMatchObject({ 'QueryString.$': '$.statement', WorkGroup: 'bpr-prepare' });
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
      [S.PrepareData]: TaskResources.lambdaInvoke,
      [S.TrainModel]: TaskResources.createTrainingJobSync,
      [S.PublishReport]: TaskResources.lambdaInvoke,
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
      [S.RunAthenaQuery]: TaskResources.athenaStartQueryExecutionSync,
      [S.PublishAthenaResults]: TaskResources.lambdaInvoke,
      [S.DropAthenaDatabase]: TaskResources.athenaStartQueryExecutionSync,
      [S.DropAthenaDatabaseAfterFailure]: TaskResources.athenaStartQueryExecutionSync,
    });
  });

  test('training: in-repo image, isolated, metric definitions from the container, channels, stopping condition', () => {
    const p = state(training, S.TrainModel).Parameters!;
    expect(p).toMatchObject({
      EnableNetworkIsolation: true,
      AlgorithmSpecification: {
        TrainingImage: expect.stringMatching(/dkr\.ecr\..*container-assets.*:[0-9a-f]{64}$/),
        MetricDefinitions: metricDefinitions(10),
      },
      InputDataConfig: [
        ...['training', 'testing', 'catalog'].map((name) => ({
          ChannelName: name,
          ContentType: 'text/csv',
          InputMode: 'File',
          DataSource: { S3DataSource: { 'S3Uri.$': `$.prepared.${name}Uri` } },
        })),
        // the prepare step's stats.json, for the model report
        {
          ChannelName: 'stats',
          ContentType: 'application/json',
          DataSource: { S3DataSource: { 'S3Uri.$': '$.prepared.statsUri' } },
        },
      ],
      'HyperParameters.$': 'States.JsonMerge($.hyperparameters, $.run.hyperparameters, false)',
      StoppingCondition: { MaxRuntimeInSeconds: 7200 },
    });
    expect(p.EnableManagedSpotTraining).toBeUndefined();
    expect(state(small, S.TrainModel).Parameters).toMatchObject({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 14400 },
    });
  });

  test('the gate selects precision@10 and its baseline by name, then a Choice routes on the decision', () => {
    expect(state(training, S.EvaluateGate).Parameters).toMatchObject({
      Payload: { metricName: 'precision@10', baselineMetricName: 'baseline_precision@10' },
    });
    expect(state(training, S.CheckGate)).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.gate.passed', BooleanEquals: true, Next: S.CreateModel }],
      Default: S.BuildRejectedOutput,
    });
  });

  test('create-or-update: DescribeEndpoint not found -> CreateEndpoint, found -> blue/green UpdateEndpoint with alarm rollback', () => {
    const describe = state(training, S.DescribeEndpoint);
    expect(describe.Catch![0]).toEqual({
      ErrorEquals: ENDPOINT_NOT_FOUND_ERRORS,
      ResultPath: '$.describeError',
      Next: S.CreateEndpoint,
    });
    expect(describe.Next).toBe(S.UpdateEndpoint);
    expect(state(training, S.UpdateEndpoint).Parameters).toMatchObject({
      DeploymentConfig: {
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE' } },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'bpr-endpoint-5xx' }, { AlarmName: 'bpr-endpoint-latency' }] },
      },
    });
    expect(alarmNames).toEqual(expect.arrayContaining(['bpr-endpoint-5xx', 'bpr-endpoint-latency']));
  });

  test('the input keys are checked first, before anything else', () => {
    expect(training.StartAt).toBe(S.ReadInputKeys);
    expect(batch.StartAt).toBe(B.ReadInputKeys);
    expect(state(training, S.CheckInputKeys)).toMatchObject({ Type: 'Choice', Default: S.UnknownInputKey });
  });

  test('the threshold is checked right after the input is merged, before any task', () => {
    expect(state(training, S.MergeInput).Next).toBe(S.ValidateInput);
    expect(state(training, S.ValidateInput)).toMatchObject({
      Type: 'Choice',
      Default: S.InvalidInput,
      Choices: [{ Next: S.NameRun }],
    });
    expect(state(training, S.InvalidInput)).toMatchObject({ Type: 'Pass', ResultPath: '$.error', Next: S.NotifyFailure });
  });

  test('the InService polling loop is bounded by deployMaxPolls', () => {
    expect(state(training, S.CountPoll).Parameters).toEqual({ 'count.$': 'States.MathAdd($.poll.count, 1)' });
    const ready = state(small, S.EndpointReady);
    expect(ready.Choices).toContainEqual({ Variable: '$.poll.count', NumericGreaterThanEquals: 3, Next: S.DeploymentTimedOut });
    expect(ready.Default).toBe(S.WaitForEndpoint);
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
    expect(inputs(S.PublishReport)[0].Payload).toEqual({
      modelDataUrl: 's3://a/model.tar.gz',
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
      metrics: { 'precision@10': 0.2, 'baseline_precision@10': 0.1, 'recall@10': 0.3, 'p@k(10)': 0.25 },
    });
    const record = JSON.parse(inputs(S.RecordDeployment)[0].Value);
    expect(record).toMatchObject({
      modelName: output.modelName,
      batchInputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/users.jsonl`,
    });
    expect(JSON.parse(inputs(S.NotifySuccess)[0].Message)).toEqual(output);
  });

  /** PrepareData answering with a plan for Athena; the publish step answering as the DuckDB path does. */
  function athenaStubs(failAt?: number): Record<string, Stub> {
    const stubs = deployStubs();
    const prepared = stubs[S.PrepareData];
    const plan = {
      database: 'bpr_prep_x',
      workUri: 's3://a/athena/work/exec-1/',
      statements: ['S1', 'S2', 'S3'],
      cleanup: 'DROP',
    };
    let n = 0;
    return {
      ...stubs,
      [S.PrepareData]: (i) => ({
        Payload: { ...(prepared(i) as { Payload: object }).Payload, engine: 'athena', stats: null, athena: plan },
      }),
      [S.RunAthenaQuery]: (i) => {
        if (++n === failAt) throw err('States.TaskFailed', JSON.stringify({ QueryExecution: { Status: { State: 'FAILED' } } }));
        return { QueryExecution: { Query: i.QueryString } };
      },
      [S.PublishAthenaResults]: prepared,
    };
  }

  test('the Athena path: the plan runs statement by statement, the results are published, the run database dropped', async () => {
    const { output, inputs, calls } = await run(training, {}, athenaStubs());
    expect(inputs(S.RunAthenaQuery).map((i) => i.QueryString)).toEqual(['S1', 'S2', 'S3']);
    expect(inputs(S.PublishAthenaResults)[0].Payload).toMatchObject({
      publish: true,
      outputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/`,
      athena: { database: 'bpr_prep_x', statements: ['S1', 'S2', 'S3'] },
    });
    expect(inputs(S.DropAthenaDatabase).map((i) => i.QueryString)).toEqual(['DROP']);
    const names = calls.map(([n]) => n);
    expect(names.indexOf(S.DropAthenaDatabase)).toBeLessThan(names.indexOf(S.TrainModel));
    expect(names).not.toContain(S.DropAthenaDatabaseAfterFailure);
    expect(inputs(S.TrainModel)[0].InputDataConfig).toBeDefined();
    expect(output).toMatchObject({ status: 'DEPLOYED' });
  });

  test('a failed Athena statement fails the Map: the run database is dropped, nothing published, the execution fails with its error', async () => {
    // the last statement fails (the local runner, unlike Step Functions, still starts items queued behind a failed one)
    const { status, error, inputs, calls } = await run(training, {}, athenaStubs(3));
    expect(status).toBe('FAILED');
    expect(error).toBe('States.TaskFailed');
    expect(inputs(S.RunAthenaQuery).map((i) => i.QueryString)).toEqual(['S1', 'S2', 'S3']);
    expect(inputs(S.DropAthenaDatabaseAfterFailure).map((i) => i.QueryString)).toEqual(['DROP']);
    const names = calls.map(([n]) => n);
    expect(names).not.toContain(S.PublishAthenaResults);
    expect(names).not.toContain(S.TrainModel);
    expect(names.at(-1)).toBe(S.NotifyFailure);
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
    expect(output).toMatchObject({
      status: 'REJECTED',
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

  test.each([['abc'], [1.5], [-0.1], [null], ['0.1']])(
    'threshold %j fails the execution before any work, naming the field',
    async (threshold) => {
      const { error, cause, calls } = await run(training, { threshold }, deployStubs());
      expect(error).toBe('InvalidExecutionInput');
      expect(cause).toBe(`threshold must be a number between 0 and 1, got ${JSON.stringify(threshold)}`);
      expect(calls.map(([n]) => n)).toEqual([S.NotifyFailure]);
      expect(calls[0][1].Message).toContain('InvalidExecutionInput');
    },
  );

  test.each([
    [{ treshold: 0.1 }],
    [{ threshold: 0.1, hyperparameters: { epochs: '5' }, extra: { a: 'b,c' } }],
    [{ Threshold: 0.1 }],
  ])('an unknown input key %j fails the execution before any work, naming the key and the accepted ones', async (input) => {
    const { error, cause, calls } = await run(training, input, deployStubs());
    expect(error).toBe('InvalidExecutionInput');
    expect(cause).toBe(
      `the execution input ${JSON.stringify(input)} has a key the training pipeline does not take; its keys are ${TRAINING_INPUT_KEYS.join(', ')} (and Comment, which is ignored)`,
    );
    expect(calls.map(([n]) => n)).toEqual([S.NotifyFailure]);
  });

  test('known keys with commas in their values, and a console Comment, are accepted', async () => {
    const input = {
      Comment: 'Insert your JSON here',
      rawDataUri: 's3://raw/exports/a,b.csv',
      hyperparameters: { lr_schedule: 'cosine', factors: '8' },
      split: 'random',
      testFraction: 0.25,
      seed: 1,
      threshold: 0.1,
    };
    const { output, error, inputs } = await run(training, input, deployStubs());
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ status: 'DEPLOYED', threshold: 0.1 });
    expect(inputs(S.PrepareData)[0].Payload).toMatchObject({
      rawDataUri: 's3://raw/exports/a,b.csv',
      testFraction: 0.25,
      seed: 1,
    });
    expect(inputs(S.TrainModel)[0].HyperParameters).toEqual({
      seed: '42',
      lr_schedule: 'cosine',
      factors: '8',
      eval_k: '10',
      gate_threshold: '0.1',
    });
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
    expect(calls.map(([n]) => n)).toEqual([S.PrepareData, S.NotifyFailure]);
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

  test('an existing endpoint is updated; a rollback fails the execution and notifies', async () => {
    const stubs = deployStubs();
    stubs[S.DescribeEndpoint] = () => ({ EndpointStatus: 'InService', EndpointConfigName: 'bpr-epc-old' });
    stubs[S.CheckEndpointStatus] = () => ({
      EndpointName: 'bpr-recommender',
      EndpointStatus: 'InService',
      EndpointConfigName: 'bpr-epc-old',
    });
    const { error, cause, calls } = await run(training, {}, stubs);
    expect(calls.map(([n]) => n)).toEqual(expect.arrayContaining([S.UpdateEndpoint, S.NotifyFailure]));
    expect(calls.map(([n]) => n)).not.toContain(S.CreateEndpoint);
    expect(calls.map(([n]) => n)).not.toContain(S.RecordDeployment);
    expect(error).toBe('DeploymentRolledBack');
    expect(cause).toContain('bpr-epc-old');
  });

  test('the polling loop gives up after deployMaxPolls', async () => {
    const stubs = deployStubs();
    stubs[S.CheckEndpointStatus] = () => ({
      EndpointName: 'bpr-recommender',
      EndpointStatus: 'Creating',
      EndpointConfigName: 'x',
    });
    const { error, inputs } = await run(small, { threshold: 0.1 }, stubs);
    expect(inputs(S.CheckEndpointStatus)).toHaveLength(3);
    expect(error).toBe('DeploymentTimedOut');
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
  test('every task retries throttling and catches everything into the failure path', () => {
    expect(tasks(batch).length).toBe(4);
    for (const [name, st] of tasks(batch)) {
      expect(st.Retry![0].ErrorEquals).toEqual(expect.arrayContaining(['ThrottlingException', 'SageMaker.ThrottlingException']));
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

  test.each([[{ modelName: 'm' }], [{ Comment: 'x', date: '2026-01-01' }]])(
    'an input key %j fails the batch run before any work, naming it',
    async (input) => {
      const { error, cause, calls } = await run(batch, input, {});
      expect(error).toBe('InvalidExecutionInput');
      expect(cause).toBe(
        `the execution input ${JSON.stringify(input)} has a key the batch pipeline does not take; it takes no keys (but Comment, which is ignored)`,
      );
      expect(calls.map(([n]) => n)).toEqual([B.NotifyBatchFailure]);
    },
  );

  test('a console Comment is no reason to fail a batch run', async () => {
    const { calls } = await run(
      batch,
      { Comment: 'Insert your JSON here' },
      { [B.ReadDeployment]: () => ({ Parameter: { Value: '{}' } }) },
    );
    expect(calls.map(([n]) => n)[0]).toBe(B.ReadDeployment);
  });

  test('without a deployed model the batch run fails with NoDeployedModel', async () => {
    const { error, calls } = await run(batch, {}, { [B.ReadDeployment]: () => ({ Parameter: { Value: '{}' } }) });
    expect(error).toBe('NoDeployedModel');
    expect(calls.map(([n]) => n)).toEqual([B.ReadDeployment, B.NotifyBatchFailure]);
  });
});
