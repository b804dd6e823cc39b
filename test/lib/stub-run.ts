/**
 * Runs a synthesized definition in the local runner with stub task handlers, and the stubs of a
 * training execution that passes the gate: data, no live model, training, report, gate, the
 * registry/ copies and registration, deployment lock, pruning, and a simulated endpoint that moves
 * through SageMaker's states.
 */
import '../lambda/prepare-data/quiet-logs';
import { handler as gateHandler } from '../../lambda/evaluate-gate';
import { approvalStatus } from '../../lambda/register-model/register';
import { handler as validateHandler } from '../../lambda/validate-input';
import type {
  DeploymentRecord,
  GateEvent,
  PrepareDataRequest,
  PromoteRequest,
  RegisteredModel,
  RegisterModelRequest,
  RegistryArtifacts,
  ValidateInputEvent,
} from '../../lib/contracts';
import { InputStates, TrainingStates as S } from '../../lib/pipeline-names';
import { EndpointErrorMessages as M, endpointErrorMessage, IntegrationErrors as E } from '../../lib/aws-errors';
import { walkStates } from '../../local/bindings';
import type { AslState, Definition } from '../../local/cdk/synth';
import { runExecution, type ExecutionResult, type TaskHandlers } from '../../local/stepfunctions';

export const ACCOUNT = '000000000000'; // what the local runner resolves AWS::AccountId to
export const EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:bpr:exec-1`;
export const ENDPOINT_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/bpr-recommender`;

/** What the stubs and the assertions read from a task's input (each task sends some of these). */
export interface TaskInput {
  readonly Payload: Partial<PrepareDataRequest> &
    Partial<PromoteRequest> &
    Partial<RegisterModelRequest> &
    Record<string, unknown>;
  readonly TrainingJobName: string;
  readonly EndpointConfigName: string;
  readonly HyperParameters: Record<string, string>;
  readonly OutputDataConfig: { readonly S3OutputPath: string };
  readonly Containers: { readonly ModelPackageName: string }[];
  readonly InputDataConfig: {
    readonly ChannelName: string;
    readonly DataSource: { readonly S3DataSource: { readonly S3Uri: string } };
  }[];
  readonly Value: string;
  readonly Message: string;
  readonly [field: string]: unknown;
}
export type Stub = (input: TaskInput) => unknown;

export const err = (name: string, message = name) => Object.assign(new Error(message), { name });
/** An aws-sdk:sagemaker error as Step Functions reports it. */
export const sdkError = (message: string) =>
  err(E.SageMakerSdk, `${message} (Service: SageMaker, Status Code: 400, Request ID: 00000000-0000-0000-0000-000000000000)`);
/** An optimized-integration SageMaker error as Step Functions reports it. */
export const apiError = (message: string, code = 'ValidationException') =>
  err(E.SageMakerApi, `${message} (Service: AmazonSageMaker; Status Code: 400; Error Code: ${code}; Request ID: 0; Proxy: null)`);

export const metrics = (p: number, b: number, c?: number) => [
  { MetricName: 'baseline_precision@10', Value: b },
  { MetricName: 'recall@10', Value: 0.3 },
  { MetricName: 'precision@10', Value: p },
  { MetricName: 'p@k(10)', Value: 0.25 },
  ...(c === undefined ? [] : [{ MetricName: 'champion_precision@10', Value: c }]),
];

