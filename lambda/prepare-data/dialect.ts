/**
 * Every difference between the two engines that run sql.ts, in one place: DuckDB's prelude (the
 * Trino functions the statements use, defined as DuckDB macros, and Trino's integer division), and
 * how each engine wraps the same SELECT into a table, a view, a database and a result file.
 *
 * Athena engine version 3 runs Trino's functions (https://docs.aws.amazon.com/athena/latest/ug/functions-env3.html;
 * https://trino.io/docs/current/functions/string.html, .../binary.html, .../math.html, .../regexp.html):
 * md5(varbinary) -> varbinary, to_utf8(varchar) -> varbinary, to_hex(varbinary) -> upper-case hex,
 * from_base(varchar, radix) -> bigint (either case), regexp_like(varchar, pattern) -> boolean,
 * regexp_extract(varchar, pattern, group) -> varchar or NULL when nothing matches (Java patterns; sql.ts
 * writes only what Java and DuckDB's RE2 read alike). DuckDB's md5(varchar) already returns the
 * lower-case hex text.
 */
import type { TableStatement } from './sql';

export type Engine = 'duckdb' | 'athena';

/** Run by DuckDB before any statement of sql.ts. */
export const DUCKDB_PRELUDE: readonly string[] = [
  // Trino divides integers as integers; DuckDB's `/` returns a double unless told otherwise.
  'SET integer_division = true',
  'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  // md5 of text is hex text on DuckDB: to_utf8 and to_hex have nothing left to do.
  'CREATE OR REPLACE MACRO to_utf8(s) AS s',
  'CREATE OR REPLACE MACRO to_hex(s) AS s',
  // Only radix 16 is used (the first 32 bits of an md5).
  "CREATE OR REPLACE MACRO from_base(s, radix) AS CAST('0x' || s AS BIGINT)",
];

/** A database (Glue) or schema (DuckDB) for the run's tables. */
export function createDatabase(engine: Engine, db: string): string {
  return engine === 'athena' ? `CREATE DATABASE IF NOT EXISTS ${db}` : `CREATE SCHEMA IF NOT EXISTS ${db}`;
}

/** Drops the run's database and everything in it. */
export function dropDatabase(engine: Engine, db: string): string {
  return engine === 'athena' ? `DROP DATABASE IF EXISTS ${db} CASCADE` : `DROP SCHEMA IF EXISTS ${db} CASCADE`;
}

/** A view over a SELECT (the same text in both engines). */
export function createView(db: string, name: string, select: string): string {
  return `CREATE OR REPLACE VIEW ${db}.${name} AS ${select}`;
}

/**
 * A table filled by its SELECT. On Athena a CTAS writes Parquet under `location` (which must be
 * empty): https://docs.aws.amazon.com/athena/latest/ug/create-table-as.html
 */
export function createTable(engine: Engine, db: string, t: TableStatement, location?: string): string {
  if (engine === 'duckdb') return `CREATE OR REPLACE TABLE ${db}.${t.table} AS ${t.select}`;
  if (!location) throw new Error(`table ${t.table}: Athena needs an external location`);
  return `CREATE TABLE ${db}.${t.table} WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${location}') AS ${t.select}`;
}

/** A step of sql.ts: a view, or a table (Athena: under `location`). */
export function createStep(engine: Engine, db: string, t: TableStatement, location?: string): string {
  return t.view ? createView(db, t.table, t.select) : createTable(engine, db, t, location);
}

/**
 * Athena writes a query's rows as gzip'd JSON lines under `location` (empty beforehand), in
 * several files each sorted by the query's ORDER BY but not relative to each other:
 * https://docs.aws.amazon.com/athena/latest/ug/unload.html. The publish step merges them.
 */
export function unload(select: string, location: string): string {
  return `UNLOAD (${select}) TO '${location}' WITH (format = 'JSON', compression = 'GZIP')`;
}

/**
 * The separator, quote and escape characters of the CSV tables Athena reads. OpenCSVSerde's
 * escape character defaults to a backslash, which it removes from the data (the UCI file holds
 * `PINK\ON STICK`): it is set to U+0001, which retail text never holds. The SerDe reads every
 * column as a string, skips the header with skip.header.line.count, reads `.gz` files by their
 * extension, and does not support line breaks inside quoted fields:
 * https://docs.aws.amazon.com/athena/latest/ug/csv-serde.html
 */
export const ATHENA_CSV = { separator: ',', quote: '"', escape: '\u0001' } as const;

/**
 * A character as a string literal of Athena's DDL (Hive's: a backslash escapes, and a control
 * character is written as three octal digits, as '\001' for U+0001; the SerDe page above writes
 * its backslash as '\\').
 */
export function ddlChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\\' || c === "'") return `'\\${c}'`;
  return code < 0x20 ? `'\\${code.toString(8).padStart(3, '0')}'` : `'${c}'`;
}

/** Athena columns for a CSV's header cells: c0, c1, ... (header names need not be identifiers). */
export function positionalColumns(count: number): string[] {
  return Array.from({ length: count }, (_, k) => `c${k}`);
}

/** An Athena table over the CSV files under an S3 prefix (every one with the same header). */
export function athenaCsvTable(db: string, name: string, columns: number, location: string): string {
  const cols = positionalColumns(columns)
    .map((c) => `${c} string`)
    .join(', ');
  return `CREATE EXTERNAL TABLE ${db}.${name} (${cols})
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
WITH SERDEPROPERTIES ('separatorChar' = ${ddlChar(ATHENA_CSV.separator)}, 'quoteChar' = ${ddlChar(ATHENA_CSV.quote)}, 'escapeChar' = ${ddlChar(ATHENA_CSV.escape)})
LOCATION '${location}'
TBLPROPERTIES ('skip.header.line.count' = '1')`;
}

/** An Athena table over the Parquet files under an S3 prefix. */
export function athenaParquetTable(db: string, name: string, columns: readonly string[], location: string): string {
  return `CREATE EXTERNAL TABLE ${db}.${name} (${columns.map((c) => `\`${c}\` string`).join(', ')})
STORED AS PARQUET
LOCATION '${location}'`;
}

/** A quoted identifier (both engines take double quotes). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
