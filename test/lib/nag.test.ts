/**
 * cdk-nag: the AwsSolutions checks pass with a reason for each acknowledgement, and a new wildcard fails synth.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { App } from 'aws-cdk-lib';
import { createPipelineApp } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { synth, Synthesized } from './synth-helper';

let s: Synthesized;
beforeAll(() => {
  s = synth();
});

test('AwsSolutions checks pass with every acknowledgement carrying a reason', () => {
  // synth() above ran with the checks: any unacknowledged finding would have thrown.
  const acks = [s.pipelineStack, s.dataStack]
    .flatMap((stack) => stack.node.findAll())
    .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
    .flatMap((m) => Object.entries(m.data as Record<string, string>));
  expect(acks.length).toBeGreaterThan(5);
  for (const [, reason] of acks) expect(String(reason).length).toBeGreaterThan(20);
});

test('a new wildcard permission fails synth', () => {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const built = createPipelineApp(app, { config: parseConfig({}) });
  built.pipelineStack.sagemakerRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
  expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
});
