/**
 * The local environment one `npm start` (or one e2e test) runs in: the synthesized app's state
 * machines, s3rver with the app's buckets, the SageMaker stand-in and the recorders. Executions
 * run against it one after another and share its state, so a second training execution finds the
 * endpoint of the first and updates it.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isS3Uri } from '../lambda/shared/s3-uri';
import { createPipelineApp } from '../lib/app';
import type { PrepareDataResult, PrepareStats } from '../lib/contracts';
import { PROJECT_ROOT } from '../lib/project-root';
import { LocalAthena } from './athena';
import { bindTaskStates, walkStates, type LocalServices } from './bindings';
import {
  findStateMachine,
  readTemplates,
  requireStateMachine,
  synthesizeTemplates,
  type AppBuilder,
  type SynthesizedApp,
} from './cdk/synth';
import { checkWorkdir } from './cli';
import { LocalDynamoDb } from './dynamodb';
import { DefinitionError } from './errors';
import { LocalEventBridge } from './eventbridge';
import { LocalExecutions } from './executions';
import { LocalLambdas } from './lambdas';
import { defaultContainerCommand, stopAllProcesses, type ContainerCommand } from './processes';
import { CallRecorder, LocalSns, LocalSsm } from './recorders';
import { startLocalS3, uploadFile, type LocalS3 } from './s3';
import { LocalSageMaker } from './sagemaker';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { localSfnClient } from './sfn-client';
import { runExecution, type ExecutionResult, type ProgressEvent } from './stepfunctions';

export interface LocalPipelineOptions {
  /** Work directory: S3 data, job folders, models, logs (cleared of earlier runs' state). */
  readonly workdir: string;
  /** Fills the CDK app (the project's stacks by default). */
  readonly buildApp?: AppBuilder;
  /** An app synthesized earlier (LocalPipeline.synthesize), instead of synthesizing again. */
  readonly app?: SynthesizedApp;
  readonly container?: ContainerCommand;
  /** Pause of Wait states in ms (default 250). */
  readonly waitMs?: number;
  readonly log?: (message: string) => void;
  readonly onContainerLine?: (source: string, line: string) => void;
  readonly onProgress?: (machine: string, event: ProgressEvent) => void;
  /** Lambda logical id -> folder under lambda/, when construct paths do not name the folder. */
  readonly lambdaFolders?: Record<string, string>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

