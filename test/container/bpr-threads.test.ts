/** Hogwild threads: the shared-memory layout that keeps threads off each other's cache lines, and the work they share out. */
import { evaluateRanking } from '../../container/src/train/evaluation';
import { buildCsr } from '../../container/src/train/data';
import {
  ITEM_SLOT_BYTES,
  Kernel,
  KernelMemory,
  kernelLayout,
  SAMPLE_CHUNK,
  type EpochParams,
} from '../../container/src/train/kernel';
import { SgdRunner } from '../../container/src/train/sgd';
import { Rng } from '../../container/src/train/rng';

/** A small random problem in kernel memory: users x items, a few positives each, random factors. */
function memory(threads: number, adagrad = true, bitset = true) {
  const nUsers = 60,
    nItems = 150,
    F = 12;
  const rng = new Rng(11);
  const us: number[] = [],
    is: number[] = [],
    vu: number[] = [],
    vi: number[] = [];
  for (let u = 0; u < nUsers; u++)
    for (let k = 0; k < 8; k++) {
      const i = rng.int(nItems);
      (k < 6 ? us : vu).push(u);
      (k < 6 ? is : vi).push(i);
    }
  const train = buildCsr(nUsers, us, is);
  const validation = buildCsr(nUsers, vu, vi);
  const layout = kernelLayout({ nUsers, nItems, factors: F, nPairs: train.indices.length, threads, bitset, adagrad });
  const mem = new KernelMemory(layout);
  mem.setPositives(train);
  for (let x = 0; x < mem.userFactors.length; x++) mem.userFactors[x] = rng.next() - 0.5;
  for (let x = 0; x < mem.itemFactors.length; x++) mem.itemFactors[x] = rng.next() - 0.5;
  if (adagrad) mem.startAdagrad(1);
  return { mem, train, validation, nItems, F };
}

/** Epoch parameters for the small problem of memory(): three verified uniform candidates unless overridden. */
function epochParams(F: number, nItems: number, samples: number, over: Partial<EpochParams> = {}): EpochParams {
  return {
    factors: F,
    nItems,
    learningRate: 0.05,
    regularization: 0.01,
    biasRegularization: 0.01,
    negatives: 3,
    verifyNegatives: true,
    popularityNegatives: false,
    samples,
    ...over,
  };
}

describe('kernel memory layout', () => {
  it("puts each thread's PRNG state, statistics and score buffer on cache lines of its own", () => {
    const { mem } = memory(4);
    const starts = [0, 1, 2, 3].map((t) => mem.rngState(t).byteOffset);
    for (const s of starts) expect(s % 128).toBe(0);
    for (let t = 1; t < 4; t++) expect(starts[t] - starts[t - 1]).toBeGreaterThanOrEqual(128);
    const stats = [0, 1, 2, 3].map((t) => mem.statsOf(t));
    for (let t = 0; t < 4; t++) {
      expect(stats[t].byteOffset + stats[t].byteLength).toBeLessThanOrEqual(starts[t] + 128);
      expect(stats[t].byteOffset).toBeGreaterThanOrEqual(starts[t] + 16);
    }
    const scores = [0, 1].map((t) => new Kernel(mem, t).scorer.score(0));
    expect(scores[0].byteOffset).not.toBe(scores[1].byteOffset);
    expect(Math.abs(scores[1].byteOffset - scores[0].byteOffset)).toBeGreaterThanOrEqual(scores[0].byteLength);
  });

  it("allocates the users' Adagrad sums only for optimizer adagrad", () => {
    expect(memory(1, true).mem.userGrad2.length).toBe(60);
    expect(memory(1, false).mem.userGrad2.length).toBe(0);
  });

  it("puts each item's bias and Adagrad sums on a cache line of its own, and hands the biases SGD learnt to the scorer", async () => {
    const { mem, nItems, F } = memory(2);
    expect(mem.itemSlots.byteOffset % 64).toBe(0);
    expect(mem.itemSlots.byteLength).toBe(nItems * ITEM_SLOT_BYTES);
    expect(ITEM_SLOT_BYTES).toBeGreaterThanOrEqual(64);
    expect(mem.itemBias.every((b) => b === 0)).toBe(true);
    const runner = new SgdRunner(mem, 3);
    try {
      await runner.epoch(epochParams(F, nItems, 4000, { learningRate: 0.1 }));
    } finally {
      await runner.close();
    }
    // After the epoch the packed biases the scorer reads are the ones SGD moved: popular items up.
    const counts = new Array<number>(nItems).fill(0);
    for (const i of mem.indices) counts[i]++;
    const byPopularity = [...counts.keys()].sort((a, b) => counts[b] - counts[a]);
    const mean = (xs: number[]) => xs.reduce((a, x) => a + mem.itemBias[x], 0) / xs.length;
    expect(mem.itemBias.some((b) => b !== 0)).toBe(true);
    expect(mean(byPopularity.slice(0, 20))).toBeGreaterThan(mean(byPopularity.slice(-20)));
    const scores = new Kernel(mem, 0).scorer.score(0);
    let expected = mem.itemBias[7];
    for (let f = 0; f < F; f++) expected += mem.userFactors[f] * mem.itemFactors[7 * F + f];
    expect(scores[7]).toBeCloseTo(expected, 5);
  });
});

