/**
 * Data-preparation figures: the UCI year-1 file (skipped when absent), a generated 1.07M-line CSV
 * and a generated two-sheet xlsx of the UCI file's size. Each preparation runs in its own child
 * process so that its peak RSS (process.resourceUsage().maxRSS) is its own.
 *   npx tsx bench/data.bench.ts [--xlsx-rows N] [--skip-xlsx]
 * Targets: year-1 <= 3 s, generated CSV <= 5 s, each < 500 MB peak.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { writeGeneratedCsv } from '../local/dataset/write';
import { GENERATOR_DEFAULTS, generateRetailRows, RETAIL_HEADER } from '../local/dataset/generator';
import { YEAR1_CSV_ENV, year1Csv, year1CsvPath } from '../local/dataset/year1';
import { PrepareOptionsSchema } from '../lambda/prepare-data/options';
import { prepareData } from '../lambda/prepare-data/prepare';
import { LocalDirSink } from '../lambda/prepare-data/sinks';

const MB = 1024 * 1024;

interface Figure {
  seconds: number;
  peakMB: number;
  rows: number;
  pairs: number;
}

/** Child mode: prepare one file, print the figure as JSON. */
async function child(input: string, output: string): Promise<void> {
  const started = performance.now();
  const memoryLimit = process.env.BENCH_MEMORY_LIMIT;
  const { stats } = await prepareData(
    { path: input, limits: memoryLimit ? { memoryLimit } : {} },
    new LocalDirSink(output),
    PrepareOptionsSchema.parse({}),
  );
  const seconds = (performance.now() - started) / 1000;
  const figure: Figure = {
    seconds,
    peakMB: (process.resourceUsage().maxRSS * 1024) / MB,
    rows: stats.rowsRead,
    pairs: stats.pairs,
  };
  process.stdout.write(JSON.stringify(figure) + '\n');
}

function measure(input: string, output: string): Figure {
  const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', input, output], {
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

function line(name: string, f: Figure, targetSeconds?: number): string {
  const ok =
    targetSeconds === undefined ? '' : f.seconds <= targetSeconds && f.peakMB < 500 ? '  within target' : '  OVER TARGET';
  return `${name.padEnd(34)} ${f.rows.toLocaleString('en-US').padStart(10)} rows  ${f.pairs.toLocaleString('en-US').padStart(8)} pairs  ${f.seconds.toFixed(2).padStart(6)} s  ${f.peakMB.toFixed(0).padStart(4)} MB peak${ok}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { child: { type: 'boolean' }, 'xlsx-rows': { type: 'string' }, 'skip-xlsx': { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.child) return child(positionals[0], positionals[1]);
  const cpus = os.cpus();
  console.log(
    `machine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const dir = await mkdtemp(join(os.tmpdir(), 'data-bench-'));
  let over = false;
  try {
    const year1 = year1Csv();
    if (year1) {
      const f = measure(year1, join(dir, 'year1'));
      over ||= f.seconds > 3 || f.peakMB >= 500;
      console.log(line('UCI year-1 csv.gz', f, 3));
    } else {
      console.log(`UCI year-1 file absent (${year1CsvPath()}; set ${YEAR1_CSV_ENV}): skipped`);
    }
    const csv = join(dir, 'generated.csv');
    let t = performance.now();
    await writeGeneratedCsv(csv, {});
    console.log(
      `generate ${GENERATOR_DEFAULTS.rows.toLocaleString('en-US')}-line CSV: ${((performance.now() - t) / 1000).toFixed(2)} s, ${((await stat(csv)).size / MB).toFixed(0)} MB`,
    );
    const g = measure(csv, join(dir, 'generated'));
    over ||= g.seconds > 5 || g.peakMB >= 500;
    console.log(line('generated csv', g, 5));
    const gz = join(dir, 'generated.csv.gz');
    t = performance.now();
    await writeGeneratedCsv(gz, {});
    console.log(
      `generate the same as .csv.gz: ${((performance.now() - t) / 1000).toFixed(2)} s, ${((await stat(gz)).size / MB).toFixed(0)} MB`,
    );
    console.log(line('generated csv.gz', measure(gz, join(dir, 'generated-gz'))));
    if (!values['skip-xlsx']) {
      const rows = Number(values['xlsx-rows'] ?? GENERATOR_DEFAULTS.rows);
      const xlsx = join(dir, 'generated.xlsx');
      t = performance.now();
      await writeXlsx(xlsx, rows);
      console.log(
        `write ${rows.toLocaleString('en-US')}-row two-sheet xlsx: ${((performance.now() - t) / 1000).toFixed(1)} s, ${((await stat(xlsx)).size / MB).toFixed(0)} MB`,
      );
      console.log(line('generated xlsx (no target)', measure(xlsx, join(dir, 'xlsx'))));
    }
    console.log(
      `load average after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (over) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
