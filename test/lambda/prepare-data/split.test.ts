import { cleanup, HEADER, line, run } from './helpers';

/** 40 customers x 12 items, one purchase each on day (customer + item) of 2010. */
function grid(): string {
  const lines = [HEADER];
  for (let c = 0; c < 40; c++) {
    for (let i = 0; i < 12; i++) {
      if ((c + i) % 3 === 0) continue;
      const day = 1 + ((c * 7 + i * 3) % 28);
      lines.push(
        line(
          String(1000 + c),
          `2${String(i).padStart(4, '0')}`,
          1,
          `2010-03-${String(day).padStart(2, '0')} 10:00:00`,
          `${12000 + c}.0`,
        ),
      );
    }
  }
  return lines.join('\n');
}
const roots: string[] = [];
afterAll(async () => Promise.all(roots.map(cleanup)));

const key = (p: string[]) => p.join(' ');

describe('random split', () => {
  it('splits the unique pairs 70/30, disjoint, deterministic for a seed', async () => {
    const a = await run(grid(), { seed: 7 });
    const b = await run(grid(), { seed: 7 });
    const c = await run(grid(), { seed: 8 });
    roots.push(a.root, b.root, c.root);
    const train = (await a.rows('training/train.csv')).map(key);
    const test = (await a.rows('testing/test.csv')).map(key);
    const pairs = a.stats.pairs;
    expect(pairs).toBe(320);
    expect(a.stats.split.trainPairs).toBe(Math.round(pairs * 0.7));
    expect(test.length + a.stats.split.testPairsDroppedUnknownUser + a.stats.split.testPairsDroppedUnknownItem).toBe(
      pairs - train.length,
    );
    expect(train.filter((p) => test.includes(p))).toEqual([]);
    expect(new Set(train).size).toBe(train.length);
    expect(await b.file('training/train.csv')).toBe(await a.file('training/train.csv'));
    expect(await b.file('testing/test.csv')).toBe(await a.file('testing/test.csv'));
    expect(await c.file('testing/test.csv')).not.toBe(await a.file('testing/test.csv'));
  });

  it('keeps in test only users and items known to training, and counts the rest', async () => {
    // user 9 bought only one item, item Z was bought once: with testFraction 0.5 either may land in test
    const csv = [
      HEADER,
      line('1', 'P1', 1, '2010-01-01 10:00', '1'),
      line('1', 'P2', 1, '2010-01-01 10:00', '1'),
      line('2', 'P1', 1, '2010-01-01 10:00', '2'),
      line('2', 'Z9', 1, '2010-01-01 10:00', '2'),
      line('3', 'P2', 1, '2010-01-01 10:00', '9'),
    ];
    for (let seed = 0; seed < 6; seed++) {
      const r = await run(csv.join('\n'), { seed, testFraction: 0.5 });
      roots.push(r.root);
      const trainUsers = new Set((await r.rows('training/train.csv')).map((p) => p[0]));
      const trainItems = new Set((await r.rows('training/train.csv')).map((p) => p[1]));
      const test = await r.rows('testing/test.csv');
      for (const [u, i] of test) expect(trainUsers.has(u) && trainItems.has(i)).toBe(true);
      const s = r.stats.split;
      expect(s.trainPairs + s.testPairs + s.testPairsDroppedUnknownUser + s.testPairsDroppedUnknownItem).toBe(5);
    }
  });
});

