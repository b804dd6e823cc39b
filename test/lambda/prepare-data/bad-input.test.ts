import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_RECORD_CHARS } from '../../../container/src/limits';
import { OUTPUT_MARKER } from '../../../lambda/prepare-data/outputs';
import { PrepareOptionsSchema } from '../../../lambda/prepare-data/options';
import { prepareData } from '../../../lambda/prepare-data/prepare';
import { LocalDirSink, outputProblem } from '../../../lambda/prepare-data/sinks';
import {
  InputNotFoundError,
  InputValidationError,
  OutputWriteError,
  PrepareDataError,
} from '../../../lambda/prepare-data/errors';
import { PrepareDataErrors } from '../../../lib/pipeline-names';
import { cleanup, HEADER, line, listAll, run, tempRoot } from './helpers';

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
    expectRejected(
      Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02, 0xff, 0xfe]),
      /neither CSV text, Parquet nor an xlsx workbook/,
    ));

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

  it('an unterminated quoted field', () =>
    expectRejected(good + '\n4,"22041,x,1,' + D + ',1,1,UK', /^CSV line 5: a quoted field opened here is never closed/));

  it('errors name the line of the record, past blank lines and quoted line breaks', async () => {
    const multi = line('2', '22041', 1, D, '2', '"TWO\nLINE, ""QUOTED""\nTHING"');
    const next = line('4', '22041', 1, D, '4');
    const rows = [HEADER, line('1', '22041', 1, D, '1'), '', multi, line('3', '22041', NaN, D, '3'), next];
    await expectRejected(rows.join('\n'), /^line 7: Quantity "NaN"/);
    await expectRejected([HEADER, '', '', line('3', '22041', NaN, D, '3'), next].join('\r\n'), /^line 4: Quantity "NaN"/);
  });

  it('a record with more or fewer fields than the header names its line and both counts', async () => {
    await expectRejected(
      [HEADER, line('1', '22041', 1, D, '1'), '', line('2', '22041', 1, D, '2') + ',extra', line('3', '22041', 1, D, '3')].join(
        '\n',
      ),
      /^CSV line 4: 9 fields where the header has 8$/,
    );
    await expectRejected(
      [HEADER, line('1', '22041', 1, D, '1'), '2,22041,THING,1'].join('\r\n'),
      /^CSV line 3: 4 fields where the header has 8$/,
    );
  });

  it('a record with another number of fields in one file of several names the file', async () => {
    const root = await tempRoot();
    try {
      const input = join(root, 'in');
      await mkdir(input);
      await writeFile(join(input, 'a.csv'), good);
      await writeFile(join(input, 'b.csv'), [HEADER, line('5', '22041', 1, D, '5'), '6,22041'].join('\n'));
      const err = await prepareData({ path: input }, new LocalDirSink(join(root, 'out')), PrepareOptionsSchema.parse({})).catch(
        (e: Error) => e,
      );
      expect(err).toMatchObject({ name: 'InputValidationError', message: 'b.csv: CSV line 3: 2 fields where the header has 8' });
      expect(await readdir(root)).toEqual(['in']);
    } finally {
      await cleanup(root);
    }
  });

  it('a quote inside an unquoted field is read as written (DuckDB is lenient there), not an error', async () => {
    const r = await run([HEADER, line('1', '22041', 1, D, '1', '"A, B"'), line('2', '22041', 1, D, '2', 'C"D"')].join('\n'), {
      testFraction: 0.01,
    });
    expect(r.stats.rowsRead).toBe(2);
    await cleanup(r.root);
  });
});

