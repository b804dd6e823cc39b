/**
 * A tuned run end to end: the synthesized training state machine runs a tuning job (the local
 * stand-in, real `train` processes) when the input's `tuning` is set, and its best trial goes through
 * the report, gate, registry and deployment as a single training job does; the output, the
 * notification, the registry entry and the report name the tuning job and its trials. A range that
 * names an unknown hyperparameter fails before any job. `npm start -- --tune` draws the trials chart.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { LocalPipeline } from '../../local/pipeline';
import { runLocal } from '../../local/run';
import type { TrainingOutputFields } from '../../lib/contracts';
import { e2eSetup, HP } from './e2e-setup';

const setup = e2eSetup('local-tuning-e2e-');
const BIN = path.join(__dirname, '..', '..', 'bin', 'local.ts');
/** Two quick trials: only factors searched. */
const RANGES = { factors: { values: [16, 32] }, learning_rate: null, regularization: null, negative_samples: null, epochs: null };

async function environment(): Promise<LocalPipeline> {
  const workdir = await fs.mkdtemp(path.join(setup.root, 'env-'));
  const pipeline = await LocalPipeline.start({ workdir, app: setup.app, waitMs: 50 });
  setup.started.push(pipeline);
  return pipeline;
}

test('a tuned run: the best trial is the run model, through the gate, registry and deployment; every trial reported', async () => {
  const pipeline = await environment();
  const { summary } = await runLocal(
    { workdir: pipeline.options.workdir, input: setup.data, hyperparameters: HP, tuning: { maxJobs: 2, ranges: RANGES } },
    pipeline,
  );
  const states = summary.training.states;
  for (const s of ['TuneModel', 'DescribeBestTrainingJob', 'ListTuningTrials', 'SummarizeTuning', 'EvaluateGate'])
    expect(states).toContain(s);
  expect(states).not.toContain('TrainModel');

  const t = summary.tuning!;
  expect(t.tuningJobName).toMatch(/^bpr-tune-[0-9a-f]{12}$/);
  expect(t).toMatchObject({
    status: 'Completed',
    strategy: 'Bayesian',
    objectiveMetricName: 'validation_p@k(10)',
    trialCount: 2,
  });
  expect(t.trials.map((x) => x.TunedHyperParameters.factors).sort()).toEqual(['16', '32']);
  const objectives = t.trials.map((x) => x.FinalHyperParameterTuningJobObjectiveMetric!.Value!);
  expect(t.best.objective).toBe(Math.max(...objectives));

  // the best trial is the run's training job: its test metrics went to the gate
  const best = pipeline.services.sagemaker.training.describe(t.best.trainingJobName);
  expect(summary.trainingJob!.name).toBe(t.best.trainingJobName);
  const testMetric = (best.FinalMetricDataList as { MetricName: string; Value: number }[]).find(
    (m) => m.MetricName === 'precision@10',
  )!;
  expect(summary.gate!.value).toBe(testMetric.Value);
  expect(summary.metrics['validation_p@k(10)']).toBe(t.best.objective);

  // the notification, the registry entry and the deployment name the tuning job and the best trial
  const notified = pipeline.services.sns.messages.find((m) => /training pipeline: model/.test(m.subject ?? ''))!;
  const message = JSON.parse(notified.message) as TrainingOutputFields;
  expect(message.tuning!.tuningJobName).toBe(t.tuningJobName);
  expect(message.trainingJobName).toBe(t.best.trainingJobName);
  const version = pipeline.services.sagemaker.registry.all().at(-1)!;
  expect(version.CustomerMetadataProperties).toMatchObject({
    trainingJobName: t.best.trainingJobName,
    tuningJobName: t.tuningJobName,
    tuningTrials: '2',
    tuningObjective: `validation_p@k_10_=${t.best.objective}`,
    tuningBestHyperparameters: `factors=${t.best.hyperparameters.factors}`,
  });
  if (summary.status === 'DEPLOYED') {
    const record = JSON.parse(Object.values(summary.parameters)[0]) as { trainingJobName: string };
    expect(record.trainingJobName).toBe(t.best.trainingJobName);
  }

  // the report: the best trial's, with the tuning section and every trial
  const html = await fs.readFile(summary.report!.path, 'utf8');
  expect(html).toContain('<section id="tuning">');
  for (const trial of t.trials) expect(html).toContain(trial.TrainingJobName);
  expect(html.indexOf('id="tuning"')).toBeLessThan(html.indexOf('<footer'));
}, 180000);

test('a range naming an unknown hyperparameter fails the execution before any job starts', async () => {
  const pipeline = await environment();
  const result = await pipeline.runTraining({ tuning: { ranges: { factorz: { min: 1, max: 8 } } } });
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('InvalidExecutionInput');
  expect(result.cause).toMatch(/tuning.ranges.factorz: unknown hyperparameter factorz/);
  expect(result.visited).not.toContain('PrepareData');
  expect(pipeline.services.sagemaker.training.list()).toEqual([]);
});

test('npm start -- --tune 2 prints the trials and the winner and draws the objective per trial in the report', async () => {
  const wd = await fs.mkdtemp(path.join(setup.root, 'cli-'));
  await fs.rm(wd, { recursive: true });
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      require.resolve('tsx/cli'),
      BIN,
      '--input',
      setup.data,
      '--workdir',
      wd,
      '--hyperparameters',
      'threads=1',
      '--tune',
      '2',
      '--tune-ranges',
      JSON.stringify(RANGES),
    ],
    { timeout: 150000 },
  );
  expect(stdout).toMatch(/tuning job: bpr-tune-[0-9a-f]{12} Completed, 2 trials \(2 completed, 0 failed, 0 stopped\)/);
  expect(stdout).toMatch(/trial {2}[12] \S+ +factors=(16|32) <- best/);
  expect(stdout).toMatch(/winner: bpr-tune-\w+-00[12]-[0-9a-f]{8}, validation_p@k\(10\)/);
  const html = await fs.readFile(path.join(wd, 'report.html'), 'utf8');
  expect(html).toMatch(/<figure class="chart" data-chart="tuning-trials"><svg/);
}, 180000);
