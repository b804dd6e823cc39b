/**
 * Hyperparameter tuning: what an execution input asks for (`tuning`), the plan the input check
 * resolves it to (SageMaker's own shapes: CreateHyperParameterTuningJob's limits and
 * ParameterRanges), and what the run reports of the tuning job and its trials.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningJobConfig.html
 */
import type { ObjectiveStatusCounters, ParameterRanges, TrainingJobStatusCounters } from '@aws-sdk/client-sagemaker';

/** Search strategies the pipeline runs (SageMaker's Hyperband and Grid are refused: docs/operate.md says why). */
export const TUNING_STRATEGIES = ['Bayesian', 'Random'] as const;
export type TuningStrategy = (typeof TUNING_STRATEGIES)[number];

/** How a numeric range is searched: SageMaker's Linear or Logarithmic ScalingType. */
export const RANGE_SCALES = ['linear', 'log'] as const;
export type RangeScale = (typeof RANGE_SCALES)[number];

/** A numeric range as an input gives it (integer or continuous by the hyperparameter's own type). */
export interface NumericRangeInput {
  readonly min: number | string;
  readonly max: number | string;
  readonly scale?: RangeScale;
}

/** A categorical range: the values to try. */
export interface CategoricalRangeInput {
  readonly values: readonly (string | number | boolean)[];
}

/**
 * The execution input's `tuning` (every field optional). Its ranges are merged over the default
 * ranges by hyperparameter name; a null range removes a default one.
 */
export interface TuningSettings {
  readonly maxJobs?: number;
  readonly maxParallelJobs?: number;
  readonly strategy?: TuningStrategy;
  /** RandomSeed of the tuning job (the local stand-in seeds its search with it). */
  readonly seed?: number;
  readonly ranges?: Readonly<Record<string, NumericRangeInput | CategoricalRangeInput | null>>;
}

/** A tuning input resolved by the input check: what CreateHyperParameterTuningJob is given. */
export interface TuningPlan {
  readonly strategy: TuningStrategy;
  readonly maxJobs: number;
  readonly maxParallelJobs: number;
  readonly seed: number;
  /** SageMaker's ParameterRanges, every value as a string. */
  readonly parameterRanges: ParameterRanges;
  /** The hyperparameters searched, in order (none of them is among the static hyperparameters). */
  readonly tunedNames: string[];
}

/** One trial as ListTrainingJobsForHyperParameterTuningJob describes it (the fields the pipeline reads). */
export interface TuningTrial {
  readonly TrainingJobName: string;
  readonly TrainingJobStatus: string;
  readonly TunedHyperParameters: Record<string, string>;
  readonly ObjectiveStatus?: string;
  readonly FinalHyperParameterTuningJobObjectiveMetric?: { readonly MetricName?: string; readonly Value?: number };
  readonly FailureReason?: string;
}

/** What a tuned run reports (kept under `$.tuning`; null for a run with one training job). */
export interface TuningSummary {
  readonly tuningJobName: string;
  readonly status: string;
  readonly strategy: TuningStrategy;
  /** The objective (maximized): the kept model's metric on the validation slice of the training pairs. */
  readonly objectiveMetricName: string;
  /** Trials launched. */
  readonly trialCount: number;
  readonly trainingJobStatusCounters: TrainingJobStatusCounters;
  readonly objectiveStatusCounters: ObjectiveStatusCounters;
  /** The best trial: its training job (the run's model), tuned hyperparameters and objective value. */
  readonly best: {
    readonly trainingJobName: string;
    readonly hyperparameters: Record<string, string>;
    readonly objective: number;
  };
  /** Every trial, oldest first. */
  readonly trials: TuningTrial[];
}