/** The project's model package group and a version's ARN in it. */
export const GROUP = 'bpr-models';
export const packageArn = (version: number) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${GROUP}/${version}`;

/** GetParameter of a deployment record that is not there (before the first deployment). */
export const noRecord: Stub = () => {
  throw err(E.SsmParameterNotFound, 'Parameter /bpr/deployment not found. (Service: Ssm, Status Code: 400)');
};
/** GetParameter of this deployment record. */
export const recordOf =
  (record: Partial<DeploymentRecord>): Stub =>
  () => ({ Parameter: { Name: '/bpr/deployment', Value: JSON.stringify(record) } });

/** A Lambda's error as Step Functions reports it: the function's errorType, and its JSON answer as the Cause. */
export const lambdaError = (e: Error) => err(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message }));

/** The real validate-input Lambda, the first task of both definitions (a test may stub it too). */
export const validateStub: Stub = async (i) => {
  try {
    return { Payload: await validateHandler(i.Payload as unknown as ValidateInputEvent) };
  } catch (e) {
    throw lambdaError(e as Error);
  }
};

/** Every Task state, those inside a Map included. */
export const tasks = (def: Definition) => (walkStates(def) as [string, AslState][]).filter(([, st]) => st.Type === 'Task');

/** Runs def with input (the real input check first); every call recorded as [state, input]. */
export async function run(def: Definition, input: unknown, given: Record<string, Stub>) {
  const stubs: Record<string, Stub> = { [InputStates.ValidateInput]: validateStub, ...given };
  const calls: Array<[string, TaskInput]> = [];
  const handlers: TaskHandlers = Object.fromEntries(
    tasks(def).map(([name]) => [
      name,
      async (i: unknown) => {
        calls.push([name, i as TaskInput]);
        return stubs[name]?.(i as TaskInput) ?? {};
      },
    ]),
  );
  const result: ExecutionResult = await runExecution(def, input, handlers, {
    name: 'exec-1',
    waitMs: 0,
    retryMs: 0,
    stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:bpr`,
  });
  const output = (result.output ?? {}) as Record<string, unknown>;
  const names = calls.map(([n]) => n);
  return { ...result, output, calls, names, inputs: (name: string) => calls.filter(([n]) => n === name).map(([, i]) => i) };
}

/** A describe result, or what makes the endpoint go away. */
export type EndpointPatch = { EndpointStatus?: string; EndpointConfigName?: string; FailureReason?: string } | 'gone' | Error;

/**
 * An endpoint that moves through SageMaker's states: `before` is what each DescribeEndpoint sees
 * before this execution's request (the last entry repeats), `after` what it sees after a create or
 * update (default Creating/Updating once, then InService with the new configuration).
 */
export function endpointSim(
  start: { EndpointStatus: string; EndpointConfigName: string; FailureReason?: string } | undefined,
  opts: { before?: EndpointPatch[]; after?: (config: string) => EndpointPatch[] } = {},
) {
  let ep = start ? { ...start } : undefined;
  let script: EndpointPatch[] = [...(opts.before ?? [])];
  const apply = () => {
    const patch = script.length > 1 ? script.shift() : script[0];
    if (patch instanceof Error) throw patch;
    if (patch === 'gone') ep = undefined;
    else if (patch && ep) ep = { ...ep, ...patch };
  };
  const request = (shown: { EndpointStatus: string; EndpointConfigName: string }, config: string) => {
    ep = shown;
    script = opts.after?.(config) ?? [{ EndpointStatus: 'InService', EndpointConfigName: config }];
  };
  const stubs: Record<string, Stub> = {
    [S.DescribeEndpoint]: () => {
      apply();
      if (!ep) throw sdkError(endpointErrorMessage(M.EndpointNotFound, ENDPOINT_ARN));
      return { EndpointName: 'bpr-recommender', ...ep };
    },
    [S.CreateEndpoint]: (i) => {
      if (ep) throw apiError(endpointErrorMessage(M.AlreadyExists, ENDPOINT_ARN));
      request({ EndpointStatus: 'Creating', EndpointConfigName: i.EndpointConfigName }, i.EndpointConfigName);
      return {};
    },
    [S.UpdateEndpoint]: (i) => {
      if (!ep) throw sdkError(endpointErrorMessage(M.EndpointNotFound, ENDPOINT_ARN));
      if (ep.EndpointStatus === 'Failed') throw sdkError(endpointErrorMessage(M.Failed, ENDPOINT_ARN));
      if (ep.EndpointStatus !== 'InService') throw sdkError(endpointErrorMessage(M.InProgress, ENDPOINT_ARN));
      // While Updating, DescribeEndpoint still names the old configuration.
      request({ EndpointStatus: 'Updating', EndpointConfigName: ep.EndpointConfigName }, i.EndpointConfigName);
      return {};
    },
    [S.DeleteFailedEndpoint]: () => {
      if (!ep) throw sdkError(endpointErrorMessage(M.EndpointNotFound, ENDPOINT_ARN));
      ep = { ...ep, EndpointStatus: 'Deleting' };
      script = ['gone'];
      return {};
    },
  };
  return { stubs, state: () => ep };
}

