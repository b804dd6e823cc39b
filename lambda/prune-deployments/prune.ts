/**
 * Which runs' models, endpoint configurations and deployed/ copies to keep: the newest `keep` runs
 * (by model creation time) and whatever the endpoint uses, whatever its age. Everything else the
 * pipeline created goes. Each run's resources share its run id: `<modelPrefix><id>`,
 * `<endpointConfigPrefix><id>`, `deployed/<id>/`.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { PruneRequest, PruneResult } from '../../lib/contracts';
import { parseS3Uri } from '../shared/s3-uri';
import { deleteResource, describeEndpoint, listByPrefix, type NamedResource } from '../shared/sagemaker-resources';
import { PruneInputError } from './errors';

/** The run ids to keep and the names to delete. */
export interface PrunePlan {
  readonly keep: string[];
  readonly models: string[];
  readonly endpointConfigs: string[];
  /** Run ids whose deployed/ copies go. */
  readonly copies: string[];
}

/** Names whose prefix is `prefix`, mapped to their run id. */
const runIds = (items: readonly { name: string }[], prefix: string) => items.map((i) => i.name.slice(prefix.length));

/** The plan; pure (every input listed beforehand). */
export function planPrune(args: {
  readonly models: readonly NamedResource[];
  readonly endpointConfigs: readonly NamedResource[];
  /** Run ids with copies under deployed/. */
  readonly copies: readonly string[];
  /** Names the endpoint uses (its configuration and models); kept whatever their age. */
  readonly inUse: readonly string[];
  readonly keep: number;
  readonly modelPrefix: string;
  readonly endpointConfigPrefix: string;
}): PrunePlan {
  const { modelPrefix, endpointConfigPrefix } = args;
  const live = new Set(
    args.inUse.flatMap((n) =>
      n.startsWith(modelPrefix)
        ? [n.slice(modelPrefix.length)]
        : n.startsWith(endpointConfigPrefix)
          ? [n.slice(endpointConfigPrefix.length)]
          : [],
    ),
  );
  const newest = [...args.models]
    .sort((a, b) => b.created.getTime() - a.created.getTime() || b.name.localeCompare(a.name))
    .slice(0, args.keep);
  const keep = new Set([...live, ...runIds(newest, modelPrefix)]);
  const inUse = new Set(args.inUse);
  const gone = (name: string, prefix: string) => !keep.has(name.slice(prefix.length)) && !inUse.has(name);
  return {
    keep: [...keep].sort(),
    models: args.models.map((m) => m.name).filter((n) => gone(n, modelPrefix)),
    endpointConfigs: args.endpointConfigs.map((c) => c.name).filter((n) => gone(n, endpointConfigPrefix)),
    copies: args.copies.filter((id) => !keep.has(id)),
  };
}

/** Every key under prefix. */
async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys;
}

/** Lists, plans and deletes; returns what went. */
export async function prune(sagemaker: SageMakerClient, s3: S3Client, req: PruneRequest): Promise<PruneResult> {
  if (!Number.isInteger(req.keep) || req.keep < 1)
    throw new PruneInputError(`keep must be an integer >= 1, got ${JSON.stringify(req.keep)}`);
  for (const field of ['endpointName', 'modelPrefix', 'endpointConfigPrefix', 'deployedUri'] as const) {
    if (typeof req[field] !== 'string' || !req[field]) throw new PruneInputError(`${field} must be a non-empty string`);
  }
  const deployed = parseS3Uri(req.deployedUri.endsWith('/') ? req.deployedUri : `${req.deployedUri}/`);
  const [models, endpointConfigs, endpoint, keys] = await Promise.all([
    listByPrefix(sagemaker, 'model', req.modelPrefix),
    listByPrefix(sagemaker, 'endpointConfig', req.endpointConfigPrefix),
    describeEndpoint(sagemaker, req.endpointName),
    listKeys(s3, deployed.bucket, deployed.key),
  ]);
  const byRun = new Map<string, string[]>();
  for (const key of keys) {
    const id = key.slice(deployed.key.length).split('/')[0];
    if (id) byRun.set(id, [...(byRun.get(id) ?? []), key]);
  }
  const plan = planPrune({
    models,
    endpointConfigs,
    copies: [...byRun.keys()],
    inUse: endpoint ? [endpoint.configName, ...endpoint.modelNames] : [],
    keep: req.keep,
    modelPrefix: req.modelPrefix,
    endpointConfigPrefix: req.endpointConfigPrefix,
  });
  // Configurations before their models: a configuration names its model.
  const deletedEndpointConfigs: string[] = [];
  for (const name of plan.endpointConfigs)
    if (await deleteResource(sagemaker, 'endpointConfig', name)) deletedEndpointConfigs.push(name);
  const deletedModels: string[] = [];
  for (const name of plan.models) if (await deleteResource(sagemaker, 'model', name)) deletedModels.push(name);
  const doomed = plan.copies.flatMap((id) => byRun.get(id) ?? []);
  for (let i = 0; i < doomed.length; i += 1000) {
    const Objects = doomed.slice(i, i + 1000).map((Key) => ({ Key }));
    await s3.send(new DeleteObjectsCommand({ Bucket: deployed.bucket, Delete: { Objects, Quiet: true } }));
  }
  return { kept: plan.keep, deletedModels, deletedEndpointConfigs, deletedObjects: doomed.length };
}
