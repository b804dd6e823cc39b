/**
 * Evaluates a fitted model and the popularity baseline on the test data, keyed by metric name. The
 * model is scored as the model server scores it: an ItemScorer built from the same arrays, on
 * every thread (test-evaluation.ts).
 */
import { BASELINE_PREFIX, metricName } from '../metrics/definitions';
import type { Dataset } from './dataset';
import type { FactorModel } from '../ranking/scorer';
import type { RankingMetrics } from './evaluation';
import { evaluateSources } from './test-evaluation';

/** Metric name to value for one evaluation, named as definitions.ts names them. */
export function namedMetrics(m: RankingMetrics, k: number, prefix = ''): Record<string, number> {
  return {
    [prefix + metricName('precision', k)]: m.precision,
    [prefix + metricName('p@k', k)]: m.pAtK,
    [prefix + metricName('recall', k)]: m.recall,
    [prefix + metricName('ndcg', k)]: m.ndcg,
    [prefix + metricName('map', k)]: m.map,
    [prefix + 'auc']: m.auc,
    [prefix + 'coverage']: m.coverage,
  };
}

export interface TestEvaluation {
  readonly model: RankingMetrics;
  readonly baseline: RankingMetrics;
  /** Model metrics then baseline metrics, in print order. */
  readonly metrics: Record<string, number>;
}

/** Evaluates on `threads` threads; with one thread the metrics are reproducible bit for bit. */
export async function evaluateOnTest(
  data: Dataset,
  model: FactorModel,
  popularity: ArrayLike<number>,
  k: number,
  threads = 1,
): Promise<TestEvaluation | null> {
  if (!data.test) return null;
  const input = {
    nItems: data.items.size,
    k,
    exclude: data.train,
    test: data.test.csr,
    unknownTestItems: data.test.unknownItems,
  };
  const { userFactors, itemFactors, itemBias, factors } = model;
  const [m, b] = await evaluateSources(
    input,
    [
      { kind: 'model', model: { userFactors, itemFactors, itemBias, factors } },
      { kind: 'popularity', popularity },
    ],
    threads,
  );
  return { model: m, baseline: b, metrics: { ...namedMetrics(m, k), ...namedMetrics(b, k, BASELINE_PREFIX) } };
}
