/**
 * The data preparation, written once in SQL (Trino's dialect, as Athena engine v3 runs it; DuckDB
 * runs the same text after the prelude of dialect.ts). Every cleaning rule, normalisation, the
 * aggregation into pairs, the catalog descriptions, the k-core minimums, the split and the
 * statistics live here and nowhere else. The statements read `<db>.source`, a relation with the
 * canonical columns below that each engine builds over its input (source.ts, athena.ts).
 *
 * Written so that neither engine's quirks matter: empty cells are compared after
 * `coalesce(trim(x), '')` (NULL on DuckDB, '' from Athena's CSV SerDe); a regexp_extract is only
 * taken where regexp_like matched (no match is '' on DuckDB, NULL on Trino); integer division only
 * on non-negative values (the prelude makes DuckDB's `/` an integer division as Trino's is);
 * md5 over to_utf8 (Trino's md5 takes varbinary); times are epoch milliseconds computed with
 * arithmetic only (no time zone, no date functions).
 */
import { MAX_ID_LENGTH } from '../../container/src/limits';

/** The canonical columns of `<db>.source` (every one VARCHAR, possibly NULL), and where a row came from. */
export const SOURCE_COLUMNS = ['invoice', 'item_raw', 'description', 'quantity', 'invoice_date', 'user_raw'] as const;
export type SourceColumn = (typeof SOURCE_COLUMNS)[number];
/** `src_file` (VARCHAR) and `src_row` (BIGINT: the record's position in its file, 1-based; NULL where the engine has none). */
export const SOURCE_POSITION = ['src_file', 'src_row'] as const;

/** Stock codes that are not products (after normalisation), as found in Online Retail II. */
export const NON_PRODUCT_CODES: readonly string[] = [
  'POST', // postage
  'DOT', // dotcom postage
  'M', // manual entry
  'C2', // carriage
  'C3', // carriage
  'D', // discount
  'S', // samples
  'B', // adjust bad debt
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK', // CRUK commission
  'PADS', // pads to match all cushions
  'GIFT', // gift voucher
];
/** Families: TEST001, TEST002..., ADJUST, ADJUST2..., gift_0001_10 ... gift vouchers (after upper-casing). */
export const NON_PRODUCT_PATTERN = '^(TEST[0-9]*|ADJUST[0-9]*|GIFT_[0-9]+_[0-9]+)$';

/** The rules that drop a row, in the order they apply (a row counts under the first). */
export const DROP_RULES = ['missingCustomer', 'cancellation', 'nonPositiveQuantity', 'missingItem'] as const;
/** Problems that fail the preparation, naming the row. */
export const PROBLEMS = ['userLength', 'quantity', 'date', 'itemLength'] as const;
export type Problem = (typeof PROBLEMS)[number];

/** What the statements depend on. */
export interface SqlOptions {
  /** Schema (DuckDB) or Glue database (Athena) holding the run's tables. */
  readonly db: string;
  /** Online Retail II columns (every rule) or an already clean user_id,item_id table (ids only). */
  readonly retail: boolean;
  /** Whether the source has an invoice date column. */
  readonly hasDate: boolean;
  readonly split: 'random' | 'temporal';
  readonly testFraction: number;
  readonly seed: number;
  /** Temporal split cut-off in epoch ms; the (1 - testFraction) quantile of first purchases when absent. */
  readonly cutoffMs?: number;
  readonly minUserInteractions: number;
  readonly minItemInteractions: number;
}

/** A table the preparation creates: its name and the SELECT that fills it. */
export interface TableStatement {
  readonly table: string;
  readonly select: string;
}

const str = (s: string) => `'${s.replace(/'/g, "''")}'`;
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(17));

/** `13085.0` -> `13085`, as container/src/ids.ts normaliseId does (the model server's rule for requests). */
function normalisedId(t: string): string {
  return `CASE WHEN regexp_like(${t}, '^-?[0-9]+\\.0+$') THEN regexp_extract(${t}, '^(-?[0-9]+)\\.0+$', 1) ELSE ${t} END`;
}

/** Group g of a regexp that matched, as an integer (0 for an optional group that did not take part). */
function part(text: string, re: string, g: number): string {
  return `try_cast(coalesce(nullif(regexp_extract(${text}, '${re}', ${g}), ''), '0') AS BIGINT)`;
}

