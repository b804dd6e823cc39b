/**
 * Training benchmark on the year-1 split of bench/train-data.ts (skipped when the data file is
 * absent; BPR_YEAR1_CSV names it). Sections, all run by default:
 *   process   the whole `train` program (load, fit, evaluation, metrics, model written) with the
 *             defaults, as a child process: wall, CPU, peak RSS, test p@k(10)
 *   threads   1 vs 2 threads in process, defaults and plain BPR: per-epoch samples/s, with the
 *             share of the time the threads waited for a core (other processes on the machine);
 *             2 threads both raw and with the thread check that training runs with
 *   quality   test metrics of the defaults, plain BPR and the popularity baseline (threads=1)
 *   temporal  learn from purchases before 2010-10-01, predict pairs first bought from 2010-10-08 on
 *   scale     generated data of 0.2 M, 1 M and 5 M pairs through the whole `train` program
 *   npx tsx bench/train.bench.ts [--only=process,threads] [--repeat=3] ['{"negative_samples":"3"}']
 *   npx tsx bench/train.bench.ts --validation   # defaults vs neighbours on a validation split of the
 *                                               # training pairs only (never reads the test pairs)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetBuilder, type Dataset } from '../container/src/train/dataset';
import { itemPopularity } from '../container/src/train/data';
import { fit } from '../container/src/train/fit';
import { parseHyperparameters } from '../container/src/train/hyperparameters';
import { evaluateOnTest } from '../container/src/train/report';
import { YEAR1_CSV_ENV, year1CsvPath } from '../local/dataset/year1';
import { generatedPairs, loadYear1Split, loadYear1Temporal, validationSplit, type Pair } from './train-data';
import { median, runTrainProcess, schedCounters, writeChannels, type ProcessRun } from './train-process';

const fmt = (x: number, d = 4) => x.toFixed(d);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** implicit's setting (64 factors, lr 0.01, reg 0.01, 100 epochs, one negative, plain SGD). */
const PLAIN = {
  factors: '64',
  negative_samples: '1',
  optimizer: 'sgd',
  validation_fraction: '0',
  epochs: '100',
  lr_schedule: 'constant',
  learning_rate: '0.01',
  regularization: '0.01',
  bias_regularization: '0.01',
};
/** The defaults before Adagrad: plain SGD steps over 60 epochs. */
const SGD_60 = { optimizer: 'sgd', learning_rate: '0.05', epochs: '60' };

function dataset(train: readonly Pair[], test: readonly Pair[]): Dataset {
  const b = new DatasetBuilder();
  for (const p of train) b.addTrain(p.user, p.item);
  for (const p of test) b.addTest(p.user, p.item);
  return b.build(true);
}

/** Fits in process and evaluates on the dataset's test pairs. */
async function quality(data: Dataset, label: string, raw: Record<string, string>, extra: Record<string, string>) {
  const hp = parseHyperparameters({ ...extra, ...raw });
  const r = await fit({ nUsers: data.users.size, nItems: data.items.size, train: data.train }, hp);
  const pop = itemPopularity(data.train, data.items.size);
  const ev = (await evaluateOnTest(data, { ...r, factors: hp.factors }, pop, hp.eval_k, hp.threads))!;
  const m = ev.model;
  console.log(
    `${label}: fit ${fmt(r.seconds, 2)} s, ${r.epochsRun} epochs (kept ${r.bestEpoch}) | p@k(10) ${fmt(m.pAtK)} ` +
      `precision@10 ${fmt(m.precision)} recall@10 ${fmt(m.recall)} ndcg@10 ${fmt(m.ndcg)} auc ${fmt(m.auc)} coverage ${fmt(m.coverage, 3)}`,
  );
  return ev;
}

/** Per-epoch samples/s of one in-process fit, and how much of the time its threads ran or waited for a core. */
async function speed(data: Dataset, raw: Record<string, string>, checkThreads = false) {
  const hp = parseHyperparameters(raw);
  // Read at every epoch's end, while the worker threads are alive (a finished thread's counters are gone).
  const marks: Array<{ t: number; run: number; wait: number }> = [];
  const r = await fit(
    { nUsers: data.users.size, nItems: data.items.size, train: data.train },
    hp,
    () => {
      const c = schedCounters();
      marks.push({ t: performance.now() / 1000, run: c?.run ?? NaN, wait: c?.wait ?? NaN });
    },
    { checkThreads },
  );
  const first = marks[0],
    last = marks[marks.length - 1];
  const span = last.t - first.t;
  return {
    sps: median(r.history.slice(1).map((e) => e.samplesPerSecond)),
    /** Epochs that ran on one thread (the thread check found one faster). */
    aloneEpochs: r.history.filter((e) => e.threads === 1).length,
    seconds: r.seconds,
    cores: (last.run - first.run) / span,
    waiting: (last.wait - first.wait) / span,
  };
}

/** A run during which the threads waited for a core less than this share of the time measures the code, not the machine. */
const CLEAN_WAIT = 0.1;

