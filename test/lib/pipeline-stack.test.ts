/**
 * The pipeline stack's resources: Lambdas, state machine logging and tracing, the image asset, the
 * deployment lock, schedules, the deployment record, startTrainingOnDeploy and the outputs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createPipelineApp } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { policyStatements, synth, Synthesized } from './synth-helper';

let s: Synthesized;
let pipeline: Template;
beforeAll(() => {
  s = synth();
  pipeline = s.pipeline;
});

test('Lambdas run Node.js 24 with the documented memory and timeouts', () => {
  // prepare-data: DuckDB takes 70 % of 4 GiB, the input and its spill files take ephemeral storage
  pipeline.hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'index.handler',
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    MemorySize: 4096,
    Timeout: 900,
    EphemeralStorage: { Size: 10240 },
  });
  pipeline.hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'index.handler',
    Runtime: 'nodejs24.x',
    MemorySize: 256,
    Timeout: 30,
  });
  // validate-input: arm64 like the others, seconds at most.
  pipeline.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    MemorySize: 256,
    Timeout: 10,
  });
});

test('state machines log every event with execution data, to vended-log groups, and are traced', () => {
  const machines = pipeline.findResources('AWS::StepFunctions::StateMachine');
  expect(Object.keys(machines).sort()).toEqual(['BatchRecommendationsStateMachine', 'TrainingPipelineStateMachine']);
  const groups = pipeline.findResources('AWS::Logs::LogGroup');
  for (const m of Object.values(machines)) {
    expect(m.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(m.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const [target] = m.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'];
    // Under /aws/vendedlogs/states/ (the CloudWatch Logs resource policy limit), unique per stack
    // deployment (the groups are retained, so a re-deployment must not meet the old names).
    expect(String(s.resolve(groups[target].Properties.LogGroupName))).toMatch(
      /^\/aws\/vendedlogs\/states\/bpr-(training-pipeline|batch-recommendations)-00000000-0000-0000-0000-000000000000$/,
    );
    expect(groups[target].DeletionPolicy).toBe('Retain');
  }
});

test('the image asset is built into the local image store with Docker media types (SageMaker refuses OCI manifests)', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpr-assets-'));
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    createPipelineApp(app, { config: parseConfig({}), nag: false });
    const assembly = app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'bpr-pipeline.assets.json'), 'utf8'));
    const images = Object.values(manifest.dockerImages) as Array<{ source: Record<string, unknown> }>;
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ platform: 'linux/amd64', dockerOutputs: ['type=docker,oci-mediatypes=false'] });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

test('the deployment lock is an on-demand DynamoDB table keyed by id, with point-in-time recovery', () => {
  pipeline.hasResourceProperties('AWS::DynamoDB::Table', {
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  });
});

test('schedules start the training and batch pipelines with {} on the configured crons', () => {
  pipeline.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'cron(0 3 ? * MON *)',
    ScheduleExpressionTimezone: 'UTC',
    State: 'ENABLED',
    Target: Match.objectLike({ Arn: { Ref: 'TrainingPipelineStateMachine' }, Input: '{}' }),
  });
  pipeline.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'cron(0 6 ? * * *)',
    State: 'ENABLED',
    Target: Match.objectLike({ Arn: { Ref: 'BatchRecommendationsStateMachine' }, Input: '{}' }),
  });
});

test('the deployment record is written by the training pipeline, not owned by the stack (an update cannot reset it)', () => {
  expect(pipeline.findResources('AWS::SSM::Parameter')).toEqual({});
  const put = policyStatements(pipeline).filter((st) => st.Action.includes('ssm:PutParameter'));
  expect(put.map((st) => [st.policy.replace(/[0-9A-F]{8}$/, ''), st.Resource.map((r) => s.resolve(r))])).toEqual([
    ['TrainingPipelineStateMachineRoleDefaultPolicy', ['arn:aws:ssm:us-east-1:000000000000:parameter/bpr/deployment']],
  ]);
});

test('startTrainingOnDeploy starts one training execution when the stack is created, and passes cdk-nag', () => {
  expect(pipeline.findResources('Custom::AWS')).toEqual({});
  const on = synth({ startTrainingOnDeploy: true });
  const [resource] = Object.values(on.pipeline.findResources('Custom::AWS'));
  const create = JSON.parse(String(on.resolve(resource.Properties.Create)));
  expect(create).toMatchObject({
    service: 'SFN',
    action: 'startExecution',
    parameters: { stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:bpr-training-pipeline', input: '{}' },
  });
  expect(resource.Properties.Update).toBeUndefined();
});

test('outputs name the state machines and the deployment parameter', () => {
  pipeline.hasOutput('TrainingStateMachineArn', { Value: { Ref: 'TrainingPipelineStateMachine' } });
  pipeline.hasOutput('BatchStateMachineArn', { Value: { Ref: 'BatchRecommendationsStateMachine' } });
  pipeline.hasOutput('DeploymentParameterName', {});
});
