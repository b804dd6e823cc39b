/** Column mapping, id normalisation, the non-product stock-code rule and date parsing. */
import { quoted } from '../../container/src/errors';
import { normaliseId } from '../../container/src/ids';
import { InputValidationError } from './errors';

export type Layout = 'retail' | 'clean';

export interface ColumnMap {
  layout: Layout;
  user: number;
  item: number;
  invoice: number;
  quantity: number;
  date: number;
  description: number;
}

/** Header names compared without case, spaces, underscores or dashes: `Customer ID` = `CustomerID`. */
const norm = (h: string) =>
  h
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

const RETAIL_REQUIRED: Record<string, string> = {
  invoice: 'Invoice',
  stockcode: 'StockCode',
  quantity: 'Quantity',
  customerid: 'Customer ID',
};
/** Older UCI "Online Retail" exports name the columns InvoiceNo/CustomerID. */
const ALIASES: Record<string, string> = { invoiceno: 'invoice', userid: 'userid', itemid: 'itemid' };

export function mapColumns(header: string[], needDate: boolean): ColumnMap {
  const names = header.map((h) => ALIASES[norm(h)] ?? norm(h));
  const at = (n: string) => names.indexOf(n);
  const found = header
    .slice(0, 20)
    .map((h) => quoted(h.trim(), 40))
    .concat(header.length > 20 ? [`... (${header.length} columns)`] : [])
    .join(', ');
  if (at('userid') >= 0 || at('itemid') >= 0) {
    const missing = ['user_id', 'item_id'].filter((c) => at(c.replace('_', '')) < 0);
    if (missing.length) throw new InputValidationError(`missing column(s) ${missing.join(', ')}; found columns: ${found}`);
    if (needDate) throw new InputValidationError(`the temporal split needs an InvoiceDate column; found columns: ${found}`);
    return { layout: 'clean', user: at('userid'), item: at('itemid'), invoice: -1, quantity: -1, date: -1, description: -1 };
  }
  const required = { ...RETAIL_REQUIRED, ...(needDate ? { invoicedate: 'InvoiceDate' } : {}) };
  const missing = Object.entries(required)
    .filter(([k]) => at(k) < 0)
    .map(([, label]) => label);
  if (missing.length) {
    throw new InputValidationError(
      `missing column(s) ${missing.join(', ')} (expected Online Retail II columns or user_id,item_id); found columns: ${found}`,
    );
  }
  return {
    layout: 'retail',
    user: at('customerid'),
    item: at('stockcode'),
    invoice: at('invoice'),
    quantity: at('quantity'),
    date: at('invoicedate'),
    description: at('description'),
  };
}

/** Trim; pandas writes integer ids of a column with gaps as floats: "13085.0" -> "13085". */
export const normaliseUserId = normaliseId;

/**
 * Trim and upper-case: the raw file has lower-case twins of suffixed codes ("85123a" next to
 * "85123A") that are the same product; xlsx readers may also hand over numeric codes as floats.
 */
export function normaliseStockCode(raw: string | undefined): string {
  if (!raw) return '';
  return normaliseUserId(raw).toUpperCase();
}

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
/** Families: TEST001, TEST002..., ADJUST, ADJUST2..., gift_0001_10 ... gift vouchers. */
export const NON_PRODUCT_PATTERN = /^(?:TEST\d*|ADJUST\d*|GIFT_\d+_\d+)$/;
const NON_PRODUCT_SET = new Set(NON_PRODUCT_CODES);

export function isNonProduct(code: string): boolean {
  return NON_PRODUCT_SET.has(code) || NON_PRODUCT_PATTERN.test(code);
}

const ISO_DT = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?Z?$/;
const US_DT = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Invoice time in ms since epoch, read as UTC (the export has no zone), or NaN.
 * Accepts 2009-12-01 07:45:00, ISO 2009-12-01T07:45:00.000Z (xlsx cells), 12/1/2009 7:45
 * (month first, as in UCI's older CSVs) and Excel serial day numbers.
 */
export function parseInvoiceDate(raw: string): number {
  const s = raw.trim();
  let y: number,
    mo: number,
    d: number,
    h = 0,
    mi = 0,
    se = 0;
  let m = ISO_DT.exec(s);
  if (m) {
    [y, mo, d] = [+m[1], +m[2], +m[3]];
    if (m[4] !== undefined) [h, mi, se] = [+m[4], +m[5], m[6] ? +m[6] : 0];
  } else if ((m = US_DT.exec(s))) {
    [mo, d, y] = [+m[1], +m[2], +m[3]];
    if (m[4] !== undefined) [h, mi, se] = [+m[4], +m[5], m[6] ? +m[6] : 0];
  } else if (/^\d{4,5}(?:\.\d+)?$/.test(s)) {
    // an Excel serial day number (xlsx cell without a date style); 25569 = 1970-01-01
    return Math.round((Number(s) - 25569) * 86400) * 1000;
  } else {
    return NaN;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  return new Date(ms).getUTCDate() === d ? ms : NaN;
}
