import ExcelJS from 'exceljs';
import { cleanup, run } from './helpers';

const COLUMNS = ['Invoice', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'Price', 'Customer ID', 'Country'];

/** A workbook shaped like the UCI file: two sheets, numeric ids and codes, real date cells. */
async function workbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const y1 = wb.addWorksheet('Year 2009-2010');
  y1.addRow(COLUMNS);
  y1.addRow([
    489434,
    85048,
    '15CM CHRISTMAS GLASS BALL 20 LIGHTS',
    12,
    new Date(Date.UTC(2009, 11, 1, 7, 45)),
    6.95,
    13085,
    'United Kingdom',
  ]);
  y1.addRow([
    489434,
    '85123A',
    'WHITE HANGING HEART T-LIGHT HOLDER',
    6,
    new Date(Date.UTC(2009, 11, 1, 7, 45)),
    2.55,
    13085,
    'United Kingdom',
  ]);
  y1.addRow([
    'C489449',
    22087,
    'PAPER BUNTING WHITE LACE',
    -12,
    new Date(Date.UTC(2009, 11, 1, 10, 33)),
    2.95,
    16321,
    'Australia',
  ]);
  y1.addRow([
    489450,
    22087,
    { richText: [{ text: 'PAPER BUNTING ' }, { text: 'WHITE LACE' }] },
    12,
    new Date(Date.UTC(2009, 11, 1, 10, 40)),
    2.95,
    null,
    'United Kingdom',
  ]);
  const y2 = wb.addWorksheet('Year 2010-2011');
  y2.addRow(COLUMNS);
  y2.addRow([
    536365,
    '85123A',
    'WHITE HANGING HEART T-LIGHT HOLDER',
    6,
    new Date(Date.UTC(2010, 11, 1, 8, 26)),
    2.55,
    17850,
    'United Kingdom',
  ]);
  y2.addRow([536366, 'POST', 'POSTAGE', 1, new Date(Date.UTC(2010, 11, 1, 8, 28)), 18, 17850, 'United Kingdom']);
  y2.addRow([
    536367,
    85048,
    '15CM CHRISTMAS GLASS BALL 20 LIGHTS',
    1,
    new Date(Date.UTC(2010, 11, 2, 9, 0)),
    6.95,
    13085,
    'United Kingdom',
  ]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const roots: string[] = [];
afterAll(async () => Promise.all(roots.map(cleanup)));

describe('xlsx input', () => {
  it('reads both sheets as one table, with numeric ids and date cells', async () => {
    const r = await run(await workbook(), { testFraction: 0.01 });
    roots.push(r.root);
    expect(r.stats.input).toEqual({ format: 'xlsx', gzip: false, layout: 'retail', sheets: 2, files: 1, engine: 'duckdb' });
    expect(r.stats.rowsRead).toBe(7);
    expect(r.stats.rowsDropped).toMatchObject({ missingCustomer: 1, cancellation: 1, nonProduct: 1 });
    expect(r.stats.afterBasicRules).toEqual({ rows: 5, users: 2, items: 3, pairs: 4 });
    expect((await r.rows('training/train.csv')).map((p) => p.join(' '))).toEqual(['13085 85048', '13085 85123A', '17850 85123A']);
    expect(await r.file('catalog/catalog.csv')).toContain('85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS\n');
  });

  it('reads the date cells for the temporal split', async () => {
    const r = await run(await workbook(), { split: 'temporal', cutoffDate: '2010-06-01' });
    roots.push(r.root);
    // 13085 bought 85048 first in 2009, so the 2010 purchase is not a new pair; 17850 is new in 2010
    expect(r.stats.split).toMatchObject({ trainPairs: 2, testPairs: 0, testPairsDroppedUnknownUser: 1 });
  });
});
