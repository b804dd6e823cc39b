/**
 * Synthesizes the whole app (image asset from container/, staged only) once per test file, fast:
 * no Lambda bundling, no built-in CloudFormation validation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { createPipelineApp, PipelineApp } from '../../lib/app';
import { PipelineConfig, parseConfig } from '../../lib/config';
import { CfnTemplate } from '../../lib/definition';

export interface Synthesized extends PipelineApp {
  readonly data: CfnTemplate & Record<string, any>;
  readonly pipeline: CfnTemplate & Record<string, any>;
}

export function synth(overrides: Record<string, unknown> = {}, nag = true): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpr-cdk-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const config: PipelineConfig = parseConfig(overrides);
  const built = createPipelineApp(app, { config, nag });
  const assembly = app.synth();
  const template = (name: string) => assembly.getStackByName(name).template;
  const result = { ...built, data: template(built.dataStack.stackName), pipeline: template(built.pipelineStack.stackName) };
  fs.rmSync(outdir, { recursive: true, force: true });
  return result;
}

/** Resources of one type, by logical id. */
export function resourcesOf(template: CfnTemplate, type: string): Record<string, any> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === type));
}
