/**
 * IAM of the pipeline stack: no managed or wildcard policies, SageMaker scoped to the pipeline's names,
 * PassRole, each Lambda's S3 access, the S3 prefixes anyone may touch, the rollback alarms.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { grants, policyStatements, synth, Synthesized } from './synth-helper';

let s: Synthesized;
let pipeline: Template;
beforeAll(() => {
  s = synth();
  pipeline = s.pipeline;
});

/** Every IAM statement of the pipeline stack, with the logical id of its policy. */
const statements = () => policyStatements(pipeline);
const text = (v: unknown) => JSON.stringify(v);

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
        /:(training-job\/bpr-train-\*|training-job\/bpr-tune-\*|hyper-parameter-tuning-job\/bpr-tune-\*|model\/bpr-model-\*|endpoint-config\/bpr-epc-\*|transform-job\/bpr-batch-\*|endpoint\/bpr-recommender|model-package-group\/bpr-models|model-package\/bpr-models\/\*)"/,
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
  expect(own.flatMap((st) => st.Resource).map((r) => text(r))).toEqual([expect.stringMatching(/ValidateInputFunctionLogs.*Arn/)]);
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
