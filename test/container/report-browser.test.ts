/**
 * The model report as people see it: `train` (the compiled container, as SageMaker runs it) writes
 * report.html, and a real headless Chromium (Debian's `chromium`, driven by playwright-core) opens
 * it from the file: no console error, no request of any kind, every chart drawn with data, and
 * every number shown equal to metrics.json. Skipped, saying so, only where no Chromium is installed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { PrepareStats } from '../../lib/contracts';
import type { DataStats } from '../../container/src/report/stats';
import { containerMain } from '../../local/processes';
import { plantedData } from './bpr-fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`report browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** What the prepare step writes is what the report reads (a type error here means they drifted apart). */
const STATS: PrepareStats & DataStats = {
  input: { format: 'csv', gzip: true, layout: 'retail', sheets: 1 },
  rowsRead: 525461,
  rowsDropped: { missingCustomer: 107927, cancellation: 9839, nonPositiveQuantity: 0, missingItem: 0, nonProduct: 1370 },
  rowsWithUnreadableDate: 0,
  afterBasicRules: { rows: 407695, users: 4312, items: 4017, pairs: 274780 },
  afterNonProductRule: { rows: 406325, users: 4285, items: 4007, pairs: 273846 },
  minInteractions: { user: 1, item: 1, pairsDropped: 0 },
  users: 4285,
  items: 4007,
  pairs: 273846,
  density: 0.01595,
  pairsPerCustomer: {
    buckets: [
      { min: 1, max: 1, customers: 89 },
      { min: 2, max: 2, customers: 53 },
    ],
    mean: 63.9,
    median: 38,
    max: 1737,
  },
  split: {
    mode: 'random',
    seed: 42,
    testFraction: 0.3,
    trainPairs: 191692,
    testPairs: 82011,
    testPairsDroppedUnknownUser: 40,
    testPairsDroppedUnknownItem: 103,
    trainUsers: 4254,
    trainItems: 3933,
    testUsers: 4113,
  },
  seconds: 1.23,
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A SageMaker base directory with every channel the pipeline passes, and gate_threshold as the pipeline sets it. */
function layout(): string {
  const base = mkdtempSync(path.join(os.tmpdir(), 'report-'));
  dirs.push(base);
  const { train, test } = plantedData(3);
  const csv = (pairs: Array<[string, string]>) => ['user_id,item_id', ...pairs.map((p) => p.join(','))].join('\n') + '\n';
  const items = [...new Set(train.map(([, i]) => i))];
  const files: Record<string, string> = {
    'config/hyperparameters.json': JSON.stringify({ factors: '16', epochs: '20', threads: '1', gate_threshold: '0.05' }),
    'data/training/train.csv': csv(train),
    'data/testing/test.csv': csv(test),
    'data/catalog/catalog.csv': ['item_id,description', ...items.map((i) => `${i},"Item ${i}, <boxed> & co"`)].join('\n'),
    'data/stats/stats.json': JSON.stringify(STATS),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(base, 'input', name)), { recursive: true });
    writeFileSync(path.join(base, 'input', name), text);
  }
  return base;
}

function train(base: string, main = containerMain()) {
  const env = { ...process.env, SAGEMAKER_BASE_DIR: base, TRAINING_JOB_NAME: 'bpr-train-report-test' };
  return spawnSync(process.execPath, [main, 'train'], { env, encoding: 'utf8' });
}

const CHARTS = ['gate', 'metrics', 'training-curve', 'depth', 'long-tail', 'cleaning', 'pairs-per-customer'];

(HAS_CHROMIUM ? test : test.skip)(
  `train writes report.html; headless Chromium shows every chart and the metrics file's numbers, loading nothing${HAS_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  async () => {
    const base = layout();
    const r = train(base);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^report: report\.html \(\d+ KiB, 7 charts\) written to /m);
    const file = path.join(base, 'output', 'data', 'report.html');
    const html = readFileSync(file, 'utf8');
    expect(readFileSync(path.join(base, 'model', 'report.html'), 'utf8')).toBe(html);
    const metrics = JSON.parse(readFileSync(path.join(base, 'output', 'data', 'metrics.json'), 'utf8')) as Record<string, number>;

    const profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
    dirs.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      context.on('request', (req) => requests.push(req.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });

      expect(problems).toEqual([]);
      // the page itself is the only thing ever asked for
      expect(requests).toEqual([url]);
      expect(await page.title()).toBe('Model report: bpr-train-report-test');

      const charts = await page.$$eval('figure[data-chart]', (figs) =>
        figs.map((f) => ({
          id: f.getAttribute('data-chart'),
          svg: f.querySelectorAll('svg').length,
          // data marks: bars, lines and points (rules and labels left out)
          marks: f.querySelectorAll('g.role-mark.mark-rect > *, g.role-mark.mark-line > *, g.role-mark.mark-symbol > *').length,
        })),
      );
      expect(charts.map((c) => c.id).sort()).toEqual([...CHARTS].sort());
      for (const c of charts)
        expect({ id: c.id, svg: c.svg, hasMarks: c.marks > 0 }).toEqual({ id: c.id, svg: 1, hasMarks: true });

      const shown = await page.$$eval('[data-metric]', (els) =>
        els.map((e) => ({
          name: e.getAttribute('data-metric')!,
          value: Number(e.getAttribute('data-value')),
          text: e.textContent,
        })),
      );
      for (const s of shown) expect(s).toEqual({ name: s.name, value: metrics[s.name], text: metrics[s.name].toFixed(4) });
      expect([...new Set(shown.map((s) => s.name))].sort()).toEqual(Object.keys(metrics).sort());

      const text = await page.innerText('body');
      expect(text).toContain('525,461'); // rows read, from the prepare step's statistics
      expect(text).toContain('reaches the threshold');
      expect(await page.$$eval('[data-customer]', (els) => els.map((e) => e.querySelectorAll('ol > li').length))).toEqual([
        10, 10, 10,
      ]);
      // descriptions are text, never markup
      expect(await page.$$eval('.customer', (els) => els.some((e) => (e.textContent ?? '').includes('<boxed> & co')))).toBe(true);
    } finally {
      await context.close();
    }
  },
);

test('a report that cannot be drawn is logged and skipped: training still succeeds with its model and metrics', () => {
  // The compiled container with only its parsing dependencies: the charting library cannot be loaded.
  const app = mkdtempSync(path.join(os.tmpdir(), 'no-charts-'));
  dirs.push(app);
  cpSync(path.join(ROOT, 'container', 'dist'), path.join(app, 'dist'), { recursive: true });
  mkdirSync(path.join(app, 'node_modules'));
  for (const dep of ['zod', 'csv-parse']) symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(app, 'node_modules', dep));
  const base = layout();
  const r = train(base, path.join(app, 'dist', 'main.js'));
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^report: NOT WRITTEN \(the model and metrics are unaffected\): ChartRenderError|Error: .*vega/m);
  expect(existsSync(path.join(base, 'model', 'manifest.json'))).toBe(true);
  expect(existsSync(path.join(base, 'output', 'data', 'metrics.json'))).toBe(true);
  expect(existsSync(path.join(base, 'output', 'data', 'report.html'))).toBe(false);
  expect(existsSync(path.join(base, 'model', 'report.html'))).toBe(false);
  expect(existsSync(path.join(base, 'output', 'failure'))).toBe(false);
});
