/**
 * Data-preparation figures on DuckDB: the UCI year-1 file (skipped when absent), the generated
 * 1.07M-line CSV (plain and gzip), a generated two-sheet xlsx of the UCI file's size, and a
 * generated 10M-line input as several gzip CSV files under one folder and as the same files in
 * Parquet, with DuckDB's memory limit at 2GB (as in a 3 GB function). Each preparation runs in its
 * own child process so that its peak RSS (process.resourceUsage().maxRSS) is its own.
 *   npx tsx bench/data.bench.ts [--only year1,generated,xlsx,10m] [--xlsx-rows N] [--threads N]
 * Targets: year-1 <= 3 s and < 500 MB peak, generated CSV <= 5 s and < 600 MB peak (DuckDB holds the
 * run's tables in memory); 10M lines <= 60 s and < 3 GB peak (it fits the 4 GB function).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { DuckDb } from '../lambda/prepare-data/engine';
import { PrepareOptionsSchema } from '../lambda/prepare-data/options';
import { prepareData } from '../lambda/prepare-data/prepare';
import { LocalDirSink } from '../lambda/prepare-data/sinks';
import { GENERATOR_DEFAULTS, generateRetailRows, RETAIL_HEADER } from '../local/dataset/generator';
import { writeGeneratedCsv } from '../local/dataset/write';
import { YEAR1_CSV_ENV, year1Csv, year1CsvPath } from '../local/dataset/year1';

const MB = 1024 * 1024;

interface Figure {
  seconds: number;
  peakMB: number;
  rows: number;
  pairs: number;
}

/** Child mode: prepare one file or folder, print the figure as JSON. */
async function child(input: string, output: string, memoryLimit: string, threads: string): Promise<void> {
  const started = performance.now();
  const { stats } = await prepareData(
    { path: input, limits: { ...(memoryLimit ? { memoryLimit } : {}), ...(threads ? { threads: Number(threads) } : {}) } },
    new LocalDirSink(output),
    PrepareOptionsSchema.parse({}),
  );
  const figure: Figure = {
    seconds: (performance.now() - started) / 1000,
    peakMB: (process.resourceUsage().maxRSS * 1024) / MB,
    rows: stats.rowsRead,
    pairs: stats.pairs,
  };
  process.stdout.write(JSON.stringify(figure) + '\n');
}

let threads = '';

function measure(input: string, output: string, memoryLimit = ''): Figure {
  const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', input, output, memoryLimit, threads], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Figure;
}

/** A workbook like the UCI file: two sheets, numeric ids, date cells, written with the streaming writer. */
async function writeXlsx(file: string, rows: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
  const half = Math.floor(rows / 2);
  let sheet = wb.addWorksheet('Year 2009-2010');
  sheet.addRow([...RETAIL_HEADER]).commit();
  let n = 0;
  for (const r of generateRetailRows({ rows })) {
    if (n++ === half) {
      sheet.commit();
      sheet = wb.addWorksheet('Year 2010-2011');
      sheet.addRow([...RETAIL_HEADER]).commit();
    }
    const invoice = /^\d+$/.test(r[0]) ? Number(r[0]) : r[0];
    const code = /^\d+$/.test(r[1]) ? Number(r[1]) : r[1];
    const customer = r[6] ? Number(r[6]) : null;
    sheet
      .addRow([invoice, code, r[2], Number(r[3]), new Date(`${r[4].replace(' ', 'T')}Z`), Number(r[5]), customer, r[7]])
      .commit();
  }
  sheet.commit();
  await wb.commit();
}

/** The 10M-line input: 8 gzip CSV parts of 1.25M lines (each its own seed and span), and the same parts as Parquet. */
async function write10M(dir: string): Promise<{ csv: string; parquet: string; csvMB: number; parquetMB: number }> {
  const csv = join(dir, 'lake-csv');
  const parquet = join(dir, 'lake-parquet');
  await mkdir(parquet, { recursive: true });
  const db = await DuckDb.open({ memoryLimit: '2GB', tempDirectory: join(dir, 'spill') });
  try {
    for (let k = 0; k < 8; k++) {
      const part = join(csv, `part-${k}.csv.gz`);
      await writeGeneratedCsv(part, { rows: 1_250_000, seed: 100 + k, customers: 40_000, items: 9_000, days: 3000 });
      // Parquet as a lake writes it: column types detected from the CSV (integers, doubles, timestamps)
      await db.run(`COPY (SELECT * FROM read_csv('${part}')) TO '${join(parquet, `part-${k}.parquet`)}' (FORMAT PARQUET)`);
    }
  } finally {
    db.close();
  }
  const size = async (d: string) =>
    (await Promise.all((await readdir(d)).map((f) => stat(join(d, f))))).reduce((s, f) => s + f.size, 0) / MB;
  return { csv, parquet, csvMB: await size(csv), parquetMB: await size(parquet) };
}