const ISO = '^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([T ]([0-9]{1,2}):([0-9]{2})(:([0-9]{2})(\\.[0-9]+)?)?)?Z?$';
const US = '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})( ([0-9]{1,2}):([0-9]{2})(:([0-9]{2}))?)?$';
const SERIAL = '^[0-9]{4,5}(\\.[0-9]+)?$';
const NUMBER = '^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$';

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

const FIXED = '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$';

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

/** Epoch ms from the fields of dateFields. */
const INVOICE_TIME = `CASE WHEN fmt = 3 THEN serial_ms ELSE ${civil('dy', 'dm', 'dd', 'dh', 'dmi', 'ds')} END`;

/**
 * `<db>.classified` (a view): every source row with its normalised ids, time, the rule that drops
 * it (NULL when kept) and the problem that fails the preparation (NULL when none), in the order
 * the rules apply: customer id (empty: dropped; too long: failed), cancellation, Quantity (not a
 * number: failed; <= 0: dropped), date (unreadable: counted; failed in temporal mode), stock code
 * (too long: failed; empty: dropped).
 */
export function classifiedView(o: SqlOptions): string {
  const retail = o.retail ? 'TRUE' : 'FALSE';
  const dated = o.retail && o.hasDate;
  const item = o.retail ? `upper(${normalisedId('i')})` : 'i';
  const problem = `CASE
      WHEN length(user_id) > ${MAX_ID_LENGTH} THEN 'userLength'
      WHEN user_id = '' OR cancelled THEN NULL
      WHEN ${retail} AND NOT regexp_like(q, '${NUMBER}') THEN 'quantity'
      WHEN ${retail} AND try_cast(q AS DOUBLE) <= 0 THEN NULL
      WHEN ${dated && o.split === 'temporal' ? 'ts IS NULL' : 'FALSE'} THEN 'date'
      WHEN length(item_id) > ${MAX_ID_LENGTH} THEN 'itemLength'
    END`;
  const rule = `CASE
      WHEN user_id = '' THEN 'missingCustomer'
      WHEN cancelled THEN 'cancellation'
      WHEN ${retail} AND try_cast(q AS DOUBLE) <= 0 THEN 'nonPositiveQuantity'
      WHEN item_id = '' THEN 'missingItem'
    END`;
  return `SELECT src_file, src_row, user_id, item_id, d AS description, ts, invoice_date, quantity, user_raw, item_raw,
    ${problem} AS problem,
    ${rule} AS rule
  FROM (
    SELECT src_file, src_row, invoice_date, quantity, user_raw, item_raw, user_id, item_id, d, q, cancelled,
      ${dated ? INVOICE_TIME : 'CAST(NULL AS BIGINT)'} AS ts
    FROM (
      SELECT src_file, src_row, invoice_date, quantity, user_raw, item_raw, user_id, item_id, d, q, cancelled, fmt,
        ${dated ? dateFields() : 'NULL AS unused'}
      FROM (
        SELECT src_file, src_row, invoice_date, quantity, user_raw, item_raw, dt,
          ${normalisedId('u')} AS user_id,
          ${item} AS item_id,
          d, q,
          ${retail} AND (inv LIKE 'C%' OR inv LIKE 'c%') AS cancelled,
          ${dated ? DATE_FORMAT : 'CAST(NULL AS INTEGER)'} AS fmt
        FROM (
          SELECT src_file, src_row, invoice_date, quantity, user_raw, item_raw,
            trim(coalesce(user_raw, '')) AS u,
            trim(coalesce(item_raw, '')) AS i,
            trim(coalesce(description, '')) AS d,
            coalesce(invoice, '') AS inv,
            trim(coalesce(quantity, '')) AS q,
            trim(coalesce(invoice_date, '')) AS dt
          FROM ${o.db}.source
        ) t
      ) f
    ) p
  ) n`;
}

/** The cell a problem is about (shown in its message). */
const PROBLEM_VALUE = `CASE problem WHEN 'quantity' THEN quantity WHEN 'date' THEN invoice_date WHEN 'userLength' THEN user_raw ELSE item_raw END`;

/**
 * The tables, in order. `grouped` is the one pass over the input: kept rows by (user, item,
 * description), dropped rows by rule, failing rows by problem and file (with the first one's row
 * and value). The rest read it and each other.
 */
