/**
 * What the model report adds to a training run on the year-1 data (skipped when the file is absent):
 * the real data preparation writes the channels and stats.json, then `node container/dist/main.js train`
 * runs as SageMaker runs it (defaults, gate_threshold set), and its own log line gives the report's
 * time (`report: ... in X s (measures Y s, charts Z s)`). Target: at most 2 s.
 *   npx tsx bench/report.bench.ts [runs=3]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { YEAR1_CSV_ENV, year1Csv, year1CsvPath } from '../local/dataset/year1';
import { containerMain } from '../local/processes';
import { median } from './train-process';

const ROOT = path.resolve(__dirname, '..');
const REPORT_LINE =
  /^report: report\.html \((\d+) KiB, (\d+) charts\) .* in ([\d.]+) s \(measures ([\d.]+) s, charts ([\d.]+) s\)$/m;
const FIT_LINE = /^fit: \d+ epochs in ([\d.]+) s/m;

function main(): void {
  const file = year1Csv();
  if (!file) {
    console.log(`skipped: ${year1CsvPath()} not found (set ${YEAR1_CSV_ENV})`);
    return;
  }
  const runs = Number(process.argv[2] ?? 3);
  const work = mkdtempSync(path.join(os.tmpdir(), 'report-bench-'));
  try {
    const data = path.join(work, 'data');
    const prep = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bin', 'prepare-data.ts'), '--input', file, '--output', data],
      {
        encoding: 'utf8',
      },
    );
    if (prep.status !== 0) throw new Error(`data preparation failed: ${prep.stderr}`);
    const base = path.join(work, 'ml');
    for (const channel of ['training', 'testing', 'catalog'])
      cpSync(path.join(data, channel), path.join(base, 'input', 'data', channel), { recursive: true });
    mkdirSync(path.join(base, 'input', 'data', 'stats'), { recursive: true });
    cpSync(path.join(data, 'stats.json'), path.join(base, 'input', 'data', 'stats', 'stats.json'));
    mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
    writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify({ gate_threshold: '0.05' }));

    const seconds: number[] = [];
    for (let r = 1; r <= runs; r++) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [containerMain(), 'train'], {
        env: { ...process.env, SAGEMAKER_BASE_DIR: base, TRAINING_JOB_NAME: 'bench-report' },
        encoding: 'utf8',
      });
      const wall = (performance.now() - t0) / 1000;
      const report = REPORT_LINE.exec(res.stdout);
      const fit = FIT_LINE.exec(res.stdout);
      if (res.status !== 0 || !report || !fit)
        throw new Error(`train failed or wrote no report:\n${res.stdout.slice(-2000)}\n${res.stderr}`);
      seconds.push(Number(report[3]));
      console.log(
        `run ${r}: train ${wall.toFixed(1)} s wall (fit ${fit[1]} s); report ${report[3]} s (measures ${report[4]} s, charts ${report[5]} s), ` +
          `${report[2]} charts, ${report[1]} KiB (${statSync(path.join(base, 'model', 'report.html')).size} bytes); load average ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    const mid = median(seconds);
    console.log(
      `report: median ${mid.toFixed(2)} s, max ${Math.max(...seconds).toFixed(2)} s over ${runs} runs (target <= 2 s): ${mid <= 2 ? 'ok' : 'OVER'}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
