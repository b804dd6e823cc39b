/**
 * Models, endpoint configurations and endpoints. An endpoint is a `serve` process on a loopback
 * port. CreateEndpoint, UpdateEndpoint and DeleteEndpoint answer at once and work in the
 * background, as SageMaker does, so the state machine's DescribeEndpoint loop sees Creating,
 * Updating or Deleting first. Endpoint states follow SageMaker's
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html): a create
 * whose container never answers /ping leaves a Failed endpoint, which refuses UpdateEndpoint
 * ("Cannot update failed endpoint") and allows only DeleteEndpoint; an endpoint in progress refuses
 * both ("Cannot update in-progress endpoint"). An update starts the new process and waits for its
 * /ping before the old one stops (blue/green); a failed update leaves the old model InService with
 * a FailureReason. Errors carry SageMaker's ValidationException messages (EndpointErrorMessages).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { BASE_DIR_ENV, PORT_ENV } from '../../container/src/paths';
import { parseS3Uri } from '../../lambda/shared/s3-uri';
import { endpointErrorMessage, EndpointErrorMessages as M, EndpointStatus } from '../../lib/aws-errors';
import { startServer, type ServerProcess } from '../processes';
import { getBuffer } from '../s3';
import { unpackArchive } from '../tar';
import { RESOURCE_NAME, asRecord, sageMakerArn, type Json, type SageMakerContext } from './context';
import { SageMakerValidationError } from './errors';
import { checkDeploymentConfig, healthCheckFailure } from './endpoint-rules';

export interface Model {
  readonly name: string;
  readonly arn: string;
  readonly image: string;
  readonly modelDataUrl: string;
  readonly environment: Record<string, string>;
  readonly created: number;
}

export interface EndpointConfig {
  readonly name: string;
  readonly arn: string;
  readonly variants: Json[];
  readonly created: number;
}

interface Endpoint {
  readonly name: string;
  readonly arn: string;
  status: 'Creating' | 'Updating' | 'InService' | 'Failed' | 'Deleting';
  /** The last UpdateEndpoint's DeploymentConfig (DescribeEndpoint's LastDeploymentConfig). */
  deploymentConfig?: Json;
  configName: string;
  server?: ServerProcess;
  failureReason?: string;
  readonly created: number;
  modified: number;
  /** The background deployment, for callers that want to wait for it. */
  deployment: Promise<void>;
}

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || !RESOURCE_NAME.test(name))
    throw new SageMakerValidationError(`invalid ${kind} ${JSON.stringify(name)}`);
  return name;
}

export class Hosting {
  private readonly models = new Map<string, Model>();
  private readonly configs = new Map<string, EndpointConfig>();
  private readonly endpoints = new Map<string, Endpoint>();
  private deployCount = 0;

  constructor(private readonly ctx: SageMakerContext) {}

