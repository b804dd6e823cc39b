/**
 * The data-preparation CSV reader on hostile input: time must grow linearly with the input (or
 * stop at the record bound), never quadratically. Each case runs at doubling sizes (best of three
 * reads); the target is a time ratio below 3 per doubling (2 is linear, 4 quadratic) and under 2 s.
 *   npx tsx bench/csv-hostile.bench.ts
 */
import * as os from 'node:os';
import { gzipSync } from 'node:zlib';
import { MAX_RECORD_CHARS } from '../container/src/limits';
import { openInput } from '../lambda/prepare-data/input';

const HEADER = 'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country';
const row = (k: number, description = 'WHITE HANGING HEART') =>
  `${500000 + k},85123A,${description},6,2010-01-04 10:00:00,2.55,${13000 + (k % 4000)},United Kingdom`;

/** The best of three reads (a run's time is its own, not the garbage collector's). */
async function best(data: Buffer): Promise<{ seconds: number; outcome: string }> {
  const runs = [await read(data), await read(data), await read(data)];
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

/** Reads every batch (or up to the error) in 64 KB chunks; seconds taken and the outcome. */
async function read(data: Buffer): Promise<{ seconds: number; outcome: string }> {
  const started = performance.now();
  let rows = 0;
  let outcome: string;
  try {
    const source = (async function* () {
      for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
    })();
    for await (const batch of (await openInput(source)).batches) rows += batch.rows.length;
    outcome = `${rows.toLocaleString('en-US')} rows`;
  } catch (err) {
    outcome = (err as Error).message.slice(0, 70);
  }
  return { seconds: (performance.now() - started) / 1000, outcome };
}

const CASES: Array<[string, (n: number) => Buffer, number[]]> = [
  [
    'a stray quote on line 3, n lines after it',
    (n) => Buffer.from([HEADER, row(0), row(1, '"STRAY'), ...Array.from({ length: n }, (_, k) => row(k + 2))].join('\n')),
    [20_000, 40_000, 80_000],
  ],
  [
    'one quoted description holding n line breaks',
    (n) => Buffer.from([HEADER, row(0, `"${'SHELF\n'.repeat(n)}END"`), row(1)].join('\n')),
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
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`record bound ${MAX_RECORD_CHARS} characters`);
  let over = false;
  for (const [name, make, sizes] of CASES) {
    let previous: number | undefined;
    for (const n of sizes) {
      const { seconds, outcome } = await best(make(n));
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
  if (over) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
