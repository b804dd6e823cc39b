/**
 * The live model (champion) measured on a run's test pairs: exactly the lists the model server
 * answers (its ranking for users it knows, its popularity fallback for the others), and, through
 * `train`'s champion channel, metrics named champion_<name> beside the baseline's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CHAMPION_PREFIX,
  championMetricNames,
  evaluationMetricNames,
  metricDefinitions,
  parseMetricLines,
} from '../../container/src/metrics/definitions';
import type { LoadedModel } from '../../container/src/model/store';
import { loadModel, saveModel } from '../../container/src/model/store';
import { Ranker } from '../../container/src/ranking/rank';
import { Recommender } from '../../container/src/serve/recommend';
import { championEvaluation } from '../../container/src/train/champion';
import { DatasetBuilder } from '../../container/src/train/dataset';
import { evaluateRanking } from '../../container/src/train/evaluation';
import { packDirectory } from '../../local/tar';
import { containerMain } from '../../local/processes';
import { plantedData } from './bpr-fixtures';
import { buildModel, itemId, userId } from './serve-fixtures';

const MAIN = containerMain();
const dirs: string[] = [];
const tmp = (prefix: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A champion with 40 users (ids 10000..10039) and 30 items (SKU0..SKU29), 4 training items each. */
async function champion(): Promise<LoadedModel> {
  const dir = tmp('champion-model-');
  const built = buildModel({ users: 40, items: 30, factors: 8, groups: 3, trainedPerUser: 4, catalog: false, seed: 5 });
  await saveModel(dir, built.manifest, built.arrays);
  return loadModel(dir);
}

describe('championEvaluation', () => {
  it("ranks each test user exactly as the model server answers them, and measures the lists on the run's test pairs", async () => {
    const model = await champion();
    const recommender = new Recommender(model);
    const b = new DatasetBuilder();
    // The new run's training data: 30 users the champion knows, 10 it does not, a new item.
    for (let u = 0; u < 40; u++) {
      const user = u < 30 ? userId(u) : `new-${u}`;
      b.addTrain(user, itemId(u % 30));
      b.addTrain(user, itemId((u + 7) % 30));
      b.addTrain(user, 'NEW-ITEM');
    }
    for (let u = 0; u < 40; u++) {
      const user = u < 30 ? userId(u) : `new-${u}`;
      b.addTest(user, itemId((u * 3 + 1) % 30));
      b.addTest(user, itemId((u * 5 + 2) % 30));
      // A test item the new run knows and the champion does not, and one neither knows.
      if (u % 4 === 0) b.addTest(user, 'NEW-ITEM-2');
      if (u % 5 === 0) b.addTest(user, 'NEW-ITEM');
    }
    const data = b.build(true);
    const k = 5;
    const evaluation = championEvaluation(model, data, k)!;
    expect(evaluation.fallbackUsers).toBe(10);

    const ranker = new Ranker(evaluation.scores, evaluation.input.exclude);
    let hits = 0;
    let users = 0;
    for (let r = 0; r < evaluation.userIds.length; r++) {
      const id = evaluation.userIds[r]!;
      const served = recommender.recommend(id, { topN: k, excludeTrained: true });
      expect(served.fallback).toBe(id.startsWith('new-'));
      const ranked = ranker.rank(r, k, true);
      expect(Array.from(ranked.items)).toEqual(Array.from(served.items));
      // By id: every test pair of the run, whatever either model knows.
      const u = data.users.get(id)!;
      const testIds = new Set<string>();
      for (let p = data.test!.csr.indptr[u]!; p < data.test!.csr.indptr[u + 1]!; p++)
        testIds.add(data.items.ids[data.test!.csr.indices[p]!]!);
      const tests = testIds.size + data.test!.unknownItems[u]!;
      if (tests === 0) continue;
      users++;
      hits += Array.from(served.items).filter((i) => testIds.has(model.manifest.items[i]!)).length;
    }
    const m = evaluateRanking(evaluation.input, evaluation.scores);
    expect(m.users).toBe(users);
    expect(m.hits).toBe(hits);
    expect(m.precision).toBeCloseTo(hits / (k * users), 12);
  });
});

describe('train with a champion channel', () => {
  const { train, test } = plantedData(3);
  const csv = (pairs: Array<[string, string]>) => ['user_id,item_id', ...pairs.map(([u, i]) => `${u},${i}`)].join('\n') + '\n';
  const HP = { factors: '16', epochs: '15', threads: '1', seed: '7' };

  function layout(champion?: { file: string; data: Buffer }): string {
    const base = tmp('champion-train-');
    mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
    writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify(HP));
    for (const [channel, content] of [
      ['training', csv(train)],
      ['testing', csv(test)],
    ] as const) {
      mkdirSync(path.join(base, 'input', 'data', channel), { recursive: true });
      writeFileSync(path.join(base, 'input', 'data', channel, `${channel}.csv`), content);
    }
    if (champion) {
      mkdirSync(path.join(base, 'input', 'data', 'champion'), { recursive: true });
      writeFileSync(path.join(base, 'input', 'data', 'champion', champion.file), champion.data);
    }
    return base;
  }
  const run = (base: string) =>
    spawnSync(process.execPath, [MAIN, 'train'], { env: { ...process.env, SAGEMAKER_BASE_DIR: base }, encoding: 'utf8' });

  it('measures the live model on the same test pairs: the same model as champion scores what the new one scores', async () => {
    const first = layout();
    const r1 = run(first);
    expect([r1.status, r1.stderr]).toEqual([0, '']);
    expect(r1.stdout).not.toContain(CHAMPION_PREFIX);
    // Retrained on the same data with the same seed on one thread: the same model, now with the first as champion.
    const second = layout({ file: 'model.tar.gz', data: await packDirectory(path.join(first, 'model')) });
    const r2 = run(second);
    expect([r2.status, r2.stderr]).toEqual([0, '']);
    expect(r2.stdout).toMatch(/champion: the live model on the same test pairs: \d+ users, 0 of them unknown to it/);
    const metrics = parseMetricLines(r2.stdout, metricDefinitions(10));
    for (const name of evaluationMetricNames(10).filter((n) => !n.startsWith('baseline_'))) {
      expect(metrics[CHAMPION_PREFIX + name]).toBeCloseTo(metrics[name]!, 5);
    }
    expect(Object.keys(metrics).filter((n) => n.startsWith(CHAMPION_PREFIX))).toEqual(championMetricNames(10));
    const saved = await loadModel(path.join(second, 'model'));
    expect(saved.manifest.metrics[`${CHAMPION_PREFIX}precision@10`]).toBeCloseTo(metrics[`${CHAMPION_PREFIX}precision@10`]!, 5);
  });

  it('a champion that cannot be loaded is logged and measured as nothing; the run still trains its model', () => {
    const base = layout({ file: 'model.tar.gz', data: Buffer.from('not a model archive') });
    const r = run(base);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(
      /champion: NOT EVALUATED \(the live model could not be loaded\): TarFormatError: not a gzip'd archive/,
    );
    expect(r.stdout).not.toContain(`metric: ${CHAMPION_PREFIX}`);
    expect(parseMetricLines(r.stdout, metricDefinitions(10))['precision@10']).toEqual(expect.any(Number));
  });
});
