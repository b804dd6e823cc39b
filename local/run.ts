/**
 * One local run, as `npm start` does it: data (generated or --input), the training pipeline
 * execution (or several, one after another: each later one measures the live model as its
 * champion), recommendations from the endpoint, the batch execution, and the summary.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { GeneratorOptions } from './dataset/generator';
import { writeGeneratedCsv } from './dataset/write';
import { checkWorkdir, WORKDIR_MARKER } from './cli';
import { LocalPipeline, type LocalPipelineOptions } from './pipeline';
import {
  downloadReport,
  readBatchOutput,
  readCatalog,
  recommend,
  reportPath,
  sampleUsers,
  type CustomerRecommendations,
} from './report';
import { buildSummary, executionSummary, type RunSummary } from './summary';
import {
  outputFields,
  type BatchOutput,
  type DeploymentRecord,
  type TrainingInput,
  type TrainingOutputFields,
} from '../lib/contracts';
import { StackOutputs } from '../lib/pipeline-names';
import type { ExecutionResult } from './stepfunctions';

export interface LocalRunOptions extends LocalPipelineOptions {
  /** A raw export (Online Retail II xlsx or CSV); the generated dataset when omitted. */
  readonly input?: string;
  /** Generator options for the default dataset (its defaults: full scale). */
  readonly generate?: GeneratorOptions;
  /** Execution input overrides. */
  readonly threshold?: number;
  readonly hyperparameters?: Record<string, string>;
  /** A tuning job instead of one training job. */
  readonly tuning?: TrainingInput['tuning'];
  /** Leave the pipeline (S3, endpoint) running; the caller stops it. */
  readonly keepServing?: boolean;
  /** Customers to show recommendations for (default 2) and how many items each (default 5). */
  readonly customers?: number;
  readonly topN?: number;
  /** Training executions, one after another (default 1). */
  readonly runs?: number;
}

export interface LocalRunResult {
  readonly summary: RunSummary;
  readonly summaryPath: string;
  /** Still running when keepServing was set (stop it when done); stopped otherwise. */
  readonly pipeline: LocalPipeline;
}

/** The execution input: `{}` unless the caller overrides the threshold, hyperparameters or tuning. */
export function executionInput(options: Pick<LocalRunOptions, 'threshold' | 'hyperparameters' | 'tuning'>): TrainingInput {
  return {
    ...(options.tuning !== undefined ? { tuning: options.tuning } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    ...(options.hyperparameters && Object.keys(options.hyperparameters).length
      ? { hyperparameters: options.hyperparameters }
      : {}),
  };
}

/**
 * Runs the pipeline once. With `existing`, the run uses that environment (and leaves it running),
 * so consecutive runs share S3, endpoints and parameters as consecutive executions in AWS do.
 */
export async function runLocal(options: LocalRunOptions, existing?: LocalPipeline): Promise<LocalRunResult> {
  const startedAt = Date.now();
  const log = options.log ?? (() => undefined);
  const workdir = path.resolve(options.workdir);
  if (!existing) checkWorkdir(workdir);
  await fs.mkdir(workdir, { recursive: true });
  await fs.writeFile(
    path.join(workdir, WORKDIR_MARKER),
    'work directory of `npm start` (local/run.ts): its contents are replaced by the next run\n',
  );
  const summaryPath = path.join(workdir, 'summary.json');
  await fs.rm(summaryPath, { force: true });
  await fs.rm(reportPath(workdir), { force: true });
  const pipeline = existing ?? (await LocalPipeline.start({ ...options, workdir }));
  const keep = options.keepServing || existing !== undefined;
  try {
    let dataFile = options.input;
    if (!dataFile) {
      const t0 = Date.now();
      dataFile = await writeGeneratedCsv(path.join(workdir, 'data', 'online_retail_synthetic.csv'), options.generate);
      log(
        `generated the default dataset: ${dataFile} (${((await fs.stat(dataFile)).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    const rawUri = await pipeline.uploadRawData(dataFile);
    log(`uploaded ${dataFile} to ${rawUri}`);
    const input = executionInput(options);
    const runs = options.runs ?? 1;
    const trainings: ExecutionResult[] = [];
    for (let n = 1; n <= runs; n++) {
      log(`starting the training pipeline${runs > 1 ? ` (run ${n} of ${runs})` : ''} with input ${JSON.stringify(input)}`);
      trainings.push(await pipeline.runTraining(input));
    }
    const out = outputFields<TrainingOutputFields>(trainings.at(-1)!.output);
    const report = typeof out.reportUri === 'string' ? await downloadReport(pipeline.s3.client, out.reportUri, workdir) : null;

    // What is live now: the record names the version (any run's), its batch input and catalog.
    const parameter = String(pipeline.app.outputs[StackOutputs.DeploymentParameterName]);
    const record = JSON.parse(pipeline.services.ssm.value(parameter) ?? 'null') as DeploymentRecord | null;
    const recommendations: CustomerRecommendations[] = [];
    let batch: RunSummary['batch'] = null;
    if (record) {
      const ep = pipeline.services.sagemaker.hosting.endpointInfo(record.endpointName);
      const catalog = await readCatalog(pipeline.s3.client, record.catalogUri);
      if (ep?.url) {
        for (const user of await sampleUsers(pipeline.s3.client, record.batchInputUri, options.customers ?? 2)) {
          recommendations.push(await recommend(ep.url, user, options.topN ?? 5, catalog));
        }
      }
      if (pipeline.hasBatch()) {
        log('starting the batch recommendations pipeline');
        const b = await pipeline.runBatch({});
        const bout = outputFields<BatchOutput>(b.output);
        const files = typeof bout.outputUri === 'string' ? await readBatchOutput(pipeline.s3.client, bout.outputUri) : {};
        batch = { status: String(bout.status ?? b.status), execution: executionSummary(b), ...files };
      }
    }
    const summary = buildSummary({ pipeline, trainings, record, recommendations, batch, report, startedAt });
    await fs.writeFile(summaryPath, JSON.stringify(summary, null, 2));
    if (!keep) await pipeline.stop();
    return { summary, summaryPath, pipeline };
  } catch (err) {
    if (!existing) await pipeline.stop();
    throw err;
  }
}
