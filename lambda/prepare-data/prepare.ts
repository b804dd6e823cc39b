/**
 * The whole step on DuckDB: local input files -> the SQL of sql.ts -> outputs through a sink,
 * published manifest-last. Bad input fails with InputValidationError naming the file, line and
 * column where there is one, and nothing is published.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoted } from '../../container/src/errors';
import { MAX_ID_LENGTH } from '../../container/src/limits';
import { columnLabel, type ColumnMap } from './columns';
import { createDatabase, createStep, createTable, createView } from './dialect';
import { DuckDb, type EngineLimits } from './engine';
import { InputValidationError } from './errors';
import type { PrepareOptions } from './options';
import { parseCutoff } from './options';
import { publishOutputs, type ManifestEntry, type ResultSource } from './publish';
import { readHeaders } from './headers';
import { checkFiles, readingError } from './integrity';
import { locateRecord } from './locate';
import { detectFile, listInputFiles, mapHeaders, sourceView, xlsxToCsv, type InputSummary, type SourceFile } from './source';
import {
  classifiedSelect,
  countQuery,
  firstProblemQuery,
  kCoreRound,
  needsKCore,
  preparationSteps,
  rawSelect,
  resultQueries,
  splitTable,
  type Problem,
  type SqlOptions,
} from './sql';
import type { PrepareStats } from './stats';
import type { OutputSink } from './sinks';

export type { PrepareStats } from './stats';
export type { ManifestEntry } from './publish';

export interface PrepareOutcome {
  stats: PrepareStats;
  objects: ManifestEntry[];
}

/** Where the input is and how DuckDB may run. */
export interface PrepareInput {
  /** A file, or a folder whose files (recursively, sorted) form one table. */
  readonly path: string;
  /** How errors name a single input file (default: its file name). */
  readonly name?: string;
  readonly limits?: EngineLimits;
  /** Scratch space for converted xlsx sheets and DuckDB's spill files (default: a new folder in the OS temp dir). */
  readonly workDir?: string;
}

const DB = 'prep';

/** Converts xlsx workbooks to CSV; every input must then be CSV, or every input Parquet. */
async function sourceFiles(
  path: string,
  name: string | undefined,
  work: string,
): Promise<{ files: SourceFile[]; summary: Omit<InputSummary, 'layout'> }> {
  const paths = await listInputFiles(path);
  if (paths.length === 0) throw new InputValidationError(`${name ?? path}: no input files`);
  const files: SourceFile[] = [];
  const formats = new Set<string>();
  let gzip = false;
  let sheets = 0;
  for (const p of paths) {
    const label = paths.length === 1 && name ? name : p.slice(path.length).replace(/^[/\\]+/, '') || (name ?? p);
    const d = await detectFile(p, label);
    formats.add(d.format);
    gzip ||= d.gzip;
    if (d.format === 'xlsx') {
      const converted = await xlsxToCsv(d, work);
      sheets += converted.length;
      files.push(...converted);
    } else {
      sheets++;
      files.push({ path: p, label, format: d.format, gzip: d.gzip });
    }
  }
  if (formats.size > 1)
    throw new InputValidationError(`the input files mix formats (${[...formats].join(', ')}); use one format`);
  return { files, summary: { format: [...formats][0] as InputSummary['format'], gzip, sheets, files: paths.length } };
}

interface ProblemRow {
  problem: Problem;
  src_file: string;
  first_row: bigint | number;
  problem_value: string | null;
}

/** The message of the first failing row (by file, then line). */
async function problemError(
  p: ProblemRow,
  files: readonly SourceFile[],
  headers: readonly string[][],
  map: ColumnMap,
): Promise<Error> {
  const k = Number(p.src_file);
  const f = files[k];
  const record = Number(p.first_row);
  const located = f.format === 'csv' ? await locateRecord(f, record) : { line: record };
  const line = 'line' in located ? located.line : record + 1;
  const at = `${files.length > 1 ? `${f.label} ` : ''}${f.sheetRows ? 'row' : 'line'} ${line}`;
  const value = p.problem_value ?? '';
  const messages: Record<Problem, string> = {
    quantity: `${at}: Quantity ${quoted(value)} is not a number`,
    date: `${at}: InvoiceDate ${quoted(value)} is not a readable date`,
    userLength: `${at}: ${columnLabel(headers[k], map.user, 'user id')} longer than ${MAX_ID_LENGTH} characters`,
    itemLength: `${at}: ${columnLabel(headers[k], map.item, 'item id')} longer than ${MAX_ID_LENGTH} characters`,
  };
  return new InputValidationError(messages[p.problem]);
}

