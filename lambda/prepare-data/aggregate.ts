/**
 * Cleaning + aggregation in one pass: every kept row becomes (or updates) one compact
 * (user, item) pair. Ids are interned to ints; pair data lives in growable typed arrays.
 */
import { quoted } from '../../container/src/errors';
import { MAX_ID_LENGTH } from '../../container/src/limits';
import { InputValidationError } from './errors';
import { ColumnMap, isNonProduct, mapColumns, normaliseStockCode, normaliseUserId, parseInvoiceDate } from './clean';
import type { RecordBatch } from './input';
import { PairIndex } from './pair-index';

export interface DroppedRows {
  missingCustomer: number;
  cancellation: number;
  nonPositiveQuantity: number;
  missingItem: number;
  nonProduct: number;
}

/** The pair table: pair p is (pairUser[p], pairItem[p]) bought `pairCount[p]` times (rows). */
export interface PairTable {
  layout: 'retail' | 'clean';
  userIds: string[];
  itemIds: string[];
  itemNonProduct: Uint8Array;
  /** Most frequent description per item ('' when none); ties go to the first seen. */
  itemDescription: string[];
  size: number;
  pairUser: Int32Array;
  pairItem: Int32Array;
  pairCount: Uint32Array;
  pairFirst: Float64Array;
  pairLast: Float64Array;
  rowsRead: number;
  rowsWithUnreadableDate: number;
  dropped: DroppedRows;
  sheets: number;
}

/**
 * A copy of `s` that does not share memory with the text it was cut from: V8 keeps substrings as
 * views, so one description kept per item would otherwise pin its whole 1 MB input chunk.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function grow<T extends Int32Array | Uint32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/**
 * Consumes record batches. Rules in order (a row is counted under the first that drops it):
 * missing customer, cancellation (Invoice starting with C), Quantity <= 0, missing stock code.
 * Non-product codes are kept here, flagged per item, and removed afterwards so that the stats
 * show the counts both before and after that rule.
 */
