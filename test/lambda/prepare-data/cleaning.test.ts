import { gzipSync } from 'node:zlib';
import { mapColumns } from '../../../lambda/prepare-data/columns';
import { cleanup, HEADER, line, run } from './helpers';

const D = '2010-01-04 10:00:00';
const roots: string[] = [];
afterAll(async () => Promise.all(roots.map(cleanup)));

describe('cleaning rules, each counted', () => {
  const csv = [
    HEADER,
    line('1', '85123A', 6, D, '13085.0'),
    line('1', '85123A', 6, D, '13085.0'), // exact duplicate: same pair
    line('2', '85123a', 2, '2010-01-05 09:00:00', '13085.0'), // lower-case twin, later purchase
    line('2', '22041', 1, D, ' 13085 '), // same customer, spaces
    line('3', '22041', 3, D, ''), // no customer
    line('C4', '22041', -3, D, '17519.0'), // cancellation
    line('5', '22041', 0, D, '17519.0'), // zero quantity
    line('5', '22042', -1, D, '17519.0'), // negative quantity
    line('6', 'POST', 1, D, '17519.0'), // non-product
    line('6', 'gift_0001_20', 1, D, '17519.0'), // non-product family
    line('6', 'TEST002', 1, D, '17519.0'),
    line('7', '22041', 1, D, '17519.0'),
    line('8', 'POST', 1, D, '99999.0'), // customer who only bought postage
  ].join('\n');

  it('drops and counts rows without customer, cancellations, quantity <= 0 and non-product codes', async () => {
    const r = await run(csv);
    roots.push(r.root);
    const s = r.stats;
    expect(s.rowsRead).toBe(13);
    expect(s.rowsDropped).toEqual({ missingCustomer: 1, cancellation: 1, nonPositiveQuantity: 2, missingItem: 0, nonProduct: 4 });
    expect(s.afterBasicRules).toEqual({ rows: 9, users: 3, items: 5, pairs: 7 });
    expect(s.afterNonProductRule).toEqual({ rows: 5, users: 2, items: 2, pairs: 3 });
    const pairs = [...(await r.rows('training/train.csv')), ...(await r.rows('testing/test.csv'))].map((p) => p.join(' '));
    // the test set only keeps pairs of known users/items; count everything that was kept
    expect(pairs.length + s.split.testPairsDroppedUnknownUser + s.split.testPairsDroppedUnknownItem).toBe(3);
    for (const p of pairs) expect(['13085 85123A', '13085 22041', '17519 22041']).toContain(p);
  });
});

describe('duplicate lines and repeat purchases', () => {
  const csv = [
    HEADER,
    line('1', '85123A', 6, '2010-01-04 10:00:00', '13085.0'),
    line('1', '85123A', 6, '2010-01-04 10:00:00', '13085.0'), // exact duplicate lines, as in the export
    line('1', '85123A', 6, '2010-01-04 10:00:00', '13085.0'),
    line('9', '85123A', 1, '2010-03-02 12:30:00', '13085'), // a later repeat purchase of the same item
  ].join('\n');

  it('merge into one pair with its purchase count and first and last purchase time', async () => {
    // the first purchase decides the temporal side: a cut-off between the two purchases keeps the pair in training
    const r = await run(csv, { split: 'temporal', cutoffDate: '2010-02-01' });
    roots.push(r.root);
    expect(r.stats.afterBasicRules).toEqual({ rows: 4, users: 1, items: 1, pairs: 1 });
    expect(await r.file('training/train.csv')).toBe('user_id,item_id\n13085,85123A\n');
  });

  it('appear once in the outputs, while the stats count every row', async () => {
    const r = await run(csv);
    roots.push(r.root);
    expect(r.stats.afterBasicRules).toEqual({ rows: 4, users: 1, items: 1, pairs: 1 });
    expect(await r.file('training/train.csv')).toBe('user_id,item_id\n13085,85123A\n');
    expect(await r.file('testing/test.csv')).toBe('user_id,item_id\n');
  });
});

