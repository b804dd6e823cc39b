import { readdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import {
  InputNotFoundError,
  InputValidationError,
  OutputWriteError,
  PrepareDataError,
} from '../../../lambda/prepare-data/errors';
import { PrepareDataErrors } from '../../../lib/pipeline-names';
import { cleanup, HEADER, line, run, tempRoot } from './helpers';

const D = '2010-01-04 10:00:00';
const good = [
  HEADER,
  line('1', '85123A', 6, D, '13085.0'),
  line('2', '22041', 1, D, '17519.0'),
  line('3', '22041', 1, D, '13085.0'),
].join('\n');

/** Runs and expects an InputValidationError matching `message`, with nothing left in the folder. */
async function expectRejected(data: Buffer | string, message: RegExp, options = {}): Promise<void> {
  const root = await tempRoot();
  try {
    const err = await run(data, options, root).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(InputValidationError);
    expect(err!.name).toBe('InputValidationError');
    expect(err!.message).toMatch(message);
    expect(await readdir(root)).toEqual([]);
  } finally {
    await cleanup(root);
  }
}

describe('bad input gives a named error and leaves no output', () => {
  it('each error class carries the name the state machine retries or fails on', () => {
    const errors = [InputValidationError, InputNotFoundError, OutputWriteError, PrepareDataError].map((E) => new E('x'));
    expect(errors.map((e) => e.name)).toEqual(Object.values(PrepareDataErrors));
  });

  it('missing columns: names the missing and the found columns', () =>
    expectRejected(
      'Invoice,Item,Qty,Customer ID\n1,2,3,4\n',
      /missing column\(s\) StockCode, Quantity.*found columns: "Invoice", "Item", "Qty", "Customer ID"/,
    ));

  it('binary content that is neither CSV nor xlsx', () =>
    expectRejected(Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02, 0xff, 0xfe]), /neither CSV text nor an xlsx workbook/));

  it('a zip that is not a workbook', () =>
    expectRejected(Buffer.from('PK\u0003\u0004garbage-that-is-not-a-zip-entry'), /not a readable xlsx workbook/));

  it('empty input', () => expectRejected('', /empty/));

  it('nothing left after cleaning', () =>
    expectRejected(
      [HEADER, line('C1', '22041', -1, D, '1'), line('2', '22041', 1, D, ''), line('3', 'POST', 1, D, '1')].join('\n'),
      /nothing left after cleaning/,
    ));

  it('unreadable dates in temporal mode name the line and value', () =>
    expectRejected(
      [HEADER, line('1', '22041', 1, D, '1'), line('2', '22042', 1, '31/31/2010', '2')].join('\n'),
      /line 3: InvoiceDate "31\/31\/2010"/,
      { split: 'temporal' },
    ));

  it('temporal mode on a user_id,item_id CSV (no dates)', () =>
    expectRejected('user_id,item_id\n1,a\n', /needs an InvoiceDate column/, { split: 'temporal' }));

  it('a non-numeric Quantity names the line', () =>
    expectRejected(
      [HEADER, line('1', '22041', 1, D, '1'), line('2', '22041', NaN, D, '2')].join('\n'),
      /line 3: Quantity "NaN"/,
    ));

  it('a truncated gzip', () => {
    const gz = gzipSync(good.repeat(50));
    return expectRejected(gz.subarray(0, gz.length - 40), /truncated or corrupt gzip/);
  });

  it('an unterminated quoted field', () => expectRejected(good + '\n4,"22041,x,1,' + D + ',1,1,UK', /unterminated quoted field/));

  it('replaces an existing output directory only on success', async () => {
    const root = await tempRoot();
    try {
      const first = await run(good, {}, root);
      const before = await first.file('manifest.json');
      await expect(run('nonsense\n', {}, root)).rejects.toThrow(InputValidationError);
      expect(await first.file('manifest.json')).toBe(before);
      expect((await readdir(root)).sort()).toEqual(['out']);
    } finally {
      await cleanup(root);
    }
  });
});