function line(name: string, f: Figure, target?: { seconds: number; peakMB: number }): string {
  const ok = !target ? '' : f.seconds <= target.seconds && f.peakMB < target.peakMB ? '  within target' : '  OVER TARGET';
  return `${name.padEnd(36)} ${f.rows.toLocaleString('en-US').padStart(11)} rows  ${f.pairs.toLocaleString('en-US').padStart(9)} pairs  ${f.seconds.toFixed(2).padStart(6)} s  ${f.peakMB.toFixed(0).padStart(5)} MB peak${ok}`;
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      child: { type: 'boolean' },
      only: { type: 'string' },
      'xlsx-rows': { type: 'string' },
      threads: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.child) return child(positionals[0], positionals[1], positionals[2] ?? '', positionals[3] ?? '');
  threads = values.threads ?? '';
  const only = new Set((values.only ?? 'year1,generated,xlsx,10m').split(','));
  const cpus = os.cpus();
  console.log(
    `machine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; DuckDB threads ${threads || 'default (one per core)'}; load average ${load()}`,
  );
  const dir = await mkdtemp(join(os.tmpdir(), 'data-bench-'));
  let over = false;
  const check = (f: Figure, target: { seconds: number; peakMB: number }) =>
    (over ||= f.seconds > target.seconds || f.peakMB >= target.peakMB);
  try {
    if (only.has('year1')) {
      const year1 = year1Csv();
      if (year1) {
        const target = { seconds: 3, peakMB: 500 };
        const f = measure(year1, join(dir, 'year1'));
        check(f, target);
        console.log(line('UCI year-1 csv.gz', f, target), ` (load ${load()})`);
      } else {
        console.log(`UCI year-1 file absent (${year1CsvPath()}; set ${YEAR1_CSV_ENV}): skipped`);
      }
    }
    if (only.has('generated')) {
      const csv = join(dir, 'generated.csv');
      let t = performance.now();
      await writeGeneratedCsv(csv, {});
      console.log(
        `generate ${GENERATOR_DEFAULTS.rows.toLocaleString('en-US')}-line CSV: ${((performance.now() - t) / 1000).toFixed(2)} s, ${((await stat(csv)).size / MB).toFixed(0)} MB`,
      );
      const target = { seconds: 5, peakMB: 600 };
      const g = measure(csv, join(dir, 'generated'));
      check(g, target);
      console.log(line('generated csv', g, target), ` (load ${load()})`);
      const gz = join(dir, 'generated.csv.gz');
      t = performance.now();
      await writeGeneratedCsv(gz, {});
      console.log(
        `generate the same as .csv.gz: ${((performance.now() - t) / 1000).toFixed(2)} s, ${((await stat(gz)).size / MB).toFixed(0)} MB`,
      );
      console.log(line('generated csv.gz', measure(gz, join(dir, 'generated-gz'))), ` (load ${load()})`);
    }
    if (only.has('xlsx')) {
      const rows = Number(values['xlsx-rows'] ?? GENERATOR_DEFAULTS.rows);
      const xlsx = join(dir, 'generated.xlsx');
      const t = performance.now();
      await writeXlsx(xlsx, rows);
      console.log(
        `write ${rows.toLocaleString('en-US')}-row two-sheet xlsx: ${((performance.now() - t) / 1000).toFixed(1)} s, ${((await stat(xlsx)).size / MB).toFixed(0)} MB`,
      );
      console.log(line('generated xlsx (no target)', measure(xlsx, join(dir, 'xlsx'))), ` (load ${load()})`);
    }
    if (only.has('10m')) {
      const t = performance.now();
      const lake = await write10M(dir);
      console.log(
        `generate 10,000,000 lines as 8 csv.gz parts (${lake.csvMB.toFixed(0)} MB) and 8 Parquet parts (${lake.parquetMB.toFixed(0)} MB): ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
      const target = { seconds: 60, peakMB: 3072 };
      for (const [name, path] of [
        ['10M lines, 8 csv.gz files, 2GB limit', lake.csv],
        ['10M lines, 8 Parquet files, 2GB limit', lake.parquet],
      ] as const) {
        const f = measure(path, join(dir, name.replace(/\W+/g, '-')), '2GB');
        check(f, target);
        console.log(line(name, f, target), ` (load ${load()})`);
      }
    }
    console.log(`load average after: ${load()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (over) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
