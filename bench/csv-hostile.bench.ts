/**
 * Data preparation on hostile CSV input: the time must grow linearly with the input (or stop at the
 * record bound), never quadratically. Each case runs the whole step (`prepareData`: DuckDB reads
 * the file; on a refusal, the line is named by re-reading it with csv-parse) at doubling sizes, best
 * of three runs; the target is a time ratio below 3 per doubling (2 is linear, 4 quadratic) and
 * under 2 s per run.
 *   npx tsx bench/csv-hostile.bench.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_RECORD_CHARS } from '../container/src/limits';
import { PrepareOptionsSchema } from '../lambda/prepare-data/options';
import { prepareData } from '../lambda/prepare-data/prepare';
import { LocalDirSink } from '../lambda/prepare-data/sinks';

const HEADER = 'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country';
const row = (k: number, description = 'WHITE HANGING HEART') =>
  `${500000 + k},${85000 + (k % 300)},${description},6,2010-01-04 10:00:00,2.55,${13000 + (k % 4000)},United Kingdom`;

let work = '';

/** The best of three runs (a run's time is its own, not the garbage collector's). */
async function best(file: string): Promise<{ seconds: number; outcome: string }> {
  const runs = [await once(file, 0), await once(file, 1), await once(file, 2)];
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

/** One whole preparation of `file` into a fresh folder; seconds taken and the outcome. */
async function once(file: string, k: number): Promise<{ seconds: number; outcome: string }> {
  const out = join(work, `out-${k}`);
  const started = performance.now();
  let outcome: string;
  try {
    const { stats } = await prepareData(
      { path: file, name: 'export.csv' },
      new LocalDirSink(out),
      PrepareOptionsSchema.parse({}),
    );
    outcome = `${stats.rowsRead.toLocaleString('en-US')} rows read`;
  } catch (err) {
    outcome = (err as Error).message.slice(0, 80);
  }
  const seconds = (performance.now() - started) / 1000;
  await rm(out, { recursive: true, force: true });
  return { seconds, outcome };
}

const CASES: Array<[string, (n: number) => Buffer, number[]]> = [
  [
    'a stray quote on line 3, n lines after it',
    (n) => Buffer.from([HEADER, row(0), row(1, '"STRAY'), ...Array.from({ length: n }, (_, k) => row(k + 2))].join('\n')),
    [20_000, 40_000, 80_000],
  ],
  [
    'one quoted description holding n line breaks',
    (n) =>
      Buffer.from(
        [HEADER, row(0, `"${'SHELF\n'.repeat(n)}END"`), ...Array.from({ length: 50 }, (_, k) => row(k + 1))].join('\n'),
      ),
    [20_000, 40_000, 80_000],
  ],
  [
    'gzip of one line of n MiB without a line break',
    (n) => gzipSync(`${HEADER}\n1,${'x'.repeat(n * 1024 * 1024)}`),
    [64, 128, 256],
  ],
  [
    'n plain lines (the baseline)',
    (n) => Buffer.from([HEADER, ...Array.from({ length: n }, (_, k) => row(k))].join('\n')),
    [200_000, 400_000, 800_000],
  ],
];

async function main(): Promise<void> {
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`record bound ${MAX_RECORD_CHARS} characters`);
  work = await mkdtemp(join(os.tmpdir(), 'csv-hostile-'));
  let over = false;
  try {
    for (const [name, make, sizes] of CASES) {
      let previous: number | undefined;
      for (const n of sizes) {
        const file = join(work, 'export.csv');
        await writeFile(file, make(n));
        const { seconds, outcome } = await best(file);
        // Below 50 ms a ratio is mostly noise: it is shown, not judged.
        const ratio = previous !== undefined && previous > 0.05 ? seconds / previous : undefined;
        const bad = seconds > 2 || (ratio !== undefined && ratio >= 3);
        over ||= bad;
        console.log(
          `${name.padEnd(48)} n=${String(n).padStart(7)}  ${seconds.toFixed(3).padStart(7)} s` +
            `${ratio === undefined ? '         ' : `  x${ratio.toFixed(2).padStart(5)}`}  ${bad ? 'OVER TARGET' : 'ok'}  ${outcome}`,
        );
        previous = seconds;
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (over) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
