/** Storage, IAM scoping, Lambdas, schedules, notifications, alarms and cdk-nag, on one synthesis. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createPipelineApp } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { grants, policyStatements, synth, Synthesized } from './synth-helper';

let s: Synthesized;
let data: Template;
let pipeline: Template;
beforeAll(() => {
  s = synth();
  data = s.data;
  pipeline = s.pipeline;
});

/** Every IAM statement of the pipeline stack, with the logical id of its policy. */
const statements = () => policyStatements(pipeline);
const text = (v: unknown) => JSON.stringify(v);

describe('data stack', () => {
  test('three encrypted, private, SSL-only, versioned buckets retained on delete', () => {
    const buckets = data.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const b of Object.values(buckets)) {
      expect(b.DeletionPolicy).toBe('Retain');
      expect(b.UpdateReplacePolicy).toBe('Retain');
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
        'AES256',
      );
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    }
    const policies = Object.values(data.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(3);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });

  test('nothing the endpoint or the batch pipeline uses sits under an expiring prefix', () => {
    const artifacts = Object.values(data.findResources('AWS::S3::Bucket')).find((b) =>
      text(b.Properties.BucketName).includes('bpr-artifacts-'),
    )!;
    const rules = artifacts.Properties.LifecycleConfiguration.Rules as Array<{ Prefix?: string; ExpirationInDays?: number }>;
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined).map((r) => r.Prefix ?? '');
    expect(expiring.sort()).toEqual(['athena/', 'batch/', 'runs/']); // athena/: scratch work of the runs' queries
    // The model packages, the deployment record and the model point into registry/ (the state machine tests check the paths).
    for (const prefix of expiring) expect('registry/'.startsWith(prefix)).toBe(false);
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'registry/', NoncurrentVersionExpiration: { NoncurrentDays: 7 } }),
    );
  });

  test('bucketSuffix gives both stacks new bucket names (a re-deployment after cdk destroy)', () => {
    const suffixed = synth({ bucketSuffix: 'v2' }, false);
    const names = Object.values(suffixed.data.findResources('AWS::S3::Bucket')).map((b) =>
      String(suffixed.resolve(b.Properties.BucketName)),
    );
    expect(names.sort()).toEqual([
      'bpr-access-logs-000000000000-us-east-1-v2',
      'bpr-artifacts-000000000000-us-east-1-v2',
      'bpr-raw-000000000000-us-east-1-v2',
    ]);
    expect(text(suffixed.pipeline.toJSON())).toContain('-v2');
  });

  test('raw and artifacts buckets log to the access-log bucket; old runs and batch output expire', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['bpr-artifacts-'])] }),
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogBucket') },
        LogFilePrefix: 'artifacts/',
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 90, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'batch/', ExpirationInDays: 90, Status: 'Enabled' }),
        ]),
      },
    });
    data.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['bpr-raw-'])] }),
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogBucket') }, LogFilePrefix: 'raw/' },
    });
  });
});