export function preparationTables(o: SqlOptions): TableStatement[] {
  const db = o.db;
  const nonProduct = o.retail
    ? `(item_id IN (${NON_PRODUCT_CODES.map(str).join(', ')}) OR regexp_like(item_id, '${NON_PRODUCT_PATTERN}'))`
    : 'FALSE';
  return [
    {
      table: 'grouped',
      select: `SELECT
        CASE WHEN rule IS NULL AND problem IS NULL THEN user_id END AS user_id,
        CASE WHEN rule IS NULL AND problem IS NULL THEN item_id END AS item_id,
        CASE WHEN rule IS NULL AND problem IS NULL THEN description END AS description,
        rule, problem,
        CASE WHEN problem IS NOT NULL THEN src_file END AS src_file,
        count(*) AS row_count,
        min(ts) AS first_ms,
        max(ts) AS last_ms,
        sum(CASE WHEN ${o.retail && o.hasDate ? 'ts IS NULL' : 'FALSE'} AND problem IS NULL AND (rule IS NULL OR rule = 'missingItem') THEN 1 ELSE 0 END) AS undated,
        min(CASE WHEN problem IS NOT NULL THEN src_row END) AS first_row,
        min_by(CASE WHEN problem IS NOT NULL THEN ${PROBLEM_VALUE} END, coalesce(src_row, 0)) AS problem_value
      FROM ${db}.classified
      GROUP BY 1, 2, 3, 4, 5, 6`,
    },
    {
      table: 'pairs',
      select: `SELECT user_id, item_id, sum(row_count) AS row_count, min(first_ms) AS first_ms, max(last_ms) AS last_ms,
        ${nonProduct} AS non_product
      FROM ${db}.grouped WHERE rule IS NULL AND problem IS NULL
      GROUP BY user_id, item_id`,
    },
    {
      // Most frequent description among the kept rows; ties go to the alphabetically first (by code point).
      table: 'descriptions',
      select: `SELECT item_id, description FROM (
        SELECT item_id, description, row_number() OVER (PARTITION BY item_id ORDER BY sum(row_count) DESC, description ASC) AS r
        FROM ${db}.grouped WHERE rule IS NULL AND problem IS NULL AND description <> ''
        GROUP BY item_id, description
      ) t WHERE r = 1`,
    },
    {
      table: 'kept_0',
      select: `SELECT user_id, item_id, row_count, first_ms FROM ${db}.pairs WHERE NOT non_product`,
    },
  ];
}

/** Whether the k-core rounds run at all (minimums of 1 change nothing). */
export function needsKCore(o: SqlOptions): boolean {
  return o.minUserInteractions > 1 || o.minItemInteractions > 1;
}

/** One k-core round: kept_<n+1> holds the pairs of kept_<n> whose user and item both reach their minimum. */
export function kCoreRound(o: SqlOptions, n: number): TableStatement {
  return {
    table: `kept_${n + 1}`,
    select: `SELECT user_id, item_id, row_count, first_ms FROM (
      SELECT user_id, item_id, row_count, first_ms,
        count(*) OVER (PARTITION BY user_id) AS user_pairs,
        count(*) OVER (PARTITION BY item_id) AS item_pairs
      FROM ${o.db}.kept_${n}
    ) t WHERE user_pairs >= ${o.minUserInteractions} AND item_pairs >= ${o.minItemInteractions}`,
  };
}

/**
 * The split of kept_<n>: random = the first 32 bits of md5('seed|user|item') below
 * testFraction x 2^32 (the same assignment in any engine or language); temporal = first purchase
 * at or after the cut-off (given, or the (1 - testFraction) quantile of first purchases). Test
 * pairs whose user or item has no training pair are dropped and counted.
 */
export function splitTable(o: SqlOptions, kept: string): TableStatement {
  const db = o.db;
  const hash = `from_base(substr(to_hex(md5(to_utf8(concat('${o.seed}', '|', user_id, '|', item_id)))), 1, 8), 16)`;
  const cutoff =
    o.cutoffMs !== undefined
      ? `CAST(${o.cutoffMs} AS BIGINT)`
      : `(SELECT min(first_ms) FROM (
          SELECT first_ms, row_number() OVER (ORDER BY first_ms) AS r, count(*) OVER () AS n FROM ${db}.${kept}
        ) q WHERE r - 1 = least(n - 1, CAST(floor(n * ${num(1 - o.testFraction)}) AS BIGINT)))`;
  const side =
    o.split === 'random'
      ? `CASE WHEN ${hash} < ${num(o.testFraction)} * 4294967296 THEN 'test' ELSE 'train' END`
      : `CASE WHEN first_ms >= cutoff_ms THEN 'test' ELSE 'train' END`;
  return {
    table: 'split',
    select: `SELECT user_id, item_id, cutoff_ms,
        CASE WHEN side = 'train' THEN 'train'
          WHEN max(CASE WHEN side = 'train' THEN 1 ELSE 0 END) OVER (PARTITION BY user_id) = 0 THEN 'unknownUser'
          WHEN max(CASE WHEN side = 'train' THEN 1 ELSE 0 END) OVER (PARTITION BY item_id) = 0 THEN 'unknownItem'
          ELSE 'test' END AS side
      FROM (
        SELECT user_id, item_id, cutoff_ms, ${side} AS side
        FROM (SELECT user_id, item_id, first_ms, ${o.split === 'temporal' ? cutoff : 'CAST(NULL AS BIGINT)'} AS cutoff_ms FROM ${db}.${kept}) k
      ) s`,
  };
}

