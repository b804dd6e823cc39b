/**
 * Notifications and alarms: the encrypted topic, who may publish to it, the alarms and the dashboard.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { policyStatements, synth, Synthesized } from './synth-helper';

let s: Synthesized;
let pipeline: Template;
beforeAll(() => {
  s = synth();
  pipeline = s.pipeline;
});

const text = (v: unknown) => JSON.stringify(v);

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
    const own = policyStatements(pipeline).filter((st) => st.policy.startsWith(`${machine}StateMachineRole`));
    expect(own.find((st) => st.Action.includes('sns:Publish'))!.Resource).toEqual([
      { Ref: expect.stringMatching(/^Notifications/) },
    ]);
    const kms = own.find((st) => st.Action.includes('kms:GenerateDataKey'))!;
    expect(kms.Action.slice().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kms.Resource).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^NotificationKey/), 'Arn'] }]);
  }
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