describe('IAM', () => {
  test('no AmazonSageMakerFullAccess and no managed policies on any role', () => {
    for (const role of Object.values(pipeline.findResources('AWS::IAM::Role'))) {
      expect(text(role.Properties.ManagedPolicyArns ?? [])).not.toMatch(/SageMakerFullAccess/);
    }
    expect(text(pipeline.toJSON())).not.toMatch(/AmazonSageMakerFullAccess/);
    // Nor CDK overflow policies (a role's statements past IAM's inline size limit): a state machine
    // depends on its role's inline policy only, and its creation checks the log delivery permissions.
    expect(pipeline.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
  });

  test('no service-wide wildcard actions, and "*" resources only for actions without resource-level permissions', () => {
    const allowedOnStar = new Set([
      'ecr:GetAuthorizationToken',
      'cloudwatch:PutMetricData',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'sagemaker:ListModels',
      'sagemaker:ListEndpointConfigs',
    ]);
    for (const st of statements()) {
      for (const a of st.Action) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      if (st.Resource.includes('*')) for (const a of st.Action) expect(allowedOnStar).toContain(a);
    }
    const metrics = statements().find((st) => st.Action.includes('cloudwatch:PutMetricData'))!;
    expect(metrics.Condition).toEqual({ StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } });
  });

  test("SageMaker actions are scoped to the pipeline name prefixes, the endpoint and the project's model package group", () => {
    const listOnly = (st: { Action: string[] }) => st.Action.every((a) => /^sagemaker:List/.test(a));
    const sm = statements().filter((st) => st.Action.some((a) => a.startsWith('sagemaker:')) && !listOnly(st));
    expect(sm.length).toBeGreaterThan(3);
    for (const st of sm) {
      for (const r of st.Resource) {
        expect(text(r)).toMatch(
          /:(training-job\/bpr-train-\*|model\/bpr-model-\*|endpoint-config\/bpr-epc-\*|transform-job\/bpr-batch-\*|endpoint\/bpr-recommender|model-package-group\/bpr-models|model-package\/bpr-models\/\*)"/,
        );
      }
    }
  });

  test('iam:PassRole only for the SageMaker execution role, only to SageMaker', () => {
    const pass = statements().filter((st) => st.Action.includes('iam:PassRole'));
    expect(pass.length).toBeGreaterThanOrEqual(2);
    for (const st of pass) {
      expect(st.Resource).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^SageMakerExecutionRole/), 'Arn'] }]);
      expect(st.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    }
  });

  test('the prepare Lambda reads the raw bucket, writes and deletes only under runs/, and reads only Athena results', () => {
    const own = statements().filter(
      (st) => st.policy.startsWith('PrepareDataFunctionRole') && st.Action.some((a) => a.startsWith('s3:')),
    );
    const raw = 'arn:aws:s3:::bpr-raw-000000000000-us-east-1';
    const artifacts = 'arn:aws:s3:::bpr-artifacts-000000000000-us-east-1';
    expect(grants(own, s.resolve)).toEqual(
      [
        `s3:GetObject ${raw}/*`,
        `s3:ListBucket ${raw}`,
        ...['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'].map((a) => `${a} ${artifacts}/runs/*`),
        // the publish step of the Athena path: its run's UNLOAD output only
        `s3:GetObject ${artifacts}/athena/work/*/results/*`,
        `s3:ListBucket ${artifacts} {"StringLike":{"s3:prefix":["athena/work/*/results/*"]}}`,
      ].sort(),
    );
  });

  test('the input-check Lambda may only write its own logs; both state machines, and only they, may invoke it', () => {
    const own = statements().filter((st) => st.policy.startsWith('ValidateInputFunctionRole'));
    expect(own.flatMap((st) => st.Action).every((a) => a.startsWith('logs:'))).toBe(true);
    expect(own.flatMap((st) => st.Resource).map((r) => text(r))).toEqual([
      expect.stringMatching(/ValidateInputFunctionLogs.*Arn/),
    ]);
    const invokers = statements()
      .filter((st) => st.Action.includes('lambda:InvokeFunction') && text(st.Resource).includes('ValidateInputFunction'))
      .map((st) => st.policy.replace(/StateMachineRole.*$/, ''));
    expect(invokers.sort()).toEqual(['BatchRecommendations', 'TrainingPipeline']);
  });

  test('the report Lambda only reads output archives and only writes reports', () => {
    const own = statements().filter(
      (st) => st.policy.startsWith('PublishReportFunctionRole') && st.Action.some((a) => a.startsWith('s3:')),
    );
    const artifacts = 'arn:aws:s3:::bpr-artifacts-000000000000-us-east-1';
    expect(grants(own, s.resolve)).toEqual([
      `s3:GetObject ${artifacts}/runs/*/output/output.tar.gz`,
      `s3:PutObject ${artifacts}/reports/latest.html`,
      `s3:PutObject ${artifacts}/runs/*/report.html`,
    ]);
  });

  test('S3 access is limited to the raw bucket, the runs/, registry/, batch/ and athena/ prefixes and the latest report', () => {
    const s3 = statements().filter((st) => st.Action.some((a) => a.startsWith('s3:')));
    for (const st of s3) {
      for (const r of st.Resource) {
        expect(s.resolve(r)).toMatch(
          /^arn:aws:s3:::bpr-(raw-000000000000-us-east-1(\/\*)?|artifacts-000000000000-us-east-1(\/runs\/\*.*|\/batch\/\*|\/registry\/\*.*|\/athena\/(work\/\*\/results\/)?\*|\/reports\/latest\.html)?)$/,
        );
      }
      if (st.Action.includes('s3:ListBucket') && text(st.Resource).includes('bpr-artifacts-')) {
        for (const prefix of (st.Condition as { StringLike: { 's3:prefix': string[] } }).StringLike['s3:prefix'])
          expect(['runs/*', 'registry/*', 'athena/*', 'athena/work/*/results/*']).toContain(prefix);
      }
    }
    // Only the prepare Lambda deletes, under runs/: nothing deletes what registry/ holds.
    const deleters = statements().filter((st) => st.Action.includes('s3:DeleteObject') || st.Action.includes('s3:DeleteObjects'));
    expect(deleters.map((st) => [st.policy.replace(/[0-9A-F]{8}$/, ''), st.Resource.map((r) => s.resolve(r))]).sort()).toEqual([
      ['PrepareDataFunctionRoleDefaultPolicy', ['arn:aws:s3:::bpr-artifacts-000000000000-us-east-1/runs/*']],
    ]);
  });

  test('the SageMaker execution role may read the rollback alarms, and only those (deployment guardrails)', () => {
    const alarms = statements().filter((st) => st.Action.includes('cloudwatch:DescribeAlarms'));
    const sagemaker = alarms.filter((st) => st.policy.startsWith('SageMakerExecutionRole'));
    expect(sagemaker).toHaveLength(1);
    expect(sagemaker[0].Action).toEqual(['cloudwatch:DescribeAlarms']);
    const names = (st: { Resource: unknown[] }) => st.Resource.map((r) => String(s.resolve(r)).split(':alarm:')[1]).sort();
    expect(names(sagemaker[0])).toEqual(['bpr-endpoint-5xx', 'bpr-endpoint-latency']);
    for (const st of alarms) expect(names(st)).toEqual(['bpr-endpoint-5xx', 'bpr-endpoint-latency']);
  });
});