  /** CreateModel checks that the model data is there, as SageMaker does ("Could not find model data at ..."). */
  async createModel(params: Json): Promise<Json> {
    const name = checkName('ModelName', params.ModelName);
    if (this.models.has(name))
      throw new SageMakerValidationError(`Cannot create already existing model "${sageMakerArn(this.ctx, 'model', name)}".`);
    const container = asRecord(params.PrimaryContainer ?? (Array.isArray(params.Containers) ? params.Containers[0] : undefined));
    if (typeof container.ModelDataUrl !== 'string')
      throw new SageMakerValidationError('PrimaryContainer.ModelDataUrl is required locally');
    const { bucket, key } = parseS3Uri(container.ModelDataUrl);
    await this.ctx.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => {
      throw new SageMakerValidationError(`Could not find model data at ${String(container.ModelDataUrl)}.`);
    });
    const model: Model = {
      name,
      arn: sageMakerArn(this.ctx, 'model', name),
      image: String(container.Image ?? ''),
      modelDataUrl: container.ModelDataUrl,
      environment: asRecord(container.Environment) as Record<string, string>,
      created: Date.now(),
    };
    this.models.set(name, model);
    this.ctx.log(`model ${name} -> ${model.modelDataUrl}`);
    return { ModelArn: model.arn };
  }

  model(name: string): Model {
    const model = this.models.get(name);
    if (!model) throw new SageMakerValidationError(`Could not find model "${sageMakerArn(this.ctx, 'model', name)}".`);
    return model;
  }

  /** Every model, oldest first. */
  listModels(): Model[] {
    return [...this.models.values()];
  }

  deleteModel(name: string): void {
    this.model(name);
    this.models.delete(name);
  }

  /** Every endpoint configuration, oldest first. */
  listEndpointConfigs(): EndpointConfig[] {
    return [...this.configs.values()];
  }

  describeEndpointConfig(name: string): EndpointConfig {
    return this.config(name);
  }

  deleteEndpointConfig(name: string): void {
    this.config(name);
    this.configs.delete(name);
  }

  createEndpointConfig(params: Json): Json {
    const name = checkName('EndpointConfigName', params.EndpointConfigName);
    if (this.configs.has(name))
      throw new SageMakerValidationError(
        `Cannot create already existing endpoint configuration "${sageMakerArn(this.ctx, 'endpoint-config', name)}".`,
      );
    const variants = (Array.isArray(params.ProductionVariants) ? params.ProductionVariants : []).map(asRecord);
    if (variants.length === 0) throw new SageMakerValidationError('ProductionVariants must hold at least one variant');
    for (const v of variants) this.model(String(v.ModelName));
    const config: EndpointConfig = { name, arn: sageMakerArn(this.ctx, 'endpoint-config', name), variants, created: Date.now() };
    this.configs.set(name, config);
    return { EndpointConfigArn: config.arn };
  }

  private config(name: string): EndpointConfig {
    const config = this.configs.get(name);
    if (!config)
      throw new SageMakerValidationError(
        endpointErrorMessage(M.EndpointConfigNotFound, sageMakerArn(this.ctx, 'endpoint-config', name)),
      );
    return config;
  }

  /** Downloads and unpacks the config's (first) model, then starts `serve` on it. */
  private async launch(endpoint: string, config: EndpointConfig): Promise<ServerProcess> {
    const model = this.model(String(config.variants[0].ModelName));
    return this.serveModel(
      model,
      path.join(this.ctx.workdir, 'endpoints', endpoint, `${++this.deployCount}-${config.name}`),
      endpoint,
    );
  }

  /** Lays out a base directory with the model unpacked in model/ and starts `serve` there. */
  async serveModel(model: Model, base: string, label: string): Promise<ServerProcess> {
    await fs.rm(base, { recursive: true, force: true });
    const modelDir = path.join(base, 'model');
    await fs.mkdir(modelDir, { recursive: true });
    await unpackArchive(await getBuffer(this.ctx.s3, model.modelDataUrl), modelDir);
    const env = { ...(this.ctx.env ?? process.env), ...model.environment, [BASE_DIR_ENV]: base };
    const server = await startServer(this.ctx.container, env as NodeJS.ProcessEnv, PORT_ENV);
    this.ctx.log(`${label}: model ${model.name} serving on ${server.url}`);
    return server;
  }

  createEndpoint(params: Json): Json {
    const name = checkName('EndpointName', params.EndpointName);
    if (this.endpoints.has(name))
      throw new SageMakerValidationError(endpointErrorMessage(M.AlreadyExists, sageMakerArn(this.ctx, 'endpoint', name)));
    const config = this.config(String(params.EndpointConfigName));
    const now = Date.now();
    const ep: Endpoint = {
      name,
      arn: sageMakerArn(this.ctx, 'endpoint', name),
      status: 'Creating',
      configName: config.name,
      created: now,
      modified: now,
      deployment: Promise.resolve(),
    };
    this.endpoints.set(name, ep);
    ep.deployment = this.launch(name, config).then(
      (server) => {
        ep.server = server;
        ep.status = 'InService';
        ep.modified = Date.now();
      },
      (err: Error) => {
        ep.status = 'Failed';
        ep.failureReason = healthCheckFailure(err.message);
        ep.modified = Date.now();
      },
    );
    return { EndpointArn: ep.arn };
  }

  updateEndpoint(params: Json): Json {
    const ep = this.endpoint(String(params.EndpointName));
    if (ep.status === EndpointStatus.Failed) throw new SageMakerValidationError(endpointErrorMessage(M.Failed, ep.arn));
    if (ep.status !== EndpointStatus.InService) throw new SageMakerValidationError(endpointErrorMessage(M.InProgress, ep.arn));
    const config = this.config(String(params.EndpointConfigName));
    checkDeploymentConfig(params.DeploymentConfig);
    ep.deploymentConfig = params.DeploymentConfig === undefined ? undefined : asRecord(params.DeploymentConfig);
    ep.status = 'Updating';
    ep.modified = Date.now();
    ep.failureReason = undefined;
    ep.deployment = this.launch(ep.name, config).then(
      async (server) => {
        const old = ep.server;
        ep.server = server;
        ep.configName = config.name;
        ep.status = 'InService';
        ep.modified = Date.now();
        if (old) await old.stop();
      },
      (err: Error) => {
        // A failed update rolls back: the old model keeps serving.
        ep.status = 'InService';
        ep.failureReason = healthCheckFailure(err.message);
        ep.modified = Date.now();
      },
    );
    return { EndpointArn: ep.arn };
  }

  /** Deleting, then gone; refused while a create or update is in progress. */
  deleteEndpoint(params: Json): Json {
    const ep = this.endpoint(String(params.EndpointName));
    if (ep.status !== EndpointStatus.InService && ep.status !== EndpointStatus.Failed)
      throw new SageMakerValidationError(endpointErrorMessage(M.InProgress, ep.arn));
    ep.status = 'Deleting';
    ep.modified = Date.now();
    const server = ep.server;
    ep.server = undefined;
    ep.deployment = (async () => {
      await server?.stop();
      // SageMaker keeps Deleting for a while: one more tick, so a describe right away sees it.
      await new Promise((r) => setTimeout(r, 10));
      this.endpoints.delete(ep.name);
    })();
    return {};
  }

  private endpoint(name: string): Endpoint {
    const ep = this.endpoints.get(name);
    if (!ep)
      throw new SageMakerValidationError(endpointErrorMessage(M.EndpointNotFound, sageMakerArn(this.ctx, 'endpoint', name)));
    return ep;
  }

  describeEndpoint(params: Json): Json {
    const ep = this.endpoint(String(params.EndpointName));
    const config = this.configs.get(ep.configName);
    return {
      EndpointName: ep.name,
      EndpointArn: ep.arn,
      EndpointConfigName: ep.configName,
      EndpointStatus: ep.status,
      ProductionVariants: (config?.variants ?? []).map((v) => ({
        VariantName: v.VariantName,
        CurrentWeight: v.InitialVariantWeight ?? 1,
        CurrentInstanceCount: ep.server ? 1 : 0,
        DeployedImages: [{ SpecifiedImage: this.models.get(String(v.ModelName))?.image }],
      })),
      ...(ep.failureReason ? { FailureReason: ep.failureReason } : {}),
      ...(ep.deploymentConfig ? { LastDeploymentConfig: ep.deploymentConfig } : {}),
      CreationTime: ep.created,
      LastModifiedTime: ep.modified,
    };
  }

  /** The loopback URL of an InService endpoint, and its model's name. */
  endpointInfo(name: string): { url: string; modelName: string; status: string } | undefined {
    const ep = this.endpoints.get(name);
    if (!ep) return undefined;
    const config = this.configs.get(ep.configName);
    return { url: ep.server?.url ?? '', modelName: String(config?.variants[0].ModelName ?? ''), status: ep.status };
  }

  endpointNames(): string[] {
    return [...this.endpoints.keys()];
  }

  /** Waits for any background deployment of the endpoint to end. */
  async settle(name: string): Promise<void> {
    await this.endpoints.get(name)?.deployment;
  }

  /** Stops every endpoint's process. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.endpoints.values()].map(async (ep) => {
        await ep.deployment.catch(() => undefined);
        await ep.server?.stop();
        ep.server = undefined;
      }),
    );
  }
}
