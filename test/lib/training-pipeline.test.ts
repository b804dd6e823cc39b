/**
 * The training state machine's definition as `npm start` reads it from the synthesized app: valid
 * ASL (both state machines), every task's retries and catches, the integrations it calls, the
 * training job's parameters and channels, and the gate and registry states.
 */
import validateAsl from 'asl-validator';
import { metricDefinitions } from '../../container/src/metrics/definitions';
import { PrepareDataErrors, TaskResources, TrainingStates as S } from '../../lib/pipeline-names';
import type { AslState, Definition } from '../../local/cdk/synth';
import { tasks } from './stub-run';
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

  test('a tuned run: a tuning job on the validation objective, its best trial described as the run training job', () => {
    type Definition = Record<string, unknown> & { AlgorithmSpecification: { MetricDefinitions: { Name: string }[] } };
    const tune = state(training, S.TuneModel) as unknown as {
      Parameters: { HyperParameterTuningJobConfig: unknown; TrainingJobDefinition: Definition };
      Next: string;
    };
    const config = tune.Parameters.HyperParameterTuningJobConfig;
    expect(config).toMatchObject({
      'Strategy.$': '$.args.tuning.strategy',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation_p@k(10)' },
      ResourceLimits: {
        'MaxNumberOfTrainingJobs.$': '$.args.tuning.maxJobs',
        'MaxParallelTrainingJobs.$': '$.args.tuning.maxParallelJobs',
      },
      'ParameterRanges.$': '$.args.tuning.parameterRanges',
      TrainingJobEarlyStoppingType: 'Off',
    });
    const definition = tune.Parameters.TrainingJobDefinition;
    expect(definition['StaticHyperParameters.$']).toBe('States.JsonMerge($.hyperparameters, $.run.hyperparameters, false)');
    expect(definition['InputDataConfig.$']).toBe('$.jobInput.channels');
    expect(definition.EnableNetworkIsolation).toBe(true);
    expect(definition.AlgorithmSpecification.MetricDefinitions.map((d: { Name: string }) => d.Name)).toContain(
      'validation_p@k(10)',
    );
    expect(tune.Next).toBe(S.DescribeBestTrainingJob);
    expect((state(training, S.DescribeBestTrainingJob) as unknown as { Parameters: unknown }).Parameters).toEqual({
      'TrainingJobName.$': '$.tuningJob.BestTrainingJob.TrainingJobName',
    });
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
      [S.TuneModel]: TaskResources.createHyperParameterTuningJobSync,
      [S.DescribeBestTrainingJob]: TaskResources.describeTrainingJob,
      [S.ListTuningTrials]: TaskResources.listTrainingJobsForHyperParameterTuningJob,
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
