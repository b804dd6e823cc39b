/**
 * Takes the state machines from the synthesized CDK app, never from a hand-written copy:
 * synthesizes in-process (bundling and the CloudFormation validation skipped for speed), finds
 * the AWS::StepFunctions::StateMachine resources and resolves their definitions to local values.
 * `npm start` and the state machine tests read the definitions this one way.
 */
import { mkdirSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { StateMachineNotFoundError } from '../../lib/cli/errors';
import { ROLE_TAG, StateMachineIds } from '../../lib/pipeline-names';
import type { LocalTable } from '../dynamodb';
import { TemplateResolver, type ResolveEnv, type Template } from './resolve';

/** A Retry entry of a Task state. */
export interface AslRetrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
}

/** A Catch entry of a Task state. */
export interface AslCatcher {
  readonly ErrorEquals: string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

/** One state of an ASL definition: the fields the runner and the tests read, and any other. */
export interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
  Next?: string;
  Default?: string;
  Choices?: Record<string, unknown>[];
  TimeoutSeconds?: number;
  [field: string]: unknown;
}

/** A state machine definition (Amazon States Language). */
export interface Definition {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

export interface LambdaFunctionInfo {
  readonly logicalId: string;
  readonly stack: string;
  /** Fake ARN the resolved definitions use for it. */
  readonly arn: string;
  readonly name: string;
  /** CDK construct path (from metadata), e.g. "bpr-pipeline/PrepareData/Resource". */
  readonly constructPath: string;
  /** "index.handler" */
  readonly handler: string;
  readonly environment: Record<string, string>;
}

export interface SynthesizedApp {
  readonly env: ResolveEnv;
  readonly stateMachines: { logicalId: string; stack: string; role?: string; arn: string; definition: Definition }[];
  readonly lambdas: LambdaFunctionInfo[];
  readonly buckets: string[];
  /** DynamoDB tables and their key attributes. */
  readonly tables: LocalTable[];
  /** Resolved values of every stack's Outputs, by output key. */
  readonly outputs: Record<string, unknown>;
}

export type AppBuilder = (app: App) => void;

/**
 * Synthesizes the app that builder fills (no Lambda bundling, no built-in CloudFormation
 * validation: neither changes a definition) and returns its templates by stack name.
 */
export function synthesizeTemplates(builder: AppBuilder, outdir: string): Map<string, Template> {
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  builder(app);
  const assembly = app.synth();
  return new Map(assembly.stacks.map((s) => [s.stackName, s.template as Template]));
}

function tagValue(props: Record<string, unknown> | undefined, key: string): string | undefined {
  const tags = props?.Tags;
  if (!Array.isArray(tags)) return undefined;
  const tag = tags.find((t) => t && (t as { Key?: unknown }).Key === key) as { Value?: unknown } | undefined;
  return typeof tag?.Value === 'string' ? tag.Value : undefined;
}

/** Resolves templates into definitions, Lambda functions and buckets. */
export function readTemplates(templates: Map<string, Template>, region = 'us-east-1', account = '000000000000'): SynthesizedApp {
  const env: ResolveEnv = { region, account, templates };
  const stateMachines: SynthesizedApp['stateMachines'] = [];
  const lambdas: LambdaFunctionInfo[] = [];
  const buckets: string[] = [];
  const tables: LocalTable[] = [];
  const outputs: Record<string, unknown> = {};
  for (const [stack, template] of templates) {
    const resolver = new TemplateResolver(env, stack);
    for (const [logicalId, res] of Object.entries(template.Resources ?? {})) {
      const props = res.Properties ?? {};
      if (res.Type === 'AWS::StepFunctions::StateMachine') {
        let text = String(resolver.resolve(props.DefinitionString));
        const subs = resolver.resolve(props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries(subs)) text = text.split('${' + k + '}').join(String(v));
        stateMachines.push({
          logicalId,
          stack,
          role: tagValue(props, ROLE_TAG),
          arn: resolver.physicalName(logicalId),
          definition: JSON.parse(text) as Definition,
        });
      } else if (res.Type === 'AWS::Lambda::Function') {
        const name = resolver.physicalName(logicalId);
        lambdas.push({
          logicalId,
          stack,
          name,
          arn: `arn:aws:lambda:${region}:${account}:function:${name}`,
          constructPath: String(res.Metadata?.['aws:cdk:path'] ?? logicalId),
          handler: String(props.Handler ?? 'index.handler'),
          environment: (resolver.resolve(((props.Environment ?? {}) as { Variables?: unknown }).Variables ?? {}) ?? {}) as Record<
            string,
            string
          >,
        });
      } else if (res.Type === 'AWS::S3::Bucket') {
        buckets.push(resolver.physicalName(logicalId));
      } else if (res.Type === 'AWS::DynamoDB::Table') {
        const schema = (props.KeySchema ?? []) as { AttributeName: string }[];
        tables.push({ name: resolver.physicalName(logicalId), keys: schema.map((k) => k.AttributeName) });
      }
    }
    for (const [key, out] of Object.entries(template.Outputs ?? {})) {
      try {
        outputs[key] = resolver.resolve(out.Value);
      } catch {
        // Outputs that name things with no local value (e.g. ECR image URIs) are not needed.
      }
    }
  }
  return { env, stateMachines, lambdas, buckets, tables, outputs };
}

/** The training pipeline's or the batch state machine's definition (by tag, else by logical id prefix). */
export function findStateMachine(app: SynthesizedApp, which: 'training' | 'batch'): Definition | undefined {
  const idPrefix = which === 'training' ? StateMachineIds.Training : StateMachineIds.Batch;
  const byTag = app.stateMachines.find((s) => s.role !== undefined && s.role.toLowerCase().includes(which));
  const byId = app.stateMachines.find((s) => s.logicalId.startsWith(idPrefix));
  return (byTag ?? byId)?.definition;
}

export function requireStateMachine(app: SynthesizedApp, which: 'training' | 'batch'): Definition {
  const def = findStateMachine(app, which);
  if (!def) {
    const found = app.stateMachines.map((s) => s.logicalId).join(', ') || 'none';
    throw new StateMachineNotFoundError(`no ${which} state machine in the synthesized app (found: ${found})`);
  }
  return def;
}
