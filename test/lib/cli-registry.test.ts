/**
 * `npm run pipeline -- models | approve | reject | rollback`: arguments, and the SageMaker, SSM and
 * SFN calls (aws-sdk-client-mock); usage errors as spawned processes, before any AWS call.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
  type ModelApprovalStatus,
} from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { UsageError } from '../../lib/cli/errors';
import { parseRegistryArgs, runApproval, runModels } from '../../lib/cli/registry';
import { parseRollbackArgs, runRollback } from '../../lib/cli/rollback';
import { ExitCode, outcome } from '../../lib/cli/run';

const sm = mockClient(SageMakerClient);
const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);
const SM_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:bpr-training-pipeline';
const EXEC = 'arn:aws:states:eu-west-1:123456789012:execution:bpr-training-pipeline:rollback-1';
const arn = (v: number, group = 'bpr-models') => `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${group}/${v}`;
let lines: string[];
let clock: number;
const deps = () => ({
  sagemaker: new SageMakerClient({ region: 'eu-west-1' }),
  ssm: new SSMClient({ region: 'eu-west-1' }),
  client: new SFNClient({ region: 'eu-west-1' }),
  log: (l: string) => lines.push(l),
  sleep: async (ms: number) => void (clock += ms),
  now: () => clock,
});

/** Versions 1..4 of the group: their statuses, newest last. */
const STATUSES: ModelApprovalStatus[] = ['Approved', 'Rejected', 'Approved', 'Approved'];
const created = (v: number) => new Date(Date.UTC(2026, 2, v, 3));
beforeEach(() => {
  sm.reset();
  ssm.reset();
  sfn.reset();
  lines = [];
  clock = 0;
  sm.on(ListModelPackagesCommand).callsFake((input) => {
    const all = STATUSES.map((s, i) => ({
      ModelPackageArn: arn(i + 1),
      ModelPackageGroupName: input.ModelPackageGroupName,
      ModelPackageVersion: i + 1,
      ModelApprovalStatus: s,
      CreationTime: created(i + 1),
      ModelPackageStatus: 'Completed',
    }))
      .filter((p) => !input.ModelApprovalStatus || p.ModelApprovalStatus === input.ModelApprovalStatus)
      .reverse();
    // Pages of two, to be followed.
    const start = Number(input.NextToken ?? 0);
    return {
      ModelPackageSummaryList: all.slice(start, start + 2),
      NextToken: start + 2 < all.length ? String(start + 2) : undefined,
    };
  });
  sm.on(DescribeModelPackageCommand).callsFake((input) => {
    const v = Number(String(input.ModelPackageName).split('/').pop());
    if (!STATUSES[v - 1])
      throw Object.assign(new Error(`ModelPackage ${input.ModelPackageName} does not exist.`), { name: 'ValidationException' });
    return {
      ModelPackageArn: arn(v),
      ModelPackageVersion: v,
      ModelPackageGroupName: 'bpr-models',
      ModelApprovalStatus: STATUSES[v - 1],
      ModelPackageDescription: `gate reason of ${v}`,
      CreationTime: created(v),
      CustomerMetadataProperties: {
        metricName: 'precision@10',
        value: String(0.2 + v / 100),
        baselineValue: '0.07',
        championValue: v === 1 ? 'null' : '0.21',
        gateDecision: STATUSES[v - 1] === 'Rejected' ? 'rejected' : 'passed',
      },
    };
  });
  sm.on(UpdateModelPackageCommand).resolves({});
  // Version 4 is live.
  ssm.on(GetParameterCommand).resolves({
    Parameter: { Value: JSON.stringify({ modelPackageArn: arn(4), modelPackageVersion: 4, endpointName: 'bpr-recommender' }) },
  });
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC });
});

