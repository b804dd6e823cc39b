import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { writeGeneratedCsv } from '../../../local/dataset/write';
import { generateRetailCsv, generateRetailRows, RETAIL_HEADER } from '../../../local/dataset/generator';
import { PrepareOptionsSchema } from '../../../lambda/prepare-data/options';
import { prepareData } from '../../../lambda/prepare-data/prepare';
import { LocalDirSink } from '../../../lambda/prepare-data/sinks';

const OPTIONS = { seed: 5, rows: 40_000, customers: 400, items: 600 };

describe('synthetic Online Retail II generator', () => {
  const csv = [...generateRetailCsv(OPTIONS)].join('');
  const records = parse(csv, { columns: true }) as Record<string, string>[];

  it('writes exactly the UCI header and the requested number of lines, properly quoted', () => {
    expect(csv.slice(0, csv.indexOf('\n'))).toBe('Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country');
    expect(RETAIL_HEADER.join(',')).toBe('Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country');
    expect(records).toHaveLength(OPTIONS.rows);
    expect(records.some((r) => r.Description.includes(',') || r.Description.includes('"'))).toBe(true);
  });

  it('has the quirks of the real export', () => {
    const missing = records.filter((r) => r['Customer ID'] === '').length / records.length;
    expect(missing).toBeGreaterThan(0.15);
    expect(missing).toBeLessThan(0.3);
    expect(records.some((r) => r.Invoice.startsWith('C') && Number(r.Quantity) < 0)).toBe(true);
    const codes = new Set(records.map((r) => r.StockCode));
    for (const c of ['POST', 'M']) expect(codes.has(c)).toBe(true);
    expect([...codes].some((c) => /^\d{5}[A-D]$/.test(c))).toBe(true);
    expect(records.filter((r) => r['Customer ID']).every((r) => /^\d{5}\.0$/.test(r['Customer ID']))).toBe(true);
    const lines = csv.split('\n');
    expect(lines.some((l, k) => k > 0 && l === lines[k - 1])).toBe(true);
    const descriptions = new Map<string, Set<string>>();
    for (const r of records)
      (descriptions.get(r.StockCode) ?? descriptions.set(r.StockCode, new Set()).get(r.StockCode)!).add(r.Description);
    expect([...descriptions.values()].some((d) => d.size > 1)).toBe(true);
    const days = records.map((r) => r.InvoiceDate.slice(0, 10));
    expect(days[0]).toBe('2009-12-01');
    expect(days[days.length - 1] >= '2011-12-01').toBe(true);
    expect(records.every((r) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(r.InvoiceDate))).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = [...generateRetailCsv(OPTIONS)].join('');
    expect(again).toBe(csv);
    const other = generateRetailRows({ ...OPTIONS, seed: 6 });
    const first = [...generateRetailRows(OPTIONS)].slice(0, 50).map((r) => r.join());
    const firstOther: string[] = [];
    for (const r of other) if (firstOther.push(r.join()) === 50) break;
    expect(firstOther).not.toEqual(first);
  });

  it('concentrates each customer on a few item groups (planted taste structure)', () => {
    // items bought by the same customer share the theme word far more often than random pairs do
    const theme = (d: string) =>
      d
        .split(' ')
        .find(
          (w) =>
            /^[A-Z]{4,}$/.test(w) &&
            !['SMALL', 'LARGE', 'JUMBO', 'WHITE', 'IVORY', 'CREAM', 'GREEN', 'ASSORTED', 'PACK'].includes(w),
        );
    const byCustomer = new Map<string, string[]>();
    for (const r of records)
      if (r['Customer ID'] && !r.Invoice.startsWith('C'))
        (byCustomer.get(r['Customer ID']) ?? byCustomer.set(r['Customer ID'], []).get(r['Customer ID'])!).push(
          theme(r.Description) ?? '',
        );
    let same = 0;
    let total = 0;
    for (const themes of byCustomer.values())
      for (let k = 1; k < themes.length; k++, total++) if (themes[k] === themes[k - 1]) same++;
    const all = records.map((r) => theme(r.Description) ?? '');
    let randomSame = 0;
    for (let k = 1; k < all.length; k += 7) if (all[k] === all[(k * 7919) % all.length]) randomSame++;
    expect(same / total).toBeGreaterThan(3 * (randomSame / Math.floor(all.length / 7)));
  });

  it('feeds the data preparation directly and writes .gz files through the CLI helper', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gen-test-'));
    try {
      const { stats } = await prepareData(
        { path: await writeGeneratedCsv(join(dir, 'raw.csv'), OPTIONS) },
        new LocalDirSink(join(dir, 'out')),
        PrepareOptionsSchema.parse({}),
      );
      expect(stats.rowsRead).toBe(OPTIONS.rows);
      expect(stats.rowsDropped.missingCustomer).toBeGreaterThan(0);
      expect(stats.rowsDropped.cancellation).toBeGreaterThan(0);
      expect(stats.rowsDropped.nonProduct).toBeGreaterThan(0);
      expect(stats.pairs).toBeLessThan(stats.afterNonProductRule.rows);
      // counted independently: the kept lines, exact duplicates included, and their distinct (customer, item) pairs
      const kept = records.filter(
        (r) => r['Customer ID'] !== '' && !r.Invoice.startsWith('C') && Number(r.Quantity) > 0 && r.StockCode !== '',
      );
      const lines = kept.map((r) => Object.values(r).join('\u0000'));
      expect(lines.length - new Set(lines).size).toBeGreaterThan(100); // planted exact duplicates survive the basic rules
      const pairs = new Set(kept.map((r) => `${r['Customer ID'].replace(/\.0$/, '')}|${r.StockCode.toUpperCase()}`));
      expect(stats.afterBasicRules).toMatchObject({ rows: kept.length, pairs: pairs.size });
      await writeGeneratedCsv(join(dir, 'small.csv.gz'), { ...OPTIONS, rows: 500 });
      expect(gunzipSync(await readFile(join(dir, 'small.csv.gz'))).toString()).toBe(
        [...generateRetailCsv({ ...OPTIONS, rows: 500 })].join(''),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test('npm run data:generate never overwrites a file that is already there', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gen-cli-'));
  try {
    const mine = join(dir, 'README.md');
    await writeFile(mine, 'mine');
    const cli = (out: string) =>
      spawnSync(
        process.execPath,
        [require.resolve('tsx/cli'), join(__dirname, '..', '..', '..', 'bin', 'generate-data.ts'), '--out', out, '--rows', '50'],
        {
          encoding: 'utf8',
        },
      );
    const refused = cli(mine);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--out: .*README\.md already exists/);
    expect(await readFile(mine, 'utf8')).toBe('mine');
    const fresh = cli(join(dir, 'new.csv'));
    expect(fresh.status).toBe(0);
    expect((await readFile(join(dir, 'new.csv'), 'utf8')).split('\n')[0]).toMatch(/^Invoice,StockCode/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
