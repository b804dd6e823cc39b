/** The server's pure core: ranking, exclusion, fallback, request parsing and output formats. */
import { MAX_REQUEST_ITEMS } from '../../container/src/limits';
import { formatCsv, formatJson } from '../../container/src/serve/format';
import { POPULARITY_FALLBACK, Recommender } from '../../container/src/serve/recommend';
import { parseBody } from '../../container/src/serve/request';
import { BadRequestError, TooManyRecommendationsError } from '../../container/src/serve/errors';
import type { LoadedModel } from '../../container/src/model/store';
import { parse } from 'csv-parse/sync';
import { groupItemsBestFirst, loadedModel, userId, type FixtureOptions } from './serve-fixtures';

/** Independent oracle: score every item in float64, full sort, ties by index. */
function bruteForce(m: LoadedModel, u: number, topN: number, exclude: boolean): number[] {
  const F = m.manifest.factors;
  const trained = new Set(m.userItemsIndices.slice(m.userItemsIndptr[u]!, m.userItemsIndptr[u + 1]!));
  const all = m.manifest.items.map((_, i) => {
    let s = m.itemBias[i]!;
    for (let f = 0; f < F; f++) s += m.userFactors[u * F + f]! * m.itemFactors[i * F + f]!;
    return { i, s };
  });
  return all
    .filter((x) => !exclude || !trained.has(x.i))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, topN)
    .map((x) => x.i);
}

const PLANTED: FixtureOptions = { users: 40, items: 200, factors: 8, groups: 4, trainedPerUser: 3, catalog: true, seed: 3 };

describe('Recommender', () => {
  const model = loadedModel(PLANTED);
  const rec = new Recommender(model);

  it("ranks the best items of the user's group first, leaving out what the user bought", () => {
    const u = 5; // group 1
    const best = groupItemsBestFirst(PLANTED, 1);
    const r = rec.recommend(userId(u), { topN: 5, excludeTrained: true });
    expect(r.fallback).toBe(false);
    expect(Array.from(r.items)).toEqual(best.slice(3, 8)); // the top 3 are its training items
    expect(Array.from(r.scores)).toEqual([...r.scores].sort((a, b) => b - a));
  });

  it('keeps the training items when asked', () => {
    const r = rec.recommend(userId(5), { topN: 5, excludeTrained: false });
    expect(Array.from(r.items)).toEqual(groupItemsBestFirst(PLANTED, 1).slice(0, 5));
  });

  it('matches a brute-force full sort on random factors, for any top_n', () => {
    const m = loadedModel({ users: 30, items: 500, factors: 13, groups: 0, trainedPerUser: 20, catalog: false, seed: 11 });
    const r = new Recommender(m);
    for (const u of [0, 7, 29]) {
      for (const n of [1, 10, 100]) {
        for (const exclude of [true, false]) {
          expect(Array.from(r.recommend(userId(u), { topN: n, excludeTrained: exclude }).items)).toEqual(
            bruteForce(m, u, n, exclude),
          );
        }
      }
    }
  });

  it('answers a batch in request order, as one-by-one would', () => {
    for (const factors of [13, 64]) {
      const m = loadedModel({ users: 30, items: 400, factors, groups: 0, trainedPerUser: 15, catalog: false, seed: factors });
      const r = new Recommender(m);
      const reqs = [3, 8, -1, 3, 29, 0, 11, 12, 13, 14, 15].map((u, k) => ({
        userId: u < 0 ? 'stranger' : userId(u),
        topN: 1 + (k % 3) * 7,
        excludeTrained: k % 4 !== 1,
      }));
      const got = r.recommendMany(reqs);
      expect(got.map((g) => g.userId)).toEqual(reqs.map((q) => q.userId));
      reqs.forEach((q, k) => {
        if (q.userId === 'stranger') expect(got[k]!.fallback).toBe(true);
        else expect(Array.from(got[k]!.items)).toEqual(bruteForce(m, Number(q.userId) - 10000, q.topN, q.excludeTrained));
      });
    }
  });

  it('gives the same answers from its cache, and a longer list when a larger top_n is asked', () => {
    const m = loadedModel({ users: 10, items: 300, factors: 16, groups: 0, trainedPerUser: 5, catalog: false, seed: 5 });
    const cached = new Recommender(m, { cacheSize: 4 });
    for (let round = 0; round < 3; round++) {
      for (let u = 0; u < 10; u++) {
        for (const [n, exclude] of [
          [10, true],
          [3, true],
          [20, true],
          [10, false],
        ] as const) {
          expect(Array.from(cached.recommend(userId(u), { topN: n, excludeTrained: exclude }).items)).toEqual(
            bruteForce(m, u, n, exclude),
          );
        }
      }
    }
  });

  it('returns fewer items when the user bought nearly everything', () => {
    const m = loadedModel({ users: 2, items: 6, factors: 4, groups: 0, trainedPerUser: 4, catalog: false, seed: 2 });
    const r = new Recommender(m, { cacheSize: 10 });
    expect(r.recommend(userId(0), { topN: 10, excludeTrained: true }).items).toHaveLength(2);
    expect(r.recommend(userId(0), { topN: 10, excludeTrained: true }).items).toHaveLength(2);
    expect(r.recommend(userId(0), { topN: 10, excludeTrained: false }).items).toHaveLength(6);
  });

  it('ranks unknown users by popularity and marks them', () => {
    const r = rec.recommend('no-such-user', { topN: 4, excludeTrained: true });
    expect(r.fallback).toBe(true);
    const pop = model.manifest.itemPopularity;
    const expected = pop
      .map((p, i) => ({ p, i }))
      .sort((a, b) => b.p - a.p || a.i - b.i)
      .slice(0, 4);
    expect(Array.from(r.items)).toEqual(expected.map((x) => x.i));
    expect(Array.from(r.scores)).toEqual(expected.map((x) => x.p));
    expect(JSON.parse(formatJson(model, [r]))[0].fallback).toBe(POPULARITY_FALLBACK);
  });

  it('finds users whose id arrives as a float ("13085.0" from pandas exports)', () => {
    expect(rec.recommend(`${userId(5)}.0`, { topN: 1, excludeTrained: true }).fallback).toBe(false);
  });
});

