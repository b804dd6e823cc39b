/**
 * Which column of an input holds what: header names are matched to the canonical columns of sql.ts
 * (the rules themselves are all in sql.ts). The same mapping serves a CSV header, a Parquet schema,
 * an xlsx sheet's first row and a Glue table's columns.
 */
import { quoted } from '../../container/src/errors';
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

export function mapColumns(header: readonly string[], needDate: boolean, where?: string): ColumnMap {
  const names = header.map((h) => ALIASES[norm(h)] ?? norm(h));
  const at = (n: string) => names.indexOf(n);
  const fail = (message: string) => new InputValidationError(where ? `${where}: ${message}` : message);
  const found = header
    .slice(0, 20)
    .map((h) => quoted(h.trim(), 40))
    .concat(header.length > 20 ? [`... (${header.length} columns)`] : [])
    .join(', ');
  if (at('userid') >= 0 || at('itemid') >= 0) {
    const missing = ['user_id', 'item_id'].filter((c) => at(c.replace('_', '')) < 0);
    if (missing.length) throw fail(`missing column(s) ${missing.join(', ')}; found columns: ${found}`);
    if (needDate) throw fail(`the temporal split needs an InvoiceDate column; found columns: ${found}`);
    return { layout: 'clean', user: at('userid'), item: at('itemid'), invoice: -1, quantity: -1, date: -1, description: -1 };
  }
  const required = { ...RETAIL_REQUIRED, ...(needDate ? { invoicedate: 'InvoiceDate' } : {}) };
  const missing = Object.entries(required)
    .filter(([k]) => at(k) < 0)
    .map(([, label]) => label);
  if (missing.length) {
    throw fail(
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

/** Whether two files map their columns alike (same layout and positions). */
export function sameMapping(a: ColumnMap, b: ColumnMap): boolean {
  return (Object.keys(a) as (keyof ColumnMap)[]).every((k) => a[k] === b[k]);
}

/** The header name of a mapped column, as an error message names it. */
export function columnLabel(header: readonly string[], index: number, fallback: string): string {
  return header[index]?.replace(/^\uFEFF/, '').trim() || fallback;
}
