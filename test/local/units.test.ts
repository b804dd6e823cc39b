/** The pure parts of the local runner: token resolution, Task binding, error names, CLI options. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindTaskStates, implementationFor, walkStates, type LocalServices } from '../../local/bindings';
import { TemplateResolver, localBucketName, type Template } from '../../local/cdk/resolve';
import { WORKDIR_MARKER, parseHyperparameters, parseOptions } from '../../local/cli';
import { UnsupportedResourceError } from '../../local/errors';
import { CallRecorder, LocalSns, LocalSsm } from '../../local/recorders';
import { SageMakerValidationError } from '../../local/sagemaker';
import { progressPrinter } from '../../local/progress';
import { withServiceTimeouts, type ProgressEvent } from '../../local/stepfunctions';
import { readableCause } from '../../local/summary';

const template: Template = {
  Resources: {
    RawBucket1: {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketName: { 'Fn::Join': ['', ['raw-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] } },
    },
    Fn1: { Type: 'AWS::Lambda::Function', Properties: {} },
    Role1: { Type: 'AWS::IAM::Role', Properties: {} },
    Topic1: { Type: 'AWS::SNS::Topic', Properties: {} },
  },
  Outputs: { BucketOut: { Value: { Ref: 'RawBucket1' }, Export: { Name: 'raw-bucket' } } },
};
const env = {
  region: 'eu-west-1',
  account: '111122223333',
  templates: new Map([
    ['data', template],
    ['other', { Resources: {} }],
  ]),
};

test('intrinsics resolve to local names and fake ARNs', () => {
  const r = new TemplateResolver(env, 'data');
  expect(r.resolve({ Ref: 'RawBucket1' })).toBe('raw-111122223333-eu-west-1');
  expect(r.resolve({ 'Fn::GetAtt': ['Fn1', 'Arn'] })).toBe('arn:aws:lambda:eu-west-1:111122223333:function:Fn1');
  expect(r.resolve({ 'Fn::GetAtt': ['Role1', 'Arn'] })).toBe('arn:aws:iam::111122223333:role/Role1');
  expect(r.resolve({ Ref: 'Topic1' })).toBe('arn:aws:sns:eu-west-1:111122223333:Topic1');
  expect(r.resolve({ 'Fn::Sub': 's3://${RawBucket1}/raw/${AWS::Region}' })).toBe('s3://raw-111122223333-eu-west-1/raw/eu-west-1');
  expect(new TemplateResolver(env, 'other').resolve({ 'Fn::ImportValue': 'raw-bucket' })).toBe('raw-111122223333-eu-west-1');
  expect(() => r.resolve({ Ref: 'Missing' })).toThrow(/Missing/);
  expect(localBucketName('ArtifactsBucketAB12')).toBe('artifactsbucketab12');
});

function services(): LocalServices {
  const recorder = new CallRecorder();
  const missing = () => {
    throw new SageMakerValidationError('Could not find endpoint "ep".');
  };
  return {
    recorder,
    ssm: new LocalSsm(recorder),
    sns: new LocalSns(recorder),
    lambdas: {
      invoke: async () => Promise.reject(Object.assign(new Error('bad input'), { name: 'InputValidationError' })),
    } as never,
    sagemaker: { hosting: { describeEndpoint: missing, createEndpoint: missing } } as never,
  };
}

test('errors carry the names the real integrations raise', async () => {
  const s = services();
  await expect(
    implementationFor('arn:aws:states:::aws-sdk:sagemaker:describeEndpoint', s)!({ EndpointName: 'ep' }),
  ).rejects.toMatchObject({ name: 'SageMaker.SageMakerException' });
  await expect(implementationFor('arn:aws:states:::sagemaker:createEndpoint', s)!({})).rejects.toMatchObject({
    name: 'SageMaker.AmazonSageMakerException',
  });
  const lambda = implementationFor('arn:aws:states:::lambda:invoke', s)!({ FunctionName: 'f', Payload: {} });
  await expect(lambda).rejects.toMatchObject({
    name: 'InputValidationError',
    message: JSON.stringify({ errorType: 'InputValidationError', errorMessage: 'bad input' }),
  });
  await expect(implementationFor('arn:aws:states:::aws-sdk:ssm:getParameter', s)!({ Name: '/x' })).rejects.toMatchObject({
    name: 'Ssm.ParameterNotFoundException',
  });
  expect(implementationFor('arn:aws:states:::dynamodb:putItem', s)).toBeUndefined();
});

test('the SSM stand-in versions parameters and SNS records messages', () => {
  const s = services();
  expect(s.ssm.putParameter({ Name: '/p', Value: 'a', Overwrite: true })).toEqual({ Version: 1, Tier: 'Standard' });
  expect(s.ssm.putParameter({ Name: '/p', Value: 'b', Overwrite: true })).toMatchObject({ Version: 2 });
  expect(() => s.ssm.putParameter({ Name: '/p', Value: 'c' })).toThrow(/already exists/);
  expect((s.ssm.getParameter({ Name: '/p' }).Parameter as { Value: string }).Value).toBe('b');
  s.sns.publish({ TopicArn: 'arn:t', Subject: 'hi', Message: 'body' });
  expect(s.sns.messages).toEqual([{ topicArn: 'arn:t', subject: 'hi', message: 'body' }]);
  expect(s.recorder.calls.map((c) => `${c.service}:${c.action}`)).toEqual([
    'ssm:putParameter',
    'ssm:putParameter',
    'ssm:putParameter',
    'ssm:getParameter',
    'sns:publish',
  ]);
});

const nested = {
  StartAt: 'P',
  States: {
    P: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'T1', States: { T1: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } } }],
      Next: 'M',
    },
    M: {
      Type: 'Map',
      ItemProcessor: {
        StartAt: 'T2',
        States: { T2: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:ssm:putParameter', TimeoutSeconds: 5, End: true } },
      },
      End: true,
    },
  },
};

test('Task states inside Parallel and Map are bound by Resource; unknown resources are refused', () => {
  expect(walkStates(nested).map(([n]) => n)).toEqual(['P', 'T1', 'M', 'T2']);
  expect(Object.keys(bindTaskStates(nested, services()))).toEqual(['T1', 'T2']);
  const bad = { StartAt: 'X', States: { X: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true } } };
  expect(() => bindTaskStates(bad, services())).toThrow(UnsupportedResourceError);
  const patched = withServiceTimeouts(nested as never);
  expect(walkStates(patched).map(([, s]) => s.TimeoutSeconds)).toEqual([undefined, 2147483, undefined, 5]);
});

test('command-line options', () => {
  expect(parseHyperparameters('epochs=20, factors=32')).toEqual({ epochs: '20', factors: '32' });
  expect(() => parseHyperparameters('epochs')).toThrow(/key=value/);
  const o = parseOptions(['--threshold', '0.2', '--hyperparameters', 'seed=7', '--keep-serving']);
  expect(o).toMatchObject({ threshold: 0.2, hyperparameters: { seed: '7' }, keepServing: true, verbose: false });
  expect(o.workdir).toMatch(/\.local$/);
  expect(() => parseOptions(['--threshold', '2'])).toThrow(/--threshold/);
  expect(() => parseOptions(['--input', '/no/such/file.csv'])).toThrow(/does not exist/);
  expect(() => parseOptions(['--bogus'])).toThrow(/--bogus/);
  expect(() => parseOptions(['--threshold', ''])).toThrow(/--threshold/);
  expect(() => parseOptions(['--input', os.tmpdir()])).toThrow(/--input: .* is not a file/);
});

test('--workdir: a new, empty or earlier run directory is accepted; a directory of other files or a file is refused', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'local-wd-'));
  try {
    expect(parseOptions(['--workdir', path.join(root, 'new')]).workdir).toBe(path.join(root, 'new'));
    expect(() => parseOptions(['--workdir', root])).not.toThrow();
    mkdirSync(path.join(root, 's3'));
    writeFileSync(path.join(root, 'summary.json'), '{}');
    expect(() => parseOptions(['--workdir', root])).not.toThrow();
    writeFileSync(path.join(root, 'notes.txt'), 'mine');
    expect(() => parseOptions(['--workdir', root])).toThrow(/--workdir: .* was not made by npm start/);
    writeFileSync(path.join(root, WORKDIR_MARKER), '');
    expect(() => parseOptions(['--workdir', root])).not.toThrow();
    expect(() => parseOptions(['--workdir', path.join(root, 'notes.txt')])).toThrow(/--workdir: .* is not a directory/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('progress lines: new figures per state, polling printed on change, caught errors marked', () => {
  const lines: string[] = [];
  const p = progressPrinter((l) => lines.push(l));
  const at = (type: ProgressEvent['type'], state: string, extra: Partial<ProgressEvent> = {}): ProgressEvent => ({
    type,
    state,
    stateType: 'Task',
    elapsedMs: 1000,
    ...extra,
  });
  p('training', at('entered', 'DescribeEndpoint'));
  p('training', at('failed', 'DescribeEndpoint', { error: 'SageMaker.SageMakerException', cause: 'Could not find endpoint' }));
  p('training', at('caught', 'DescribeEndpoint'));
  p('training', at('exited', 'DescribeEndpoint', { durationMs: 5, output: { describeError: { Error: 'x' } } }));
  for (const status of ['Creating', 'Creating', 'InService']) {
    p('training', at('entered', 'CheckEndpointStatus'));
    p(
      'training',
      at('exited', 'CheckEndpointStatus', {
        durationMs: 1,
        output: { describeError: { Error: 'x' }, endpoint: { EndpointStatus: status, EndpointConfigName: 'c1' } },
      }),
    );
  }
  expect(lines).toEqual([
    '[   1.0 s] training DescribeEndpoint ...',
    '[   1.0 s] training DescribeEndpoint raised SageMaker.SageMakerException (caught by the definition)',
    '[   1.0 s] training DescribeEndpoint done in 0.0 s - no endpoint yet: create',
    '[   1.0 s] training CheckEndpointStatus ...',
    '[   1.0 s] training CheckEndpointStatus done in 0.0 s - endpoint Creating (c1)',
    '[   1.0 s] training CheckEndpointStatus done in 0.0 s - endpoint InService (c1)',
  ]);
});

test('readableCause shows a job FailureReason or a Lambda errorMessage', () => {
  expect(readableCause(JSON.stringify({ TrainingJobName: 'j', FailureReason: 'AlgorithmError: bad' }))).toBe(
    'AlgorithmError: bad',
  );
  expect(readableCause(JSON.stringify({ errorType: 'E', errorMessage: 'no such key' }))).toBe('no such key');
  expect(readableCause('plain text')).toBe('plain text');
});

test('npm start exits 2 with the usage on a bad option', () => {
  const res = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), path.join(__dirname, '..', '..', 'bin', 'local.ts'), '--threshold', 'abc'],
    { encoding: 'utf8' },
  );
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(/--threshold: "abc" is not a number/);
  expect(res.stderr).toMatch(/usage: npm start/);
});
