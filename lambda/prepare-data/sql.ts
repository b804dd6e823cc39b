/**
 * The data preparation, written once in SQL (Trino's dialect, as Athena engine v3 runs it; DuckDB
 * runs the same text after the prelude of dialect.ts). Every cleaning rule, normalisation, the
 * aggregation into pairs, the catalog descriptions, the k-core minimums, the split and the
 * statistics live here and nowhere else (how single cells are read: sql-values.ts). The statements
 * read `<db>.source`, a relation with the canonical columns below that each engine builds over its
 * input (source.ts, athena.ts), once, into `<db>.raw`.
 *
 * Written so that neither engine's quirks matter: empty cells are compared after `coalesce(x, '')`
 * (NULL on DuckDB, '' from Athena's CSV SerDe); joins are on those non-NULL values; md5 over
 * to_utf8 (Trino's md5 takes varbinary); see sql-values.ts for trimming, regexps and dates.
 */
import { MAX_ID_LENGTH } from '../../container/src/limits';
import { normalisedId, NUMBER, timeOf, trimmed } from './sql-values';

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

/** A table the preparation creates (or a view: `view`): its name and the SELECT that fills it. */
export interface TableStatement {
  readonly table: string;
  readonly select: string;
  readonly view?: boolean;
}

const str = (s: string) => `'${s.replace(/'/g, "''")}'`;
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(17));

/** The cell a problem is about (shown in its message). */
const PROBLEM_VALUE = `CASE problem WHEN 'quantity' THEN quantity WHEN 'date' THEN invoice_date WHEN 'userLength' THEN user_raw ELSE item_raw END`;

/** The input read once into `<db>.raw`: every other statement reads this table, never the files again. */
export function rawSelect(db: string, source = 'source'): string {
  return `SELECT ${SOURCE_COLUMNS.map((c) => `coalesce(${c}, '') AS ${c}`).join(', ')}, src_file, src_row FROM ${db}.${source}`;
}

/**
 * `<db>.classified` over `<db>.<raw>`: every row with its normalised ids, time, the rule that drops
 * it (NULL when kept) and the problem that fails the preparation (NULL when none), in the order
 * the rules apply: customer id (empty: dropped; too long: failed), cancellation, Quantity (not a
 * number: failed; <= 0: dropped), date (unreadable: counted; failed in temporal mode), stock code
 * (too long: failed; empty: dropped). The ids, quantities and times come from the tables of
 * distinct values (`users`, `items`, `quantities`, `dates`), each worked out once.
 */
export function classifiedSelect(o: SqlOptions, raw = 'raw'): string {
  const db = o.db;
  const dated = o.retail && o.hasDate;
  const retail = (sql: string) => (o.retail ? sql : 'FALSE');
  const problem = `CASE
      WHEN length(u.user_id) > ${MAX_ID_LENGTH} THEN 'userLength'
      WHEN u.user_id = '' OR r.cancelled THEN NULL
      WHEN ${retail('NOT q.is_number')} THEN 'quantity'
      WHEN ${retail('q.non_positive')} THEN NULL
      WHEN ${dated && o.split === 'temporal' ? 'd.ts IS NULL' : 'FALSE'} THEN 'date'
      WHEN length(i.item_id) > ${MAX_ID_LENGTH} THEN 'itemLength'
    END`;
  const rule = `CASE
      WHEN u.user_id = '' THEN 'missingCustomer'
      WHEN r.cancelled THEN 'cancellation'
      WHEN ${retail('q.non_positive')} THEN 'nonPositiveQuantity'
      WHEN i.item_id = '' THEN 'missingItem'
    END`;
  return `SELECT r.src_file, r.src_row, u.user_id, i.item_id, r.description, ${dated ? 'd.ts' : 'CAST(NULL AS BIGINT)'} AS ts,
    r.invoice_date, r.quantity, r.user_raw, r.item_raw,
    ${problem} AS problem,
    ${rule} AS rule
  FROM (SELECT *, ${retail("invoice LIKE 'C%' OR invoice LIKE 'c%'")} AS cancelled FROM ${db}.${raw}) r
  JOIN ${db}.users u ON u.user_raw = r.user_raw
  JOIN ${db}.items i ON i.item_raw = r.item_raw${o.retail ? `\n  JOIN ${db}.quantities q ON q.quantity = r.quantity` : ''}${
    dated ? `\n  JOIN ${db}.dates d ON d.invoice_date = r.invoice_date` : ''
  }`;
}