/** The queries whose rows the outputs and the statistics are made of (outputs.ts, stats.ts read them by these names). */
export function resultQueries(o: SqlOptions, kept: string) {
  const db = o.db;
  const counts = (from: string) =>
    `(SELECT CAST(coalesce(sum(row_count), 0) AS BIGINT) AS r, count(*) AS p, count(DISTINCT user_id) AS u, count(DISTINCT item_id) AS i FROM ${db}.${from})`;
  const rule = (r: string) => `(SELECT CAST(coalesce(sum(row_count), 0) AS BIGINT) FROM ${db}.grouped WHERE rule = '${r}')`;
  return {
    training: `SELECT user_id, item_id FROM ${db}.split WHERE side = 'train' ORDER BY user_id, item_id`,
    testing: `SELECT user_id, item_id FROM ${db}.split WHERE side = 'test' ORDER BY user_id, item_id`,
    catalog: `SELECT k.item_id, coalesce(d.description, '') AS description
      FROM (SELECT DISTINCT item_id FROM ${db}.split WHERE side IN ('train', 'test')) k
      LEFT JOIN ${db}.descriptions d ON d.item_id = k.item_id ORDER BY k.item_id`,
    users: `SELECT DISTINCT user_id FROM ${db}.split WHERE side = 'train' ORDER BY user_id`,
    /** One row: every count of the statistics. */
    stats: `SELECT
        (SELECT CAST(sum(row_count) AS BIGINT) FROM ${db}.grouped) AS rows_read,
        ${DROP_RULES.map((r) => `${rule(r)} AS dropped_${r}`).join(',\n        ')},
        (SELECT CAST(coalesce(sum(undated), 0) AS BIGINT) FROM ${db}.grouped) AS undated,
        b.r AS basic_rows, b.u AS basic_users, b.i AS basic_items, b.p AS basic_pairs,
        np.r AS product_rows, np.u AS product_users, np.i AS product_items, np.p AS product_pairs,
        f.r AS kept_rows, f.u AS kept_users, f.i AS kept_items, f.p AS kept_pairs,
        (SELECT count(*) FROM ${db}.split WHERE side = 'train') AS train_pairs,
        (SELECT count(*) FROM ${db}.split WHERE side = 'test') AS test_pairs,
        (SELECT count(*) FROM ${db}.split WHERE side = 'unknownUser') AS test_unknown_user,
        (SELECT count(*) FROM ${db}.split WHERE side = 'unknownItem') AS test_unknown_item,
        (SELECT count(DISTINCT user_id) FROM ${db}.split WHERE side = 'train') AS train_users,
        (SELECT count(DISTINCT item_id) FROM ${db}.split WHERE side = 'train') AS train_items,
        (SELECT count(DISTINCT user_id) FROM ${db}.split WHERE side = 'test') AS test_users,
        (SELECT min(cutoff_ms) FROM ${db}.split) AS cutoff_ms
      FROM ${counts('pairs')} b, ${counts('kept_0')} np, ${counts(kept)} f`,
    /** Customers by their number of distinct kept items. */
    histogram: `SELECT pairs, count(*) AS customers FROM (SELECT user_id, count(*) AS pairs FROM ${db}.${kept} GROUP BY user_id) t GROUP BY pairs ORDER BY pairs`,
    /** The first failing row of each problem and file (empty when there is none). */
    problems: `SELECT problem, src_file, first_row, problem_value, row_count FROM ${db}.grouped WHERE problem IS NOT NULL ORDER BY src_file, first_row`,
  };
}

export type ResultName = keyof ReturnType<typeof resultQueries>;

/** The pair count of a kept_<n> table (the k-core runner repeats rounds until it stops changing). */
export function countQuery(o: SqlOptions, table: string): string {
  return `SELECT count(*) AS pairs FROM ${o.db}.${table}`;
}
