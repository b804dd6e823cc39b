/**
 * A local stand-in for Athena's athena:startQueryExecution.sync: each statement the state machine
 * sends runs on DuckDB through the same dialect prelude the DuckDB path uses. Athena's own DDL is
 * read as Athena reads it: a CSV table over an S3 prefix (downloaded from the local S3 API, the
 * header skipped, `.gz` read by extension), a CTAS (kept in DuckDB), an UNLOAD (gzip'd JSON lines
 * written to its location, which must be empty, as Athena requires:
 * https://docs.aws.amazon.com/athena/latest/ug/unload.html). A failed query fails the task with
 * States.TaskFailed and the query's status as its cause, as the .sync integration does.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createDatabase, dropDatabase } from '../lambda/prepare-data/dialect';
import { DuckDb } from '../lambda/prepare-data/engine';
import { joinS3 } from '../lambda/shared/s3-uri';
import { IntegrationErrors } from '../lib/aws-errors';
import { TaskError } from './errors';
import { downloadPrefix, listKeys, putText } from './s3';
import type { Json } from './sagemaker/context';

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A string literal of Athena's (Hive's) DDL: backslash escapes, three octal digits, or \\u and four hex digits. */
function hiveString(literal: string): string {
  return literal.replace(/\\(u[0-9a-fA-F]{4}|[0-7]{3}|.)/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e.length === 3 ? String.fromCharCode(parseInt(e, 8)) : e,
  );
}

/** The properties of a WITH SERDEPROPERTIES clause: 'key' = 'value', ... */
function serdeProperties(list: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const m of list.matchAll(/'((?:[^'\\]|\\.)*)'\s*=\s*'((?:[^'\\]|\\.)*)'/g)) props[hiveString(m[1])] = hiveString(m[2]);
  return props;
}

export class LocalAthena {
  private db: DuckDb | undefined;
  /** Every statement run, in order (tests read them). */
  readonly statements: string[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly workdir: string,
  ) {}

  private async duck(): Promise<DuckDb> {
    this.db ??= await DuckDb.open({ tempDirectory: path.join(this.workdir, 'athena', 'spill') });
    return this.db;
  }

  /** Runs one statement; resolves to what StartQueryExecution.sync returns (GetQueryExecution's answer). */
  async startQueryExecutionSync(input: Json): Promise<Json> {
    const query = String(input.QueryString ?? '');
    const id = randomUUID();
    this.statements.push(query);
    const started = new Date().toISOString();
    try {
      await this.execute(query.trim());
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      const execution = { QueryExecutionId: id, Query: query, Status: { State: 'FAILED', StateChangeReason: reason } };
      throw new TaskError(IntegrationErrors.TaskFailed, JSON.stringify({ QueryExecution: execution }));
    }
    return {
      QueryExecution: {
        QueryExecutionId: id,
        Query: query,
        WorkGroup: input.WorkGroup ?? 'primary',
        Status: { State: 'SUCCEEDED', SubmissionDateTime: started, CompletionDateTime: new Date().toISOString() },
      },
    };
  }

  private async execute(q: string): Promise<void> {
    const db = await this.duck();
    let m = /^CREATE DATABASE IF NOT EXISTS (\w+)$/i.exec(q);
    if (m) return db.run(createDatabase('duckdb', m[1]));
    m = /^DROP DATABASE IF EXISTS (\w+) CASCADE$/i.exec(q);
    if (m) return db.run(dropDatabase('duckdb', m[1]));
    m =
      /^CREATE EXTERNAL TABLE (\w+\.\w+) \(([^)]*)\)\s+ROW FORMAT SERDE 'org\.apache\.hadoop\.hive\.serde2\.OpenCSVSerde'\s+WITH SERDEPROPERTIES \(((?:[^()']|'(?:[^'\\]|\\.)*')*)\)\s+LOCATION '(s3:\/\/[^']+)'\s+TBLPROPERTIES \('skip\.header\.line\.count' = '1'\)$/i.exec(
        q,
      );
    if (m) return this.csvTable(db, m[1], m[2], serdeProperties(m[3]), m[4]);
    m = /^CREATE TABLE (\w+\.\w+) WITH \((?:[^()']|'[^']*')*\) AS ([\s\S]*)$/i.exec(q);
    if (m) return db.run(`CREATE TABLE ${m[1]} AS ${m[2]}`);
    if (/^CREATE OR REPLACE VIEW \w+\.\w+ AS /i.test(q)) return db.run(q);
    m = /^UNLOAD \(([\s\S]*)\) TO '(s3:\/\/[^']+)' WITH \((?:[^()']|'[^']*')*\)$/i.exec(q);
    if (m) return this.unload(db, m[1], m[2]);
    throw new Error(`the local Athena stand-in does not run this statement: ${q.slice(0, 80)}`);
  }

  /**
   * A view over the CSV files under the location, with Athena's "$path" and every column as text.
   * DuckDB reads them as OpenCSVSerde does with a `"` quote (doubled inside quoted fields) and an
   * escape character the data does not hold; with OpenCSVSerde's default backslash escape (which
   * drops backslashes from the data) or another separator the stand-in refuses the table.
   */
  private async csvTable(
    db: DuckDb,
    name: string,
    columns: string,
    props: Record<string, string>,
    location: string,
  ): Promise<void> {
    const escape = props.escapeChar ?? '\\';
    if (props.separatorChar !== ',' || props.quoteChar !== '"' || escape === '\\' || escape === '"') {
      throw new Error(
        `the local stand-in reads OpenCSVSerde tables with separatorChar ',', quoteChar '"' and an escapeChar the data does not hold (got ${JSON.stringify(props)})`,
      );
    }
    const names = columns.split(',').map((c) => c.trim().split(/\s+/)[0]);
    const dir = path.join(this.workdir, 'athena', 'tables', name, randomUUID());
    const files = await downloadPrefix(this.s3, location, dir);
    if (files.length === 0) throw new Error(`no files under ${location}`);
    const base = location.endsWith('/') ? location : `${location}/`;
    const reads = files.sort().map((f) => {
      const uri = base + path.relative(dir, f).split(path.sep).join('/');
      return `SELECT ${names.join(', ')}, ${sql(uri)} AS "$path" FROM read_csv(${sql(f)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', null_padding = true, names = [${names.map(sql).join(', ')}])`;
    });
    await db.run(`CREATE OR REPLACE VIEW ${name} AS ${reads.join(' UNION ALL ')}`);
  }

  private async unload(db: DuckDb, select: string, location: string): Promise<void> {
    const prefix = location.endsWith('/') ? location : `${location}/`;
    if ((await listKeys(this.s3, prefix)).keys.length) throw new Error(`UNLOAD: the location ${prefix} is not empty`);
    const file = path.join(this.workdir, 'athena', 'unload', `${randomUUID()}.json.gz`);
    await mkdir(path.dirname(file), { recursive: true });
    await db.run(`COPY (${select}) TO ${sql(file)} (FORMAT JSON, COMPRESSION GZIP)`);
    await putText(this.s3, joinS3(prefix, `${randomUUID()}.json.gz`), await readFile(file));
    await rm(file, { force: true });
  }

  stop(): void {
    this.db?.close();
    this.db = undefined;
  }
}
