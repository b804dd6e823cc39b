/**
 * Hyperparameter tuning on the year-1 split of bench/train-data.ts (skipped when the data file is
 * absent; BPR_YEAR1_CSV names it): a tuning job of the local SageMaker stand-in (the default ranges,
 * 12 trials, 2 at a time, one thread each on this 2-core machine, each a real `train` process),
 * against the defaults trained the same way (threads=1). Prints the best trial's validation
 * objective (the validation slice cut from the training pairs: what tuning chose by) against the
 * defaults', then its test p@k(10) against the defaults' (the test pairs took no part), and the wall time.
 *   npm run bench -- tune                      # 12 trials
 *   npx tsx bench/tune.bench.ts --trials=4 --parallel=2 --strategy=Random --seed=7
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { metricDefinitions, tuningObjectiveMetric } from '../container/src/metrics/definitions';
import { resolveTuning } from '../lambda/validate-input/tuning';
import { YEAR1_CSV_ENV, year1CsvPath } from '../local/dataset/year1';
import { startLocalS3, putText } from '../local/s3';
import { defaultContainerCommand } from '../local/processes';
import { LocalSageMaker } from '../local/sagemaker';
import { loadYear1Split, type Pair } from './train-data';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const csv = (pairs: readonly Pair[]) => 'user_id,item_id\n' + pairs.map((p) => `${p.user},${p.item}\n`).join('');

async function main(): Promise<void> {
  const split = await loadYear1Split();
  if (!split) {
    console.log(`skipped: no year-1 file at ${year1CsvPath()} (set ${YEAR1_CSV_ENV})`);
    return;
  }
  const trials = Number(arg('trials', '12'));
  const parallel = Number(arg('parallel', '2'));
  const strategy = arg('strategy', 'Bayesian');
  const seed = Number(arg('seed', '42'));
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'bpr-tune-bench-'));
  const s3 = await startLocalS3({ buckets: ['data', 'artifacts'], directory: path.join(workdir, 's3') });
  try {
    await putText(s3.client, 's3://data/training/train.csv.gz', gzipSync(csv(split.train)), 'application/x-gzip');
    await putText(s3.client, 's3://data/testing/test.csv', csv(split.test), 'text/csv');
    const sm = new LocalSageMaker({
      s3: s3.client,
      workdir,
      container: defaultContainerCommand(),
      region: 'us-east-1',
      account: '000000000000',
      log: (m) => console.log(`  ${m}`),
    });
    const channel = (name: string) => ({
      ChannelName: name,
      ContentType: 'text/csv',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://data/${name}/` } },
    });
    const definition = {
      AlgorithmSpecification: { TrainingImage: 'local', TrainingInputMode: 'File', MetricDefinitions: metricDefinitions(10) },
      InputDataConfig: [channel('training'), channel('testing')],
      OutputDataConfig: { S3OutputPath: 's3://artifacts/models/' },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    };
    const objective = tuningObjectiveMetric(10);
    const metric = (job: Record<string, unknown>, name: string) =>
      (job.FinalMetricDataList as { MetricName: string; Value: number }[]).find((m) => m.MetricName === name)?.Value ?? NaN;

    console.log(`year-1 split: ${split.train.length} training pairs, ${split.test.length} test pairs; load average ${load()}`);
    const t0 = performance.now();
    const defaults = await sm.training.runSync({ ...definition, TrainingJobName: 'defaults', HyperParameters: { threads: '1' } });
    const defaultsSeconds = (performance.now() - t0) / 1000;

    // The plan the input check makes of {"tuning": {maxJobs, maxParallelJobs, strategy, seed}}: the default ranges.
    const { plan, hyperparameters } = resolveTuning(
      { maxJobs: trials, maxParallelJobs: parallel, strategy, seed },
      { seed: '42' },
      {},
    );
    console.log(`tuning: ${trials} trials, ${parallel} at a time, ${strategy}, seed ${seed}; load average ${load()}`);
    const t1 = performance.now();
    const tuning = await sm.tuning.runSync({
      HyperParameterTuningJobName: 'bench-tune',
      HyperParameterTuningJobConfig: {
        Strategy: plan!.strategy,
        HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: objective },
        ResourceLimits: { MaxNumberOfTrainingJobs: plan!.maxJobs, MaxParallelTrainingJobs: plan!.maxParallelJobs },
        ParameterRanges: plan!.parameterRanges,
        RandomSeed: plan!.seed,
      },
      TrainingJobDefinition: { ...definition, StaticHyperParameters: { ...hyperparameters, eval_k: '10' } },
    });
    const tuningSeconds = (performance.now() - t1) / 1000;
    const best = sm.training.describe(String((tuning.BestTrainingJob as { TrainingJobName: string }).TrainingJobName));
    const listed = sm.tuning.listTrainingJobs({
      HyperParameterTuningJobName: 'bench-tune',
      MaxResults: 100,
      SortBy: 'CreationTime',
    });
    console.log('\ntrial  objective  test p@k(10)  tuned hyperparameters');
    for (const [i, t] of (listed.TrainingJobSummaries as Record<string, unknown>[]).entries()) {
      const job = sm.training.describe(String(t.TrainingJobName));
      const hp = Object.entries(t.TunedHyperParameters as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      console.log(
        `${String(i + 1).padStart(5)}  ${metric(job, objective).toFixed(4)}     ${metric(job, 'p@k(10)').toFixed(4)}        ${hp}`,
      );
    }
    console.log(`\n| | ${objective} (validation) | test p@k(10) | test precision@10 | wall time |`);
    console.log('| --- | --- | --- | --- | --- |');
    for (const [label, job, seconds] of [
      ['defaults (threads=1)', defaults, defaultsSeconds],
      [`best of ${trials} trials (${String(best.TrainingJobName)})`, best, tuningSeconds],
    ] as const) {
      console.log(
        `| ${label} | ${metric(job, objective).toFixed(4)} | ${metric(job, 'p@k(10)').toFixed(4)} | ${metric(job, 'precision@10').toFixed(4)} | ${seconds.toFixed(1)} s |`,
      );
    }
    console.log(
      `best trial's hyperparameters: ${JSON.stringify((tuning.BestTrainingJob as { TunedHyperParameters: unknown }).TunedHyperParameters)}`,
    );
    console.log(`load average after: ${load()}`);
  } finally {
    await s3.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
