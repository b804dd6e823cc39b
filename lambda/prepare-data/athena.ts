/**
 * The Athena path: the plan (the statements of sql.ts wrapped for Athena, which the training state
 * machine runs one by one with athena:startQueryExecution.sync) and the publish step (the UNLOADed
 * results merged into the same outputs the DuckDB path writes).
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { quoted } from '../../container/src/errors';
import { MAX_ID_LENGTH } from '../../container/src/limits';
import { listKeys } from '../shared/s3-list';
import { joinS3, parseS3Uri } from '../shared/s3-uri';
import { mapColumns, type ColumnMap } from './columns';
import { athenaCsvTable, createDatabase, createStep, createView, dropDatabase, ident, unload } from './dialect';
import { InputValidationError } from './errors';
import { ATHENA_RESULTS, type PrepareOptions, type RawTable } from './options';
import { sqlOptions } from './prepare';
import { publishOutputs, type ResultSource } from './publish';
import type { InputObjects } from './s3-input';
import type { OutputSink } from './sinks';
import {
  kCoreRound,
  kCoreSettledQuery,
  needsKCore,
  preparationSteps,
  resultQueries,
  SOURCE_COLUMNS,
  splitTable,
  type ResultName,
} from './sql';
import type { InputSummary } from './source';
import type { PrepareStats } from './stats';

/** k-core rounds written out for Athena (a state machine runs a fixed list of statements). */
export const ATHENA_KCORE_ROUNDS = 10;

/** Where the UNLOAD of result `name` goes (empty beforehand, as UNLOAD requires). */
const resultUri = (workUri: string, name: string) => joinS3(workUri, ATHENA_RESULTS, name) + '/';

/** The result that tells whether the k-core settled within ATHENA_KCORE_ROUNDS. */
const KCORE_RESULT = 'kcore';

/** What the state machine runs, and what the publish step needs back. */
export interface AthenaPlan {
  readonly database: string;
  readonly workUri: string;
  /** In order, each one query. */
  readonly statements: string[];
  /** Drops the run's database (and its tables): run after the publish step, and on failure. */
  readonly cleanup: string;
  readonly input: InputSummary;
}

export interface PlanRequest {
  readonly input?: InputObjects;
  readonly rawTable?: RawTable;
  readonly athena: { database: string; workUri: string };
  readonly options: PrepareOptions;
  readonly rawDataUri: string;
}

/**
 * Where a row came from: its object (Athena's "$path" pseudo-column, selected through the run's
 * `source` view: https://docs.aws.amazon.com/athena/latest/ug/select.html); Athena has no row position.
 */
const SOURCE_ORIGIN = `"$path" AS src_file, CAST(NULL AS BIGINT) AS src_row`;

/** The external table over the CSV objects (the `source` view maps its columns). */
const CSV_TABLE = 'csv_input';

function pick(column: string | undefined): string {
  return column ? `CAST(${ident(column)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)';
}

/** The first record of a CSV object (a ranged read of its start; gzip by its `.gz` extension, as Athena reads it). */
async function csvHeader(s3: S3Client, bucket: string, key: string): Promise<string[]> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-262143' }));
  let bytes = Buffer.from(await res.Body!.transformToByteArray());
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gz !== /\.gz$/i.test(key)) {
    throw new InputValidationError(
      `s3://${bucket}/${key}: Athena reads gzip by the .gz extension; ${gz ? 'gzip without it' : '.gz that is not gzip'}`,
    );
  }
  if (gz) bytes = gunzipSync(bytes, { finishFlush: 2 /* Z_SYNC_FLUSH: the start of a longer stream */ });
  const firstLine = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)[0];
  return (parse(firstLine, { relax_column_count: true }) as string[][])[0] ?? [];
}

