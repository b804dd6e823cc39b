/**
 * CreateTrainingJob as `.sync` runs it: lay out a SageMaker base directory from the S3 channels,
 * run the container's `train`, read the metrics from its output with the job's MetricDefinitions,
 * upload model.tar.gz and answer with a DescribeTrainingJob-shaped result.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseMetricLines, type MetricDefinition } from '../../container/src/metrics/definitions';
import { FAILURE_REASON_CHARS } from '../../container/src/limits';
import { BASE_DIR_ENV, containerPaths, TRAINING_JOB_NAME_ENV } from '../../container/src/paths';
import { runToCompletion } from '../processes';
import { joinS3 } from '../../lambda/shared/s3-uri';
import { downloadPrefix, putText } from '../s3';
import { packDirectory } from '../tar';
import { RESOURCE_NAME, asRecord, sageMakerArn, type Json, type SageMakerContext } from './context';
import { JobFailedError, SageMakerValidationError } from './errors';

interface Channel {
  readonly name: string;
  readonly uri: string;
  readonly contentType?: string;
}

function channelsOf(params: Json): Channel[] {
  const list = params.InputDataConfig;
  if (list !== undefined && !Array.isArray(list)) throw new SageMakerValidationError('InputDataConfig must be a list');
  return (list ?? []).map((raw: unknown) => {
    const c = asRecord(raw);
    const s3 = asRecord(asRecord(c.DataSource).S3DataSource);
    if (typeof c.ChannelName !== 'string' || typeof s3.S3Uri !== 'string') {
      throw new SageMakerValidationError('every InputDataConfig channel needs ChannelName and DataSource.S3DataSource.S3Uri');
    }
    if (s3.S3DataType !== undefined && s3.S3DataType !== 'S3Prefix') {
      throw new SageMakerValidationError(
        `channel ${c.ChannelName}: S3DataType ${String(s3.S3DataType)} is not supported locally (S3Prefix only)`,
      );
    }
    return { name: c.ChannelName, uri: s3.S3Uri, contentType: typeof c.ContentType === 'string' ? c.ContentType : undefined };
  });
}

function hyperparametersOf(params: Json): Record<string, string> {
  const hp = asRecord(params.HyperParameters);
  for (const [k, v] of Object.entries(hp)) {
    if (typeof v !== 'string')
      throw new SageMakerValidationError(`HyperParameters.${k} must be a string, got ${JSON.stringify(v)}`);
  }
  return hp as Record<string, string>;
}

export class TrainingJobs {
  private readonly jobs = new Map<string, Json>();

  constructor(private readonly ctx: SageMakerContext) {}

  /** Every job so far, oldest first. */
  list(): Json[] {
    return [...this.jobs.values()];
  }

  describe(name: string): Json {
    const job = this.jobs.get(name);
    if (!job) throw new SageMakerValidationError(`Requested resource not found: training job ${name}`);
    return job;
  }

  /** Runs the job to its end; resolves with the description when Completed, throws JobFailedError otherwise. */
  async runSync(params: Json): Promise<Json> {
    const name = params.TrainingJobName;
    if (typeof name !== 'string' || !RESOURCE_NAME.test(name))
      throw new SageMakerValidationError(`invalid TrainingJobName ${JSON.stringify(name)}`);
    if (this.jobs.has(name))
      throw new SageMakerValidationError(
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${sageMakerArn(this.ctx, 'training-job', name)})`,
      );
    const algorithm = asRecord(params.AlgorithmSpecification);
    const outputPath = asRecord(params.OutputDataConfig).S3OutputPath;
    if (typeof outputPath !== 'string') throw new SageMakerValidationError('OutputDataConfig.S3OutputPath is required');
    const channels = channelsOf(params);
    const hyperparameters = hyperparametersOf(params);
    const definitions = (Array.isArray(algorithm.MetricDefinitions) ? algorithm.MetricDefinitions : []) as MetricDefinition[];
    const maxRuntime = Number(asRecord(params.StoppingCondition).MaxRuntimeInSeconds) || 86400;
    const start = Date.now();
    const job: Json = {
      TrainingJobName: name,
      TrainingJobArn: sageMakerArn(this.ctx, 'training-job', name),
      TrainingJobStatus: 'InProgress',
      SecondaryStatus: 'Starting',
      AlgorithmSpecification: algorithm,
      HyperParameters: hyperparameters,
      InputDataConfig: params.InputDataConfig,
      OutputDataConfig: params.OutputDataConfig,
      ResourceConfig: params.ResourceConfig,
      StoppingCondition: params.StoppingCondition,
      RoleArn: params.RoleArn,
      CreationTime: start,
    };
    this.jobs.set(name, job);

    const base = path.join(this.ctx.workdir, 'training-jobs', name);
    await fs.rm(base, { recursive: true, force: true });
    const env = {
      ...(this.ctx.env ?? process.env),
      ...asRecord(params.Environment),
      [BASE_DIR_ENV]: base,
      [TRAINING_JOB_NAME_ENV]: name,
    };
    const paths = containerPaths(env as NodeJS.ProcessEnv);
    job.SecondaryStatus = 'Downloading';
    for (const c of channels) {
      const files = await downloadPrefix(this.ctx.s3, c.uri, paths.channel(c.name));
      this.ctx.log(`training job ${name}: channel ${c.name}: ${files.length} file(s) from ${c.uri}`);
    }
    await fs.mkdir(path.dirname(paths.hyperparameters), { recursive: true });
    await fs.mkdir(paths.model, { recursive: true });
    await fs.mkdir(paths.outputData, { recursive: true });
    await fs.writeFile(paths.hyperparameters, JSON.stringify(hyperparameters));
    const inputConfig = Object.fromEntries(
      channels.map((c) => [
        c.name,
        {
          ContentType: c.contentType,
          TrainingInputMode: 'File',
          S3DistributionType: 'FullyReplicated',
          RecordWrapperType: 'None',
        },
      ]),
    );
    await fs.writeFile(paths.inputDataConfig, JSON.stringify(inputConfig));
    await fs.writeFile(
      paths.resourceConfig,
      JSON.stringify({ current_host: 'algo-1', hosts: ['algo-1'], network_interface_name: 'eth0' }),
    );

    job.SecondaryStatus = 'Training';
    job.TrainingStartTime = Date.now();
    const onLine = (line: string) => {
      if (line.trim()) this.ctx.onContainerLine?.(name, line);
    };
    const result = await runToCompletion(this.ctx.container, ['train'], env as NodeJS.ProcessEnv, onLine, maxRuntime * 1000);
    const timedOut = result.timedOut;
    await fs.writeFile(path.join(base, 'log.txt'), result.log);
    const metrics = parseMetricLines(result.log, definitions);
    const now = Date.now();
    job.FinalMetricDataList = Object.entries(metrics).map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: now }));
    job.TrainingEndTime = now;
    job.TrainingTimeInSeconds = Math.round((now - (job.TrainingStartTime as number)) / 1000);
    job.BillableTimeInSeconds = job.TrainingTimeInSeconds;

    if (timedOut || result.code !== 0) {
      const failure = await fs.readFile(paths.failure, 'utf8').catch(() => '');
      job.TrainingJobStatus = timedOut ? 'Stopped' : 'Failed';
      job.SecondaryStatus = timedOut ? 'MaxRuntimeExceeded' : 'Failed';
      job.FailureReason = timedOut
        ? `MaxRuntimeExceeded: training ran longer than ${maxRuntime} s`
        : `AlgorithmError: ${(failure.trim() || `exit code ${result.code ?? result.signal}`).slice(0, FAILURE_REASON_CHARS)}`;
      job.LastModifiedTime = Date.now();
      throw new JobFailedError(job);
    }
    job.SecondaryStatus = 'Uploading';
    const prefix = joinS3(outputPath, name, 'output');
    await putText(this.ctx.s3, joinS3(prefix, 'model.tar.gz'), await packDirectory(paths.model), 'application/x-gzip');
    await putText(this.ctx.s3, joinS3(prefix, 'output.tar.gz'), await packDirectory(paths.outputData), 'application/x-gzip');
    job.ModelArtifacts = { S3ModelArtifacts: joinS3(prefix, 'model.tar.gz') };
    job.TrainingJobStatus = 'Completed';
    job.SecondaryStatus = 'Completed';
    job.LastModifiedTime = Date.now();
    return job;
  }
}