describe('arguments', () => {
  test('models, approve VERSION, reject VERSION, rollback [--to VERSION]: the group from the project and the bucket suffix', () => {
    expect(parseRegistryArgs(['models'])).toEqual({
      command: 'models',
      limit: 20,
      projectName: 'bpr',
      bucketSuffix: undefined,
      region: undefined,
    });
    expect(
      parseRegistryArgs(['approve', '3', '--project', 'shop', '--bucket-suffix', 'v2', '--description', 'looked at it']),
    ).toMatchObject({
      command: 'approve',
      version: 3,
      projectName: 'shop',
      bucketSuffix: 'v2',
      description: 'looked at it',
    });
    expect(parseRollbackArgs(['rollback', '--to', '2', '--wait'])).toMatchObject({ to: 2, wait: true, pollSeconds: 10 });
    expect(parseRollbackArgs(['rollback'])).toMatchObject({ to: undefined, wait: false });
  });

  test('bad arguments are usage errors naming the problem', () => {
    expect(() => parseRegistryArgs(['approve'])).toThrow(
      new UsageError('approve needs a VERSION (npm run pipeline -- models lists them)'),
    );
    expect(() => parseRegistryArgs(['reject', 'latest'])).toThrow('VERSION must be a version number (1, 2, ...), got "latest"');
    expect(() => parseRegistryArgs(['models', '--limit', '0'])).toThrow('--limit must be an integer between 1 and 1000, got "0"');
    expect(() => parseRegistryArgs(['models', '--bucket-suffix', 'V2'])).toThrow('--bucket-suffix must be 1-8 lower-case');
    expect(() => parseRollbackArgs(['rollback', '--to', '0'])).toThrow(UsageError);
    expect(() => parseRollbackArgs(['rollback', '--version', '2'])).toThrow(/Unknown option '--version'/);
  });

  test.each([
    [['rollback', '--to', 'x'], 'VERSION must be a version number', 'usage: npm run pipeline -- rollback'],
    [['approve'], 'approve needs a VERSION', 'usage: npm run pipeline -- models'],
    [['models', '--limit', 'all'], '--limit must be an integer', 'usage: npm run pipeline -- models'],
  ])('bin/pipeline.ts %j exits 64 with the command usage, before any AWS call', (argv, message, usage) => {
    const res = spawnSync(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(__dirname, '..', '..', 'bin', 'pipeline.ts'), ...argv],
      {
        encoding: 'utf8',
        env: { ...process.env, AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true' },
      },
    );
    expect(res.status).toBe(ExitCode.Usage);
    expect(res.stderr).toContain(message);
    expect(res.stderr).toContain(usage);
    expect(res.stdout).toBe('');
  });
});

describe('models', () => {
  test('lists the versions newest first: approval status, creation time, headline metrics, the gate, and which is live', async () => {
    expect(await runModels({ command: 'models', limit: 20, projectName: 'bpr' }, deps())).toBe(0);
    expect(sm.commandCalls(ListModelPackagesCommand)[0].args[0].input).toMatchObject({
      ModelPackageGroupName: 'bpr-models',
      ModelPackageType: 'Versioned',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
    });
    expect(sm.commandCalls(ListModelPackagesCommand)).toHaveLength(2); // followed NextToken
    expect(lines[0]).toBe(
      'model package group bpr-models: 4 version(s), newest first; live: version 4 on endpoint bpr-recommender',
    );
    expect(lines.slice(1, 6).map((l) => l.split(/\s{2,}/))).toEqual([
      ['VERSION', 'STATUS', 'CREATED (UTC)', 'METRIC', 'VALUE', 'BASELINE', 'LIVE THEN', 'GATE'],
      ['4 *', 'Approved', '2026-03-04 03:00:00', 'precision@10', '0.24', '0.07', '0.21', 'passed'],
      ['3', 'Approved', '2026-03-03 03:00:00', 'precision@10', '0.23', '0.07', '0.21', 'passed'],
      ['2', 'Rejected', '2026-03-02 03:00:00', 'precision@10', '0.22', '0.07', '0.21', 'rejected'],
      ['1', 'Approved', '2026-03-01 03:00:00', 'precision@10', '0.21', '0.07', '-', 'passed'],
    ]);
    expect(lines).toContain('  2: gate reason of 2');
    // A suffixed deployment's group.
    await runModels({ command: 'models', limit: 1, projectName: 'shop', bucketSuffix: 'v2' }, deps());
    expect(sm.commandCalls(ListModelPackagesCommand).at(-1)!.args[0].input.ModelPackageGroupName).toBe('shop-models-v2');
  });
});