/** The source statements over CSV objects, with the mapping of their header. */
async function csvSource(
  s3: S3Client,
  input: InputObjects,
  db: string,
  needDate: boolean,
): Promise<{ statements: string[]; map: ColumnMap }> {
  if (input.objects.some((o) => /\.(xlsx|parquet)$/i.test(o.key))) {
    throw new InputValidationError(
      'the Athena engine reads CSV objects (plain or .gz) or a Glue table (rawTable); xlsx runs on DuckDB',
    );
  }
  let map: ColumnMap | undefined;
  let width = 0;
  for (const o of input.objects) {
    const header = await csvHeader(s3, input.bucket, o.key);
    const m = mapColumns(header, needDate, `s3://${input.bucket}/${o.key}`);
    if (map && JSON.stringify(m) !== JSON.stringify(map))
      throw new InputValidationError(`s3://${input.bucket}/${o.key} has different columns from the first file`);
    map = m;
    width = Math.max(width, header.length);
  }
  const single = input.objects.length === 1 && input.objects[0].key === input.prefix;
  const folder = single ? input.prefix.slice(0, input.prefix.lastIndexOf('/') + 1) : input.prefix;
  const location = `s3://${input.bucket}/${folder}`;
  const col = (i: number) => (i >= 0 ? `c${i}` : undefined);
  const m = map!;
  const cols = [m.invoice, m.item, m.description, m.quantity, m.date, m.user].map((i) => pick(col(i)));
  // A table reads a whole folder: one object is picked out of its folder by "$path".
  const where = single ? ` WHERE "$path" = '${location}${input.prefix.slice(folder.length)}'` : '';
  return {
    map: m,
    statements: [
      athenaCsvTable(db, CSV_TABLE, width, location),
      createView(
        db,
        'source',
        `SELECT ${cols.map((c, k) => `${c} AS ${SOURCE_COLUMNS[k]}`).join(', ')}, ${SOURCE_ORIGIN} FROM ${db}.${CSV_TABLE}${where}`,
      ),
    ],
  };
}

/** The plan for Athena: every statement of the preparation, in order. */
export async function planAthena(s3: S3Client, r: PlanRequest): Promise<AthenaPlan> {
  const db = r.athena.database;
  const work = r.athena.workUri;
  const needDate = r.options.split === 'temporal';
  let source: string[];
  let layout: 'retail' | 'clean';
  let hasDate: boolean;
  let summary: Omit<InputSummary, 'layout'>;
  if (r.rawTable) {
    const c = r.rawTable.columns;
    layout = c.invoice && c.quantity ? 'retail' : 'clean';
    hasDate = layout === 'retail' && c.date !== undefined;
    if (needDate && !hasDate)
      throw new InputValidationError('the temporal split needs rawTable.columns.date (and invoice, quantity)');
    const from = `${r.rawTable.database}.${r.rawTable.table}`;
    source = [
      createView(
        db,
        'source',
        `SELECT ${pick(c.invoice)} AS invoice, ${pick(c.item)} AS item_raw, ${pick(c.description)} AS description, ${pick(c.quantity)} AS quantity, ${pick(c.date)} AS invoice_date, ${pick(c.user)} AS user_raw, ${SOURCE_ORIGIN} FROM ${from}`,
      ),
    ];
    summary = { format: 'table', gzip: false, sheets: 1, files: 0 };
  } else {
    const { statements, map } = await csvSource(s3, r.input!, db, needDate);
    source = statements;
    layout = map.layout;
    hasDate = map.date >= 0;
    summary = {
      format: 'csv',
      gzip: r.input!.objects.some((o) => /\.gz$/i.test(o.key)),
      sheets: r.input!.objects.length,
      files: r.input!.objects.length,
    };
  }
  const o = sqlOptions(db, layout, hasDate, r.options);
  const tables = preparationSteps(o);
  let kept = 'kept_0';
  const checks: string[] = [];
  if (needsKCore(o)) {
    for (let n = 0; n < ATHENA_KCORE_ROUNDS; n++) tables.push(kCoreRound(o, n));
    kept = `kept_${ATHENA_KCORE_ROUNDS}`;
    // The last round must have changed nothing; the publish step fails the run otherwise.
    checks.push(unload(kCoreSettledQuery(o, ATHENA_KCORE_ROUNDS), resultUri(work, KCORE_RESULT)));
  }
  tables.push(splitTable(o, kept));
  const queries = resultQueries(o, kept);
  return {
    database: db,
    workUri: work,
    statements: [
      createDatabase('athena', db),
      ...source,
      ...tables.map((t) => createStep('athena', db, t, `${work}tables/${t.table}/`)),
      ...checks,
      ...(Object.keys(queries) as ResultName[]).map((name) => unload(queries[name], resultUri(work, name))),
    ],
    cleanup: dropDatabase('athena', db),
    input: { ...summary, layout },
  };
}

/** The JSON lines of one UNLOADed gzip object. */
async function* jsonLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<Record<string, unknown>> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const lines = createInterface({ input: (res.Body as Readable).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line) as Record<string, unknown>;
}

