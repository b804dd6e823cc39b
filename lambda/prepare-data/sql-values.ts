/**
 * How sql.ts reads one cell: trimming, id normalisation, numbers and dates, as SQL expressions in
 * Trino's dialect that DuckDB runs after the prelude (dialect.ts). They are applied once per
 * distinct value (sql.ts keeps a small table of each column's distinct values), not once per row.
 *
 * Written so that the engines agree: trimming is a regexp with an explicit character class (the
 * engines' own trim() disagree on tabs and no-break spaces); a regexp_extract always matches or
 * is only taken where regexp_like matched (no match is '' on DuckDB, NULL on Trino); integer
 * division only on non-negative values (Trino's integer division, DuckDB's after the prelude); times
 * are epoch milliseconds computed with arithmetic only (no time zone, no date functions).
 */

/** What trimming removes at either end: space, tab, line feed, carriage return, form feed, vertical tab, no-break space. */
const SPACE = '[ \\t\\n\\r\\f\\x0B\\xA0]';

/** `x` without leading or trailing white space (always matches: the group may be empty; (?s) lets `.` cross line breaks). */
export function trimmed(x: string): string {
  return `regexp_extract(${x}, '(?s)^${SPACE}*(.*?)${SPACE}*$', 1)`;
}

/** `13085.0` -> `13085`, as container/src/ids.ts normaliseId does (the model server's rule for requests). */
export function normalisedId(t: string): string {
  return `CASE WHEN regexp_like(${t}, '^-?[0-9]+\\.0+$') THEN regexp_extract(${t}, '^(-?[0-9]+)\\.0+$', 1) ELSE ${t} END`;
}

/** A decimal number as Quantity may hold it (no hex, no Infinity). */
export const NUMBER = '^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$';

/** Group g of a regexp that matched, as an integer (0 for an optional group that did not take part). */
function part(text: string, re: string, g: number): string {
  return `try_cast(coalesce(nullif(regexp_extract(${text}, '${re}', ${g}), ''), '0') AS BIGINT)`;
}

const FIXED = '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$';
const ISO = '^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([T ]([0-9]{1,2}):([0-9]{2})(:([0-9]{2})(\\.[0-9]+)?)?)?Z?$';
const US = '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})( ([0-9]{1,2}):([0-9]{2})(:([0-9]{2}))?)?$';
const SERIAL = '^[0-9]{4,5}(\\.[0-9]+)?$';

/**
 * Epoch ms of a calendar date-time (days from civil, H. Hinnant's algorithm) or NULL when the
 * fields do not make a date (2009-02-30, month 13, hour 24).
 */
function civil(y: string, m: string, d: string, h: string, mi: string, s: string): string {
  const yy = `(${y} - CASE WHEN ${m} <= 2 THEN 1 ELSE 0 END)`;
  const doy = `((153 * (${m} + CASE WHEN ${m} > 2 THEN -3 ELSE 9 END) + 2) / 5 + ${d} - 1)`;
  const days = `((${yy} / 400) * 146097 + (${yy} - (${yy} / 400) * 400) * 365 + (${yy} - (${yy} / 400) * 400) / 4 - (${yy} - (${yy} / 400) * 400) / 100 + ${doy} - 719468)`;
  const dim = `CASE WHEN ${m} IN (4, 6, 9, 11) THEN 30 WHEN ${m} <> 2 THEN 31 WHEN (${y} % 4 = 0 AND ${y} % 100 <> 0) OR ${y} % 400 = 0 THEN 29 ELSE 28 END`;
  const valid = `${y} >= 1 AND ${m} BETWEEN 1 AND 12 AND ${d} BETWEEN 1 AND ${dim} AND ${h} <= 23 AND ${mi} <= 59 AND ${s} <= 59`;
  return `CASE WHEN ${valid} THEN ((${days} * 24 + ${h}) * 60 + ${mi}) * 60000 + ${s} * 1000 END`;
}

/**
 * The date format of `dt` (0: the export's own YYYY-MM-DD HH:MM[:SS], read by position; 1: other
 * ISO forms such as xlsx cells' 2009-12-01T07:45:00.000Z; 2: 12/1/2009 7:45, month first, as in
 * UCI's older CSVs; 3: an Excel serial day number; NULL: unreadable). Exports carry no zone: UTC.
 */
const DATE_FORMAT = `CASE
      WHEN regexp_like(dt, '${FIXED}') THEN 0
      WHEN regexp_like(dt, '${ISO}') THEN 1
      WHEN regexp_like(dt, '${US}') THEN 2
      WHEN regexp_like(dt, '${SERIAL}') THEN 3
    END`;

/** The date-time fields of `dt` by its format (each read once, then combined by `civil`). */
function dateFields(): string {
  const fixed = (from: number, len: number) => `try_cast(substr(dt, ${from}, ${len}) AS BIGINT)`;
  const iso = (g: number) => part('dt', ISO, g);
  const us = (g: number) => part('dt', US, g);
  const field = (name: string, f0: string, f1: string, f2: string) =>
    `CASE fmt WHEN 0 THEN ${f0} WHEN 1 THEN ${f1} WHEN 2 THEN ${f2} END AS ${name}`;
  return [
    field('dy', fixed(1, 4), iso(1), us(3)),
    field('dm', fixed(6, 2), iso(2), us(1)),
    field('dd', fixed(9, 2), iso(3), us(2)),
    field('dh', fixed(12, 2), iso(5), us(5)),
    field('dmi', fixed(15, 2), iso(6), us(6)),
    field('ds', `CASE WHEN length(dt) >= 19 THEN ${fixed(18, 2)} ELSE 0 END`, iso(8), us(8)),
    `CASE WHEN fmt = 3 THEN CAST(round((try_cast(dt AS DOUBLE) - 25569) * 86400) AS BIGINT) * 1000 END AS serial_ms`,
  ].join(',\n      ');
}

/** `<column>, ts` for every row of `from` (which has `column`): its time in epoch ms, NULL when unreadable. */
export function timeOf(column: string, from: string): string {
  return `SELECT ${column}, CASE WHEN fmt = 3 THEN serial_ms ELSE ${civil('dy', 'dm', 'dd', 'dh', 'dmi', 'ds')} END AS ts
    FROM (
      SELECT ${column}, fmt, ${dateFields()}
      FROM (SELECT ${column}, dt, ${DATE_FORMAT} AS fmt FROM (SELECT ${column}, ${trimmed(column)} AS dt FROM ${from}) a) b
    ) c`;
}
