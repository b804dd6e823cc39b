/** The model report's measures on small data: depth curves, the long tail, the customers shown. */
import { popularityScores, type ItemScores } from '../../container/src/ranking/scorer';
import { sampleCustomers } from '../../container/src/report/customers';
import { depthCurves, diversity, popularityOrder } from '../../container/src/report/measures';
import { buildCsr } from '../../container/src/train/data';
import { evaluateRanking } from '../../container/src/train/evaluation';
import { Rng } from '../../container/src/train/rng';
import { exclude, scorer, test } from './ranking-example';

describe('depthCurves', () => {
  // user 0 ranks 3, 1, 5, 2, 4 (hits at ranks 2 and 4); user 1 ranks 4, 0, 3, 5 (hit at rank 2)
  const c = depthCurves({ nItems: 6, k: 2, exclude, test }, scorer, 5);

  it('gives precision@K = hits within K / (K x users) for every K from one ranking', () => {
    expect(c.users).toBe(2);
    expect(c.precision).toEqual([0 / 2, 2 / 4, 2 / 6, 3 / 8, 3 / 10]);
  });

  it('gives recall@K = mean over users of hits within K / test items', () => {
    expect(c.recall).toEqual([0, (1 / 2 + 1) / 2, (1 / 2 + 1) / 2, (2 / 2 + 1) / 2, (2 / 2 + 1) / 2]);
  });

  it("counts each item's appearances in the top-k lists (k = the evaluation's K)", () => {
    expect(Array.from(c.recommended)).toEqual([1, 1, 0, 1, 1, 0]);
  });

  it('counts test items unknown to the model as misses, like the evaluation', () => {
    const u = depthCurves({ nItems: 6, k: 2, exclude, test, unknownTestItems: new Int32Array([0, 1, 0]) }, scorer, 2);
    expect(u.recall[1]).toBe((1 / 2 + 1 / 2) / 2);
  });

  it("equals the evaluation's precision@K, recall@K and coverage at its K on random data", () => {
    const rng = new Rng(7);
    const nUsers = 60,
      nItems = 40;
    const pairs = (n: number) => {
      const us: number[] = [],
        is: number[] = [];
      for (let p = 0; p < n; p++) {
        us.push(rng.int(nUsers));
        is.push(rng.int(nItems));
      }
      return buildCsr(nUsers, us, is);
    };
    const train = pairs(600);
    const held = pairs(200);
    // test pairs never repeat training pairs (the dataset drops those)
    const tu: number[] = [],
      ti: number[] = [];
    for (let u = 0; u < nUsers; u++) {
      const mine = new Set(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
      for (let p = held.indptr[u]; p < held.indptr[u + 1]; p++) {
        if (mine.has(held.indices[p])) continue;
        tu.push(u);
        ti.push(held.indices[p]);
      }
    }
    const testCsr = buildCsr(nUsers, tu, ti);
    const random = Array.from({ length: nUsers }, () => Float32Array.from({ length: nItems }, () => rng.next()));
    const scores: ItemScores = { score: (u) => random[u].slice() };
    for (const k of [1, 5, 10]) {
      const input = { nItems, k, exclude: train, test: testCsr };
      const ev = evaluateRanking(input, scores);
      const d = depthCurves(input, scores, 20);
      expect(d.precision[k - 1]).toBe(ev.precision);
      expect(d.recall[k - 1]).toBe(ev.recall);
      expect(d.recommended.filter((n) => n > 0).length / nItems).toBe(ev.coverage);
    }
  });
});

describe('diversity', () => {
  const popularity = [5, 9, 1, 9, 0, 3, 2, 7, 4, 6]; // by popularity: 1, 3, 7, 9, 0, 8, 5, 6, 2, 4
  it('ranks items by popularity, ties to the lower index', () => {
    expect(Array.from(popularityOrder(popularity))).toEqual([1, 3, 7, 9, 0, 8, 5, 6, 2, 4]);
  });

  it('bins the share of recommendations by popularity rank and measures the head and the distinct items', () => {
    const model = Int32Array.from([1, 2, 0, 0, 3, 0, 0, 2, 0, 0]); // 8 recommendations
    const baseline = Int32Array.from([0, 4, 0, 4, 0, 0, 0, 0, 0, 0]);
    const d = diversity(popularity, model, baseline);
    // bins double in width: ranks 1, 2-3, 4-7, 8-10
    expect(d.bins.map((b) => [b.fromRank, b.toRank])).toEqual([
      [1, 1],
      [2, 3],
      [4, 7],
      [8, 10],
    ]);
    // model: rank 1 is item 1 (2); 2-3 items 3, 7 (0 + 2); 4-7 items 9, 0, 8, 5 (0 + 1 + 0 + 0); 8-10 items 6, 2, 4 (0 + 0 + 3)
    expect(d.bins.map((b) => b.model)).toEqual([2 / 8, 2 / 8, 1 / 8, 3 / 8]);
    expect(d.bins.map((b) => b.baseline)).toEqual([4 / 8, 4 / 8, 0, 0]);
    expect(d.distinctItems).toEqual({ model: 4, baseline: 2 });
    // the 10 % most popular of 10 items: item 1 alone
    expect(d.headShare).toEqual({ model: 2 / 8, baseline: 4 / 8 });
    expect(d.items).toBe(10);
  });
});

describe('sampleCustomers', () => {
  const source = {
    userIds: ['u0', 'u1', 'u2'],
    itemIds: ['a', 'b', 'c', 'd', 'e', 'f'],
    train: exclude,
    test,
    unknownTestItems: new Int32Array([0, 2, 0]),
    catalog: { a: 'APPLE', b: 'BANANA', d: 'DATE' },
  };

  it('shows evaluated customers only, with their purchases, later purchases and the top n without training items, hits marked', () => {
    const shown = sampleCustomers(source, scorer, { count: 3, topN: 3, seed: 1 });
    expect(shown.map((c) => c.userId)).toEqual(['u0', 'u1']); // u2 has no test items
    const [u0, u1] = shown;
    expect(u0.bought).toEqual([{ id: 'a', description: 'APPLE' }]);
    expect(u0.boughtLater.map((i) => i.id).sort()).toEqual(['b', 'c']);
    expect(u0.recommended.map((r) => [r.rank, r.id, r.hit])).toEqual([
      [1, 'd', false],
      [2, 'b', true],
      [3, 'f', false],
    ]);
    expect(u0.recommended[0]).toMatchObject({ description: 'DATE', score: 6 });
    expect(u1.boughtLaterUnknown).toBe(2);
    expect(u1.recommended.map((r) => r.id)).not.toContain('b');
  });

  it('draws the same customers for the same seed', () => {
    const many = { ...source, unknownTestItems: new Int32Array([1, 1, 1]) };
    const pick = (seed: number) =>
      sampleCustomers(many, popularityScores([1, 2, 3, 4, 5, 6]), { count: 2, topN: 2, seed }).map((c) => c.userId);
    expect(pick(5)).toEqual(pick(5));
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => pick(s).join())).size).toBeGreaterThan(1);
  });
});