async function threadsSection(data: Dataset, repeat: number, extra: Record<string, string>): Promise<void> {
  type Speed = Awaited<ReturnType<typeof speed>>;
  const summary = (runs: Speed[]) =>
    `${fmt(median(runs.map((x) => x.sps)) / 1e6, 2)} M samples/s per epoch (fit ${fmt(median(runs.map((x) => x.seconds)), 2)} s, ` +
    `cores busy ${fmt(median(runs.map((x) => x.cores)), 2)}, waiting for a core ${fmt(median(runs.map((x) => x.waiting)), 2)})`;
  for (const [label, raw] of [
    ['defaults', {}],
    ['plain BPR (64 factors, 1 negative, sgd)', PLAIN],
  ] as const) {
    const runs: Record<'1' | '2' | 'checked', Speed[]> = { '1': [], '2': [], checked: [] };
    for (let k = 0; k < repeat; k++) {
      for (const t of ['1', '2'] as const) runs[t].push(await speed(data, { ...extra, ...raw, threads: t }));
      runs.checked.push(await speed(data, { ...extra, ...raw, threads: '2' }, true));
    }
    const ratio = (a: Speed[], b: Speed[]) => fmt(median(b.map((x) => x.sps)) / median(a.map((x) => x.sps)), 2);
    console.log(`${label}, threads=1: ${summary(runs['1'])}`);
    console.log(
      `${label}, threads=2: ${summary(runs['2'])} -> ${ratio(runs['1'], runs['2'])}x (medians of ${repeat}; load average ${load()})`,
    );
    const alone = runs.checked.map((x) => x.aloneEpochs).join(', ');
    console.log(
      `${label}, threads=2 with the thread check (as training runs): ${summary(runs.checked)} -> ${ratio(runs['1'], runs.checked)}x ` +
        `(epochs on one thread per run: ${alone})`,
    );
    // Other processes on the machine show as waiting; the runs without it measure the code itself.
    const clean = { '1': runs['1'].filter((x) => x.waiting < CLEAN_WAIT), '2': runs['2'].filter((x) => x.waiting < CLEAN_WAIT) };
    if (clean['1'].length && clean['2'].length)
      console.log(
        `${label}, runs that never waited for a core (${clean['1'].length} and ${clean['2'].length} of ${repeat}): ` +
          `threads=1 ${summary(clean['1'])}; threads=2 ${summary(clean['2'])} -> ${ratio(clean['1'], clean['2'])}x`,
      );
    else
      console.log(`${label}: every run waited for a core at times (other processes); the ratio above measures the machine too`);
  }
}

