/**
 * Which deployments' SageMaker models and endpoint configurations to keep: the newest `keep` (by
 * model creation time) and whatever the endpoint uses, whatever its age. Everything else the
 * pipeline created goes: each is created again from its model package when that version is
 * deployed again. Each deployment's resources share its id: `<modelPrefix><id>`,
 * `<endpointConfigPrefix><id>`. The registered versions' artifacts (registry/) are never pruned:
 * their model packages name them.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { PruneRequest, PruneResult } from '../../lib/contracts';
import { deleteResource, describeEndpoint, listByPrefix, type NamedResource } from '../shared/sagemaker-resources';
import { PruneInputError } from './errors';

/** The deployment ids to keep and the names to delete. */
export interface PrunePlan {
  readonly keep: string[];
  readonly models: string[];
  readonly endpointConfigs: string[];
}

/** Names whose prefix is `prefix`, mapped to their run id. */
const runIds = (items: readonly { name: string }[], prefix: string) => items.map((i) => i.name.slice(prefix.length));

/** The plan; pure (every input listed beforehand). */
export function planPrune(args: {
  readonly models: readonly NamedResource[];
  readonly endpointConfigs: readonly NamedResource[];
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
  };
}

/** Lists, plans and deletes; returns what went. */
export async function prune(sagemaker: SageMakerClient, req: PruneRequest): Promise<PruneResult> {
  if (!Number.isInteger(req?.keep) || req.keep < 1)
    throw new PruneInputError(`keep must be an integer >= 1, got ${JSON.stringify(req?.keep)}`);
  for (const field of ['endpointName', 'modelPrefix', 'endpointConfigPrefix'] as const) {
    if (typeof req[field] !== 'string' || !req[field]) throw new PruneInputError(`${field} must be a non-empty string`);
  }
  const [models, endpointConfigs, endpoint] = await Promise.all([
    listByPrefix(sagemaker, 'model', req.modelPrefix),
    listByPrefix(sagemaker, 'endpointConfig', req.endpointConfigPrefix),
    describeEndpoint(sagemaker, req.endpointName),
  ]);
  const plan = planPrune({
    models,
    endpointConfigs,
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
  return { kept: plan.keep, deletedModels, deletedEndpointConfigs };
}
