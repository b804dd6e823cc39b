import { evaluateRanking } from '../../container/src/train/evaluation';
import { popularityScores, type ItemScores } from '../../container/src/ranking/scorer';
import { exclude, scorer, test } from './ranking-example';
import { buildCsr } from '../../container/src/train/data';

// K = 2 on the shared example (ranking-example.ts).
describe('evaluateRanking on a hand-computed example', () => {
  // user 0 ranks 3, 1 (hit at rank 2); user 1 ranks 4, 0 (hit at rank 2)
  const m = evaluateRanking({ nItems: 6, k: 2, exclude, test }, scorer);

  it('evaluates only users with test items', () => {
    expect(m.users).toBe(2);
    expect(m.hits).toBe(2);
  });

  it('precision@K = hits / (K x users) and p@k(K) = hits / sum of min(K, |test|)', () => {
    expect(m.precision).toBeCloseTo(2 / 4, 10);
    expect(m.pAtK).toBeCloseTo(2 / 3, 10);
  });

  it('recall, ndcg and map average per user', () => {
    expect(m.recall).toBeCloseTo((1 / 2 + 1) / 2, 10);
    const d = 1 / Math.log2(3);
    expect(m.ndcg).toBeCloseTo((d / (1 + d) + d / 1) / 2, 10);
    expect(m.map).toBeCloseTo((0.5 / 2 + 0.5 / 1) / 2, 10);
  });

  it('auc ranks test items against every non-training, non-test item', () => {
    // user 0: item 1 (5) beats 4 and 5 of {3:6, 4:0, 5:2}; item 2 (1) beats 4 -> 3/6. user 1: item 0 (3) beats 3 and 5 -> 2/3
    expect(m.auc).toBeCloseTo((3 / 6 + 2 / 3) / 2, 10);
  });

  it('coverage counts distinct recommended items over all items', () => {
    expect(m.coverage).toBeCloseTo(4 / 6, 10);
  });

  it('never recommends a training item even when it scores highest', () => {
    // user 1's training items 1 and 2 score 10; if they were ranked user 1 would have 0 hits and map 0
    const onlyUser1 = evaluateRanking({ nItems: 6, k: 1, exclude, test, users: [1] }, scorer);
    expect(onlyUser1.hits).toBe(0);
    const k3 = evaluateRanking({ nItems: 6, k: 3, exclude, test, users: [1] }, scorer);
    expect(k3.hits).toBe(1);
  });

  it('counts test items unknown to the model as misses', () => {
    const unknown = new Int32Array([0, 1, 0]);
    const u = evaluateRanking({ nItems: 6, k: 2, exclude, test, unknownTestItems: unknown }, scorer);
    expect(u.pAtK).toBeCloseTo(2 / 4, 10);
    expect(u.recall).toBeCloseTo((1 / 2 + 1 / 2) / 2, 10);
    expect(u.precision).toBeCloseTo(2 / 4, 10);
  });

  it('counts ties in auc as one half', () => {
    const flat: ItemScores = { score: () => new Float32Array(6).fill(1) };
    expect(evaluateRanking({ nItems: 6, k: 2, exclude, test }, flat).auc).toBeCloseTo(0.5, 10);
  });
});

describe('auc', () => {
  it('equals the share of (test, other) pairs ranked correctly, ties one half, on random scores with many ties', () => {
    const nItems = 40;
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const users = 30;
    const scores = Array.from({ length: users }, () => Float32Array.from({ length: nItems }, () => Math.floor(rand() * 6)));
    const tu: number[] = [],
      ti: number[] = [],
      xu: number[] = [],
      xi: number[] = [];
    for (let u = 0; u < users; u++)
      for (let i = 0; i < nItems; i++) {
        const r = rand();
        if (r < 0.15) {
          tu.push(u);
          ti.push(i);
        } else if (r < 0.3) {
          xu.push(u);
          xi.push(i);
        }
      }
    const test = buildCsr(users, tu, ti);
    const train = buildCsr(users, xu, xi);
    let sum = 0,
      counted = 0;
    for (let u = 0; u < users; u++) {
      const pos = Array.from(test.indices.subarray(test.indptr[u], test.indptr[u + 1]));
      const trained = new Set(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
      const neg = Array.from({ length: nItems }, (_, i) => i).filter((i) => !trained.has(i) && !pos.includes(i));
      if (!pos.length || !neg.length) continue;
      let ok = 0;
      for (const p of pos) for (const n of neg) ok += scores[u][p] > scores[u][n] ? 1 : scores[u][p] === scores[u][n] ? 0.5 : 0;
      sum += ok / (pos.length * neg.length);
      counted++;
    }
    const m = evaluateRanking({ nItems, k: 5, exclude: train, test }, { score: (u) => scores[u].slice() });
    expect(counted).toBeGreaterThan(20);
    expect(m.auc).toBeCloseTo(sum / counted, 12);
  });
});

describe('the popularity baseline', () => {
  it('recommends the most popular items the user does not have', () => {
    const pop = [5, 4, 3, 2, 1, 0];
    const m = evaluateRanking({ nItems: 6, k: 2, exclude, test, users: [0] }, popularityScores(pop));
    // user 0 has item 0: gets items 1 and 2, both test items
    expect(m.hits).toBe(2);
    expect(m.precision).toBe(1);
  });
});
