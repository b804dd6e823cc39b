/**
 * Binds every Task state of a definition to a local implementation, chosen by the state's
 * Resource ARN (never by state name, so renamed states keep working). Errors are raised under the
 * names the real integrations use, so the definition's Retry and Catch behave as in AWS.
 */
import { randomUUID } from 'node:crypto';
import { IntegrationErrors } from '../lib/aws-errors';
import { TaskResources } from '../lib/pipeline-names';
import type { LocalAthena } from './athena';
import type { LocalDynamoDb } from './dynamodb';
import type { LocalEventBridge } from './eventbridge';
import { TaskError, UnsupportedResourceError } from './errors';
import type { LocalExecutions } from './executions';
import type { LocalLambdas } from './lambdas';
import { CallRecorder, LocalSns, LocalSsm, recordOnly } from './recorders';
import { JobFailedError, LocalSageMaker, SageMakerValidationError } from './sagemaker';
import { asRecord, type Json } from './sagemaker/context';

export type LocalHandler = (input: unknown) => Promise<unknown>;

export interface LocalServices {
  readonly sagemaker: LocalSageMaker;
  /** Athena's query integration, run on DuckDB (absent: a definition with Athena states cannot run). */
  readonly athena?: LocalAthena;
  readonly lambdas: LocalLambdas;
  readonly ssm: LocalSsm;
  readonly sns: LocalSns;
  readonly dynamodb: LocalDynamoDb;
  /** The environment's executions (DescribeExecution). */
  readonly executions: LocalExecutions;
  /** EventBridge: the templates' rules, fed by the SageMaker stand-in's events. */
  readonly events: LocalEventBridge;
  readonly recorder: CallRecorder;
}

type Impl = (input: Json) => unknown;

/** Every state of a definition, including those inside Map and Parallel states. */
export function walkStates(def: { States: Record<string, Record<string, unknown>> }): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (const [name, state] of Object.entries(def.States)) {
    out.push([name, state]);
    for (const sub of [state.Iterator, state.ItemProcessor, ...(Array.isArray(state.Branches) ? state.Branches : [])]) {
      if (sub && typeof sub === 'object') out.push(...walkStates(sub as { States: Record<string, Record<string, unknown>> }));
    }
  }
  return out;
}

function lambdaError(err: unknown): TaskError {
  const e = err instanceof Error ? err : new Error(String(err));
  const errorType = e.name && e.name !== 'Error' ? e.name : 'Error';
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage: e.message }));
}

/**
 * SageMaker errors under the integration's error names, with the Cause each writes: the optimized
 * integrations (Java SDK v1) name the error code, the AWS SDK integrations do not.
 */
function sageMakerError(err: unknown, sdk: boolean): unknown {
  if (err instanceof JobFailedError) return new TaskError(IntegrationErrors.TaskFailed, JSON.stringify(err.description));
  if (err instanceof SageMakerValidationError) {
    const id = randomUUID();
    return sdk
      ? new TaskError(IntegrationErrors.SageMakerSdk, `${err.message} (Service: SageMaker, Status Code: 400, Request ID: ${id})`)
      : new TaskError(
          IntegrationErrors.SageMakerApi,
          `${err.message} (Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException; Request ID: ${id}; Proxy: null)`,
        );
  }
  return err;
}

function sageMakerImpl(s: LocalServices, action: string): Impl | undefined {
  const sm = s.sagemaker;
  const table: Record<string, Impl> = {
    'createTrainingJob.sync': (i) => sm.training.runSync(i),
    describeTrainingJob: (i) => sm.training.describe(String(i.TrainingJobName)),
    'createHyperParameterTuningJob.sync': (i) => sm.tuning.runSync(i),
    describeHyperParameterTuningJob: (i) => sm.tuning.describe(i),
    listTrainingJobsForHyperParameterTuningJob: (i) => sm.tuning.listTrainingJobs(i),
    createModel: (i) => sm.hosting.createModel(i),
    createEndpointConfig: (i) => sm.hosting.createEndpointConfig(i),
    createEndpoint: (i) => sm.hosting.createEndpoint(i),
    updateEndpoint: (i) => sm.hosting.updateEndpoint(i),
    deleteEndpoint: (i) => sm.hosting.deleteEndpoint(i),
    describeEndpoint: (i) => sm.hosting.describeEndpoint(i),
    describeModelPackage: (i) => sm.registry.describeModelPackage(i),
    'createTransformJob.sync': (i) => sm.transform.runSync(i),
  };
  return table[action];
}

