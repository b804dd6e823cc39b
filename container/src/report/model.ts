/**
 * Everything the report shows, gathered from what the training run measured (pure: no I/O). The
 * headline numbers are read from the metrics the run wrote, by their names; the depth curves,
 * the long tail and the customers come from one more ranking pass over the test users.
 */
import {
  BASELINE_PREFIX,
  CHAMPION_PREFIX,
  GATE_METRIC,
  metricName,
  PLAIN_METRICS,
  RANKING_METRICS,
} from '../metrics/definitions';
import { ItemScorer, popularityScores } from '../ranking/scorer';
import type { Dataset } from '../train/dataset';
import type { FitResult } from '../train/fit';
import type { Hyperparameters } from '../train/hyperparameters';
import { sampleCustomers, type CustomerExample } from './customers';
import { depthCurves, diversity, type DepthCurves, type Diversity } from './measures';
import type { DataStats } from './stats';
import type { Source } from './charts';

/** K = 1 .. DEPTH for the precision@K and recall@K curves. */
export const DEPTH = 20;
/** Customers shown, and the length of their recommendation lists. */
export const CUSTOMERS = 3;
export const CUSTOMER_TOP_N = 10;

export interface ReportInput {
  readonly hyperparameters: Hyperparameters;
  readonly data: Dataset;
  readonly fit: FitResult;
  readonly popularity: Int32Array;
  /** The metrics file's content: model, `baseline_` and (when present) `champion_` metrics. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly catalog: Readonly<Record<string, string>> | null;
  /** Rows and files the job read from its channels. */
  readonly read: { readonly trainingRows: number; readonly trainingFiles: number; readonly testingRows: number };
  readonly timings: { readonly loadSeconds: number; readonly fitSeconds: number; readonly evaluationSeconds: number };
  /** SageMaker's training job name (TRAINING_JOB_NAME), when the job runs there or in its stand-in. */
  readonly jobName: string | null;
  readonly createdAt: string;
  readonly stats: DataStats | null;
  readonly statsNote: string | null;
}

export interface MetricRow {
  /** Metric name without prefix, as in the metrics file (`precision@10`). */
  readonly name: string;
  readonly values: Partial<Record<Source, number>>;
}

export interface ReportModel {
  readonly input: ReportInput;
  readonly evalK: number;
  /** Which models have metrics: the model always, the baseline and champion when measured. */
  readonly sources: Source[];
  readonly gate: { readonly metric: string; readonly threshold: number | null };
  readonly metricRows: MetricRow[];
  readonly depth: Partial<Record<Source, DepthCurves>>;
  readonly diversity: Diversity | null;
  readonly customers: CustomerExample[];
  readonly seconds: number;
}

/** The metric names of the table, in order, at the evaluation's K. */
export function headlineMetrics(k: number): string[] {
  return [...RANKING_METRICS.map((m) => metricName(m, k)), ...PLAIN_METRICS];
}

/** The metrics-file prefix of each model's metrics. */
export const METRIC_PREFIX: Record<Source, string> = { model: '', baseline: BASELINE_PREFIX, champion: CHAMPION_PREFIX };

export function buildReport(input: ReportInput): ReportModel {
  const t0 = performance.now();
  const { hyperparameters: hp, data, metrics } = input;
  const k = hp.eval_k;
  const names = headlineMetrics(k);
  const metricRows = names.map((name) => {
    const values: Partial<Record<Source, number>> = {};
    for (const source of Object.keys(METRIC_PREFIX) as Source[]) {
      const v = metrics[METRIC_PREFIX[source] + name];
      if (typeof v === 'number' && Number.isFinite(v)) values[source] = v;
    }
    return { name, values };
  });
  const sources = (Object.keys(METRIC_PREFIX) as Source[]).filter(
    (s) => s === 'model' || metricRows.some((r) => r.values[s] !== undefined),
  );
  const depth: Partial<Record<Source, DepthCurves>> = {};
  let div: Diversity | null = null;
  let customers: CustomerExample[] = [];
  if (data.test) {
    const input0 = {
      nItems: data.items.size,
      k,
      exclude: data.train,
      test: data.test.csr,
      unknownTestItems: data.test.unknownItems,
    };
    const scorer = ItemScorer.forModel({ ...input.fit, factors: hp.factors });
    depth.model = depthCurves(input0, scorer, DEPTH);
    depth.baseline = depthCurves(input0, popularityScores(input.popularity), DEPTH);
    div = diversity(input.popularity, depth.model.recommended, depth.baseline.recommended);
    customers = sampleCustomers(
      {
        userIds: data.users.ids,
        itemIds: data.items.ids,
        train: data.train,
        test: data.test.csr,
        unknownTestItems: data.test.unknownItems,
        catalog: input.catalog,
      },
      scorer,
      { count: CUSTOMERS, topN: CUSTOMER_TOP_N, seed: hp.seed },
    );
  }
  return {
    input,
    evalK: k,
    sources,
    gate: { metric: metricName(GATE_METRIC, k), threshold: hp.gate_threshold ?? null },
    metricRows,
    depth,
    diversity: div,
    customers,
    seconds: (performance.now() - t0) / 1000,
  };
}
