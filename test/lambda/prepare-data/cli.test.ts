/** `npm run data:prepare` as a user runs it: a spawned process, its exit codes, messages and output folder. */
import { execFile, spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, HEADER, line, tempRoot } from './helpers';

const CLI = join(__dirname, '..', '..', '..', 'bin', 'prepare-data.ts');
const cli = (args: string[]) => spawnSync(process.execPath, [require.resolve('tsx/cli'), CLI, ...args], { encoding: 'utf8' });
/** The same, without waiting: the failure cases run side by side. */
const cliAsync = (args: string[]) =>
  new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [require.resolve('tsx/cli'), CLI, ...args],
      { encoding: 'utf8' },
      (_err, _stdout, stderr) => {
        resolve({ status: child.exitCode, stderr });
      },
    );
  });
const D = '2010-01-04 10:00:00';

let root: string;
beforeAll(async () => {
  root = await tempRoot();
  const rows = [HEADER];
  for (let c = 0; c < 6; c++)
    for (let i = 0; i < 4; i++) rows.push(line(String(c), `2200${(c + i) % 5}`, 1, D, `${13000 + c}.0`));
  await writeFile(join(root, 'export.csv'), rows.join('\n'));
  await writeFile(join(root, 'wrong.csv'), 'Invoice,Item,Qty\n1,2,3\n');
});
afterAll(() => cleanup(root));

test('prepares a file: exit 0, the stats summary, a complete output folder', async () => {
  const res = cli(['--input', join(root, 'export.csv'), '--output', join(root, 'out'), '--seed', '7', '--test-fraction', '0.25']);
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  expect(res.stdout).toContain('rows read 24;');
  expect(res.stdout).toMatch(/split random: train 16, test /);
  expect((await readdir(join(root, 'out'), { recursive: true })).sort()).toEqual([
    '.prepare-data-output',
    'catalog',
    'catalog/catalog.csv',
    'manifest.json',
    'stats.json',
    'testing',
    'testing/test.csv',
    'training',
    'training/train.csv',
    'users.jsonl',
  ]);
  expect(JSON.parse(await readFile(join(root, 'out', 'manifest.json'), 'utf8')).options).toMatchObject({
    seed: 7,
    testFraction: 0.25,
  });
});

test('bad options and bad input exit 2 with a message naming the flag or the columns, and write nothing', async () => {
  const before = (await readdir(root)).sort();
  const cases: Array<[string[], RegExp]> = [
    [
      ['--input', join(root, 'export.csv'), '--output', join(root, 'o2'), '--test-fraction', '1.5', '--split', 'weekly'],
      /--split: .*random.*--test-fraction: /,
    ],
    [
      ['--input', join(root, 'none.csv'), '--output', join(root, 'o2')],
      /InputNotFoundError: --input: .*none\.csv is not a readable file/,
    ],
    [
      ['--input', join(root, 'wrong.csv'), '--output', join(root, 'o2')],
      /InputValidationError: .*found columns: "Invoice", "Item", "Qty"/,
    ],
    [['--input', join(root, 'export.csv'), '--output', join(root, 'o2'), '--bogus'], /Unknown option '--bogus'/],
    [['--input', join(root, 'export.csv'), '--output', join(root, 'o2'), '--top-n', '101'], /--top-n: .*100/],
    [['--input', join(root, 'export.csv'), '--output', join(root, 'export.csv')], /--output: .*export\.csv is not a directory/],
    [
      ['--input', join(root, 'export.csv'), '--output', root],
      /--output: .* holds files data preparation did not write \(export\.csv, out, wrong\.csv\)/,
    ],
  ];
  const results = await Promise.all(cases.map(([args]) => cliAsync(args)));
  for (const [k, [args, message]] of cases.entries()) {
    const res = results[k];
    expect({ args, status: res.status }).toEqual({ args, status: 2 });
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }
  expect((await readdir(root)).sort()).toEqual(before); // no o2, no hidden temp folder
  expect(await readFile(join(root, 'wrong.csv'), 'utf8')).toBe('Invoice,Item,Qty\n1,2,3\n');
});

test('--output . from a folder of other files (npm run runs from the package root) deletes nothing', () => {
  const res = spawnSync(process.execPath, [require.resolve('tsx/cli'), CLI, '--input', 'export.csv', '--output', '.'], {
    encoding: 'utf8',
    cwd: root,
  });
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(/--output: .* holds files data preparation did not write/);
  expect(spawnSync('ls', ['-A', root], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort()).toEqual([
    'export.csv',
    'out',
    'wrong.csv',
  ]);
});

test('--top-n up to the server limit (100) is accepted', () => {
  const res = cli(['--input', join(root, 'export.csv'), '--output', join(root, 'out'), '--top-n', '100']);
  expect(res.status).toBe(0);
});