describe('approve and reject', () => {
  test('approve sets Approved with the reason; an Approved version is left alone; a version the group lacks is named', async () => {
    expect(
      await runApproval({ command: 'approve', version: 2, projectName: 'bpr', description: 'checked by hand' }, deps()),
    ).toBe(0);
    expect(sm.commandCalls(UpdateModelPackageCommand)[0].args[0].input).toEqual({
      ModelPackageArn: arn(2),
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'checked by hand',
    });
    expect(sm.commandCalls(DescribeModelPackageCommand)[0].args[0].input).toEqual({ ModelPackageName: 'bpr-models/2' });
    expect(lines[0]).toBe(`version 2 (${arn(2)}): Rejected -> Approved`);
    expect(lines[1]).toMatch(/approvalMode manual the pipeline deploys it now/);
    lines = [];
    await runApproval({ command: 'approve', version: 3, projectName: 'bpr' }, deps());
    expect(lines).toEqual(['version 3 is already Approved: nothing was changed']);
    expect(sm.commandCalls(UpdateModelPackageCommand)).toHaveLength(1);
    await expect(runApproval({ command: 'approve', version: 9, projectName: 'bpr' }, deps())).rejects.toMatchObject({
      name: 'VersionNotFoundError',
      message: 'version 9 is not in model package group bpr-models',
    });
  });

  test('reject sets Rejected; rejecting the live version says it stays live until another is deployed', async () => {
    await runApproval({ command: 'reject', version: 4, projectName: 'bpr' }, deps());
    expect(sm.commandCalls(UpdateModelPackageCommand)[0].args[0].input).toMatchObject({
      ModelPackageArn: arn(4),
      ModelApprovalStatus: 'Rejected',
    });
    expect(lines.at(-1)).toBe('version 4 stays live until another version is deployed (npm run pipeline -- rollback)');
  });
});

describe('rollback', () => {
  const options = (over = {}) => ({ ...parseRollbackArgs(['rollback', '--state-machine-arn', SM_ARN]), ...over });

  test('without --to: the newest Approved version older than the live one, deployed by the deploy-only entry', async () => {
    expect(await runRollback(options(), deps())).toBe(ExitCode.Deployed);
    expect(sm.commandCalls(ListModelPackagesCommand)[0].args[0].input).toMatchObject({
      ModelApprovalStatus: 'Approved',
      SortOrder: 'Descending',
    });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: SM_ARN,
      name: undefined,
      input: JSON.stringify({ deployModelPackage: arn(3) }),
    });
    expect(lines[0]).toBe(`deploying version 3 (${arn(3)})`);
  });

  test('--to VERSION: that version, if Approved; the live one is nothing to do; a Rejected one is refused', async () => {
    await runRollback(options({ to: 1 }), deps());
    expect(JSON.parse(String(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input))).toEqual({
      deployModelPackage: arn(1),
    });
    lines = [];
    expect(await runRollback(options({ to: 4 }), deps())).toBe(ExitCode.Deployed);
    expect(lines).toEqual(['version 4 is already live: nothing to do']);
    await expect(runRollback(options({ to: 2 }), deps())).rejects.toThrow(
      'version 2 is Rejected: only Approved versions are deployed (npm run pipeline -- approve 2 first)',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  test('nothing older, or nothing live: a clear error, and no execution', async () => {
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Value: JSON.stringify({ modelPackageArn: arn(1), modelPackageVersion: 1, endpointName: 'bpr-recommender' }) },
    });
    await expect(runRollback(options(), deps())).rejects.toThrow(
      'no Approved version of bpr-models is older than the live version 1: nothing to roll back to',
    );
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    await expect(runRollback(options(), deps())).rejects.toThrow(
      'no version is live yet: name the one to deploy with --to VERSION',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('--wait follows the execution: DEPLOYED exits 0, BUSY 3, UNCHANGED 0, a failure 1', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [{ stateEnteredEventDetails: { name: 'CreateModel' } } as never] });
    const deployed = {
      status: 'DEPLOYED',
      reason: 'version 3 is live on endpoint bpr-recommender',
      endpointName: 'bpr-recommender',
    };
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' })
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify(deployed) });
    expect(await runRollback(options({ wait: true }), deps())).toBe(0);
    expect(lines).toEqual(expect.arrayContaining(['  -> CreateModel', 'DEPLOYED to endpoint bpr-recommender']));
    expect(outcome({ status: 'SUCCEEDED', output: JSON.stringify({ status: 'UNCHANGED', reason: 'already live' }) }).code).toBe(
      0,
    );
    expect(outcome({ status: 'SUCCEEDED', output: JSON.stringify({ status: 'BUSY', reason: 'x' }) }).code).toBe(ExitCode.Busy);
    expect(outcome({ status: 'SUCCEEDED', output: JSON.stringify({ status: 'PENDING_APPROVAL', reason: 'x' }) })).toEqual({
      code: ExitCode.PendingApproval,
      message: 'PENDING_APPROVAL: x',
    });
    expect(outcome({ status: 'FAILED', error: 'ModelPackageNotDeployable', cause: 'no' }).code).toBe(ExitCode.Failed);
  });
});
