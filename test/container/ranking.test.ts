/**
 * The one scoring and top-n code (container/src/ranking) that the model server and the evaluation
 * share: scores are dot + bias for any factor count, training's scorer over the SGD memory and the
 * server's over a loaded model agree bit for bit, and the metrics `train` writes (what the gate
 * reads) are exactly those of the lists the server returns for the same model.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { metricName } from '../../container/src/metrics/definitions';
import { loadModel } from '../../container/src/model/store';
import { ItemScorer, popularityScores } from '../../container/src/ranking/scorer';
import { TopN } from '../../container/src/ranking/topn';
import { Recommender } from '../../container/src/serve/recommend';
import { runTrain } from '../../container/src/train';
import { Kernel, KernelMemory, kernelLayout } from '../../container/src/train/kernel';
import { plantedData } from './bpr-fixtures';
import { mulberry32 } from './serve-fixtures';

function randomModel(users: number, items: number, factors: number, seed: number) {
  const rnd = mulberry32(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => rnd() - 0.5);
  return { userFactors: fill(users * factors), itemFactors: fill(items * factors), itemBias: fill(items), factors };
}

describe('ItemScorer', () => {
  it('scores dot(user, item) + item bias for every item, whatever the factor count', () => {
    for (const F of [1, 3, 4, 5, 8, 13, 16, 17, 31, 64, 100]) {
      const m = randomModel(3, 50, F, F);
      const scorer = ItemScorer.forModel(m);
      for (let u = 0; u < 3; u++) {
        const got = Array.from(scorer.score(u));
        const want = Array.from({ length: 50 }, (_, i) => {
          let s = m.itemBias[i]!;
          for (let f = 0; f < F; f++) s += m.userFactors[u * F + f]! * m.itemFactors[i * F + f]!;
          return s;
        });
        got.forEach((s, i) => expect(s).toBeCloseTo(want[i]!, 5));
      }
    }
  });

  it("scores training's current factors (SGD memory) exactly as the server scores the saved arrays", () => {
    for (const F of [7, 64]) {
      const m = randomModel(20, 300, F, 100 + F);
      const mem = new KernelMemory(
        kernelLayout({ nUsers: 20, nItems: 300, factors: F, nPairs: 1, threads: 1, bitset: false, adagrad: false }),
      );
      mem.userFactors.set(m.userFactors);
      mem.itemFactors.set(m.itemFactors);
      mem.itemBias.set(m.itemBias);
      const training = new Kernel(mem, 0).scorer;
      const serving = ItemScorer.forModel(m);
      for (const u of [0, 9, 19]) expect(Array.from(training.score(u))).toEqual(Array.from(serving.score(u)));
    }
  });
});

describe('TopN', () => {
  it('keeps the best n, ties to the lower index, never -Infinity or NaN', () => {
    const scores = new Float32Array([1, 5, NaN, 5, -Infinity, 2, 5]);
    const top = new TopN();
    expect(Array.from(top.select(scores, 4).items)).toEqual([1, 3, 6, 5]);
    expect(Array.from(top.select(scores, 10).items)).toEqual([1, 3, 6, 5, 0]);
    expect(Array.from(top.select(popularityScores([3, 0, 7]).score(0), 2).scores)).toEqual([7, 3]);
  });
});

describe("the gate's metrics", () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'ranking-gate-'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('are the metrics of the lists the server returns for the model train wrote', async () => {
    const { train, test } = plantedData(7);
    const csv = (pairs: Array<[string, string]>) => ['user_id,item_id', ...pairs.map(([u, i]) => `${u},${i}`)].join('\n') + '\n';
    for (const [channel, pairs] of [
      ['training', train],
      ['testing', test],
    ] as const) {
      mkdirSync(path.join(base, 'input', 'data', channel), { recursive: true });
      writeFileSync(path.join(base, 'input', 'data', channel, 'pairs.csv'), csv(pairs));
    }
    mkdirSync(path.join(base, 'input', 'config'), { recursive: true });
    const hp = { factors: '16', epochs: '10', threads: '1', seed: '5' };
    writeFileSync(path.join(base, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hp));
    expect(await runTrain({ SAGEMAKER_BASE_DIR: base }, () => {})).toBe(0);
    const metrics = JSON.parse(readFileSync(path.join(base, 'model', 'metrics.json'), 'utf8')) as Record<string, number>;

    const model = await loadModel(path.join(base, 'model'));
    const rec = new Recommender(model);
    // Test pairs of known users, less those also in training (they can never be recommended).
    const trained = (u: number, item: string): boolean =>
      model.userItemsIndices
        .subarray(model.userItemsIndptr[u], model.userItemsIndptr[u + 1])
        .includes(model.itemIndex.get(item)!);
    const testItems = new Map<string, Set<string>>();
    for (const [u, i] of test) {
      const index = model.userIndex.get(u);
      if (index !== undefined && !trained(index, i)) testItems.set(u, (testItems.get(u) ?? new Set()).add(i));
    }
    let hits = 0;
    for (const [u, items] of testItems) {
      const served = rec.recommend(u, { topN: 10, excludeTrained: true }).items;
      for (const i of served) if (items.has(model.manifest.items[i]!)) hits++;
    }
    expect(hits).toBeGreaterThan(0);
    expect(metrics[metricName('precision', 10)]).toBe(hits / (10 * testItems.size));
    const ideal = [...testItems.values()].reduce((n, items) => n + Math.min(10, items.size), 0);
    expect(metrics[metricName('p@k', 10)]).toBe(hits / ideal);
  });
});