/** The distinct values of a column of `<db>.raw`. */
const distinct = (db: string, column: string) => `(SELECT DISTINCT ${column} FROM ${db}.raw) v`;

/**
 * The statements, in order (each a table, or a view). `raw` is the one read of the input; the
 * tables of distinct values normalise each id, Quantity and date once; `grouped` is the one pass
 * over the rows: kept rows by (user, item, description as written), dropped rows by rule, failing
 * rows by problem and file (with the first one's row and value). The rest read it and each other.
 */
export function preparationSteps(o: SqlOptions): TableStatement[] {
  const db = o.db;
  const nonProduct = o.retail
    ? `(item_id IN (${NON_PRODUCT_CODES.map(str).join(', ')}) OR regexp_like(item_id, '${NON_PRODUCT_PATTERN}'))`
    : 'FALSE';
  const item = (t: string) => (o.retail ? `upper(${normalisedId(t)})` : normalisedId(t));
  const steps: TableStatement[] = [
    { table: 'raw', select: rawSelect(db) },
    {
      table: 'users',
      select: `SELECT user_raw, ${normalisedId('u')} AS user_id FROM (SELECT user_raw, ${trimmed('user_raw')} AS u FROM ${distinct(db, 'user_raw')}) t`,
    },
    {
      table: 'items',
      select: `SELECT item_raw, ${item('i')} AS item_id FROM (SELECT item_raw, ${trimmed('item_raw')} AS i FROM ${distinct(db, 'item_raw')}) t`,
    },
  ];
  if (o.retail) {
    steps.push({
      table: 'quantities',
      select: `SELECT quantity, regexp_like(q, '${NUMBER}') AS is_number, coalesce(try_cast(q AS DOUBLE) <= 0, FALSE) AS non_positive
        FROM (SELECT quantity, ${trimmed('quantity')} AS q FROM ${distinct(db, 'quantity')}) t`,
    });
    if (o.hasDate) steps.push({ table: 'dates', select: timeOf('invoice_date', distinct(db, 'invoice_date')) });
  }
  steps.push(
    { table: 'classified', view: true, select: classifiedSelect(o) },
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
      // Most frequent description among the kept rows (trimmed, non-empty); ties go to the alphabetically
      // first (by code point). Empty ones rank last and are dropped after ranking: a filter on the trimmed
      // text before it would be pushed below the aggregate and trim every row.
      table: 'descriptions',
      select: `SELECT item_id, description FROM (
        SELECT item_id, description,
          row_number() OVER (PARTITION BY item_id ORDER BY CASE WHEN description = '' THEN 1 ELSE 0 END, n DESC, description ASC) AS r
        FROM (
          SELECT item_id, description, sum(row_count) AS n FROM (
            SELECT item_id, ${trimmed('description')} AS description, row_count FROM (
              SELECT item_id, description, sum(row_count) AS row_count FROM ${db}.grouped
              WHERE rule IS NULL AND problem IS NULL GROUP BY item_id, description
            ) w
          ) x GROUP BY item_id, description
        ) y
      ) z WHERE r = 1 AND description <> ''`,
    },
    {
      table: 'kept_0',
      view: true,
      select: `SELECT user_id, item_id, row_count, first_ms FROM ${db}.pairs WHERE NOT non_product`,
    },
  );
  return steps;
}

/** The first failing row of each problem of one file, by position (the DuckDB path names its line). */
export function firstProblemQuery(o: SqlOptions, classified: string): string {
  return `SELECT problem, src_file, min(src_row) AS first_row, min_by(${PROBLEM_VALUE}, src_row) AS problem_value
    FROM ${o.db}.${classified} WHERE problem IS NOT NULL GROUP BY problem, src_file ORDER BY first_row LIMIT 1`;
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

/** Pairs in kept_<n> and kept_<n-1>: equal when the k-core had settled by round n (Athena runs a fixed number of rounds). */
export function kCoreSettledQuery(o: SqlOptions, n: number): string {
  return `SELECT (SELECT count(*) FROM ${o.db}.kept_${n}) AS last_pairs, (SELECT count(*) FROM ${o.db}.kept_${n - 1}) AS previous_pairs`;
}

/** The pair count of a kept_<n> table (the k-core runner repeats rounds until it stops changing). */
export function countQuery(o: SqlOptions, table: string): string {
  return `SELECT count(*) AS pairs FROM ${o.db}.${table}`;
}
