/**
 * The one place that names the metrics the container prints and the regexes that read them.
 * The training container prints each metric as a line `metric: NAME=VALUE`; the CDK stack turns
 * these into SageMaker MetricDefinitions and the local pipeline reads its logs with the same regexes.
 * The `metric: ` prefix keeps `precision@10` from also matching `baseline_precision@10`.
 */

/** Prefix of every metric line the container prints. */
export const METRIC_LINE_PREFIX = 'metric: ';

/** Ranking metrics evaluated at K on the test set, in print order. */
export const RANKING_METRICS = ['precision', 'p@k', 'recall', 'ndcg', 'map'] as const;

/** Metrics without a K. */
export const PLAIN_METRICS = ['auc', 'coverage'] as const;

/** Prefix of the popularity baseline's metrics. */
export const BASELINE_PREFIX = 'baseline_';

/** Prefix of the live model's (champion's) metrics on the same test pairs, when a run measures them. */
export const CHAMPION_PREFIX = 'champion_';

/** The ranking metric the deployment gate compares with its threshold and the baseline (at K). */
export const GATE_METRIC: (typeof RANKING_METRICS)[number] = 'precision';

/**
 * Prefix of the kept model's ranking metrics on the validation slice cut from the training pairs
 * (printed once, at the end of training): what hyperparameter tuning maximizes. The testing channel
 * takes no part in them.
 */
export const VALIDATION_PREFIX = 'validation_';

/** The ranking metric hyperparameter tuning maximizes on the validation slice (the one early stopping keeps the best epoch by). */
export const TUNING_METRIC: (typeof RANKING_METRICS)[number] = 'p@k';

/** Training progress metrics printed once per epoch. */
export const PROGRESS_METRICS = ['train_loss', 'samples_per_second', 'epoch'] as const;

/** Name of a ranking metric at K: `precision@10`, and `p@k(10)` for the seed's metric. */
export function metricName(metric: (typeof RANKING_METRICS)[number], k: number): string {
  return metric === 'p@k' ? `p@k(${k})` : `${metric}@${k}`;
}

/** Every evaluation metric name for K, model first then baseline. */
export function evaluationMetricNames(k = 10): string[] {
  const model = [...RANKING_METRICS.map((m) => metricName(m, k)), ...PLAIN_METRICS];
  return [...model, ...model.map((n) => BASELINE_PREFIX + n)];
}

/** Escapes a metric name for use inside a regular expression. */
function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Regex (as a string, with one capture group) that reads the metric NAME from a log line. */
export function metricRegex(name: string): string {
  return `${escapeRegex(METRIC_LINE_PREFIX + name)}=([-+0-9.eE]+|NaN)`;
}

/** The line the container prints for one metric. */
export function formatMetricLine(name: string, value: number): string {
  return `${METRIC_LINE_PREFIX}${name}=${Number.isFinite(value) ? Number(value.toPrecision(6)) : 'NaN'}`;
}

/** A SageMaker MetricDefinition. */
export interface MetricDefinition {
  readonly Name: string;
  readonly Regex: string;
}

/** The live model's metric names at K (printed when a run measures it). */
export function championMetricNames(k = 10): string[] {
  return evaluationMetricNames(k)
    .filter((n) => !n.startsWith(BASELINE_PREFIX))
    .map((n) => CHAMPION_PREFIX + n);
}

/** The kept model's validation metric names at K (`validation_p@k(10)`, ...). */
export function validationMetricNames(k = 10): string[] {
  return RANKING_METRICS.map((m) => VALIDATION_PREFIX + metricName(m, k));
}

/** The objective metric of a tuning job at K: `validation_p@k(10)`, to be maximized. */
export function tuningObjectiveMetric(k = 10): string {
  return VALIDATION_PREFIX + metricName(TUNING_METRIC, k);
}

/** SageMaker accepts at most 40 MetricDefinitions in a training job's AlgorithmSpecification. */
export const MAX_METRIC_DEFINITIONS = 40;

/** MetricDefinitions for every metric the container prints at K (at most MAX_METRIC_DEFINITIONS). */
export function metricDefinitions(k = 10): MetricDefinition[] {
  return [...evaluationMetricNames(k), ...championMetricNames(k), ...validationMetricNames(k), ...PROGRESS_METRICS].map(
    (name) => ({
      Name: name,
      Regex: metricRegex(name),
    }),
  );
}

/** Reads the last value of every defined metric from log text, as SageMaker's FinalMetricDataList does. */
export function parseMetricLines(log: string, definitions: readonly MetricDefinition[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const def of definitions) {
    const re = new RegExp(def.Regex, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(log)) !== null) out[def.Name] = Number(m[1]);
  }
  return out;
}
