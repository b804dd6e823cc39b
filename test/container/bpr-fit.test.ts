import { DatasetBuilder, type Dataset } from '../../container/src/train/dataset';
import { itemPopularity } from '../../container/src/train/data';
import { fit, learningRateAt, splitValidation } from '../../container/src/train/fit';
import { parseHyperparameters } from '../../container/src/train/hyperparameters';
import { evaluateOnTest } from '../../container/src/train/report';
import { buildCsr } from '../../container/src/train/data';
import { Rng } from '../../container/src/train/rng';
import { plantedData } from './bpr-fixtures';

function dataset(seed = 1): Dataset {
  const { train, test } = plantedData(seed);
  const b = new DatasetBuilder();
  for (const [u, i] of train) b.addTrain(u, i);
  for (const [u, i] of test) b.addTest(u, i);
  return b.build(true);
}

// A few hundred users: smaller steps than the defaults, which suit thousands (larger ones overfit here within 10 epochs).
const SMALL = { factors: '16', epochs: '30', eval_every: '5', threads: '1', seed: '3', learning_rate: '0.04' };

async function train(data: Dataset, overrides: Record<string, string> = {}) {
  const hp = parseHyperparameters({ ...SMALL, ...overrides });
  const result = await fit({ nUsers: data.users.size, nItems: data.items.size, train: data.train }, hp);
  const popularity = itemPopularity(data.train, data.items.size);
  const evaluation = (await evaluateOnTest(data, { ...result, factors: hp.factors }, popularity, hp.eval_k, hp.threads))!;
  return { result, evaluation };
}

