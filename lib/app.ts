/**
 * Builds the whole product into a CDK App: the data stack, the pipeline stack and the cdk-nag
 * AwsSolutions checks. bin/app.ts calls it; the local runner calls it in-process to read the
 * training state machine's definition from the synthesized template.
 */
import { App, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext, PipelineConfig } from './config';
import { DataStack } from './data-stack';
import { acknowledgeFindings } from './nag';
import { resourceNames } from './pipeline-names';
import { PipelineStack } from './pipeline-stack';

/** Options of createPipelineApp. */
export interface PipelineAppOptions {
  /** Configuration; default: read and validated from the app's context (cdk.json). */
  readonly config?: PipelineConfig;
  /** Apply the cdk-nag AwsSolutions checks (findings fail synth). Default true. */
  readonly nag?: boolean;
  /** Folder with the image's Dockerfile. Default: container/ of this repository. */
  readonly imageDirectory?: string;
}

/** The stacks createPipelineApp built. */
export interface PipelineApp {
  /** The configuration used. */
  readonly config: PipelineConfig;
  /** Buckets. */
  readonly dataStack: DataStack;
  /** State machines, Lambdas, schedules, alarms. */
  readonly pipelineStack: PipelineStack;
}

/** Adds the product's stacks to `app` (an App or a Stage). */
export function createPipelineApp(app: App | Stage, options: PipelineAppOptions = {}): PipelineApp {
  const config = options.config ?? configFromContext(app.node);
  const names = resourceNames(config.projectName);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const dataStack = new DataStack(app, names.dataStack, {
    config,
    env,
    description: 'Recommender pipeline storage (raw data, artifacts, access logs)',
  });
  const pipelineStack = new PipelineStack(app, names.pipelineStack, {
    config,
    env,
    imageDirectory: options.imageDirectory,
    description: 'Recommender pipeline: training and batch state machines, schedules, alarms',
  });
  pipelineStack.addStackDependency(dataStack, 'the pipeline uses the data stack buckets by name');
  acknowledgeFindings(pipelineStack, config.projectName);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, dataStack, pipelineStack };
}
