/**
 * Synthesizes the app the way the local runner does (local/cdk/synth: image asset staged only, no
 * Lambda bundling, no built-in CloudFormation validation) and resolves its templates with the
 * same resolver that turns them into the definitions `npm start` runs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { createPipelineApp, PipelineApp } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { resourceNames } from '../../lib/pipeline-names';
import { TemplateResolver } from '../../local/cdk/resolve';
import { requireStateMachine, type Definition, type SynthesizedApp } from '../../local/cdk/synth';
import { LocalPipeline, projectAppBuilder, projectContext } from '../../local/pipeline';

function inTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpr-cdk-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Synthesized extends PipelineApp {
  readonly data: Template;
  readonly pipeline: Template;
  /** The training state machine's definition as the local runner reads it. */
  readonly training: Definition;
  /** Resolves a CloudFormation value of the pipeline stack to local values. */
  resolve(value: unknown): unknown;
}

/**
 * The app with the configuration's defaults and `overrides` (cdk-nag checks on unless nag is false),
 * under cdk.json's CDK feature flags (`@aws-cdk/...`), as `cdk synth` and `cdk deploy` build it.
 */
export function synth(overrides: Record<string, unknown> = {}, nag = true): Synthesized {
  return inTempDir((dir) => {
    let built: PipelineApp | undefined;
    const app = LocalPipeline.synthesize({
      workdir: dir,
      buildApp: (a) => {
        for (const [flag, value] of Object.entries(projectContext()))
          if (flag.startsWith('@aws-cdk/')) a.node.setContext(flag, value);
        built = createPipelineApp(a, { config: parseConfig(overrides), nag });
      },
    });
    const { dataStack, pipelineStack } = built!;
    const template = (name: string) => Template.fromJSON(app.env.templates.get(name) as Record<string, unknown>);
    const resolver = new TemplateResolver(app.env, pipelineStack.stackName);
    return {
      ...built!,
      data: template(dataStack.stackName),
      pipeline: template(pipelineStack.stackName),
      training: requireStateMachine(app, 'training'),
      resolve: (value) => resolver.resolve(value),
    };
  });
}

/** The state machines exactly as `npm start` reads them: cdk.json's context, then `context` over it. */
export function localDefinitions(context: Record<string, unknown> = {}): {
  app: SynthesizedApp;
  training: Definition;
  batch: Definition;
  pipeline: Template;
} {
  return inTempDir((dir) => {
    const app = LocalPipeline.synthesize({ workdir: dir, buildApp: projectAppBuilder(context) });
    const pipeline = app.env.templates.get(resourceNames('bpr').pipelineStack) as Record<string, unknown>;
    return {
      app,
      training: requireStateMachine(app, 'training'),
      batch: requireStateMachine(app, 'batch'),
      pipeline: Template.fromJSON(pipeline),
    };
  });
}

/** One statement of an IAM policy, with the logical id of its policy. */
export interface PolicyStatementOf {
  readonly policy: string;
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: unknown;
}

/** Every IAM statement of a template's policies. */
export function policyStatements(template: Template): PolicyStatementOf[] {
  const out: PolicyStatementOf[] = [];
  for (const [id, r] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    for (const st of r.Properties.PolicyDocument.Statement) {
      out.push({ policy: id, Action: [st.Action].flat(), Resource: [st.Resource].flat(), Condition: st.Condition });
    }
  }
  return out;
}

/**
 * Statements as single grants, `action resource [condition]`, sorted: the same permissions give the
 * same list however the CDK groups them into statements (cdk.json's minimizePolicies merges them).
 */
export function grants(statements: readonly PolicyStatementOf[], resolve: (value: unknown) => unknown): string[] {
  return statements
    .flatMap((st) =>
      st.Action.flatMap((a) =>
        st.Resource.map((r) => [a, String(resolve(r)), ...(st.Condition ? [JSON.stringify(st.Condition)] : [])].join(' ')),
      ),
    )
    .sort();
}
