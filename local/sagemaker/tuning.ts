/**
 * CreateHyperParameterTuningJob as `.sync` runs it, locally: the trials drawn from the ranges
 * (tuning-search.ts, seeded with RandomSeed), each a real training job of the training stand-in
 * (the container's `train` process) named `<tuning job>-<NNN>-<id>`, at most MaxParallelTrainingJobs
 * at a time, each with its own `threads` (the machine's cores shared out between the parallel
 * trials, as each SageMaker trial has an instance of its own) unless the static hyperparameters set
 * them. A failed trial does not fail the tuning job; when every trial of the first round failed,
 * no more are launched and the tuning job fails, as it does when no trial reported the objective.
 * Answers with DescribeHyperParameterTuningJob's shape (TrainingJobStatusCounters,
 * ObjectiveStatusCounters, BestTrainingJob) and lists trials as ListTrainingJobsForHyperParameterTuningJob.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeHyperParameterTuningJob.html
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTrainingJobsForHyperParameterTuningJob.html
 */
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { asRecord, sageMakerArn, type Json, type SageMakerContext } from './context';
import { JobFailedError, SageMakerValidationError } from './errors';
import type { TrainingJobs } from './training';
import { drawTrials, rangeNames, type Ranges } from './tuning-search';

/** Tuning job names: at most 32 characters (API_CreateHyperParameterTuningJob). */
const TUNING_JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/;
const STRATEGIES = ['Bayesian', 'Random', 'Hyperband', 'Grid'];
/** The strategies searched locally (both as a stratified random search). */
const LOCAL_STRATEGIES = ['Bayesian', 'Random'];
/** SageMaker passes the objective's name to each trial as this hyperparameter (automatic-model-tuning-define-ranges). */
const OBJECTIVE_HYPERPARAMETER = '_tuning_objective_metric';

type Trial = Json & { TrainingJobName: string; TrainingJobStatus: string; TunedHyperParameters: Record<string, string> };

export class TuningJobs {
  private readonly jobs = new Map<string, { description: Json; trials: Trial[] }>();

  constructor(
    private readonly ctx: SageMakerContext,
    private readonly training: TrainingJobs,
    /** Cores the trials share (default: this machine's). */
    private readonly cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
  ) {}

  describe(input: Json): Json {
    return this.job(String(input.HyperParameterTuningJobName)).description;
  }

  /** ListTrainingJobsForHyperParameterTuningJob: SortBy Name (default), CreationTime, Status or FinalObjectiveMetricValue. */
  listTrainingJobs(input: Json): Json {
    const { trials } = this.job(String(input.HyperParameterTuningJobName));
    const by = String(input.SortBy ?? 'Name');
    const value = (t: Trial) => (t.FinalHyperParameterTuningJobObjectiveMetric as { Value?: number } | undefined)?.Value;
    // Sorted by the objective, trials without one are not listed.
    const listed = by === 'FinalObjectiveMetricValue' ? trials.filter((t) => value(t) !== undefined) : [...trials];
    const key = (t: Trial): string | number =>
      by === 'CreationTime'
        ? Number(t.CreationTime)
        : by === 'Status'
          ? t.TrainingJobStatus
          : by === 'Name'
            ? t.TrainingJobName
            : value(t)!;
    listed.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (input.SortOrder === 'Descending') listed.reverse();
    const max = Number(input.MaxResults ?? 10);
    const start = Number(input.NextToken ?? 0);
    const page = listed.slice(start, start + max);
    return { TrainingJobSummaries: page, ...(start + max < listed.length ? { NextToken: String(start + max) } : {}) };
  }

  private job(name: string) {
    const job = this.jobs.get(name);
    if (!job) throw new SageMakerValidationError(`Requested resource not found: hyperparameter tuning job ${name}`);
    return job;
  }

