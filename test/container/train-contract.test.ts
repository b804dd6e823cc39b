/**
 * Contract of `node container/dist/main.js train` (SageMaker's `docker run IMAGE train`): lays out a
 * temporary SAGEMAKER_BASE_DIR, runs the compiled program as a child process and checks what
 * SageMaker would see: exit code, metric lines, model/ files, metrics.json files, output/failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluationMetricNames, metricDefinitions, parseMetricLines } from '../../container/src/metrics/definitions';
import { loadModel } from '../../container/src/model/store';
import { plantedData } from './bpr-fixtures';

const MAIN = path.resolve(__dirname, '..', '..', 'container', 'dist', 'main.js');
const dirs: string[] = [];

interface Layout {
  hyperparameters?: unknown;
  training?: Record<string, string | Buffer>;
  testing?: Record<string, string | Buffer>;
  catalog?: Record<string, string>;
}

function layout(l: Layout): string {
  const base = mkdtempSync(path.join(os.tmpdir(), 'train-contract-'));
  dirs.push(base);
  mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
  if (l.hyperparameters !== undefined)
    writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify(l.hyperparameters));
  for (const channel of ['training', 'testing', 'catalog'] as const) {
    const files = l[channel];
    if (!files) continue;
    const dir = path.join(base, 'input', 'data', channel);
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  }
  return base;
}

function run(base: string) {
  const r = spawnSync(process.execPath, [MAIN, 'train'], { env: { ...process.env, SAGEMAKER_BASE_DIR: base }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const csv = (pairs: Array<[string, string]>, header = 'user_id,item_id,quantity') =>
  [header, ...pairs.map(([u, i]) => `${u},${i},1`)].join('\n') + '\n';

/** Deterministic bytes that are neither text nor gzip. */
function junk(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  b[0] = 0x89;
  return b;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('train container contract', () => {
  const { train, test } = plantedData(2);
  const half = Math.floor(train.length / 2);
  const HP = { factors: '16', epochs: '20', threads: '1', sagemaker_region: '"eu-west-1"' };

  it('trains from plain and gzip CSV files, prints metrics, writes the model and metrics files', () => {
    const base = layout({
      hyperparameters: HP,
      training: {
        'part-1.csv': csv(train.slice(0, half)),
        'part-2.csv.gz': gzipSync(csv(train.slice(half))),
        'no-extension': csv(train.slice(0, 10)),
      },
      testing: { 'test.csv': csv(test) },
      catalog: { 'catalog.csv': 'item_id,description\ng0-i1,"Red mug, large"\nunknown-item,Not in training\n' },
    });
    const r = run(base);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^epoch \d+\/20 /.test(l)).length).toBeGreaterThan(0);
    const metrics = parseMetricLines(r.stdout, metricDefinitions(10));
    for (const name of evaluationMetricNames(10)) expect(metrics[name]).toEqual(expect.any(Number));
    expect(metrics['p@k(10)']).toBeGreaterThan(2 * metrics['baseline_p@k(10)']);
    expect(metrics.epoch).toBeGreaterThan(0);
    expect(metrics.train_loss).toBeGreaterThan(0);
    expect(metrics.samples_per_second).toBeGreaterThan(0);

    const fromModel = JSON.parse(readFileSync(path.join(base, 'model', 'metrics.json'), 'utf8'));
    const fromOutput = JSON.parse(readFileSync(path.join(base, 'output', 'data', 'metrics.json'), 'utf8'));
    expect(fromOutput).toEqual(fromModel);
    expect(fromModel['p@k(10)']).toBeCloseTo(metrics['p@k(10)'], 4);
    expect(existsSync(path.join(base, 'output', 'failure'))).toBe(false);
  });

  it('writes a model the store loads, with training items, popularity, catalog and metrics', async () => {
    const base = layout({
      hyperparameters: HP,
      training: { 't.csv': csv(train) },
      testing: { 't.csv': csv(test) },
      catalog: { 'c.csv': 'item_id,description\ng0-i1,Red mug\n' },
    });
    expect(run(base).code).toBe(0);
    const model = await loadModel(path.join(base, 'model'));
    expect(model.manifest.factors).toBe(16);
    expect(new Set(model.manifest.users)).toEqual(new Set(train.map(([u]) => u)));
    const u = model.userIndex.get('user0')!;
    const own = new Set(
      Array.from(model.userItemsIndices.subarray(model.userItemsIndptr[u], model.userItemsIndptr[u + 1])).map(
        (i) => model.manifest.items[i],
      ),
    );
    expect(own).toEqual(new Set(train.filter(([x]) => x === 'user0').map(([, i]) => i)));
    expect(model.manifest.itemPopularity[model.itemIndex.get('popular-1')!]).toBe(240);
    expect(model.manifest.catalog).toEqual({ 'g0-i1': 'Red mug' });
    expect(model.manifest.metrics['precision@10']).toEqual(expect.any(Number));
    expect(model.manifest.hyperparameters.factors).toBe(16);
  });

  it('trains without a testing channel and writes empty metrics', () => {
    const base = layout({ hyperparameters: { ...HP, epochs: '3', threads: '2' }, training: { 't.csv': csv(train) } });
    const r = run(base);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/evaluation skipped/);
    expect(JSON.parse(readFileSync(path.join(base, 'output', 'data', 'metrics.json'), 'utf8'))).toEqual({});
    // the report still shows the training curve and the data (nothing evaluated, no statistics passed)
    expect(r.stdout).toMatch(/^report: report\.html \(\d+ KiB, 1 charts\) written/m);
    expect(readFileSync(path.join(base, 'model', 'report.html'), 'utf8')).toMatch(/no data preparation statistics were passed/);
    expect(existsSync(path.join(base, 'model', 'manifest.json'))).toBe(true);
  });

  it('reads a hyperparameters.json that starts with a byte-order mark', () => {
    const base = layout({ training: { 't.csv': csv(train) } });
    writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), `\uFEFF${JSON.stringify({ ...HP, epochs: '2' })}`);
    const r = run(base);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it.each<[string, Layout, RegExp]>([
    ['an empty training channel', { hyperparameters: HP, training: {} }, /^training channel is empty/],
    [
      'a missing column',
      { hyperparameters: HP, training: { 'bad.csv': 'customer,item_id\na,b\n' } },
      /^bad\.csv: missing column user_id \(found columns: customer, item_id\)/,
    ],
    [
      'a bad hyperparameter value',
      { hyperparameters: { factors: 'many' }, training: { 't.csv': csv(train) } },
      /^hyperparameter factors/,
    ],
    [
      'an unknown hyperparameter',
      { hyperparameters: { factorz: '8' }, training: { 't.csv': csv(train) } },
      /^unknown hyperparameter factorz/,
    ],
    [
      'a testing set sharing no user',
      { hyperparameters: HP, training: { 't.csv': csv(train) }, testing: { 't.csv': csv([['stranger', 'g0-i1']]) } },
      /shares no user/,
    ],
    [
      'an empty item_id far before the end of the file: the line of the record, not where the parser read to',
      {
        hyperparameters: HP,
        training: { 'big.csv': csv([...train.slice(0, 8), ['user1', ''], ...Array.from({ length: 20000 }, () => train[0]!)]) },
      },
      /^big\.csv line 10: empty item_id$/,
    ],
    [
      'a line without a line break, longer than the record bound',
      { hyperparameters: HP, training: { 'one-line.csv': `user_id,item_id\nu1,${'x'.repeat(1_200_000)}` } },
      /^one-line\.csv line 2: record longer than 1048576 characters/,
    ],
    [
      'an id longer than the id bound',
      { hyperparameters: HP, training: { 'long.csv': csv([...train.slice(0, 3), ['user1', 'i'.repeat(300)]]) } },
      /^long\.csv line 5: item_id longer than 256 characters/,
    ],
    [
      'a quote that is never closed: the line where it opened',
      {
        hyperparameters: HP,
        training: { 'quote.csv': csv([...train.slice(0, 3), ['user1', '"open'], ...train.slice(0, 5000)]) },
      },
      /^quote\.csv line 5: a quoted field opened here is never closed/,
    ],
    ['binary junk', { hyperparameters: HP, training: { 'junk.bin': junk(8192) } }, /^junk\.bin: not CSV text \(binary content\)/],
    ['one pair', { hyperparameters: HP, training: { 't.csv': csv([['u1', 'i1']]) } }, /^the training data has 1 item/],
    [
      'only duplicates',
      { hyperparameters: HP, training: { 't.csv': csv(Array.from({ length: 50 }, () => ['u1', 'i1'] as [string, string])) } },
      /^the training data has 1 item/,
    ],
    [
      'one item bought by many users',
      {
        hyperparameters: HP,
        training: { 't.csv': csv(Array.from({ length: 50 }, (_, k) => [`u${k}`, 'i1'] as [string, string])) },
      },
      /^the training data has 1 item/,
    ],
    [
      'every user holding every item (no negative to sample)',
      {
        hyperparameters: HP,
        training: {
          't.csv': csv([
            ['u1', 'i1'],
            ['u1', 'i2'],
            ['u2', 'i1'],
            ['u2', 'i2'],
          ]),
        },
      },
      /^every user in the training data holds every item/,
    ],
  ])('fails on %s: reason in output/failure, non-zero exit, no model, no stack trace', (_name, l, reason) => {
    const base = layout(l);
    const r = run(base);
    expect(r.code).not.toBe(0);
    const failure = readFileSync(path.join(base, 'output', 'failure'), 'utf8');
    expect(failure.split('\n')[0]).toMatch(reason);
    // SageMaker keeps 1,024 characters of it: the reason is short and printable.
    expect(failure.length).toBeLessThanOrEqual(1024);
    expect(failure).toMatch(/^[\x20-\x7e]+\n$/);
    expect(r.stderr + r.stdout + failure).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(existsSync(path.join(base, 'model', 'manifest.json'))).toBe(false);
  });
});
