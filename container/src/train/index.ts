/**
 * `train`: reads hyperparameters and channels from the SageMaker layout, fits BPR, evaluates it
 * and the popularity baseline on the testing channel, prints metric lines, writes the model
 * through saveModel and the metrics files. Any error goes to output/failure and a non-zero exit.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FAILURE_REASON_CHARS } from '../limits';
import { containerPaths, TRAINING_JOB_NAME_ENV, type ContainerPaths } from '../paths';
import { printable } from '../text';
import { formatMetricLine, metricName, RANKING_METRICS, VALIDATION_PREFIX } from '../metrics/definitions';
import type { RankingMetrics } from './evaluation';
import { saveModel } from '../model/store';
import { itemPopularity } from './data';
import { DatasetBuilder } from './dataset';
import { TrainError, HyperparameterError, InputDataError } from './errors';
import { fit, type EpochLog } from './fit';
import { parseHyperparameters, type Hyperparameters } from './hyperparameters';
import { evaluateChampion } from './champion';
import { CHANNELS, checkTrainingSet, readCatalog, readPairs } from './input';
import { evaluateOnTest } from './report';
import { writeReport } from '../report';

/** Name of the metrics file written to model/ and output/data/. */
export const METRICS_FILE = 'metrics.json';

export type Logger = (line: string) => void;