  /** Runs the tuning job to its end; resolves with its description when Completed, throws JobFailedError when Failed. */
  async runSync(params: Json): Promise<Json> {
    const name = params.HyperParameterTuningJobName;
    if (typeof name !== 'string' || name.length > 32 || !TUNING_JOB_NAME.test(name))
      throw new SageMakerValidationError(
        `invalid HyperParameterTuningJobName ${JSON.stringify(name)} (at most 32 letters, digits and dashes)`,
      );
    if (this.jobs.has(name)) throw new SageMakerValidationError(`Tuning job ${name} already exists`);
    const config = asRecord(params.HyperParameterTuningJobConfig);
    const definition = asRecord(params.TrainingJobDefinition);
    const strategy = String(config.Strategy);
    if (!STRATEGIES.includes(strategy)) throw new SageMakerValidationError(`Strategy must be one of ${STRATEGIES.join(', ')}`);
    if (!LOCAL_STRATEGIES.includes(strategy)) throw new SageMakerValidationError(`Strategy ${strategy} is not supported locally`);
    const limits = asRecord(config.ResourceLimits);
    const maxJobs = Number(limits.MaxNumberOfTrainingJobs);
    const maxParallel = Number(limits.MaxParallelTrainingJobs);
    if (!(Number.isInteger(maxJobs) && maxJobs >= 1 && Number.isInteger(maxParallel) && maxParallel >= 1))
      throw new SageMakerValidationError(
        'ResourceLimits needs MaxNumberOfTrainingJobs and MaxParallelTrainingJobs of at least 1',
      );
    const objective = asRecord(config.HyperParameterTuningJobObjective);
    const metric = String(objective.MetricName);
    const definitions = asRecord(definition.AlgorithmSpecification).MetricDefinitions;
    if (!Array.isArray(definitions) || !definitions.some((d) => asRecord(d).Name === metric))
      throw new SageMakerValidationError(
        `the objective metric ${metric} is not among the training job definition's MetricDefinitions`,
      );
    const ranges = asRecord(config.ParameterRanges) as Ranges;
    const statics = asRecord(definition.StaticHyperParameters) as Record<string, string>;
    // The pipeline never sends a name both ways; the stand-in refuses it so that a regression shows.
    const both = rangeNames(ranges).filter((n) => n in statics);
    if (both.length) throw new SageMakerValidationError(`hyperparameters both static and tuned: ${both.join(', ')}`);
    const seed = Number.isInteger(config.RandomSeed)
      ? Number(config.RandomSeed)
      : createHash('sha256').update(name).digest().readUInt32LE(0);
    const tuned = drawTrials(ranges, maxJobs, seed);

    const now = Date.now();
    const counters = { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 };
    const objectives = { Succeeded: 0, Pending: 0, Failed: 0 };
    const description: Json = {
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobArn: sageMakerArn(this.ctx, 'hyper-parameter-tuning-job', name),
      HyperParameterTuningJobConfig: config,
      TrainingJobDefinition: definition,
      HyperParameterTuningJobStatus: 'InProgress',
      CreationTime: now,
      LastModifiedTime: now,
      TrainingJobStatusCounters: counters,
      ObjectiveStatusCounters: objectives,
    };
    const trials: Trial[] = [];
    this.jobs.set(name, { description, trials });
    const threads = String(Math.max(1, Math.floor(this.cores / Math.min(maxParallel, maxJobs))));
    const firstRound = Math.min(maxJobs, Math.max(2, maxParallel));
    this.ctx.log(
      `tuning job ${name}: ${maxJobs} trials, ${maxParallel} at a time, ${threads} thread(s) each, objective ${metric}`,
    );

    let next = 0;
    const runTrial = async (index: number): Promise<void> => {
      const trialName = `${name}-${String(index + 1).padStart(3, '0')}-${createHash('sha256').update(`${name}/${index}`).digest('hex').slice(0, 8)}`;
      const trial: Trial = {
        TrainingJobName: trialName,
        TrainingJobArn: sageMakerArn(this.ctx, 'training-job', trialName),
        TuningJobName: name,
        CreationTime: Date.now(),
        TrainingJobStatus: 'InProgress',
        TunedHyperParameters: tuned[index],
        ObjectiveStatus: 'Pending',
      };
      trials.push(trial);
      counters.InProgress++;
      objectives.Pending++;
      const hyperparameters = { threads, ...statics, ...tuned[index], [OBJECTIVE_HYPERPARAMETER]: metric };
      let job: Json;
      try {
        job = await this.training.runSync({ ...definition, TrainingJobName: trialName, HyperParameters: hyperparameters });
      } catch (err) {
        if (!(err instanceof JobFailedError)) throw err;
        job = err.description;
      }
      job.TuningJobArn = description.HyperParameterTuningJobArn;
      trial.TrainingStartTime = job.TrainingStartTime;
      trial.TrainingEndTime = job.TrainingEndTime;
      trial.TrainingJobStatus = String(job.TrainingJobStatus);
      if (job.FailureReason) trial.FailureReason = job.FailureReason;
      counters.InProgress--;
      objectives.Pending--;
      if (trial.TrainingJobStatus === 'Completed') counters.Completed++;
      else if (trial.TrainingJobStatus === 'Stopped') counters.Stopped++;
      else counters.NonRetryableError++; // the algorithm's own error: a client error, not retried
      const value = (job.FinalMetricDataList as { MetricName?: string; Value?: number }[] | undefined)?.find(
        (m) => m.MetricName === metric,
      )?.Value;
      if (trial.TrainingJobStatus === 'Completed' && typeof value === 'number' && Number.isFinite(value)) {
        trial.ObjectiveStatus = 'Succeeded';
        trial.FinalHyperParameterTuningJobObjectiveMetric = { Type: 'Maximize', MetricName: metric, Value: value };
        objectives.Succeeded++;
        const best = description.BestTrainingJob as Trial | undefined;
        const bestValue = (best?.FinalHyperParameterTuningJobObjectiveMetric as { Value: number } | undefined)?.Value;
        const better = objective.Type === 'Minimize' ? (b: number) => value < b : (b: number) => value > b;
        if (bestValue === undefined || better(bestValue)) description.BestTrainingJob = trial;
      } else {
        trial.ObjectiveStatus = 'Failed';
        objectives.Failed++;
      }
      description.LastModifiedTime = Date.now();
      this.ctx.log(
        `tuning job ${name}: trial ${index + 1}/${maxJobs} ${trialName} ${trial.TrainingJobStatus}` +
          (trial.ObjectiveStatus === 'Succeeded'
            ? ` ${metric}=${value}`
            : trial.FailureReason
              ? ` (${String(trial.FailureReason)})`
              : ''),
      );
    };
    // A failed first round stops the search: more trials of the same definition would fail alike.
    const firstRoundFailed = () =>
      trials.length >= firstRound && trials.slice(0, firstRound).every((t) => t.ObjectiveStatus === 'Failed');
    const worker = async (): Promise<void> => {
      while (next < maxJobs && !firstRoundFailed()) await runTrial(next++);
    };
    await Promise.all(Array.from({ length: Math.min(maxParallel, maxJobs) }, worker));

    description.HyperParameterTuningEndTime = Date.now();
    description.LastModifiedTime = description.HyperParameterTuningEndTime;
    if (objectives.Succeeded === 0) {
      const first = trials.find((t) => t.FailureReason)?.FailureReason;
      description.HyperParameterTuningJobStatus = 'Failed';
      description.FailureReason = (
        firstRoundFailed() && trials.length < maxJobs
          ? `the first ${firstRound} training jobs failed, no more were launched`
          : `no training job reported the objective metric ${metric}`
      )
        .concat(first ? `: ${String(first)}` : '')
        .slice(0, 1024);
      throw new JobFailedError(description);
    }
    description.HyperParameterTuningJobStatus = 'Completed';
    return description;
  }
}