describe('BPR fit', () => {
  const data = dataset();

  it('beats the popularity baseline by a wide margin on planted taste groups', async () => {
    const { evaluation } = await train(data);
    expect(evaluation.baseline.pAtK).toBeLessThan(0.3);
    expect(evaluation.model.pAtK).toBeGreaterThan(0.6);
    expect(evaluation.model.pAtK).toBeGreaterThan(2 * evaluation.baseline.pAtK);
    expect(evaluation.model.auc).toBeGreaterThan(0.9);
    expect(evaluation.model.ndcg).toBeGreaterThan(evaluation.baseline.ndcg);
  });

  it('plain SGD steps (optimizer=sgd) learn the groups too', async () => {
    const { evaluation, result } = await train(data, { optimizer: 'sgd', learning_rate: '0.05' });
    expect(evaluation.model.pAtK).toBeGreaterThan(0.6);
    expect(evaluation.model.pAtK).toBeGreaterThan(2 * evaluation.baseline.pAtK);
    expect(result.history.every((e) => Number.isFinite(e.loss))).toBe(true);
  });

  it('plain BPR (one uniform negative, no early stopping) also learns the groups', async () => {
    const { evaluation, result } = await train(data, { negative_samples: '1', validation_fraction: '0', learning_rate: '0.1' });
    expect(result.epochsRun).toBe(30);
    expect(evaluation.model.pAtK).toBeGreaterThan(2 * evaluation.baseline.pAtK);
  });

  it('is reproducible bit for bit with threads=1 and the same seed', async () => {
    const a = await train(data);
    const b = await train(data);
    expect(Buffer.from(a.result.userFactors.buffer).equals(Buffer.from(b.result.userFactors.buffer))).toBe(true);
    expect(Buffer.from(a.result.itemFactors.buffer).equals(Buffer.from(b.result.itemFactors.buffer))).toBe(true);
    expect(Buffer.from(a.result.itemBias.buffer).equals(Buffer.from(b.result.itemBias.buffer))).toBe(true);
    expect(a.evaluation.metrics).toEqual(b.evaluation.metrics);
    const c = await train(data, { seed: '4' });
    expect(Buffer.from(c.result.itemFactors.buffer).equals(Buffer.from(a.result.itemFactors.buffer))).toBe(false);
  });

  it('popularity negative sampling draws popular items as negatives more often', async () => {
    // Unverified negatives: with uniform draws the items every user has (popular-1, popular-2) are
    // rarely negatives and their bias climbs far above a group item's; drawn in proportion to
    // popularity they are negatives about as often as positives, so that gap shrinks.
    const plain = { negative_samples: '1', validation_fraction: '0', verify_negatives: 'false' };
    const gap = (r: { itemBias: Float32Array }) =>
      r.itemBias[data.items.get('popular-1')!] - r.itemBias[data.items.get('g3-i0')!];
    const uniform = (await train(data, plain)).result;
    const popular = (await train(data, { ...plain, negative_sampling: 'popularity' })).result;
    expect(gap(uniform)).toBeGreaterThan(0.5);
    expect(gap(popular)).toBeLessThan(gap(uniform) / 3);
  });

  it('learns a real item bias that the ranking uses', async () => {
    const { result } = await train(data);
    const popular = data.items.get('popular-1')!;
    const rare = data.items.get('g3-i0')!;
    expect(result.itemBias[popular]).toBeGreaterThan(result.itemBias[rare]);
  });

  it('stops early when validation stops improving and keeps the best model', async () => {
    const { result } = await train(data, {
      epochs: '400',
      eval_every: '1',
      patience: '2',
      learning_rate: '0.2',
      lr_schedule: 'constant',
    });
    expect(result.epochsRun).toBeLessThan(400);
    expect(result.bestEpoch).toBeLessThanOrEqual(result.epochsRun);
    const checked = result.history.filter((e) => e.validation !== undefined).map((e) => e.validation!);
    expect(result.bestValidation).toBe(Math.max(...checked));
  });

  it('evaluates on two threads to the same hits as on one', async () => {
    const { result } = await train(data);
    const model = { ...result, factors: 16 };
    const popularity = itemPopularity(data.train, data.items.size);
    const one = (await evaluateOnTest(data, model, popularity, 10, 1))!;
    const two = (await evaluateOnTest(data, model, popularity, 10, 2))!;
    for (const k of ['model', 'baseline'] as const) {
      expect(two[k].users).toBe(one[k].users);
      expect(two[k].hits).toBe(one[k].hits);
      expect(two[k].coverage).toBe(one[k].coverage);
      expect(two[k].auc).toBeCloseTo(one[k].auc, 12);
      expect(two[k].ndcg).toBeCloseTo(one[k].ndcg, 12);
    }
  });

  it('trains with two threads (Hogwild workers) to a comparable model', async () => {
    const { evaluation, result } = await train(data, { threads: '2' });
    expect(result.history.length).toBeGreaterThan(0);
    expect(evaluation.model.pAtK).toBeGreaterThan(2 * evaluation.baseline.pAtK);
  });
});

describe('training helpers', () => {
  it('holds out validation pairs without emptying any user and without losing pairs', () => {
    const users = [0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2];
    const items = [0, 1, 2, 3, 0, 0, 1, 2, 3, 4, 5, 6, 7];
    const train = buildCsr(3, users, items);
    const { sgd, validation } = splitValidation(train, 0.5, new Rng(1));
    expect(sgd.indices.length + validation.indices.length).toBe(items.length);
    for (let u = 0; u < 3; u++) expect(sgd.indptr[u + 1] - sgd.indptr[u]).toBeGreaterThan(0);
    expect(validation.indices.length).toBeGreaterThan(0);
  });

  it('learning-rate schedules start at learning_rate and end at 10 %', () => {
    for (const lr_schedule of ['linear', 'cosine'] as const) {
      const hp = { learning_rate: 0.1, lr_schedule, epochs: 11 };
      expect(learningRateAt(hp, 0)).toBeCloseTo(0.1);
      expect(learningRateAt(hp, 10)).toBeCloseTo(0.01);
      expect(learningRateAt(hp, 5)).toBeLessThan(0.1);
    }
    expect(learningRateAt({ learning_rate: 0.1, lr_schedule: 'constant', epochs: 11 }, 10)).toBe(0.1);
  });
});