async function processSection(split: { train: Pair[]; test: Pair[] }, repeat: number, extra: Record<string, string>) {
  const base = mkdtempSync(path.join(os.tmpdir(), 'train-bench-'));
  try {
    writeChannels(base, split.train, split.test);
    const runs: ProcessRun[] = [];
    for (let k = 0; k < repeat; k++) {
      const r = await runTrainProcess(base, extra);
      runs.push(r);
      console.log(
        `whole train process, defaults, run ${k + 1}: wall ${fmt(r.wallSeconds, 2)} s, CPU ${fmt(r.cpuSeconds, 2)} s, ` +
          `fit ${fmt(r.fitSeconds, 2)} s (${r.epochs} epochs, ${fmt(r.epochSamplesPerSecond / 1e6, 2)} M samples/s per epoch), ` +
          `peak RSS ${fmt(r.peakRssMb, 0)} MB, p@k(10) ${fmt(r.metrics['p@k(10)'])} (load average ${fmt(r.loadBefore, 2)} before)`,
      );
    }
    const m = (f: (r: (typeof runs)[number]) => number) => fmt(median(runs.map(f)), 2);
    console.log(
      `whole train process, defaults, median of ${repeat}: wall ${m((r) => r.wallSeconds)} s, CPU ${m((r) => r.cpuSeconds)} s, ` +
        `peak RSS ${m((r) => r.peakRssMb)} MB (target: <= 4 s, p@k(10) >= 0.26, <= 300 MB)`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function temporalSection(extra: Record<string, string>): Promise<void> {
  const split = (await loadYear1Temporal())!;
  const data = dataset(split.train, split.test);
  const s = data.test!.stats;
  console.log(
    `temporal split: ${split.train.length} pairs bought before 2010-10-01, ${split.test.length} pairs first bought from 2010-10-08 ` +
      `(${s.users} users known to training; ${s.unknownUsers} new users skipped; ${s.unknownItemPairs} pairs of new items count as misses)`,
  );
  const ev = await quality(data, 'temporal, defaults, threads=1', { threads: '1' }, extra);
  await quality(data, 'temporal, defaults before Adagrad (sgd, 60 epochs), threads=1', { ...SGD_60, threads: '1' }, extra);
  await quality(data, 'temporal, plain BPR, threads=1', { ...PLAIN, threads: '1' }, extra);
  const b = ev.baseline;
  console.log(
    `temporal, popularity: p@k(10) ${fmt(b.pAtK)} precision@10 ${fmt(b.precision)} ndcg@10 ${fmt(b.ndcg)} auc ${fmt(b.auc)}`,
  );
}

async function scaleSection(extra: Record<string, string>): Promise<void> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'train-scale-'));
  try {
    for (const target of [200_000, 1_000_000, 5_000_000]) {
      const pairs = generatedPairs(target);
      writeChannels(base, pairs, null);
      const r = await runTrainProcess(base, extra);
      const samplesPerEpoch = pairs.length * 0.95;
      console.log(
        `scale, ${pairs.length} generated pairs (${r.users} users, ${r.items} items), defaults: wall ${fmt(r.wallSeconds, 1)} s, fit ${fmt(r.fitSeconds, 1)} s for ${r.epochs} epochs ` +
          `(${fmt(r.fitSeconds / r.epochs, 2)} s per epoch with validation checks, ${fmt(samplesPerEpoch / r.epochSamplesPerSecond, 2)} s of SGD), ` +
          `${fmt(r.epochSamplesPerSecond / 1e6, 2)} M samples/s per epoch, peak RSS ${fmt(r.peakRssMb, 0)} MB (load average ${fmt(r.loadBefore, 2)})`,
      );
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function validationMode(split: { train: Pair[] }, extra: Record<string, string>): Promise<void> {
  const v = validationSplit(split.train);
  const data = dataset(v.fit, v.validation);
  console.log(
    `validation split of the year-1 training pairs (test pairs unused): ${v.fit.length} fit / ${v.validation.length} validation pairs, ${data.users.size} users, ${data.items.size} items`,
  );
  // The defaults against one-step neighbours, all threads=1 (reproducible); p@k here is on the validation pairs.
  const neighbours: Array<[string, Record<string, string>]> = [
    ['defaults', {}],
    ['optimizer sgd, learning_rate 0.05, 60 epochs (the former defaults)', SGD_60],
    ['learning_rate 0.09', { learning_rate: '0.09' }],
    ['learning_rate 0.15', { learning_rate: '0.15' }],
    ['20 epochs', { epochs: '20' }],
    ['30 epochs, learning_rate 0.1', { epochs: '30', learning_rate: '0.1' }],
    ['regularization 0.02', { regularization: '0.02', bias_regularization: '0.02' }],
    ['regularization 0.04', { regularization: '0.04', bias_regularization: '0.04' }],
    ['negative_samples 5', { negative_samples: '5' }],
    ['factors 64', { factors: '64' }],
    ['lr_schedule cosine', { lr_schedule: 'cosine' }],
    ['negative_sampling popularity', { negative_sampling: 'popularity' }],
  ];
  for (const [label, raw] of neighbours) {
    const ev = await quality(data, `validation, ${label}, threads=1`, { ...raw, threads: '1' }, extra);
    if (label === 'defaults') console.log(`validation, popularity baseline: p@k(10) ${fmt(ev.baseline.pAtK)}`);
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${load()}`);
  const split = await loadYear1Split();
  if (!split) {
    console.log(`skipped: ${year1CsvPath()} not found (set ${YEAR1_CSV_ENV})`);
    return;
  }
  const args = process.argv.slice(2);
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const extraArg = args.find((a) => !a.startsWith('--'));
  const extra = extraArg ? (JSON.parse(extraArg) as Record<string, string>) : {};
  if (args.includes('--validation')) return validationMode(split, extra);
  const only = flag('only')?.split(',') ?? ['process', 'threads', 'quality', 'temporal', 'scale'];
  const repeat = Number(flag('repeat') ?? 3);
  const data = dataset(split.train, split.test);
  console.log(
    `year-1 split: ${split.train.length} training / ${split.test.length} test pairs, ${data.users.size} users, ${data.items.size} items`,
  );
  if (only.includes('process')) await processSection(split, repeat, extra);
  if (only.includes('threads')) await threadsSection(data, repeat, extra);
  if (only.includes('quality')) {
    const ev = await quality(data, 'defaults, threads=1', { threads: '1' }, extra);
    await quality(data, 'defaults, threads=2', { threads: '2' }, extra);
    const b = ev.baseline;
    console.log(
      `baseline (popularity): p@k(10) ${fmt(b.pAtK)} precision@10 ${fmt(b.precision)} ndcg@10 ${fmt(b.ndcg)} auc ${fmt(b.auc)}`,
    );
    await quality(data, 'defaults before Adagrad (sgd, 60 epochs), threads=1', { ...SGD_60, threads: '1' }, extra);
    await quality(data, 'plain BPR as implicit, threads=1', { ...PLAIN, threads: '1' }, extra);
    await quality(
      data,
      'plain BPR as implicit, popularity negatives, threads=1',
      {
        ...PLAIN,
        negative_sampling: 'popularity',
        threads: '1',
      },
      extra,
    );
    console.log(
      'reference: implicit BPR p@k(10) 0.164, precision@10 0.128, 4-6 s, 3.5-4.5 M samples/s (1 thread); ALS p@k(10) 0.249; popularity 0.080',
    );
  }
  if (only.includes('temporal')) await temporalSection(extra);
  if (only.includes('scale')) await scaleSection(extra);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