describe('normalisation and columns', () => {
  it('normalises float and padded customer ids and stock codes, and drops the documented non-product codes', async () => {
    const codes = [
      'POST',
      'DOT',
      'M',
      'C2',
      'D',
      'S',
      'B',
      'BANK CHARGES',
      'AMAZONFEE',
      'CRUK',
      'PADS',
      'TEST001',
      'ADJUST2',
      'gift_0001_30',
    ];
    const products = ['85123a', '22041', 'DCGS0058', 'SP1002', 'MUG'];
    const rows = [
      HEADER,
      ...[...codes, ...products].map((c, k) => line(String(k), ` ${c} `, 1, D, k % 2 ? ' 13085.0 ' : '13085.00')),
    ];
    const r = await run(rows.join('\n'), { testFraction: 0.01 });
    roots.push(r.root);
    expect(r.stats.rowsDropped.nonProduct).toBe(codes.length);
    expect((await r.rows('training/train.csv')).map((p) => p.join(' '))).toEqual(
      ['22041', '85123A', 'DCGS0058', 'MUG', 'SP1002'].map((i) => `13085 ${i}`),
    );
  });

  it('reads the date formats found in exports, as UTC, and counts the unreadable ones', async () => {
    const dates = ['2009-12-01 07:45:00', '2009-12-01T07:45:00.000Z', '12/1/2009 7:45', '40148.3229166667', '2009-12-01 07:45'];
    const bad = ['2009-02-30 10:00', 'yesterday', '2009-13-01'];
    const rows = [HEADER, ...[...dates, ...bad].map((d, k) => line(String(k), `2200${k}`, 1, d, '1'))];
    const r = await run(rows.join('\n'));
    roots.push(r.root);
    expect(r.stats.rowsWithUnreadableDate).toBe(bad.length);
    // every readable date is the same instant: a cut-off a minute later puts them all in training
    const t = await run(rows.slice(0, 1 + dates.length).join('\n'), { split: 'temporal', cutoffDate: '2009-12-01T07:46:00Z' });
    roots.push(t.root);
    expect(t.stats.split).toMatchObject({ trainPairs: dates.length, testPairs: 0 });
    // and a cut-off at that instant puts them all in test, leaving nothing to train on
    await expect(
      run(rows.slice(0, 1 + dates.length).join('\n'), { split: 'temporal', cutoffDate: '2009-12-01T07:45:00Z' }),
    ).rejects.toThrow(/no training pairs/);
  });

  it('accepts Customer ID, CustomerID and customer_id headers and names found columns when some are missing', () => {
    expect(mapColumns(['Invoice', 'StockCode', 'Quantity', 'InvoiceDate', 'Customer ID'], true).user).toBe(4);
    expect(mapColumns(['InvoiceNo', 'StockCode', 'Quantity', 'CustomerID'], false).invoice).toBe(0);
    expect(mapColumns(['invoice', 'stock_code', 'quantity', 'customer_id'], false).layout).toBe('retail');
    expect(() => mapColumns(['Invoice', 'Stock', 'Qty'], false)).toThrow(
      /missing column\(s\) StockCode, Quantity, Customer ID.*found columns: "Invoice", "Stock", "Qty"/,
    );
  });
});

describe('CSV variants', () => {
  const body = [
    line('1', '85123A', 6, D, '13085.0'),
    line('2', '22041', 1, D, '17519.0'),
    line('3', '22041', 1, D, '13085.0'),
  ].join('\r\n');

  it.each([
    ['plain', HEADER + '\n' + body.replace(/\r\n/g, '\n')],
    ['BOM and CRLF', '\uFEFF' + HEADER + '\r\n' + body + '\r\n'],
    ['CustomerID header', HEADER.replace('Customer ID', 'CustomerID') + '\r\n' + body],
  ])('reads %s', async (_name, text) => {
    const r = await run(text);
    roots.push(r.root);
    expect(r.stats.afterBasicRules).toEqual({ rows: 3, users: 2, items: 2, pairs: 3 });
    expect(r.stats.input).toMatchObject({ format: 'csv', gzip: false, layout: 'retail' });
  });

  it('reads gzip-compressed CSV', async () => {
    const r = await run(gzipSync(HEADER + '\r\n' + body));
    roots.push(r.root);
    expect(r.stats.input).toMatchObject({ format: 'csv', gzip: true });
    expect(r.stats.pairs).toBe(3);
  });

  it('reads an already clean user_id,item_id CSV without applying retail rules', async () => {
    // with testFraction 0.01 none of these 5 pairs hashes below 1 % of 2^32: everything lands in training
    const r = await run('user_id,item_id\nu1,a\nu1,b\nu2,a\nu2,a\nu3,"x,y"\nu3,a\n', { testFraction: 0.01 });
    roots.push(r.root);
    expect(r.stats.input.layout).toBe('clean');
    expect(r.stats.rowsRead).toBe(6);
    expect(r.stats.pairs).toBe(5);
    // sorted by user, then item (code point order)
    expect(await r.file('training/train.csv')).toBe('user_id,item_id\nu1,a\nu1,b\nu2,a\nu3,a\nu3,"x,y"\n');
    expect(await r.file('testing/test.csv')).toBe('user_id,item_id\n');
  });

  it('picks the most frequent description per item and quotes it properly', async () => {
    const csv = [
      HEADER,
      line('1', '22041', 1, D, '1', '"RECORD FRAME 7"" SINGLE, SIZE"'),
      line('2', '22041', 1, D, '2', '"RECORD FRAME 7"" SINGLE, SIZE"'),
      line('3', '22041', 1, D, '3', 'OLD NAME'),
      line('4', '85123A', 1, D, '1', 'HEART'),
      line('4', '85123A', 1, D, '3', 'HEART'),
    ].join('\n');
    const r = await run(csv, { testFraction: 0.01 });
    roots.push(r.root);
    const catalog = await r.file('catalog/catalog.csv');
    expect(catalog).toBe('item_id,description\n22041,"RECORD FRAME 7"" SINGLE, SIZE"\n85123A,HEART\n');
    const users = (await r.file('users.jsonl'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const train = new Set((await r.rows('training/train.csv')).map((p) => p[0]));
    expect(users.map((u) => u.user_id).sort()).toEqual([...train].sort());
    for (const u of users) expect(u.top_n).toBe('10');
  });
});