describe('negative checks', () => {
  it('the binary search in the CSR rows rejects exactly the candidates the bit matrix rejects', async () => {
    const runs = [true, false].map(async (bitset) => {
      const { mem, nItems, F } = memory(1, true, bitset);
      const runner = new SgdRunner(mem, 9);
      try {
        // Popular candidates are often the user's own items: many rejections.
        const params = epochParams(F, nItems, 3000, { learningRate: 0.1, negatives: 5, popularityNegatives: true });
        const stats = await runner.epoch(params);
        return { stats, items: mem.itemFactors.slice() };
      } finally {
        await runner.close();
      }
    });
    const [withBits, withRows] = await Promise.all(runs);
    expect(withRows.stats).toEqual(withBits.stats);
    expect(Buffer.from(withRows.items.buffer).equals(Buffer.from(withBits.items.buffer))).toBe(true);
  });
});

describe('SgdRunner with two threads', () => {
  it('runs exactly the samples of an epoch between the threads, in chunks claimed from a shared counter', async () => {
    const { mem, nItems, F } = memory(2);
    const runner = new SgdRunner(mem, 5);
    try {
      const samples = 5 * SAMPLE_CHUNK + 123;
      const params = epochParams(F, nItems, samples);
      for (let e = 0; e < 3; e++) {
        const s = await runner.epoch(params);
        expect(s.used + s.skipped).toBe(samples);
        expect(s.lossSamples).toBeGreaterThan(0);
        expect(Number.isFinite(s.lossSum / s.lossSamples)).toBe(true);
      }
      expect(mem.userFactors.every(Number.isFinite)).toBe(true);
    } finally {
      await runner.close();
    }
  });

  it('runs the first samples of an epoch on the main thread alone, or all of them, and times each part', async () => {
    const { mem, nItems, F } = memory(2);
    const runner = new SgdRunner(mem, 5);
    const samples = 6 * SAMPLE_CHUNK;
    const params = epochParams(F, nItems, samples);
    const ran = (thread: number) => mem.statsOf(thread)[2] + mem.statsOf(thread)[3];
    try {
      const whole = await runner.epoch(params, samples);
      expect(whole.used + whole.skipped).toBe(samples);
      expect(ran(1)).toBe(0); // the worker never ran
      expect(runner.lastTiming).toMatchObject({ aloneSamples: samples, sharedSamples: 0, sharedSeconds: 0 });
      expect(runner.lastTiming.aloneSeconds).toBeGreaterThan(0);

      const part = await runner.epoch(params, 2 * SAMPLE_CHUNK);
      expect(part.used + part.skipped).toBe(samples);
      expect(ran(0)).toBeGreaterThanOrEqual(2 * SAMPLE_CHUNK);
      expect(runner.lastTiming).toMatchObject({ aloneSamples: 2 * SAMPLE_CHUNK, sharedSamples: 4 * SAMPLE_CHUNK });
    } finally {
      await runner.close();
    }
  });

  it('validation shared across threads gives the same metrics as one thread ranking every user', async () => {
    const { mem, train, validation, nItems } = memory(2);
    const users = Int32Array.from({ length: 60 }, (_, u) => u).filter((u) => validation.indptr[u + 1] > validation.indptr[u]);
    const runner = new SgdRunner(mem, 5, { test: validation, users, k: 5 });
    try {
      const shared = await runner.validate();
      const one = evaluateRanking(
        { nItems, k: 5, exclude: train, test: validation, users, auc: false },
        new Kernel(mem, 0).scorer,
      );
      expect(shared.users).toBe(one.users);
      expect(shared.hits).toBe(one.hits);
      expect(shared.pAtK).toBe(one.pAtK);
      expect(shared.coverage).toBe(one.coverage);
      expect(shared.ndcg).toBeCloseTo(one.ndcg, 12);
    } finally {
      await runner.close();
    }
  });
});