describe('temporal split', () => {
  it('puts pairs first bought on or after the cut-off date into test', async () => {
    const r = await run(grid(), { split: 'temporal', cutoffDate: '2010-03-20' });
    roots.push(r.root);
    expect(r.stats.split.cutoff).toBe('2010-03-20T00:00:00.000Z');
    const train = (await r.rows('training/train.csv')).map(key);
    const test = (await r.rows('testing/test.csv')).map(key);
    // days are a function of (customer, item): recompute which side each pair belongs to
    const dayOf = (p: string) => {
      const [u, i] = p.split(' ').map((x) => Number(x) % 1000);
      return 1 + (((u % 1000) * 7 + (i % 100) * 3) % 28);
    };
    for (const p of train) expect(dayOf(p)).toBeLessThan(20);
    for (const p of test) expect(dayOf(p)).toBeGreaterThanOrEqual(20);
    expect(train.filter((p) => test.includes(p))).toEqual([]);
    expect(test.length).toBeGreaterThan(0);
  });

  it('derives the cut-off from testFraction and is deterministic', async () => {
    const a = await run(grid(), { split: 'temporal', testFraction: 0.25 });
    const b = await run(grid(), { split: 'temporal', testFraction: 0.25 });
    roots.push(a.root, b.root);
    const s = a.stats.split;
    const held = s.testPairs + s.testPairsDroppedUnknownUser + s.testPairsDroppedUnknownItem;
    expect(held / a.stats.pairs).toBeGreaterThan(0.15);
    expect(held / a.stats.pairs).toBeLessThan(0.35);
    expect(await b.file('testing/test.csv')).toBe(await a.file('testing/test.csv'));
  });

  it('drops and counts test users that never bought before the cut-off', async () => {
    const csv = [
      HEADER,
      line('1', 'P1', 1, '2010-01-01 10:00', '1'),
      line('2', 'P2', 1, '2010-01-01 11:00', '3'),
      line('2', 'P2', 1, '2010-02-01 10:00', '1'),
      line('3', 'P1', 1, '2010-02-02 10:00', '2'),
      line('4', 'P2', 1, '2010-02-03 10:00', '1'),
    ];
    const r = await run(csv.join('\n'), { split: 'temporal', cutoffDate: '2010-01-15' });
    roots.push(r.root);
    expect(r.stats.split).toMatchObject({
      trainPairs: 2,
      testPairs: 1,
      testPairsDroppedUnknownUser: 1,
      testPairsDroppedUnknownItem: 0,
    });
    expect(await r.file('testing/test.csv')).toBe('user_id,item_id\n1,P2\n');
  });
});

describe('minimum interactions', () => {
  it('removes users and items below the minimum until none is left below it', async () => {
    const csv = [HEADER];
    for (const [u, items] of [
      ['1', 'PQR'],
      ['2', 'PQR'],
      ['3', 'PQ'],
      ['4', 'W'],
    ] as const) {
      for (const i of items) csv.push(line('1', `${i}1`, 1, '2010-01-01 10:00', u));
    }
    const r = await run(csv.join('\n'), { minUserInteractions: 2, minItemInteractions: 3, testFraction: 0.01 });
    roots.push(r.root);
    // W1 (1 user) and user 4 go; R1 has 2 users and goes too; users 1-3 keep P1 and Q1
    expect(r.stats.minInteractions.pairsDropped).toBe(3);
    expect(r.stats).toMatchObject({ users: 3, items: 2, pairs: 6 });
  });
});

describe('pairs per customer', () => {
  it('counts the kept pairs of each customer in doubling buckets, with mean, median and max', async () => {
    // customer c buys c + 1 distinct items (1 to 6), one of them twice; POST is postage (dropped as a non-product)
    const lines = [HEADER];
    for (let c = 0; c < 6; c++) {
      for (let i = 0; i <= c; i++) lines.push(line(String(100 + c), `2100${i}`, 1, '2010-03-01 10:00:00', `${13000 + c}.0`));
      lines.push(line(String(200 + c), '21000', 1, '2010-03-02 10:00:00', `${13000 + c}.0`));
      lines.push(line(String(300 + c), 'POST', 1, '2010-03-02 10:00:00', `${13000 + c}.0`));
    }
    const r = await run(lines.join('\n'), { seed: 1 });
    roots.push(r.root);
    expect(r.stats.pairsPerCustomer).toEqual({
      buckets: [
        { min: 1, max: 1, customers: 1 },
        { min: 2, max: 2, customers: 1 },
        { min: 3, max: 4, customers: 2 },
        { min: 5, max: 8, customers: 2 },
      ],
      mean: 21 / 6,
      median: 3,
      max: 6,
    });
  });
});
