/**
 * Runs the container's whole `train` program as SageMaker would (a child process over a channel
 * folder) and measures it: wall time, CPU time and peak RSS of the process, the metrics it prints,
 * its per-epoch samples/s. Also reads the kernel's per-thread scheduler counters, so that a figure
 * taken while other processes held the cores can be told from a slow one.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { metricDefinitions, metricRegex, parseMetricLines } from '../container/src/metrics/definitions';
import { containerMain } from '../local/processes';
import type { Pair } from './train-data';

const MAIN = containerMain();

/** Writes a SageMaker folder: training pairs as gzip CSV, test pairs as CSV (optional), hyperparameters. */
export function writeChannels(base: string, train: readonly Pair[], test: readonly Pair[] | null): void {
  rmSync(base, { recursive: true, force: true });
  const csv = (pairs: readonly Pair[]) => 'user_id,item_id\n' + pairs.map((p) => `${p.user},${p.item}\n`).join('');
  mkdirSync(path.join(base, 'input', 'data', 'training'), { recursive: true });
  mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
  writeFileSync(path.join(base, 'input', 'data', 'training', 'train.csv.gz'), gzipSync(csv(train), { level: 4 }));
  if (test) {
    mkdirSync(path.join(base, 'input', 'data', 'testing'), { recursive: true });
    writeFileSync(path.join(base, 'input', 'data', 'testing', 'test.csv'), csv(test));
  }
}

export interface ProcessRun {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly metrics: Record<string, number>;
  readonly epochs: number;
  readonly fitSeconds: number;
  /** Median of the per-epoch samples/s lines. */
  readonly epochSamplesPerSecond: number;
  readonly loadBefore: number;
  /** Users and items of the training data, as the process reports them. */
  readonly users: number;
  readonly items: number;
}

/** Runs `node container/dist/main.js train` on the folder with these hyperparameters. */
export async function runTrainProcess(base: string, hyperparameters: Record<string, string>): Promise<ProcessRun> {
  writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
  rmSync(path.join(base, 'model'), { recursive: true, force: true });
  const usageFile = path.join(base, 'usage.jsonl');
  rmSync(usageFile, { force: true });
  const loadBefore = os.loadavg()[0];
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--require', path.join(__dirname, 'usage-preload.cjs'), MAIN, 'train'], {
    env: { ...process.env, SAGEMAKER_BASE_DIR: base, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`train exited with ${code}: ${err.trim()}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8').trim().split('\n').pop()!) as { cpuSeconds: number; maxRssKb: number };
  const perEpoch = [...out.matchAll(new RegExp(metricRegex('samples_per_second'), 'g'))].map((m) => Number(m[1]));
  const fit = /fit: (\d+) epochs in ([0-9.]+) s/.exec(out);
  const sizes = /distinct pairs, (\d+) users, (\d+) items/.exec(out);
  return {
    wallSeconds,
    cpuSeconds: usage.cpuSeconds,
    peakRssMb: usage.maxRssKb / 1024,
    metrics: parseMetricLines(out, metricDefinitions(10)),
    epochs: fit ? Number(fit[1]) : NaN,
    fitSeconds: fit ? Number(fit[2]) : NaN,
    epochSamplesPerSecond: median(perEpoch),
    loadBefore,
    users: sizes ? Number(sizes[1]) : NaN,
    items: sizes ? Number(sizes[2]) : NaN,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Seconds this process's threads spent running and waiting for a core (Linux schedstat; null elsewhere). */
export function schedCounters(): { run: number; wait: number } | null {
  try {
    let run = 0,
      wait = 0;
    for (const t of readdirSync('/proc/self/task')) {
      try {
        const [r, w] = readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ').map(Number);
        run += r;
        wait += w;
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return { run: run / 1e9, wait: wait / 1e9 };
  } catch {
    return null;
  }
}
