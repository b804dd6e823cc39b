/** What every part of the local SageMaker stand-in shares. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ContainerCommand } from '../processes';

export interface SageMakerContext {
  readonly s3: S3Client;
  /** Folder for job base directories, unpacked models and logs. */
  readonly workdir: string;
  readonly container: ContainerCommand;
  readonly region: string;
  readonly account: string;
  /** Progress messages (a line each). */
  readonly log: (message: string) => void;
  /** Each output line of a container process, with the job or endpoint it belongs to. */
  readonly onContainerLine?: (source: string, line: string) => void;
  /** Environment given to container processes (PATH etc.); defaults to this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** SageMaker ARNs carry the resource name in lower case. */
export function sageMakerArn(ctx: SageMakerContext, kind: string, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.account}:${kind}/${name.toLowerCase()}`;
}

/** Names SageMaker accepts for jobs, models, endpoint configs and endpoints. */
export const RESOURCE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export type Json = Record<string, unknown>;

export function asRecord(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}