/** The context of the project's cdk.json (empty without one). */
export function projectContext(): Record<string, unknown> {
  try {
    return (
      (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ??
      {}
    );
  } catch {
    return {}; // no cdk.json: the defaults of lib/config.ts apply
  }
}

/**
 * The project's own CDK app (lib/app.ts) with the context of cdk.json, when there is one. cdk-nag
 * is left out: it only validates, and the definitions are the same with or without it.
 */
export function projectAppBuilder(context: Record<string, unknown> = {}): AppBuilder {
  return (app) => {
    for (const [k, v] of Object.entries({ ...projectContext(), ...context })) {
      if (app.node.tryGetContext(k) === undefined) app.node.setContext(k, v);
    }
    createPipelineApp(app, { nag: false });
  };
}

export class LocalPipeline {
  private executions = 0;
  /** Data statistics of the last PrepareData step that finished (also when a later step failed). */
  lastPreparedStats: PrepareStats | null = null;

  private constructor(
    readonly options: LocalPipelineOptions,
    readonly app: SynthesizedApp,
    readonly s3: LocalS3,
    readonly services: LocalServices,
  ) {}

  /** Synthesizes the app (options.buildApp, the project's by default) into workdir/cdk.out and reads its templates. */
  static synthesize(options: Pick<LocalPipelineOptions, 'workdir' | 'buildApp'>): SynthesizedApp {
    const outdir = path.join(path.resolve(options.workdir), 'cdk.out');
    return readTemplates(synthesizeTemplates(options.buildApp ?? projectAppBuilder(), outdir), REGION, ACCOUNT);
  }

  static async start(options: LocalPipelineOptions): Promise<LocalPipeline> {
    const log = options.log ?? (() => undefined);
    const workdir = path.resolve(options.workdir);
    checkWorkdir(workdir);
    for (const sub of ['s3', 'cdk.out', 'training-jobs', 'endpoints', 'transform-jobs', 'athena']) {
      await fs.rm(path.join(workdir, sub), { recursive: true, force: true });
    }
    const t0 = Date.now();
    const app = options.app ?? LocalPipeline.synthesize(options);
    if (!options.app) {
      log(
        `synthesized ${app.stateMachines.length} state machine(s), ${app.lambdas.length} Lambda function(s), ${app.buckets.length} bucket(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    const s3 = await startLocalS3({ buckets: app.buckets, directory: path.join(workdir, 's3') });
    log(`S3 API (s3rver) on ${s3.endpoint}, buckets: ${app.buckets.join(', ')}`);
    const recorder = new CallRecorder();
    const sagemaker = new LocalSageMaker(
      {
        s3: s3.client,
        workdir,
        container: options.container ?? defaultContainerCommand(),
        region: REGION,
        account: ACCOUNT,
        log,
        onContainerLine: options.onContainerLine,
      },
      app.modelPackageGroups,
    );
    // Targets are executions of this environment's state machines (the pipeline, once it exists).
    let pipeline: LocalPipeline | undefined;
    const events = new LocalEventBridge(app.rules, (arn, input) => {
      log(`EventBridge: starting ${arn.split(':').pop()} with ${JSON.stringify(input)}`);
      return pipeline!.runStateMachine(arn, input);
    });
    sagemaker.registry.onStateChange((event) => events.put(event as unknown as Record<string, unknown>));
    const services: LocalServices = {
      sagemaker,
      lambdas: new LocalLambdas(
        app.lambdas,
        path.join(PROJECT_ROOT, 'lambda'),
        { s3Client: () => s3.client, sagemakerClient: () => sagemaker.client },
        options.lambdaFolders,
      ),
      ssm: new LocalSsm(recorder),
      sns: new LocalSns(recorder),
      athena: new LocalAthena(s3.client, workdir),
      dynamodb: new LocalDynamoDb(app.tables),
      executions: new LocalExecutions(),
      events,
      recorder,
    };
    pipeline = new LocalPipeline(options, app, s3, services);
    return pipeline;
  }

  /** The raw-data URI the training definition uses when the input names none (an s3:// csv/xlsx literal). */
  defaultRawDataUri(): string | undefined {
    const def = requireStateMachine(this.app, 'training');
    let found: string | undefined;
    const visit = (v: unknown): void => {
      if (found) return;
      if (typeof v === 'string' && isS3Uri(v, 'object') && /\.(csv|xlsx|csv\.gz)$/i.test(v)) found = v;
      else if (v && typeof v === 'object') Object.values(v).forEach(visit);
    };
    walkStates(def).forEach(([, s]) => visit(s));
    return found;
  }

  /** Uploads a raw export to the definition's default raw-data location. */
  async uploadRawData(file: string): Promise<string> {
    const uri = this.defaultRawDataUri();
    if (!uri) throw new DefinitionError('the training state machine names no default raw data URI; pass rawDataUri in the input');
    await uploadFile(this.s3.client, uri, file);
    return uri;
  }

  /** The ARN the executions of a state machine get (`<state machine ARN>` with `:execution:`). */
  stateMachineArn(which: 'training' | 'batch'): string {
    const def = requireStateMachine(this.app, which);
    return (
      this.app.stateMachines.find((m) => m.definition === def)?.arn ?? `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${which}`
    );
  }

  /**
   * Runs one execution. Executions may overlap (as a schedule and a console start do): each is
   * registered RUNNING while it runs, which is what DescribeExecution answers.
   */
  private run(which: 'training' | 'batch', input: unknown, onProgress?: (e: ProgressEvent) => void): Promise<ExecutionResult> {
    return this.start(which, input, { onProgress }).result;
  }

  /** Starts one execution (StartExecution): its ARN at once, its result when it ends. */
  start(
    which: 'training' | 'batch',
    input: unknown,
    options: { readonly name?: string; readonly onProgress?: (e: ProgressEvent) => void } = {},
  ): { executionArn: string; result: Promise<ExecutionResult> } {
    const def = requireStateMachine(this.app, which);
    const n = ++this.executions;
    const stateMachineArn = this.stateMachineArn(which);
    const name = options.name ?? `local-${which}-${n}-${Date.now().toString(36)}`;
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    this.services.executions.started(executionArn);
    const result = runExecution(def, input, bindTaskStates(def, this.services), {
      name,
      waitMs: this.options.waitMs,
      stateMachineArn,
      onProgress: (e) => {
        const stats = (e.output as { prepared?: Partial<PrepareDataResult> } | undefined)?.prepared?.stats;
        if (e.type === 'exited' && stats) this.lastPreparedStats = stats;
        this.options.onProgress?.(which, e);
        options.onProgress?.(e);
      },
    }).then((r) => {
      this.services.executions.ended(executionArn, r);
      return r;
    });
    return { executionArn, result };
  }

  /** One training execution; onProgress sees this execution's events only. */
  runTraining(input: unknown = {}, onProgress?: (e: ProgressEvent) => void): Promise<ExecutionResult> {
    return this.run('training', input, onProgress);
  }

  /** Which state machine has this ARN. */
  machineOf(stateMachineArn: string): 'training' | 'batch' {
    const which = (['training', 'batch'] as const).find(
      (w) => findStateMachine(this.app, w) && this.stateMachineArn(w) === stateMachineArn,
    );
    if (!which) throw new DefinitionError(`no state machine ${stateMachineArn} in the synthesized app`);
    return which;
  }

  /** An execution of the state machine with this ARN (an EventBridge target). */
  runStateMachine(stateMachineArn: string, input: unknown): Promise<ExecutionResult> {
    return this.run(this.machineOf(stateMachineArn), input);
  }

  /** Step Functions behind the AWS SDK client's interface (the pipeline CLI's rollback runs against it). */
  sfnClient(): SFNClient {
    return localSfnClient(this);
  }

  hasBatch(): boolean {
    return findStateMachine(this.app, 'batch') !== undefined;
  }

  runBatch(input: unknown = {}, onProgress?: (e: ProgressEvent) => void): Promise<ExecutionResult> {
    return this.run('batch', input, onProgress);
  }

  /** Stops every process and the S3 server. */
  async stop(): Promise<void> {
    await this.services.sagemaker.stop().catch(() => undefined);
    this.services.athena?.stop();
    await stopAllProcesses();
    await this.s3.stop();
  }
}
