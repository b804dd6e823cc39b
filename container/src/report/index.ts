/**
 * The model report: one self-contained HTML page per training run (report.html), written at the
 * end of `train` to output/data/ (SageMaker packs it into output.tar.gz) and beside the model in
 * model/ (it ships in model.tar.gz). A report that cannot be made is logged and skipped: it never
 * fails a training run whose model and metrics are written.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../model/store';
import { REPORT_FILE, type ContainerPaths } from '../paths';
import { CHANNELS } from '../train/input';
import { buildReport, type ReportInput } from './model';
import { reportPage, reportCharts } from './page';
import { renderCharts } from './render';
import { readDataStats } from './stats';

export type ReportRunInput = Omit<ReportInput, 'stats' | 'statsNote'>;

/** Builds and writes the report; returns the files written, or null after logging why there is none. */
export async function writeReport(
  paths: ContainerPaths,
  input: ReportRunInput,
  log: (line: string) => void,
): Promise<string[] | null> {
  const t0 = performance.now();
  const written: string[] = [];
  try {
    const { stats, note } = await readDataStats(paths.channel(CHANNELS.stats));
    if (note) log(`report: ${note}`);
    const model = buildReport({ ...input, stats, statsNote: note });
    const t1 = performance.now();
    const svg = await renderCharts(reportCharts(model));
    const renderSeconds = (performance.now() - t1) / 1000;
    const html = reportPage(model, svg, renderSeconds);
    for (const dir of [paths.outputData, paths.model]) {
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, REPORT_FILE);
      await writeAtomic(file, html);
      written.push(file);
    }
    log(
      `report: ${REPORT_FILE} (${Math.round(Buffer.byteLength(html) / 1024)} KiB, ${svg.size} charts) written to ${paths.outputData} and ${paths.model} ` +
        `in ${((performance.now() - t0) / 1000).toFixed(2)} s (measures ${model.seconds.toFixed(2)} s, charts ${renderSeconds.toFixed(2)} s)`,
    );
    return written;
  } catch (err) {
    // One copy without the other would look complete in one place only.
    await Promise.all(written.map((f) => fs.rm(f, { force: true })));
    const e = err instanceof Error ? err : new Error(String(err));
    log(`report: NOT WRITTEN (the model and metrics are unaffected): ${e.name}: ${e.message}`);
    return null;
  }
}