describe('pipeline stack resources', () => {
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

  test("the topic lets the project's own alarms publish (CloudWatch, scoped by source ARN and account)", () => {
    const policy = Object.values(pipeline.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument;
    const allow = policy.Statement.filter((st: { Effect: string }) => st.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' });
    expect(s.resolve(allow[0].Condition)).toEqual({
      ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:bpr-*' },
      StringEquals: { 'aws:SourceAccount': '000000000000' },
    });
    const alarms = Object.values(pipeline.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string);
    expect(alarms.length).toBeGreaterThan(3);
    for (const name of alarms) expect(name.startsWith('bpr-')).toBe(true);
  });

  test('notifications go to a KMS-encrypted, SSL-only topic', () => {
    pipeline.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    pipeline.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    pipeline.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('both state machines may publish to the topic and use its key', () => {
    for (const machine of ['TrainingPipeline', 'BatchRecommendations']) {
      const own = statements().filter((st) => st.policy.startsWith(`${machine}StateMachineRole`));
      expect(own.find((st) => st.Action.includes('sns:Publish'))!.Resource).toEqual([
        { Ref: expect.stringMatching(/^Notifications/) },
      ]);
      const kms = own.find((st) => st.Action.includes('kms:GenerateDataKey'))!;
      expect(kms.Action.slice().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(kms.Resource).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^NotificationKey/), 'Arn'] }]);
    }
  });

  test('the deployment record is written by the training pipeline, not owned by the stack (an update cannot reset it)', () => {
    expect(pipeline.findResources('AWS::SSM::Parameter')).toEqual({});
    const put = statements().filter((st) => st.Action.includes('ssm:PutParameter'));
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

  test('alarms on endpoint 5xx, latency and failed executions notify the topic; a dashboard shows them', () => {
    const topicRef = { Ref: Match.stringLikeRegexp('^Notifications') };
    pipeline.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors',
      Namespace: 'AWS/SageMaker',
      Statistic: 'Sum',
      Threshold: 5,
      Dimensions: Match.arrayWith([
        { Name: 'EndpointName', Value: 'bpr-recommender' },
        { Name: 'VariantName', Value: 'AllTraffic' },
      ]),
      AlarmActions: [topicRef],
    });
    pipeline.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Threshold: 500000,
    });
    pipeline.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'bpr-training-executions-failed',
      AlarmActions: [topicRef],
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut + aborted' })]),
    });
    const body = text(Object.values(pipeline.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(body).toContain('MetricName=\\\\\\"precision@10\\\\\\"');
    expect(body).toContain('Invocation5XXErrors');
    expect(body).toContain('ExecutionsFailed');
    // a text widget links to the latest run's model report
    expect(body).toContain('https://console.aws.amazon.com/s3/object/bpr-artifacts-');
    expect(body).toContain('&prefix=reports/latest.html');
  });

  test('outputs name the state machines and the deployment parameter', () => {
    pipeline.hasOutput('TrainingStateMachineArn', { Value: { Ref: 'TrainingPipelineStateMachine' } });
    pipeline.hasOutput('BatchStateMachineArn', { Value: { Ref: 'BatchRecommendationsStateMachine' } });
    pipeline.hasOutput('DeploymentParameterName', {});
  });
});

describe('cdk-nag', () => {
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
});
