/**
 * Training and the gate: the training job's final metrics, the report's publishing, the live model
 * the job measures as champion, and what the gate is given and decides.
 */

import type { TuningSummary } from './tuning';

/** One entry of DescribeTrainingJob's FinalMetricDataList. */
export interface FinalMetric {
  readonly MetricName?: string;
  readonly Value?: number;
}

/** What the PublishReport task sends the publish-report Lambda. */
export interface PublishReportEvent {
  /** A tuned run's tuning job and trials: the report gets a section on them (null: one training job). */
  readonly tuning: TuningSummary | null;
  /** The training job's model artifact (…/output/model.tar.gz); the job's output.tar.gz is beside it. */
  readonly modelDataUrl: string;
  /** Where the run's report goes: s3://<artifacts>/runs/<execution name>/report.html. */
  readonly reportUri: string;
  /** The copy of the latest run's report, which the dashboard links to. */
  readonly latestReportUri: string;
}

/** What the publish-report Lambda returns (kept under `$.report`): where the run's report is, or why there is none. */
export interface PublishReportResult {
  /** The run's self-contained HTML report in S3; null when the training job wrote none. */
  readonly reportUri: string | null;
  readonly latestReportUri: string | null;
  /** Why there is no report (null when there is one). */
  readonly reason: string | null;
}

/**
 * The live model when a training execution starts (kept under `$.champion`, null when nothing is
 * live): read from the deployment record, given to the training job as its `champion` channel.
 */
export interface LiveModel {
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  /** Its model artifact (under registry/, which does not expire). */
  readonly modelDataUrl: string;
}

/** What the EvaluateGate task sends the evaluate-gate Lambda. */
export interface GateEvent {
  /** The DescribeTrainingJob result of the `.sync` training task. */
  readonly training?: { readonly FinalMetricDataList?: FinalMetric[] };
  /** A number in [0, 1] (a numeric string too, for direct invocations). */
  readonly threshold: unknown;
  readonly metricName: string;
  readonly baselineMetricName: string;
  /** The live model's metric on the same test pairs (`champion_<metric>`). */
  readonly championMetricName: string;
  /** The live model the training job evaluated; null on a first run. */
  readonly champion: LiveModel | null;
  /** How much worse than the live model the new one may be, relative: a number in [0, 1]. */
  readonly championTolerance: unknown;
}

/**
 * What the gate decided (kept under `$.gate`), with the three measured values (null when a metric
 * is missing; championValue also when nothing is live).
 */
export interface GateDecision {
  readonly passed: boolean;
  readonly reason: string;
  readonly metricName: string;
  readonly value: number | null;
  readonly baselineMetricName: string;
  readonly baselineValue: number | null;
  readonly threshold: number;
  readonly championMetricName: string;
  readonly championValue: number | null;
  /** The live model's registry version; null on a first run. */
  readonly championVersion: number | null;
  readonly championTolerance: number;
  readonly metrics: Record<string, number>;
}