/** Runs the SQL up to the split on an open database; returns the kept table the split read. */
export async function runPreparationSql(
  db: DuckDb,
  o: SqlOptions,
  view: string,
  onReadError: (err: Error) => Promise<Error>,
): Promise<string> {
  await db.run(createDatabase('duckdb', o.db));
  const [raw, ...rest] = preparationSteps(o);
  try {
    await db.run(view);
    await db.run(createStep('duckdb', o.db, raw));
  } catch (err) {
    throw await onReadError(err as Error);
  }
  for (const t of rest) {
    await db.run(createStep('duckdb', o.db, t));
    // Every later statement reads `grouped`: the copy of the input goes (the memory is the later steps').
    if (t.table === 'grouped') await db.run(`DROP TABLE ${o.db}.${raw.table}`);
  }
  let kept = 'kept_0';
  if (needsKCore(o)) {
    let pairs = Number((await db.objects(countQuery(o, kept)))[0].pairs);
    for (let n = 0; ; n++) {
      await db.run(createTable('duckdb', o.db, kCoreRound(o, n)));
      const next = Number((await db.objects(countQuery(o, `kept_${n + 1}`)))[0].pairs);
      kept = `kept_${n + 1}`;
      if (next === pairs) break;
      pairs = next;
    }
  }
  await db.run(createTable('duckdb', o.db, splitTable(o, kept)));
  return kept;
}

/**
 * The first failing row, with its position: the main pass reads the files without numbering their
 * rows (so that DuckDB reads them in parallel); the first file with a problem is read again, numbered.
 */
async function firstProblem(
  db: DuckDb,
  o: SqlOptions,
  found: readonly ProblemRow[],
  files: readonly SourceFile[],
  headers: readonly string[][],
  map: ColumnMap,
): Promise<ProblemRow> {
  const file = found.map((p) => Number(p.src_file)).reduce((a, b) => Math.min(a, b));
  await db.run(sourceView(o.db, files, headers, map, { positions: true, name: 'source_at', only: file }));
  await db.run(createView(o.db, 'raw_at', rawSelect(o.db, 'source_at')));
  await db.run(createView(o.db, 'classified_at', classifiedSelect(o, 'raw_at')));
  const [row] = (await db.objects(firstProblemQuery(o, 'classified_at'))) as unknown as ProblemRow[];
  return row;
}

/** The SQL options of a run. */
export function sqlOptions(db: string, layout: 'retail' | 'clean', hasDate: boolean, options: PrepareOptions): SqlOptions {
  return {
    db,
    retail: layout === 'retail',
    hasDate,
    split: options.split,
    testFraction: options.testFraction,
    seed: options.seed,
    cutoffMs: options.cutoffDate !== undefined ? parseCutoff(options.cutoffDate) : undefined,
    minUserInteractions: options.minUserInteractions ?? 1,
    minItemInteractions: options.minItemInteractions ?? 1,
  };
}

export async function prepareData(
  input: PrepareInput,
  sink: OutputSink,
  options: PrepareOptions,
  now: () => number = Date.now,
): Promise<PrepareOutcome> {
  const started = now();
  const work = input.workDir ?? (await mkdtemp(join(tmpdir(), 'prepare-data-')));
  let db: DuckDb | undefined;
  let checks: Promise<void> = Promise.resolve();
  try {
    const { files, summary } = await sourceFiles(input.path, input.name, work);
    // What DuckDB does not report (a gzip stream cut short, a last line past the bound) is checked while it works.
    checks = checkFiles(files);
    checks.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    db = await DuckDb.open({ tempDirectory: join(work, 'spill'), ...input.limits });
    const headers = await readHeaders(db, files);
    const map = mapHeaders(files, headers, options.split === 'temporal');
    const o = sqlOptions(DB, map.layout, map.date >= 0, options);
    const kept = await runPreparationSql(db, o, sourceView(DB, files, headers, map), async (err) => {
      await checks;
      return readingError(err, files, headers);
    });
    await checks;
    const queries = resultQueries(o, kept);
    const problems = (await db.objects(queries.problems)) as unknown as ProblemRow[];
    if (problems.length) throw await problemError(await firstProblem(db!, o, problems, files, headers, map), files, headers, map);
    const source: ResultSource = {
      rows: (name) => db!.batches(queries[name]),
      objects: (name) => db!.objects(queries[name]),
    };
    return await publishOutputs(source, sink, options, { ...summary, layout: map.layout, engine: 'duckdb' }, started, now);
  } catch (err) {
    await sink.abort();
    throw err;
  } finally {
    await checks.catch(() => undefined);
    db?.close();
    if (!input.workDir) await rm(work, { recursive: true, force: true });
  }
}
