/**
 * The pipeline's SageMaker resources as the SDK sees them: models and endpoint configurations by
 * name prefix, the endpoint's live configuration, and deletes that treat "already gone" as done.
 * Shared by the prune-deployments Lambda and the teardown command.
 */
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** A model or endpoint configuration. */
export interface NamedResource {
  readonly name: string;
  readonly created: Date;
}

/** The endpoint as DescribeEndpoint has it. */
export interface EndpointState {
  readonly status: string;
  readonly configName: string;
  /** The models of its configuration's variants. */
  readonly modelNames: string[];
}

/**
 * SageMaker answers a missing model, configuration or endpoint with an unmodelled
 * ValidationException whose message starts "Could not find" (the local stand-in answers the same).
 */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === 'ValidationException' && /^Could not find /.test(e.message ?? '');
}

/** Every model (or endpoint configuration) whose name starts with prefix, oldest first. */
export async function listByPrefix(
  client: SageMakerClient,
  kind: 'model' | 'endpointConfig',
  prefix: string,
): Promise<NamedResource[]> {
  const out: NamedResource[] = [];
  let NextToken: string | undefined;
  do {
    const page =
      kind === 'model'
        ? await client.send(new ListModelsCommand({ NameContains: prefix, MaxResults: 100, NextToken }))
        : await client.send(new ListEndpointConfigsCommand({ NameContains: prefix, MaxResults: 100, NextToken }));
    const items =
      'Models' in page
        ? (page.Models ?? []).map((m) => ({ name: m.ModelName, created: m.CreationTime }))
        : (page.EndpointConfigs ?? []).map((c) => ({ name: c.EndpointConfigName, created: c.CreationTime }));
    for (const { name, created } of items) {
      if (name?.startsWith(prefix)) out.push({ name, created: created ? new Date(created) : new Date(0) });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out.sort((a, b) => a.created.getTime() - b.created.getTime() || a.name.localeCompare(b.name));
}

/** The endpoint's status, configuration and models; undefined when there is no endpoint. */
export async function describeEndpoint(client: SageMakerClient, endpointName: string): Promise<EndpointState | undefined> {
  try {
    const ep = await client.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    const configName = ep.EndpointConfigName ?? '';
    const config = await client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })).catch((err) => {
      if (isNotFound(err)) return { ProductionVariants: [] };
      throw err;
    });
    return {
      status: ep.EndpointStatus ?? 'Unknown',
      configName,
      modelNames: (config.ProductionVariants ?? []).flatMap((v) => (v.ModelName ? [v.ModelName] : [])),
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes one resource; false when it was already gone. */
export async function deleteResource(
  client: SageMakerClient,
  kind: 'model' | 'endpointConfig' | 'endpoint',
  name: string,
): Promise<boolean> {
  try {
    if (kind === 'model') await client.send(new DeleteModelCommand({ ModelName: name }));
    else if (kind === 'endpointConfig') await client.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
    else await client.send(new DeleteEndpointCommand({ EndpointName: name }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