describe('parseBody', () => {
  it("reads the seed's payload, numbers and defaults", () => {
    expect(parseBody('{"user_id": "17519", "top_n": "10"}', false, MAX_REQUEST_ITEMS)).toEqual({
      requests: [{ userId: '17519', topN: 10, excludeTrained: true }],
      lines: false,
    });
    expect(parseBody('{"user_id": 17519, "top_n": 3, "exclude_purchased": "false"}', false, MAX_REQUEST_ITEMS).requests).toEqual([
      { userId: '17519', topN: 3, excludeTrained: false },
    ]);
    expect(parseBody('{\n  "user_id": "1"\n}', false, MAX_REQUEST_ITEMS).requests).toEqual([
      { userId: '1', topN: 10, excludeTrained: true },
    ]);
  });

  it("reads several lines in order, as JSON Lines or as batch transform's application/json", () => {
    const body = '{"user_id": "a", "top_n": "1"}\n\n{"user_id": "b", "top_n": "2"}\r\n';
    for (const jsonLines of [true, false]) {
      const p = parseBody(body, jsonLines, MAX_REQUEST_ITEMS);
      expect(p.lines).toBe(true);
      expect(p.requests.map((r) => [r.userId, r.topN])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
    }
  });

  it.each([
    ['', false, 'request body is empty'],
    ['{"user_id": "1"', false, 'malformed JSON'],
    ['[1]', false, 'expected a JSON object'],
    ['{"top_n": "10"}', false, 'user_id: is required'],
    ['{"user_id": true}', false, 'user_id: must be a string or a number'],
    ['{"user_id": "  "}', false, 'user_id: must not be empty'],
    ['{"user_id": "1", "top_n": "0"}', false, 'top_n must be an integer from 1 to 100, got "0"'],
    ['{"user_id": "1", "top_n": 101}', false, 'top_n must be an integer from 1 to 100, got 101'],
    ['{"user_id": "1", "top_n": "2.5"}', false, 'top_n must be an integer'],
    ['{"user_id": "1", "exclude_purchased": "no"}', false, 'exclude_purchased: must be true or false'],
    ['{"user_id": "1"}\n{"user_id": "2"\n', false, 'line 2: malformed JSON'],
    ['{"user_id": "1"}\n\n{"user_id": "2", "top_n": -1}', true, 'line 3: top_n must be'],
  ])('rejects %j with an error naming the problem', (body, jsonLines, message) => {
    expect(() => parseBody(body, jsonLines, MAX_REQUEST_ITEMS)).toThrow(BadRequestError);
    expect(() => parseBody(body, jsonLines, MAX_REQUEST_ITEMS)).toThrow(message);
  });

  it('stops reading at the line where top_n summed passes the bound, before any work', () => {
    const line = '{"user_id": "1", "top_n": 40}\n';
    expect(parseBody(line.repeat(2), true, 80).requests).toHaveLength(2);
    expect(() => parseBody(line.repeat(1000), true, 80)).toThrow(TooManyRecommendationsError);
    expect(() => parseBody(line.repeat(1000), true, 80)).toThrow('more than 80 recommendations by line 3');
    expect(() => parseBody(line, false, 39)).toThrow('more than 39 recommendations by line 1');
  });
});

describe('formats', () => {
  const model = loadedModel({ ...PLANTED, oddIds: true });
  const rec = new Recommender(model);

  it('writes JSON records with descriptions, one array per request line, no trailing newline', () => {
    const recs = [
      rec.recommend(userId(1), { topN: 2, excludeTrained: true }),
      rec.recommend('x', { topN: 1, excludeTrained: true }),
    ];
    const out = formatJson(model, recs);
    const lines = out.split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first[0]).toEqual({
      user_id: userId(1),
      item_id: expect.any(String),
      score: expect.any(Number),
      description: expect.stringMatching(/^Product \d+/),
    });
    expect(first[0].fallback).toBeUndefined();
    expect(JSON.parse(lines[1]!)[0].fallback).toBe('popularity');
  });

  it('writes headerless CSV in rank order and quotes ids that need it', () => {
    // User index 0 ('cust,"0"') is in group 0, whose items include SKU,"0" (index 0).
    const r = rec.recommend('cust,"0"', { topN: 200, excludeTrained: false });
    const csv = formatCsv(model, [r]);
    expect(csv.endsWith('\n')).toBe(false);
    const rows = parse(csv) as string[][];
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => r.length === 3 && r[0] === 'cust,"0"')).toBe(true);
    expect(rows.map((r) => r[1])).toEqual(Array.from(r.items, (i) => model.manifest.items[i]));
    expect(rows.map((r) => r[1])).toContain('SKU,"0"');
    expect(rows.map((r) => Number(r[2]))).toEqual([...rows.map((r) => Number(r[2]))].sort((a, b) => b - a));
  });
});
