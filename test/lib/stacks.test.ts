/** Storage, IAM scoping, Lambdas, schedules, notifications, alarms and cdk-nag, on one synthesis. */
import * as iam from 'aws-cdk-lib/aws-iam';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createPipelineApp } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { synth, Synthesized } from './synth-helper';

let s: Synthesized;
let data: Template;
let pipeline: Template;
beforeAll(() => {
  s = synth();
  data = s.data;
  pipeline = s.pipeline;
});

/** Every IAM statement of the pipeline stack, with the logical id of its policy. */
function statements(): Array<{ policy: string; Action: string[]; Resource: unknown[]; Condition?: unknown }> {
  const out: Array<{ policy: string; Action: string[]; Resource: unknown[]; Condition?: unknown }> = [];
  for (const [id, r] of Object.entries(pipeline.findResources('AWS::IAM::Policy'))) {
    for (const st of r.Properties.PolicyDocument.Statement) {
      out.push({ policy: id, Action: [st.Action].flat(), Resource: [st.Resource].flat(), Condition: st.Condition });
    }
  }
  return out;
}
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
    ]);
    for (const st of statements()) {
      for (const a of st.Action) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      if (st.Resource.includes('*')) for (const a of st.Action) expect(allowedOnStar).toContain(a);
    }
    const metrics = statements().find((st) => st.Action.includes('cloudwatch:PutMetricData'))!;
    expect(metrics.Condition).toEqual({ StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } });
  });

  test('SageMaker actions are scoped to the pipeline name prefixes and the endpoint', () => {
    const sm = statements().filter((st) => st.Action.some((a) => a.startsWith('sagemaker:')));
    expect(sm.length).toBeGreaterThan(3);
    for (const st of sm) {
      for (const r of st.Resource) {
        expect(text(r)).toMatch(
          /:(training-job\/bpr-train-\*|model\/bpr-model-\*|endpoint-config\/bpr-epc-\*|transform-job\/bpr-batch-\*|endpoint\/bpr-recommender)"/,
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
    expect(own.map((st) => [st.Action.slice().sort(), st.Resource.map((r) => s.resolve(r)), st.Condition])).toEqual([
      [['s3:GetObject'], ['arn:aws:s3:::bpr-raw-000000000000-us-east-1/*'], undefined],
      [['s3:ListBucket'], ['arn:aws:s3:::bpr-raw-000000000000-us-east-1'], undefined],
      [
        ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'],
        ['arn:aws:s3:::bpr-artifacts-000000000000-us-east-1/runs/*'],
        undefined,
      ],
      // the publish step of the Athena path: its run's UNLOAD output only
      [['s3:GetObject'], ['arn:aws:s3:::bpr-artifacts-000000000000-us-east-1/athena/work/*/results/*'], undefined],
      [
        ['s3:ListBucket'],
        ['arn:aws:s3:::bpr-artifacts-000000000000-us-east-1'],
        { StringLike: { 's3:prefix': ['athena/work/*/results/*'] } },
      ],
    ]);
  });

  test("the training state machine's Athena queries: its workgroup, the run's Glue databases, raw data read, athena/ written", () => {
    const own = statements().filter((st) => st.policy.startsWith('TrainingPipelineStateMachineRole'));
    const athena = own.filter((st) => st.Action.some((a) => a.startsWith('athena:')));
    expect(athena.map((st) => [st.Action.slice().sort(), st.Resource.map((r) => text(s.resolve(r)))])).toEqual([
      [
        ['athena:GetQueryExecution', 'athena:StartQueryExecution', 'athena:StopQueryExecution'],
        [expect.stringContaining(':workgroup/bpr-prepare')],
      ],
      [['athena:GetDataCatalog'], [expect.stringContaining(':datacatalog/AwsDataCatalog')]],
    ]);
    const glue = own.filter((st) => st.Action.some((a) => a.startsWith('glue:')));
    expect(glue).toHaveLength(1);
    expect(glue[0].Action).not.toContain('glue:GetDatabases');
    expect(
      glue[0].Resource.map((r) =>
        text(s.resolve(r))
          .replace(/^.*:(catalog|database|table)/, '$1')
          .replace(/"$/, ''),
      ),
    ).toEqual(['catalog', 'database/bpr_prep_*', 'table/bpr_prep_*/*']);
    const s3 = own.filter((st) => st.Action.some((a) => a.startsWith('s3:')));
    const writes = s3.filter((st) => st.Action.includes('s3:PutObject'));
    expect(writes.map((st) => st.Resource.map((r) => s.resolve(r)))).toEqual([
      ['arn:aws:s3:::bpr-artifacts-000000000000-us-east-1/athena/*'],
    ]);
    for (const st of s3) expect(st.Action).not.toContain('s3:DeleteObject');
  });

  test('the report Lambda only reads output archives and only writes reports', () => {
    const own = statements().filter(
      (st) => st.policy.startsWith('PublishReportFunctionRole') && st.Action.some((a) => a.startsWith('s3:')),
    );
    const artifacts = 'arn:aws:s3:::bpr-artifacts-000000000000-us-east-1';
    expect(own.map((st) => [st.Action, st.Resource.map((r) => s.resolve(r))])).toEqual([
      [['s3:GetObject'], [`${artifacts}/runs/*/output/output.tar.gz`]],
      [['s3:PutObject'], [`${artifacts}/runs/*/report.html`, `${artifacts}/reports/latest.html`]],
    ]);
  });

  test('S3 access is limited to the raw bucket, the runs/, batch/ and athena/ prefixes and the latest report', () => {
    const s3 = statements().filter((st) => st.Action.some((a) => a.startsWith('s3:')));
    for (const st of s3) {
      for (const r of st.Resource) {
        expect(s.resolve(r)).toMatch(
          /^arn:aws:s3:::bpr-(raw-000000000000-us-east-1(\/\*)?|artifacts-000000000000-us-east-1(\/runs\/\*.*|\/batch\/\*|\/athena\/(work\/\*\/results\/)?\*|\/reports\/latest\.html)?)$/,
        );
      }
      if (st.Action.includes('s3:ListBucket') && text(st.Resource).includes('bpr-artifacts-')) {
        expect([[['runs/*']], [['athena/*']], [['athena/work/*/results/*']]]).toContainEqual([
          (st.Condition as { StringLike: { 's3:prefix': string[] } }).StringLike['s3:prefix'],
        ]);
      }
    }
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
  });

  test('state machines log every event with execution data and are traced', () => {
    const machines = pipeline.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines).sort()).toEqual(['BatchRecommendationsStateMachine', 'TrainingPipelineStateMachine']);
    for (const m of Object.values(machines)) {
      expect(m.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
      expect(m.Properties.TracingConfiguration).toEqual({ Enabled: true });
    }
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
      expect(own.find((st) => st.Action.includes('kms:GenerateDataKey'))).toMatchObject({
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^NotificationKey/), 'Arn'] }],
      });
    }
  });

  test('the deployment record is an SSM parameter', () => {
    pipeline.hasResourceProperties('AWS::SSM::Parameter', { Name: '/bpr/deployment', Type: 'String', Value: '{}' });
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