export async function runTrain(
  env: NodeJS.ProcessEnv = process.env,
  log: Logger = (l) => process.stdout.write(l + '\n'),
): Promise<number> {
  const paths = containerPaths(env);
  try {
    await fs.rm(paths.failure, { force: true });
    await train(paths, log, env);
    return 0;
  } catch (err) {
    // SageMaker shows the first 1,024 characters of output/failure as the job's FailureReason.
    const reason = printable(
      err instanceof TrainError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`,
      FAILURE_REASON_CHARS - 1,
    );
    process.stderr.write(`train failed: ${reason}\n`);
    try {
      await fs.mkdir(paths.output, { recursive: true });
      await fs.writeFile(paths.failure, reason + '\n');
    } catch {
      // nothing more can be reported than the stderr line above
    }
    return 1;
  }
}

async function readHyperparameters(file: string): Promise<Hyperparameters> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseHyperparameters({});
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new HyperparameterError(`hyperparameters.json is not valid JSON: ${(err as Error).message}`);
  }
  return parseHyperparameters(raw);
}

async function train(paths: ContainerPaths, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  const started = performance.now();
  const hp = await readHyperparameters(paths.hyperparameters);
  log(`hyperparameters: ${JSON.stringify(hp)}`);

  const builder = new DatasetBuilder();
  const trainingDir = paths.channel(CHANNELS.training);
  const tr = await readPairs(trainingDir, (u, i) => builder.addTrain(u, i));
  if (tr.files === 0) throw new InputDataError(`training channel is empty: no files in ${trainingDir}`);
  if (tr.rows === 0) throw new InputDataError(`training channel has no data rows (${tr.files} file(s) in ${trainingDir})`);
  const te = await readPairs(paths.channel(CHANNELS.testing), (u, i) => builder.addTest(u, i));
  const data = builder.build(te.rows > 0);
  const nUsers = data.users.size;
  const nItems = data.items.size;
  checkTrainingSet(nUsers, nItems, data.train.indices.length);
  log(
    `training: ${tr.rows} rows from ${tr.files} file(s), ${data.train.indices.length} distinct pairs, ${nUsers} users, ${nItems} items`,
  );
  if (data.test) {
    const s = data.test.stats;
    log(
      `testing: ${te.rows} rows from ${te.files} file(s), ${s.pairs} distinct pairs, ${s.users} users evaluable; ` +
        `skipped ${s.unknownUsers} users unknown to training (${s.unknownUserPairs} pairs); ` +
        `${s.unknownItemPairs} pairs of items unknown to training count as misses; ${s.pairsAlsoInTraining} pairs already in training dropped`,
    );
  } else log('testing: no testing channel data, evaluation skipped');
  const catalog = await readCatalog(paths.channel(CHANNELS.catalog), (item) => data.items.get(item) !== undefined);
  if (catalog) log(`catalog: ${Object.keys(catalog).length} descriptions of training items`);
  const loadSeconds = (performance.now() - started) / 1000;

  const result = await fit({ nUsers, nItems, train: data.train }, hp, (e) => {
    log(epochLine(e, hp));
    if (e.threadNote) log(e.threadNote);
  });
  log(
    `fit: ${result.epochsRun} epochs in ${result.seconds.toFixed(2)} s, ${Math.round(result.samples / result.seconds)} samples/s; ` +
      `kept epoch ${result.bestEpoch}` +
      (result.bestValidation === null ? '' : ` (validation p@k(${hp.eval_k})=${result.bestValidation.toFixed(4)})`),
  );

  // The kept model on the validation slice of the training pairs: what a tuning job maximizes
  // (SageMaker reads the lines; the metrics files keep the test evaluation's).
  for (const [name, value] of Object.entries(validationMetrics(result.bestValidationMetrics, hp.eval_k))) {
    log(formatMetricLine(name, value));
  }

  const popularity = itemPopularity(data.train, nItems);
  const evaluationStart = performance.now();
  const evaluation = await evaluateOnTest(data, { ...result, factors: hp.factors }, popularity, hp.eval_k, hp.threads);
  const evaluationSeconds = (performance.now() - evaluationStart) / 1000;
  const metrics: Record<string, number> = {};
  if (evaluation) {
    log(
      `evaluation: ${evaluation.model.users} users, k=${hp.eval_k}; precision@K = hits/(K x users), p@k(K) = hits / sum of min(K, |test items|)`,
    );
    const champion = await evaluateChampion(paths.channel(CHANNELS.champion), data, hp.eval_k, log);
    for (const [name, value] of Object.entries({ ...evaluation.metrics, ...champion })) {
      log(formatMetricLine(name, value));
      if (Number.isFinite(value)) metrics[name] = value;
    }
  }

  const metricsJson = JSON.stringify(metrics, null, 2) + '\n';
  const createdAt = new Date().toISOString();
  // metrics.json is part of the model: written with it, replaced with it or not at all.
  await saveModel(
    paths.model,
    {
      algorithm: 'bpr',
      createdAt,
      factors: hp.factors,
      users: data.users.ids,
      items: data.items.ids,
      itemPopularity: Array.from(popularity),
      catalog,
      hyperparameters: { ...hp, epochs_run: result.epochsRun, best_epoch: result.bestEpoch },
      metrics,
    },
    {
      userFactors: result.userFactors,
      itemFactors: result.itemFactors,
      itemBias: result.itemBias,
      userItemsIndptr: data.train.indptr,
      userItemsIndices: data.train.indices,
    },
    { [METRICS_FILE]: metricsJson },
  );
  await fs.mkdir(paths.outputData, { recursive: true });
  await fs.writeFile(path.join(paths.outputData, METRICS_FILE), metricsJson);
  log(`model written to ${paths.model}`);
  await writeReport(
    paths,
    {
      hyperparameters: hp,
      data,
      fit: result,
      popularity,
      metrics,
      catalog,
      read: { trainingRows: tr.rows, trainingFiles: tr.files, testingRows: te.rows },
      timings: { loadSeconds, fitSeconds: result.seconds, evaluationSeconds },
      jobName: env[TRAINING_JOB_NAME_ENV] || null,
      createdAt,
    },
    log,
  );
}

/** `validation_<metric>` of every ranking metric (finite ones) of the kept model; none without a validation slice. */
export function validationMetrics(m: RankingMetrics | null, k: number): Record<string, number> {
  if (!m) return {};
  const byMetric: Record<(typeof RANKING_METRICS)[number], number> = {
    precision: m.precision,
    'p@k': m.pAtK,
    recall: m.recall,
    ndcg: m.ndcg,
    map: m.map,
  };
  return Object.fromEntries(
    RANKING_METRICS.filter((r) => Number.isFinite(byMetric[r])).map((r) => [VALIDATION_PREFIX + metricName(r, k), byMetric[r]]),
  );
}

/** The one progress line per epoch; its `metric: ` parts are read by the progress MetricDefinitions. */
export function epochLine(e: EpochLog, hp: Hyperparameters): string {
  const parts = [
    `epoch ${e.epoch}/${hp.epochs}`,
    formatMetricLine('epoch', e.epoch),
    formatMetricLine('train_loss', e.loss),
    formatMetricLine('samples_per_second', Math.round(e.samplesPerSecond)),
    `pairs_correct=${e.pairsCorrect.toFixed(4)}`,
    `lr=${e.learningRate.toPrecision(3)}`,
    `elapsed=${e.elapsedSeconds.toFixed(2)}s`,
  ];
  if (e.threads !== hp.threads) parts.push(`threads=${e.threads}`);
  if (e.validation !== undefined) parts.push(`validation_p@k(${hp.eval_k})=${e.validation.toFixed(4)}`);
  return parts.join('  ');
}