export async function aggregate(batches: AsyncIterable<RecordBatch>, needDates: boolean): Promise<PairTable> {
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const t: PairTable = {
    layout: 'retail',
    userIds: [],
    itemIds: [],
    itemNonProduct: new Uint8Array(0),
    itemDescription: [],
    size: 0,
    pairUser: new Int32Array(1 << 16),
    pairItem: new Int32Array(1 << 16),
    pairCount: new Uint32Array(1 << 16),
    pairFirst: new Float64Array(1 << 16),
    pairLast: new Float64Array(1 << 16),
    rowsRead: 0,
    rowsWithUnreadableDate: 0,
    dropped: { missingCustomer: 0, cancellation: 0, nonPositiveQuantity: 0, missingItem: 0, nonProduct: 0 },
    sheets: 0,
  };
  const nonProduct: number[] = [];
  const pairs = new PairIndex(
    () => t.pairUser,
    () => t.pairItem,
  );
  // raw cell text -> interned index, so repeated ids skip normalisation
  const userByRaw = new Map<string, number>();
  const itemByRaw = new Map<string, number>();
  let cols: ColumnMap | undefined;
  let names: string[] = [];
  /** A kept id is at most MAX_ID_LENGTH characters: longer ones fail, naming the line and the column. */
  const checkLength = (id: string, column: number, line: number): void => {
    if (id.length > MAX_ID_LENGTH)
      throw new InputValidationError(`line ${line}: ${names[column]?.trim() || 'id'} longer than ${MAX_ID_LENGTH} characters`);
  };
  let lastDateRaw = '';
  let lastDate = NaN;
  let lastRawUser: string | undefined = '\u0000';
  let lastUser: number | undefined;
  // descriptions: the leading one per item (raw text and count) plus a map for the others
  const topRaw: string[] = [];
  let topCount = new Uint32Array(1024);
  const others = new Map<number, Map<string, number>>();
  const countDescription = (item: number, raw: string): void => {
    if (item >= topCount.length) topCount = grow(topCount, Math.max(item + 1, topCount.length * 2));
    const d = raw.trim();
    if (!d) return;
    const top = topRaw[item];
    if (top === undefined) {
      topRaw[item] = detach(raw);
      topCount[item] = 1;
      return;
    }
    if (d === top.trim()) {
      topCount[item]++;
      return;
    }
    let m = others.get(item);
    if (!m) others.set(item, (m = new Map()));
    const n = (m.get(d) ?? 0) + 1;
    if (n > topCount[item]) {
      m.delete(d);
      m.set(top.trim(), topCount[item]);
      topRaw[item] = detach(raw);
      topCount[item] = n;
    } else {
      m.set(n === 1 ? detach(d) : d, n);
    }
  };
  const itemIndex = (normalised: string): number => {
    let i = items.get(normalised);
    if (i === undefined) {
      i = t.itemIds.length;
      const code = detach(normalised);
      items.set(code, i);
      t.itemIds.push(code);
      nonProduct.push(t.layout === 'retail' && isNonProduct(code) ? 1 : 0);
    }
    return i;
  };
  for await (const batch of batches) {
    if (batch.header) {
      const next = mapColumns(batch.header, needDates);
      if (cols && next.layout !== cols.layout) {
        throw new InputValidationError(`sheet ${JSON.stringify(batch.sheet ?? '')} has different columns from the first one`);
      }
      cols = next;
      names = batch.header;
      t.layout = cols.layout;
      t.sheets++;
    }
    if (!cols) throw new InputValidationError('the input has no header row');
    const c = cols;
    const retail = c.layout === 'retail';
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r];
      t.rowsRead++;
      const rawUser = row[c.user];
      // rows of one invoice share the customer: skip the lookup when it repeats
      let u = rawUser === lastRawUser ? lastUser : rawUser === undefined ? undefined : userByRaw.get(rawUser);
      if (u === undefined) {
        const user = normaliseUserId(rawUser);
        if (user) {
          checkLength(user, c.user, batch.lines[r]);
          u = users.get(user);
          if (u === undefined) {
            u = t.userIds.length;
            const kept = detach(user);
            users.set(kept, u);
            t.userIds.push(kept);
          }
          userByRaw.set(detach(rawUser!), u);
        }
      }
      lastRawUser = rawUser;
      lastUser = u;
      if (u === undefined) {
        t.dropped.missingCustomer++;
        continue;
      }
      let time = NaN;
      if (retail) {
        const inv = row[c.invoice];
        if (inv && (inv.charCodeAt(0) === 67 || inv.charCodeAt(0) === 99)) {
          t.dropped.cancellation++;
          continue;
        }
        const qRaw = row[c.quantity];
        const q = Number(qRaw);
        if (qRaw === undefined || qRaw.trim() === '' || Number.isNaN(q)) {
          throw new InputValidationError(`line ${batch.lines[r]}: Quantity ${quoted(qRaw ?? '')} is not a number`);
        }
        if (q <= 0) {
          t.dropped.nonPositiveQuantity++;
          continue;
        }
        if (c.date >= 0) {
          const raw = row[c.date] ?? '';
          if (raw !== lastDateRaw) {
            lastDateRaw = raw;
            lastDate = parseInvoiceDate(raw);
          }
          time = lastDate;
          if (Number.isNaN(time)) {
            if (needDates) {
              throw new InputValidationError(`line ${batch.lines[r]}: InvoiceDate ${quoted(raw)} is not a readable date`);
            }
            t.rowsWithUnreadableDate++;
          }
        }
      }
      const rawItem = row[c.item] ?? '';
      let item = itemByRaw.get(rawItem);
      if (item === undefined) {
        const code = retail ? normaliseStockCode(rawItem) : rawItem.trim();
        checkLength(code, c.item, batch.lines[r]);
        item = code ? itemIndex(code) : -1;
        itemByRaw.set(detach(rawItem), item);
      }
      if (item < 0) {
        t.dropped.missingItem++;
        continue;
      }
      if (c.description >= 0) {
        const d = row[c.description];
        // most rows repeat the item's leading description: compare before hashing
        if (d && d === topRaw[item]) topCount[item]++;
        else if (d) countDescription(item, d);
      }
      const p = pairs.get(u, item);
      if (p < 0) {
        const n = t.size++;
        if (n === t.pairUser.length) {
          const cap = n * 2;
          t.pairUser = grow(t.pairUser, cap);
          t.pairItem = grow(t.pairItem, cap);
          t.pairCount = grow(t.pairCount, cap);
          t.pairFirst = grow(t.pairFirst, cap);
          t.pairLast = grow(t.pairLast, cap);
        }
        t.pairUser[n] = u;
        t.pairItem[n] = item;
        pairs.add(u, item, n);
        t.pairCount[n] = 1;
        t.pairFirst[n] = time;
        t.pairLast[n] = time;
      } else {
        t.pairCount[p]++;
        // NaN never wins a comparison, so unreadable dates leave first/last alone
        if (time < t.pairFirst[p] || Number.isNaN(t.pairFirst[p])) t.pairFirst[p] = time;
        if (time > t.pairLast[p] || Number.isNaN(t.pairLast[p])) t.pairLast[p] = time;
      }
    }
  }
  if (!cols) throw new InputValidationError('the input has no header row');
  t.itemNonProduct = Uint8Array.from(nonProduct);
  t.itemDescription = t.itemIds.map((_, i) => topRaw[i]?.trim() ?? '');
  return t;
}
