/**
 * The local tuning stand-in with the real `train` program on small planted data: trials drawn from
 * the ranges (seeded), SageMaker's describe and list output, a failed trial that does not fail the
 * tuning job, early failure when the first trials all fail, and SageMaker's refusals.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { metricDefinitions, tuningObjectiveMetric } from '../../container/src/metrics/definitions';
import { defaultContainerCommand, stopAllProcesses } from '../../local/processes';
import { putText, startLocalS3, type LocalS3 } from '../../local/s3';
import { JobFailedError, LocalSageMaker, SageMakerValidationError } from '../../local/sagemaker';
import { drawTrials } from '../../local/sagemaker/tuning-search';
import { plantedData } from '../container/bpr-fixtures';

let s3: LocalS3;
let workdir: string;
let sm: LocalSageMaker;
const OBJECTIVE = tuningObjectiveMetric(10);
const csv = (pairs: Array<[string, string]>) => ['user_id,item_id', ...pairs.map(([u, i]) => `${u},${i}`)].join('\n') + '\n';

beforeAll(async () => {
  workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'local-tuning-'));
  s3 = await startLocalS3({ buckets: ['data', 'artifacts'] });
  const { train, test } = plantedData(5, 120);
  await putText(s3.client, 's3://data/training/pairs.csv', csv(train));
  await putText(s3.client, 's3://data/testing/pairs.csv', csv(test));
  // cores: 2, whatever this machine has, so the threads each trial gets are known
  sm = new LocalSageMaker({
    s3: s3.client,
    workdir,
    container: defaultContainerCommand(),
    region: 'us-east-1',
    account: '000000000000',
    log: () => undefined,
  });
  Object.assign(sm.tuning, { cores: 2 });
});

afterAll(async () => {
  await stopAllProcesses();
  await s3.stop();
  await fs.rm(workdir, { recursive: true, force: true });
});

function tuningParams(name: string, ranges: Record<string, unknown>, maxJobs: number, maxParallel = 2) {
  const channel = (n: string) => ({
    ChannelName: n,
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/${n}/` } },
  });
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: OBJECTIVE },
      ResourceLimits: { MaxNumberOfTrainingJobs: maxJobs, MaxParallelTrainingJobs: maxParallel },
      ParameterRanges: ranges,
      RandomSeed: 7,
    },
    TrainingJobDefinition: {
      AlgorithmSpecification: { TrainingImage: 'local', TrainingInputMode: 'File', MetricDefinitions: metricDefinitions(10) },
      InputDataConfig: [channel('training'), channel('testing')],
      OutputDataConfig: { S3OutputPath: 's3://artifacts/models/' },
      StoppingCondition: { MaxRuntimeInSeconds: 120 },
      StaticHyperParameters: { epochs: '4', eval_every: '2', validation_fraction: '0.2' },
    },
  };
}

test('trials are drawn from the ranges, seeded, each stratum of a range once', () => {
  const ranges = {
    IntegerParameterRanges: [{ Name: 'factors', MinValue: '8', MaxValue: '64', ScalingType: 'Logarithmic' }],
    ContinuousParameterRanges: [{ Name: 'learning_rate', MinValue: '0.01', MaxValue: '0.1', ScalingType: 'Linear' }],
    CategoricalParameterRanges: [{ Name: 'optimizer', Values: ['adagrad', 'sgd'] }],
  };
  const trials = drawTrials(ranges, 4, 1);
  expect(drawTrials(ranges, 4, 1)).toEqual(trials);
  expect(drawTrials(ranges, 4, 2)).not.toEqual(trials);
  const lr = trials.map((t) => Number(t.learning_rate)).sort();
  lr.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(0.01 + (i * 0.09) / 4)); // one per quarter of the range
  lr.forEach((v, i) => expect(v).toBeLessThan(0.01 + ((i + 1) * 0.09) / 4));
  for (const t of trials) expect(Number.isInteger(Number(t.factors)) && +t.factors >= 8 && +t.factors <= 64).toBe(true);
  expect(trials.map((t) => t.optimizer).sort()).toEqual(['adagrad', 'adagrad', 'sgd', 'sgd']);
});

test('a failed trial does not fail the tuning job; the best trial, counters and list are SageMaker-shaped', async () => {
  // factors 2000 is above what `train` takes: those trials fail with its error
  const ranges = { CategoricalParameterRanges: [{ Name: 'factors', Values: ['8', '2000', '16'] }] };
  const d = await sm.tuning.runSync(tuningParams('t-mixed', ranges, 3));
  expect(d.HyperParameterTuningJobStatus).toBe('Completed');
  expect(d.TrainingJobStatusCounters).toEqual({
    Completed: 2,
    InProgress: 0,
    RetryableError: 0,
    NonRetryableError: 1,
    Stopped: 0,
  });
  expect(d.ObjectiveStatusCounters).toEqual({ Succeeded: 2, Pending: 0, Failed: 1 });
  const list = sm.tuning.listTrainingJobs({ HyperParameterTuningJobName: 't-mixed', SortBy: 'CreationTime', MaxResults: 100 });
  const trials = list.TrainingJobSummaries as Record<string, unknown>[];
  expect(trials.map((t) => (t.TunedHyperParameters as Record<string, string>).factors).sort()).toEqual(['16', '2000', '8']);
  const failed = trials.find((t) => t.TrainingJobStatus === 'Failed')!;
  expect(failed.FailureReason).toMatch(/AlgorithmError: hyperparameter factors: must be between 1 and 1024/);
  expect(failed.ObjectiveStatus).toBe('Failed');
  const best = d.BestTrainingJob as Record<string, unknown> & { FinalHyperParameterTuningJobObjectiveMetric: { Value: number } };
  const values = trials.flatMap((t) =>
    t.ObjectiveStatus === 'Succeeded' ? [(t.FinalHyperParameterTuningJobObjectiveMetric as { Value: number }).Value] : [],
  );
  expect(best.FinalHyperParameterTuningJobObjectiveMetric.Value).toBe(Math.max(...values));
  expect(String(best.TrainingJobName)).toMatch(/^t-mixed-00[1-3]-[0-9a-f]{8}$/);
  // each trial: a real training job with the objective's name and its share of the cores
  const job = sm.training.describe(String(best.TrainingJobName));
  expect(job.HyperParameters).toMatchObject({ threads: '1', _tuning_objective_metric: OBJECTIVE, epochs: '4' });
  expect(job.TuningJobArn).toBe(d.HyperParameterTuningJobArn);
  expect(job.ModelArtifacts).toEqual({
    S3ModelArtifacts: `s3://artifacts/models/${String(best.TrainingJobName)}/output/model.tar.gz`,
  });
  // sorted by the objective, trials without one are left out; pages follow NextToken
  const byObjective = sm.tuning.listTrainingJobs({
    HyperParameterTuningJobName: 't-mixed',
    SortBy: 'FinalObjectiveMetricValue',
    SortOrder: 'Descending',
  });
  expect((byObjective.TrainingJobSummaries as unknown[]).length).toBe(2);
  const page = sm.tuning.listTrainingJobs({ HyperParameterTuningJobName: 't-mixed', MaxResults: 2 });
  expect(page.NextToken).toBeDefined();
  expect(
    sm.tuning.listTrainingJobs({ HyperParameterTuningJobName: 't-mixed', NextToken: page.NextToken }).TrainingJobSummaries,
  ).toHaveLength(1);
}, 60000);

test('when the first trials all fail, no more are launched and the tuning job fails', async () => {
  const ranges = { CategoricalParameterRanges: [{ Name: 'factors', Values: ['2000', '3000'] }] };
  const err = await sm.tuning.runSync(tuningParams('t-failed', ranges, 6)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(JobFailedError);
  const d = (err as JobFailedError).description;
  expect(d.HyperParameterTuningJobStatus).toBe('Failed');
  expect(String(d.FailureReason)).toMatch(
    /^the first 2 training jobs failed, no more were launched: AlgorithmError: hyperparameter factors/,
  );
  const launched = (d.TrainingJobStatusCounters as Record<string, number>).NonRetryableError;
  expect(launched).toBeLessThan(6);
  expect(d.BestTrainingJob).toBeUndefined();
}, 60000);

test.each([
  [{ HyperParameterTuningJobName: 'a-name-longer-than-thirty-two-chars' }, /invalid HyperParameterTuningJobName/],
  [{ HyperParameterTuningJobConfig: { Strategy: 'Hyperband' } }, /Strategy Hyperband is not supported locally/],
  [
    { objective: 'precision@10_typo' },
    /objective metric precision@10_typo is not among the training job definition's MetricDefinitions/,
  ],
  [{ static: { factors: '8' } }, /hyperparameters both static and tuned: factors/],
  [
    { ranges: { IntegerParameterRanges: [{ Name: 'factors', MinValue: '0', MaxValue: '8', ScalingType: 'Logarithmic' }] } },
    /Logarithmic scaling works only for ranges that have only values greater than 0/,
  ],
])('refused as SageMaker refuses it: %j', async (change, message) => {
  const ranges = (change as { ranges?: unknown }).ranges ?? { CategoricalParameterRanges: [{ Name: 'factors', Values: ['8'] }] };
  const p = tuningParams(`t-refused-${Math.random().toString(36).slice(2, 8)}`, ranges as Record<string, unknown>, 1);
  const c = change as Record<string, unknown>;
  if (c.HyperParameterTuningJobName) p.HyperParameterTuningJobName = String(c.HyperParameterTuningJobName);
  if (c.HyperParameterTuningJobConfig) Object.assign(p.HyperParameterTuningJobConfig, c.HyperParameterTuningJobConfig);
  if (c.objective) p.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName = String(c.objective);
  if (c.static) Object.assign(p.TrainingJobDefinition.StaticHyperParameters, c.static);
  const err = await sm.tuning.runSync(p).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SageMakerValidationError);
  expect((err as Error).message).toMatch(message);
});