describe('reading is linear and bounded on hostile input', () => {
  it('a stray quote near the top fails naming the line where it opened', async () => {
    const rows = [HEADER, line('1', '22041', 1, D, '1'), line('2', '22041', 1, D, '2', '"STRAY')];
    for (let k = 0; k < 30_000; k++) rows.push(line(String(k), '22041', 1, D, String(k)));
    const input = rows.join('\n');
    expect(input.length).toBeGreaterThan(MAX_RECORD_CHARS);
    await expectRejected(
      input,
      /^CSV line 3: longer than 1048576 characters \(a line without a line break, or a quote opened here that is never closed\)/,
    );
  });

  it('a line without a line break fails with its line number, plain or as a small gzip', async () => {
    const text = `${HEADER}\n1,${'x'.repeat(8 * MAX_RECORD_CHARS)}`;
    await expectRejected(text, /^CSV line 2: longer than 1048576 characters/);
    await expectRejected(gzipSync(text), /^CSV line 2: longer than 1048576 characters/);
  });

  it('a last line longer than the read buffer (32 MiB) is an error, never dropped, plain or gzip', async () => {
    const text = `${good}\n9,${'x'.repeat(33 * 1024 * 1024)}`;
    await expectRejected(text, /^CSV line 5: longer than 1048576 characters/);
    await expectRejected(gzipSync(text), /^CSV line 5: longer than 1048576 characters/);
  });

  it('ids longer than 256 characters fail with the line and the column', async () => {
    await expectRejected(
      [HEADER, line('1', '22041', 1, D, '1'), line('2', '22041', 1, D, '7'.repeat(257))].join('\n'),
      /^line 3: Customer ID longer than 256 characters/,
    );
    await expectRejected(
      [HEADER, line('1', 'S'.repeat(300), 1, D, '1')].join('\n'),
      /^line 2: StockCode longer than 256 characters/,
    );
    await expectRejected(`user_id,item_id\n1,a\n${'u'.repeat(257)},b\n`, /^line 3: user_id longer than 256 characters/);
  });
});

describe('the output directory', () => {
  it('is refused when it exists and holds anything data preparation did not write; nothing in it is touched', async () => {
    const root = await tempRoot();
    try {
      const file = join(root, 'notes.txt');
      await writeFile(file, 'mine');
      expect(await outputProblem(file)).toMatch(/is not a directory/);
      const foreign = join(root, 'project');
      await mkdir(join(foreign, 'src'), { recursive: true });
      await writeFile(join(foreign, 'src', 'a.ts'), 'code');
      await writeFile(join(foreign, 'README.md'), 'readme');
      expect(await outputProblem(foreign)).toMatch(/holds files data preparation did not write \(README\.md, src\)/);
      // A finished run with the user's own file added later is refused too: replacing it would delete that file.
      const previous = await run(good, {}, root);
      await writeFile(join(previous.out, 'training', 'mine.csv'), 'user_id,item_id\n');
      expect(await outputProblem(previous.out)).toMatch(/holds files data preparation did not write \(training\/mine\.csv\)/);
      await expect(run(good, {}, root)).rejects.toThrow(OutputWriteError);
      expect(await readFile(file, 'utf8')).toBe('mine');
      expect(await listAll(foreign)).toEqual(['README.md', 'src/a.ts']);
      expect(await readFile(join(previous.out, 'training', 'mine.csv'), 'utf8')).toBe('user_id,item_id\n');
      expect(await readdir(root)).toEqual(expect.not.arrayContaining([expect.stringMatching(/^\.out\.tmp/)]));
    } finally {
      await cleanup(root);
    }
  });

  it('is taken when new, empty, or written by an earlier run', async () => {
    const root = await tempRoot();
    try {
      expect(await outputProblem(join(root, 'new'))).toBeUndefined();
      await mkdir(join(root, 'out'));
      expect(await outputProblem(join(root, 'out'))).toBeUndefined();
      const first = await run(good, {}, root);
      expect(await outputProblem(first.out)).toBeUndefined();
      expect((await readdir(first.out)).sort()).toEqual([
        OUTPUT_MARKER,
        'catalog',
        'manifest.json',
        'stats.json',
        'testing',
        'training',
        'users.jsonl',
      ]);
    } finally {
      await cleanup(root);
    }
  });

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