/** The local implementation of one Resource ARN, or undefined when there is none. */
export function implementationFor(resource: string, s: LocalServices): Impl | undefined {
  let m = /^arn:aws:states:::lambda:invoke$/.exec(resource);
  if (m) {
    return async (i) => {
      try {
        const payload = await s.lambdas.invoke(String(i.FunctionName), i.Payload ?? {});
        return { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 };
      } catch (err) {
        throw lambdaError(err);
      }
    };
  }
  if (/^arn:aws:lambda:/.test(resource)) {
    return async (i) => s.lambdas.invoke(resource, i).catch((err: unknown) => Promise.reject(lambdaError(err)));
  }
  m = /^arn:aws:states:::(aws-sdk:)?sagemaker:([A-Za-z.]+)$/.exec(resource);
  if (m) {
    const sdk = Boolean(m[1]);
    const impl = sageMakerImpl(s, m[2]);
    if (!impl) return undefined;
    return async (i) => {
      try {
        return await impl(i);
      } catch (err) {
        throw sageMakerError(err, sdk);
      }
    };
  }
  if (resource === TaskResources.athenaStartQueryExecutionSync && s.athena) {
    const athena = s.athena;
    return (i) => athena.startQueryExecutionSync(i);
  }
  m = /^arn:aws:states:::dynamodb:(putItem|getItem|deleteItem)$/.exec(resource);
  if (m) {
    const action = m[1] as 'putItem' | 'getItem' | 'deleteItem';
    return async (i) => s.dynamodb[action](i);
  }
  if (resource === 'arn:aws:states:::aws-sdk:sfn:describeExecution') return async (i) => s.executions.describe(i);
  m = /^arn:aws:states:::(?:aws-sdk:)?(ssm|sns|scheduler):([A-Za-z]+)$/.exec(resource);
  if (m) {
    const [, service, action] = m;
    if (service === 'ssm' && action === 'putParameter') return async (i) => s.ssm.putParameter(i);
    if (service === 'ssm' && action === 'getParameter') return async (i) => s.ssm.getParameter(i);
    if (service === 'sns' && action === 'publish') return async (i) => s.sns.publish(i);
    if (service === 'scheduler') return async (i) => recordOnly(s.recorder, service, action, i);
  }
  return undefined;
}

/**
 * The taskResourceLocalHandlers map of aws-local-stepfunctions (keyed by state name) for every
 * Task state of def; throws UnsupportedResourceError listing a state the local run cannot serve.
 */
export function bindTaskStates(
  def: { States: Record<string, Record<string, unknown>> },
  s: LocalServices,
): Record<string, LocalHandler> {
  const handlers: Record<string, LocalHandler> = {};
  for (const [name, state] of walkStates(def)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const impl = implementationFor(resource, s);
    if (!impl) throw new UnsupportedResourceError(name, resource);
    handlers[name] = async (input) => impl(asRecord(input));
  }
  return handlers;
}

/** Wait-state overrides: every Wait state pauses waitMs instead of its Seconds. */
export function waitOverrides(def: { States: Record<string, Record<string, unknown>> }, waitMs: number): Record<string, number> {
  return Object.fromEntries(
    walkStates(def)
      .filter(([, s]) => s.Type === 'Wait')
      .map(([n]) => [n, waitMs]),
  );
}

/** Retry pauses shortened to retryMs for every state with a Retry field. */
export function retryOverrides(
  def: { States: Record<string, Record<string, unknown>> },
  retryMs: number,
): Record<string, number> {
  return Object.fromEntries(
    walkStates(def)
      .filter(([, s]) => Array.isArray(s.Retry))
      .map(([n]) => [n, retryMs]),
  );
}
