/**
 * Training benchmark on the year-1 split of bench/train-data.ts (skipped when the data file, BPR_YEAR1_CSV, is
 * absent): fit time, samples/s on one and two threads, and test metrics of the default model and
 * the popularity baseline, beside the reference numbers (implicit 0.7.3 BPR: p@k(10) 0.164,
 * precision@10 0.128, 4-6 s, 3.5-4.5 M samples/s per thread; ALS 0.249; popularity 0.080).
 *   npx tsx bench/train.bench.ts            # defaults, threads 1 and 2, plus plain-BPR speed
 *   npx tsx bench/train.bench.ts '{"negative_samples":"3"}'   # extra hyperparameters to merge in
 *   npx tsx bench/train.bench.ts --validation   # defaults vs neighbours on a validation split of the
 *                                               # training pairs only (never reads the test pairs)
 */
import * as os from 'node:os';
import { DatasetBuilder } from '../container/src/train/dataset';
import { itemPopularity } from '../container/src/train/data';
import { fit } from '../container/src/train/fit';
import { parseHyperparameters } from '../container/src/train/hyperparameters';
import { evaluateOnTest } from '../container/src/train/report';
import { YEAR1_CSV_ENV, year1CsvPath } from '../local/dataset/year1';
import { loadYear1Split, validationSplit, type Pair } from './train-data';

const fmt = (x: number, d = 4) => x.toFixed(d);

async function main(): Promise<void> {
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const split = await loadYear1Split();
  if (!split) {
    console.log(`skipped: ${year1CsvPath()} not found (set ${YEAR1_CSV_ENV})`);
    return;
  }
  const args = process.argv.slice(2);
  const validation = args.includes('--validation');
  const extraArg = args.find((a) => !a.startsWith('--'));
  const extra = extraArg ? (JSON.parse(extraArg) as Record<string, string>) : {};
  let trainPairs: readonly Pair[] = split.train;
  let testPairs: readonly Pair[] = split.test;
  if (validation) {
    const v = validationSplit(split.train);
    trainPairs = v.fit;
    testPairs = v.validation;
  }
  const b = new DatasetBuilder();
  for (const p of trainPairs) b.addTrain(p.user, p.item);
  for (const p of testPairs) b.addTest(p.user, p.item);
  const data = b.build(true);
  const popularity = itemPopularity(data.train, data.items.size);
  console.log(
    validation
      ? `validation split of the year-1 training pairs (test pairs unused): ${trainPairs.length} fit / ${testPairs.length} validation pairs, ${data.users.size} users, ${data.items.size} items`
      : `year-1 split: ${trainPairs.length} training / ${testPairs.length} test pairs, ${data.users.size} users, ${data.items.size} items`,
  );

  const run = async (label: string, raw: Record<string, string>) => {
    const hp = parseHyperparameters({ ...extra, ...raw });
    const r = await fit({ nUsers: data.users.size, nItems: data.items.size, train: data.train }, hp);
    const t = performance.now();
    const ev = evaluateOnTest(data, { ...r, factors: hp.factors }, popularity, hp.eval_k)!;
    const evalSeconds = (performance.now() - t) / 1000;
    const sps = r.samples / r.seconds;
    console.log(
      `${label}: fit ${fmt(r.seconds, 1)} s, ${r.epochsRun} epochs (kept ${r.bestEpoch}), ${fmt(sps / 1e6, 2)} M samples/s incl. validation checks, ` +
        `test evaluation (model and baseline, with AUC) ${fmt(evalSeconds, 2)} s | ` +
        `peak epoch ${fmt(Math.max(...r.history.map((e) => e.samplesPerSecond)) / 1e6, 2)} M samples/s | ` +
        `p@k(10) ${fmt(ev.model.pAtK)} precision@10 ${fmt(ev.model.precision)} recall@10 ${fmt(ev.model.recall)} ndcg@10 ${fmt(ev.model.ndcg)} auc ${fmt(ev.model.auc)} coverage ${fmt(ev.model.coverage, 3)}`,
    );
    return { r, ev };
  };

  if (validation) {
    // The defaults against one-step neighbours, all threads=1 (reproducible); p@k here is on the validation pairs.
    const neighbours: Array<[string, Record<string, string>]> = [
      ['defaults', {}],
      ['regularization 0.02', { regularization: '0.02', bias_regularization: '0.02' }],
      ['regularization 0.05', { regularization: '0.05', bias_regularization: '0.05' }],
      ['negative_samples 5', { negative_samples: '5' }],
      ['factors 64', { factors: '64' }],
      ['learning_rate 0.03', { learning_rate: '0.03' }],
      ['learning_rate 0.07', { learning_rate: '0.07' }],
      ['lr_schedule constant', { lr_schedule: 'constant' }],
      ['negative_sampling popularity', { negative_sampling: 'popularity' }],
    ];
    for (const [label, raw] of neighbours) {
      const { ev } = await run(`validation, ${label}, threads=1`, { ...raw, threads: '1' });
      if (label === 'defaults') console.log(`validation, popularity baseline: p@k(10) ${fmt(ev.baseline.pAtK)}`);
    }
    return;
  }
  const one = await run('defaults, threads=1', { threads: '1' });
  await run('defaults, threads=2', { threads: '2' });
  console.log(
    `baseline (popularity): p@k(10) ${fmt(one.ev.baseline.pAtK)} precision@10 ${fmt(one.ev.baseline.precision)} auc ${fmt(one.ev.baseline.auc)}`,
  );
  // implicit's setting (64 factors, lr 0.01, reg 0.01, 100 epochs, one negative), for speed per thread
  const plain = {
    factors: '64',
    negative_samples: '1',
    validation_fraction: '0',
    epochs: '100',
    lr_schedule: 'constant',
    learning_rate: '0.01',
    regularization: '0.01',
    bias_regularization: '0.01',
  };
  await run('plain BPR as implicit (64 factors, 1 negative, 100 epochs), threads=1', { ...plain, threads: '1' });
  await run('plain BPR as implicit (64 factors, 1 negative, 100 epochs), threads=2', { ...plain, threads: '2' });
  // implicit draws negatives in proportion to popularity: the same run with negative_sampling=popularity
  await run('plain BPR as implicit, popularity negatives, threads=1', {
    ...plain,
    negative_sampling: 'popularity',
    threads: '1',
  });
  console.log(
    'reference: implicit BPR p@k(10) 0.164, precision@10 0.128, 4-6 s, 3.5-4.5 M samples/s (1 thread); ALS p@k(10) 0.249; popularity 0.080',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
