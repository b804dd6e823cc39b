/**
 * The objective a tuning job maximizes (`validation_p@k(10)` and the other `validation_` metrics)
 * comes from the validation slice cut from the training pairs only: the same training pairs with a
 * testing channel like training, one deliberately unlike it (each customer's test items from
 * another taste group) or none at all give the same validation metrics bit for bit (threads=1),
 * while the test metrics move with the testing channel.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  metricDefinitions,
  parseMetricLines,
  tuningObjectiveMetric,
  validationMetricNames,
} from '../../container/src/metrics/definitions';
import { containerMain } from '../../local/processes';
import { plantedData } from './bpr-fixtures';

const MAIN = containerMain();
const root = mkdtempSync(path.join(os.tmpdir(), 'tuning-objective-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const csv = (pairs: Array<[string, string]>) => ['user_id,item_id', ...pairs.map(([u, i]) => `${u},${i}`)].join('\n') + '\n';

function train(name: string, training: Array<[string, string]>, testing: Array<[string, string]> | null) {
  const base = path.join(root, name);
  mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
  writeFileSync(
    path.join(base, 'input', 'config', 'hyperparameters.json'),
    JSON.stringify({ factors: '16', epochs: '10', eval_every: '2', threads: '1', validation_fraction: '0.2' }),
  );
  for (const [channel, pairs] of [
    ['training', training],
    ['testing', testing],
  ] as const) {
    if (!pairs) continue;
    mkdirSync(path.join(base, 'input', 'data', channel), { recursive: true });
    writeFileSync(path.join(base, 'input', 'data', channel, 'pairs.csv'), csv(pairs));
  }
  const r = spawnSync(process.execPath, [MAIN, 'train'], { env: { ...process.env, SAGEMAKER_BASE_DIR: base }, encoding: 'utf8' });
  expect(r.status).toBe(0);
  return parseMetricLines(r.stdout, metricDefinitions(10));
}

test('the validation objective is the same whatever the testing channel holds; the test metrics are not', () => {
  const { train: training, test } = plantedData(3);
  // Each test pair moved to the next taste group: nothing the training pairs teach predicts it.
  const unlike = test.map(([u, i]): [string, string] => [u, i.replace(/^g(\d)/, (_, g) => `g${(Number(g) + 1) % 4}`)]);
  const like = train('like', training, test);
  const other = train('unlike', training, unlike);
  const none = train('none', training, null);

  const objective = tuningObjectiveMetric(10);
  expect(like[objective]).toBeGreaterThan(0);
  for (const name of validationMetricNames(10)) {
    expect(other[name]).toBe(like[name]);
    expect(none[name]).toBe(like[name]);
  }
  // The test metrics see the testing channel: the unlike one is far worse.
  expect(other['p@k(10)']).toBeLessThan(like['p@k(10)'] / 2);
  expect(none['p@k(10)']).toBeUndefined();
});

test("every metric the container prints fits SageMaker's 40 MetricDefinitions", () => {
  expect(metricDefinitions(10).length).toBeLessThanOrEqual(40);
  expect(metricDefinitions(10).map((d) => d.Name)).toContain(tuningObjectiveMetric(10));
});
