/** The pure parts of the local runner: token resolution, Task binding, error names, CLI options. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindTaskStates, implementationFor, walkStates, type LocalServices } from '../../local/bindings';
import { TemplateResolver, localBucketName, type Template } from '../../local/cdk/resolve';
import { parseHyperparameters } from '../../lib/cli/options';
import { WORKDIR_MARKER, parseOptions } from '../../local/cli';
import { writeGeneratedCsv } from '../../local/dataset/write';
import { YEAR1_CSV_ENV, year1Csv, year1CsvPath } from '../../local/dataset/year1';
import { LocalDynamoDb } from '../../local/dynamodb';
import { UnsupportedResourceError } from '../../local/errors';
import { LocalExecutions } from '../../local/executions';
import { CallRecorder, LocalSns, LocalSsm } from '../../local/recorders';
import { SageMakerValidationError } from '../../local/sagemaker';
import { LocalPipeline } from '../../local/pipeline';
import { progressPrinter } from '../../local/progress';
import { runLocal } from '../../local/run';
import { startLocalS3 } from '../../local/s3';
import {
  ensurePromiseWithResolvers,
  runExecution,
  withRootResultPaths,
  withServiceTimeouts,
  type ProgressEvent,
} from '../../local/stepfunctions';

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
    dynamodb: new LocalDynamoDb([{ name: 'locks', keys: ['id'] }]),
    executions: new LocalExecutions(),
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
  const lock = {
    TableName: 'locks',
    Item: { id: { S: 'l' }, holder: { S: 'a' } },
    ConditionExpression: 'attribute_not_exists(id)',
  };
  const put = implementationFor('arn:aws:states:::dynamodb:putItem', s)!;
  await expect(put(lock)).resolves.toEqual({});
  await expect(put(lock)).rejects.toMatchObject({
    name: 'DynamoDB.ConditionalCheckFailedException',
    message: expect.stringMatching(
      /^The conditional request failed \(Service: AmazonDynamoDBv2; .*Error Code: ConditionalCheckFailedException/,
    ),
  });
  const release = { TableName: 'locks', Key: { id: { S: 'l' } }, ConditionExpression: 'holder = :me' };
  const remove = implementationFor('arn:aws:states:::dynamodb:deleteItem', s)!;
  await expect(remove({ ...release, ExpressionAttributeValues: { ':me': { S: 'b' } } })).rejects.toMatchObject({
    name: 'DynamoDB.ConditionalCheckFailedException',
  });
  await expect(remove({ ...release, ExpressionAttributeValues: { ':me': { S: 'a' } } })).resolves.toEqual({});
  await expect(
    implementationFor('arn:aws:states:::dynamodb:getItem', s)!({ TableName: 'locks', Key: { id: { S: 'l' } } }),
  ).resolves.toEqual({});
  await expect(put({ ...lock, TableName: 'other' })).rejects.toMatchObject({ name: 'DynamoDB.ResourceNotFoundException' });
  await expect(
    implementationFor('arn:aws:states:::aws-sdk:sfn:describeExecution', s)!({ ExecutionArn: 'arn:aws:states:r:1:execution:m:x' }),
  ).rejects.toMatchObject({ name: 'Sfn.ExecutionDoesNotExistException' });
  s.executions.started('arn:x');
  await expect(
    implementationFor('arn:aws:states:::aws-sdk:sfn:describeExecution', s)!({ ExecutionArn: 'arn:x' }),
  ).resolves.toMatchObject({
    Status: 'RUNNING',
  });
  expect(implementationFor('arn:aws:states:::dynamodb:updateItem', s)).toBeUndefined();
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
  const bad = { StartAt: 'X', States: { X: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } };
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
    // Names a run uses are not enough: without the marker file the directory is someone else's.
    for (const name of ['s3', 'data', 'cdk.out']) mkdirSync(path.join(root, name));
    writeFileSync(path.join(root, 'data', 'mine.csv'), 'mine');
    writeFileSync(path.join(root, 'summary.json'), '{}');
    expect(() => parseOptions(['--workdir', root])).toThrow(/--workdir: .* was not made by npm start/);
    writeFileSync(path.join(root, WORKDIR_MARKER), '');
    expect(() => parseOptions(['--workdir', root])).not.toThrow();
    writeFileSync(path.join(root, 'notes.txt'), 'mine');
    expect(() => parseOptions(['--workdir', path.join(root, 'notes.txt')])).toThrow(/--workdir: .* is not a directory/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a local run and a local pipeline refuse a directory without the marker before deleting anything in it', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'local-wd-'));
  try {
    for (const name of ['s3', 'cdk.out', 'training-jobs']) {
      mkdirSync(path.join(root, name));
      writeFileSync(path.join(root, name, 'keep.txt'), name);
    }
    await expect(runLocal({ workdir: root })).rejects.toThrow(/was not made by npm start/);
    await expect(LocalPipeline.start({ workdir: root, app: {} as never })).rejects.toThrow(/was not made by npm start/);
    for (const name of ['s3', 'cdk.out', 'training-jobs'])
      expect(readFileSync(path.join(root, name, 'keep.txt'), 'utf8')).toBe(name);
    expect(existsSync(path.join(root, WORKDIR_MARKER))).toBe(false);
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
  const missing =
    'Could not find endpoint "arn:aws:sagemaker:us-east-1:0:endpoint/e". (Service: SageMaker, Status Code: 400, Request ID: 1)';
  p('training', at('entered', 'DescribeEndpoint'));
  p('training', at('failed', 'DescribeEndpoint', { error: 'SageMaker.SageMakerException', cause: missing }));
  p('training', at('caught', 'DescribeEndpoint'));
  const error = { endpointError: { Error: 'SageMaker.SageMakerException', Cause: missing } };
  p('training', at('exited', 'ClassifyEndpointError', { stateType: 'Choice', output: error }));
  for (const status of ['Creating', 'Creating', 'InService']) {
    p('training', at('entered', 'DescribeEndpoint'));
    p(
      'training',
      at('exited', 'DescribeEndpoint', {
        durationMs: 1,
        output: { ...error, endpoint: { EndpointStatus: status, EndpointConfigName: 'c1' } },
      }),
    );
  }
  expect(lines).toEqual([
    '[   1.0 s] training DescribeEndpoint ...',
    '[   1.0 s] training DescribeEndpoint raised SageMaker.SageMakerException (caught by the definition)',
    '[   1.0 s] training ClassifyEndpointError - SageMaker: Could not find endpoint "arn:aws:sagemaker:us-east-1:0:endpoint/e".',
    '[   1.0 s] training DescribeEndpoint done in 0.0 s - endpoint Creating (c1)',
    '[   1.0 s] training DescribeEndpoint done in 0.0 s - endpoint InService (c1)',
  ]);
});

test('the year-1 file: BPR_YEAR1_CSV, relative to the repository root, else ../shared/data beside it', () => {
  const root = path.resolve(__dirname, '..', '..');
  expect(year1CsvPath({})).toBe(path.resolve(root, '..', 'shared', 'data', 'online_retail_II_2009-2010.csv.gz'));
  expect(year1CsvPath({ [YEAR1_CSV_ENV]: 'data/y1.csv' })).toBe(path.join(root, 'data', 'y1.csv'));
  expect(year1CsvPath({ [YEAR1_CSV_ENV]: '/abs/y1.csv.gz' })).toBe('/abs/y1.csv.gz');
  expect(year1Csv({ [YEAR1_CSV_ENV]: '/no/such/file.csv' })).toBeUndefined();
  expect(year1Csv({ [YEAR1_CSV_ENV]: path.join(root, 'package.json') })).toBe(path.join(root, 'package.json'));
});

test('the generated CSV appears complete or not at all', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'local-gen-'));
  try {
    const file = await writeGeneratedCsv(path.join(dir, 'a', 'b', 'data.csv'), { rows: 20, seed: 1 });
    expect(file).toBe(path.join(dir, 'a', 'b', 'data.csv'));
    expect(readdirSync(path.join(dir, 'a', 'b'))).toEqual(['data.csv']);
    mkdirSync(path.join(dir, 'taken.csv'));
    await expect(writeGeneratedCsv(path.join(dir, 'taken.csv'), { rows: 20 })).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['a', 'taken.csv']); // no temporary file left behind
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('importing the runner changes no global; the Promise.withResolvers polyfill is installed when a run needs it', async () => {
  const P = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void } };
  // local/stepfunctions is imported above; Node 22 has the method natively.
  if (Number(process.versions.node.split('.')[0]) < 22) expect(P.withResolvers).toBeUndefined();
  ensurePromiseWithResolvers();
  const installed = P.withResolvers!;
  ensurePromiseWithResolvers();
  expect(P.withResolvers).toBe(installed);
  const { promise, resolve } = installed.call(Promise) as { promise: Promise<number>; resolve: (v: number) => void };
  resolve(7);
  await expect(promise).resolves.toBe(7);
});

test('the local S3 API leaves process.env as it was (clients get its endpoint explicitly)', async () => {
  const before = { ...process.env };
  const s3 = await startLocalS3({ buckets: ['env-check'] });
  try {
    expect(process.env).toEqual(before);
  } finally {
    await s3.stop();
  }
});

test('npm start exits 2 with the usage on a bad option or hyperparameter, before any run', () => {
  const wd = path.join(os.tmpdir(), `local-never-${process.pid}`);
  const start = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(__dirname, '..', '..', 'bin', 'local.ts'), '--workdir', wd, ...args],
      {
        encoding: 'utf8',
      },
    );
  const res = start('--threshold', 'abc');
  expect(res.status).toBe(2);
  expect(res.stderr).toContain('--threshold must be a number between 0 and 1, got "abc"');
  expect(res.stderr).toMatch(/usage: npm start/);
  const hp = start('--hyperparameters', 'factors=0,treshold=1');
  expect(hp.status).toBe(2);
  expect(hp.stderr).toMatch(/--hyperparameters: (unknown hyperparameter treshold|hyperparameter factors)/);
  expect(existsSync(wd)).toBe(false);
});

// After the polyfill test above: this one runs an execution (which installs it).
test('ResultPath "$" replaces the input with the result or the error, whatever the input, as in Step Functions', async () => {
  const def = {
    StartAt: 'T',
    States: {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        ResultPath: '$',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', Parameters: { 'error.$': '$' }, ResultPath: '$.kept', End: true },
    },
  };
  expect(walkStates(withRootResultPaths(def as never)).map(([, st]) => [st.ResultPath, st.Catch])).toEqual([
    [undefined, [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }]],
    ['$.kept', undefined],
  ]);
  const ok = await runExecution(def as never, [1], { T: async () => ({ Payload: 2 }) });
  expect(ok.output).toEqual({ Payload: 2 });
  const caught = await runExecution(def as never, 'not an object', {
    T: async () => Promise.reject(Object.assign(new Error('why'), { name: 'Boom' })),
  });
  expect(caught.output).toEqual({ Error: 'Boom', Cause: 'why', kept: { error: { Error: 'Boom', Cause: 'why' } } });
});
