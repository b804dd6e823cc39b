/**
 * CreateTransformJob as `.sync` runs it: start `serve` on the model, split every input object
 * into lines, send them in MultiRecord batches of at most MaxPayloadInMB (or one per request
 * with SingleRecord), and write each input's responses to `<S3OutputPath>/<input name>.out`,
 * joined with newlines (AssembleWith Line), as SageMaker batch transform does.
 */
import * as path from 'node:path';
import { joinS3, parseS3Uri, s3Uri } from '../../lambda/shared/s3-uri';
import { getText, listKeys, putText } from '../s3';
import { RESOURCE_NAME, asRecord, sageMakerArn, type Json, type SageMakerContext } from './context';
import { JobFailedError, SageMakerValidationError } from './errors';
import type { Hosting } from './hosting';

const DEFAULT_MAX_PAYLOAD_MB = 6;

/** Groups lines into request bodies of at most maxBytes (a single longer line goes alone). */
export function batchLines(lines: readonly string[], maxBytes: number, multiRecord: boolean): string[] {
  if (!multiRecord) return lines.map((l) => `${l}\n`);
  const batches: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current.join('\n') + '\n');
      current = [];
      size = 0;
    }
    current.push(line);
    size += bytes;
  }
  if (current.length > 0) batches.push(current.join('\n') + '\n');
  return batches;
}

export class TransformJobs {
  private readonly jobs = new Map<string, Json>();

  constructor(
    private readonly ctx: SageMakerContext,
    private readonly hosting: Hosting,
  ) {}

  /** Every job so far, oldest first. */
  list(): Json[] {
    return [...this.jobs.values()];
  }

  async runSync(params: Json): Promise<Json> {
    const name = params.TransformJobName;
    if (typeof name !== 'string' || !RESOURCE_NAME.test(name))
      throw new SageMakerValidationError(`invalid TransformJobName ${JSON.stringify(name)}`);
    if (this.jobs.has(name))
      throw new SageMakerValidationError(`Transform job names must be unique within an AWS account and region: ${name}`);
    const model = this.hosting.model(String(params.ModelName));
    const input = asRecord(params.TransformInput);
    const output = asRecord(params.TransformOutput);
    const inputUri = asRecord(asRecord(input.DataSource).S3DataSource).S3Uri;
    if (typeof inputUri !== 'string' || typeof output.S3OutputPath !== 'string') {
      throw new SageMakerValidationError(
        'TransformInput.DataSource.S3DataSource.S3Uri and TransformOutput.S3OutputPath are required',
      );
    }
    if (input.CompressionType !== undefined && input.CompressionType !== 'None')
      throw new SageMakerValidationError('CompressionType Gzip is not supported locally');
    const job: Json = {
      TransformJobName: name,
      TransformJobArn: sageMakerArn(this.ctx, 'transform-job', name),
      TransformJobStatus: 'InProgress',
      ModelName: model.name,
      BatchStrategy: params.BatchStrategy,
      MaxPayloadInMB: params.MaxPayloadInMB,
      MaxConcurrentTransforms: params.MaxConcurrentTransforms,
      Environment: params.Environment,
      TransformInput: input,
      TransformOutput: output,
      TransformResources: params.TransformResources,
      CreationTime: Date.now(),
    };
    this.jobs.set(name, job);
    const server = await this.hosting.serveModel(
      model,
      path.join(this.ctx.workdir, 'transform-jobs', name),
      `transform job ${name}`,
    );
    job.TransformStartTime = Date.now();
    try {
      const execParams = await fetch(`${server.url}/execution-parameters`).then(
        (r) => (r.ok ? r.json() : {}),
        () => ({}),
      );
      const maxMb = Number(params.MaxPayloadInMB ?? asRecord(execParams).MaxPayloadInMB ?? DEFAULT_MAX_PAYLOAD_MB);
      const strategy = String(params.BatchStrategy ?? asRecord(execParams).BatchStrategy ?? 'MultiRecord');
      if (input.SplitType !== undefined && input.SplitType !== 'Line' && input.SplitType !== 'None') {
        throw new SageMakerValidationError(`SplitType ${String(input.SplitType)} is not supported locally`);
      }
      const split = input.SplitType === 'Line';
      const headers: Record<string, string> = {
        'Content-Type': String(input.ContentType ?? 'application/octet-stream'),
        Accept: String(output.Accept ?? input.ContentType ?? '*/*'),
      };
      const joiner = output.AssembleWith === 'Line' ? '\n' : '';
      const { bucket, keys } = await listKeys(this.ctx.s3, inputUri);
      const prefix = parseS3Uri(inputUri).key;
      let records = 0;
      for (const key of keys) {
        const text = await getText(this.ctx.s3, s3Uri(bucket, key));
        const lines = split
          ? text
              .split('\n')
              .map((l) => l.replace(/\r$/, ''))
              .filter((l) => l.trim() !== '')
          : [text];
        const bodies = split ? batchLines(lines, maxMb * 1024 * 1024, strategy === 'MultiRecord') : lines;
        const parts: string[] = [];
        for (const body of bodies) {
          const res = await fetch(`${server.url}/invocations`, { method: 'POST', headers, body });
          const answer = await res.text();
          if (!res.ok)
            throw new Error(`ClientError: the model answered ${res.status} for a request from ${key}: ${answer.slice(0, 300)}`);
          parts.push(joiner && !answer.endsWith(joiner) ? answer + joiner : answer);
        }
        records += lines.length;
        // Output keeps the input's path below the prefix's folder: batch/users.jsonl -> <out>/users.jsonl.out
        const rel = key.slice(prefix.lastIndexOf('/') + 1);
        await putText(this.ctx.s3, joinS3(String(output.S3OutputPath), `${rel}.out`), parts.join(''), headers.Accept);
      }
      this.ctx.log(`transform job ${name}: ${records} record(s) from ${keys.length} object(s) -> ${output.S3OutputPath}`);
      job.TransformJobStatus = 'Completed';
    } catch (err) {
      job.TransformJobStatus = 'Failed';
      job.FailureReason = (err as Error).message.slice(0, 1024);
    } finally {
      job.TransformEndTime = Date.now();
      await server.stop();
    }
    if (job.TransformJobStatus !== 'Completed') throw new JobFailedError(job);
    return job;
  }
}