/** Column order of each result (JSON objects carry names, the writers take arrays). */
const COLUMNS: Partial<Record<ResultName, string[]>> = {
  training: ['user_id', 'item_id'],
  testing: ['user_id', 'item_id'],
  catalog: ['item_id', 'description'],
  users: ['user_id'],
};

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** Orders rows by their columns' UTF-8 bytes (code points), as both engines sort VARCHAR. */
function compareRows(a: string[], b: string[]): number {
  for (let k = 0; k < a.length; k++) {
    const c = Buffer.compare(Buffer.from(a[k]), Buffer.from(b[k]));
    if (c) return c;
  }
  return 0;
}

/**
 * The rows of one result: Athena writes several files, each sorted but not relative to each
 * other (https://docs.aws.amazon.com/athena/latest/ug/unload.html), so they are merged.
 */
async function* mergedRows(s3: S3Client, location: string, columns: string[]): AsyncGenerator<string[][]> {
  const { bucket, key } = parseS3Uri(location);
  const keys = await listKeys(s3, bucket, key);
  const heads = await Promise.all(
    keys.map(async (k) => {
      const it = jsonLines(s3, bucket, k);
      const first = await it.next();
      return { it, row: first.done ? undefined : columns.map((c) => text(first.value[c])) };
    }),
  );
  let batch: string[][] = [];
  for (;;) {
    let best = -1;
    for (let k = 0; k < heads.length; k++) {
      if (heads[k].row && (best < 0 || compareRows(heads[k].row!, heads[best].row!) < 0)) best = k;
    }
    if (best < 0) break;
    batch.push(heads[best].row!);
    const next = await heads[best].it.next();
    heads[best].row = next.done ? undefined : columns.map((c) => text(next.value[c]));
    if (batch.length === 8192) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

async function allObjects(s3: S3Client, location: string): Promise<Record<string, unknown>[]> {
  const { bucket, key } = parseS3Uri(location);
  const out: Record<string, unknown>[] = [];
  for (const k of await listKeys(s3, bucket, key)) for await (const row of jsonLines(s3, bucket, k)) out.push(row);
  return out;
}

const PROBLEM_TEXT: Record<string, (value: string) => string> = {
  quantity: (v) => `Quantity ${quoted(v)} is not a number`,
  date: (v) => `InvoiceDate ${quoted(v)} is not a readable date`,
  userLength: () => `customer id longer than ${MAX_ID_LENGTH} characters`,
  itemLength: () => `item id longer than ${MAX_ID_LENGTH} characters`,
};

/** Writes the outputs from the results of an Athena plan. */
export async function publishAthena(
  s3: S3Client,
  plan: { workUri: string; input?: InputSummary },
  sink: OutputSink,
  options: PrepareOptions,
  table: boolean,
  now: () => number = Date.now,
): Promise<{ stats: PrepareStats }> {
  const started = now();
  const result = (name: ResultName) => resultUri(plan.workUri, name);
  try {
    const [kcore] = await allObjects(s3, resultUri(plan.workUri, KCORE_RESULT));
    if (kcore && Number(kcore.last_pairs) !== Number(kcore.previous_pairs)) {
      throw new InputValidationError(
        `the minimum interactions (minUserInteractions ${options.minUserInteractions ?? 1}, minItemInteractions ${options.minItemInteractions ?? 1}) ` +
          `had not settled after the ${ATHENA_KCORE_ROUNDS} rounds Athena runs (the last removed ${Number(kcore.previous_pairs) - Number(kcore.last_pairs)} pairs); ` +
          'prepare this input on DuckDB (prepareEngine duckdb) or lower the minimums',
      );
    }
    const problems = await allObjects(s3, result('problems'));
    if (problems.length) {
      const p = problems.sort((a, b) => text(a.src_file).localeCompare(text(b.src_file)))[0];
      const where = table ? 'rawTable' : text(p.src_file);
      throw new InputValidationError(
        `${where}: ${PROBLEM_TEXT[text(p.problem)]?.(text(p.problem_value)) ?? text(p.problem)} (${text(p.row_count)} such rows)`,
      );
    }
    const source: ResultSource = {
      rows: (name) => mergedRows(s3, result(name), COLUMNS[name] ?? []),
      objects: (name) => allObjects(s3, result(name)),
    };
    const input = plan.input ?? { format: 'csv', gzip: false, layout: 'retail', sheets: 0, files: 0 };
    const { stats } = await publishOutputs(source, sink, options, { ...input, engine: 'athena' }, started, now);
    return { stats };
  } catch (err) {
    await sink.abort();
    throw err;
  }
}