/**
 * Stubs of an execution whose model passes the gate (p over baseline b), with no endpoint and no
 * live model yet; registered as version `version`, with the status the register-model Lambda gives.
 */
export function deployStubs(p = 0.2, b = 0.1, endpoint = endpointSim(undefined), version = 1): Record<string, Stub> {
  return {
    [S.ReadLiveModel]: noRecord,
    [S.ReadLiveRecord]: noRecord,
    [S.PrepareData]: (i) => ({
      Payload: {
        trainingUri: `${i.Payload.outputUri}training/`,
        testingUri: `${i.Payload.outputUri}testing/`,
        catalogUri: `${i.Payload.outputUri}catalog/`,
        batchInputUri: `${i.Payload.outputUri}users.jsonl`,
        statsUri: 's3://a/stats.json',
        manifestUri: 's3://a/manifest.json',
        engine: 'duckdb',
        athena: null,
        stats: { users: 3 },
      },
    }),
    [S.TrainModel]: (i) => ({
      TrainingJobName: i.TrainingJobName,
      ModelArtifacts: { S3ModelArtifacts: `${i.OutputDataConfig.S3OutputPath}${i.TrainingJobName}/output/model.tar.gz` },
      FinalMetricDataList: metrics(p, b),
    }),
    [S.PublishReport]: (i) => ({
      Payload: { reportUri: i.Payload.reportUri, latestReportUri: i.Payload.latestReportUri, reason: null },
    }),
    [S.EvaluateGate]: async (i) => ({ Payload: await gateHandler(i.Payload as unknown as GateEvent) }),
    [S.PromoteArtifacts]: (i) => ({
      Payload: {
        prefix: String(i.Payload.destinationUri),
        modelDataUrl: `${i.Payload.destinationUri}model.tar.gz`,
        batchInputUri: `${i.Payload.destinationUri}users.jsonl`,
        catalogUri: `${i.Payload.destinationUri}catalog/`,
        reportUri: i.Payload.reportUri ? `${i.Payload.destinationUri}report.html` : null,
      } satisfies RegistryArtifacts,
    }),
    [S.RegisterModel]: (i) => ({
      Payload: {
        modelPackageArn: packageArn(version),
        modelPackageVersion: version,
        modelApprovalStatus: approvalStatus(i.Payload.gate!.passed, i.Payload.approvalMode!),
        qualityUri: `${i.Payload.artifacts!.prefix}model-quality.json`,
      } satisfies RegisteredModel,
    }),
    [S.PruneDeployments]: () => ({ Payload: { kept: ['r'], deletedModels: [], deletedEndpointConfigs: [] } }),
    ...endpoint.stubs,
  };
}

/** A lock held by `holder` whose DescribeExecution status is `status` (the first `busyFor` acquires fail). */
export function heldLock(holder: string, status: string | Error, busyFor = Infinity): Record<string, Stub> {
  let attempts = 0;
  return {
    [S.AcquireDeployLock]: () => {
      if (attempts++ < busyFor) throw err(E.DynamoConditionalCheckFailed, 'The conditional request failed');
      return {};
    },
    [S.ReadDeployLock]: () => ({ Item: { id: { S: 'deploy-lock' }, holder: { S: holder } } }),
    [S.CheckLockHolder]: () => {
      if (status instanceof Error) throw status;
      return { ExecutionArn: holder, Status: status };
    },
  };
}
