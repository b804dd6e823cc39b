/** `npm run pipeline -- teardown`: arguments, the listing, and the deletes (SageMaker and SSM mocked), and BUSY's exit code. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type EndpointStatus,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ExitCode, outcome } from '../../lib/cli/run';
import { parseTeardownArgs, runTeardown } from '../../lib/cli/teardown';

const sm = mockClient(SageMakerClient);
const ssm = mockClient(SSMClient);
const notFound = (what: string) => Object.assign(new Error(`Could not find ${what}`), { name: 'ValidationException' });
let lines: string[];
let clock: number;
const deps = () => ({
  sagemaker: new SageMakerClient({ region: 'eu-west-1' }),
  ssm: new SSMClient({ region: 'eu-west-1' }),
  log: (l: string) => lines.push(l),
  sleep: async (ms: number) => void (clock += ms),
  now: () => clock,
});
const endpoint = (status: EndpointStatus) => ({
  EndpointName: 'bpr-recommender',
  EndpointStatus: status,
  EndpointConfigName: 'bpr-epc-2',
});

beforeEach(() => {
  sm.reset();
  ssm.reset();
  lines = [];
  clock = 0;
  sm.on(ListModelsCommand).resolves({
    Models: ['bpr-model-1', 'bpr-model-2', 'other-model'].map((n) => ({ ModelName: n, ModelArn: n, CreationTime: new Date(0) })),
  });
  sm.on(ListEndpointConfigsCommand).resolves({
    EndpointConfigs: ['bpr-epc-1', 'bpr-epc-2'].map((n) => ({
      EndpointConfigName: n,
      EndpointConfigArn: n,
      CreationTime: new Date(0),
    })),
  });
  sm.on(DescribeEndpointConfigCommand).resolves({
    ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'bpr-model-2' }],
  });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/bpr/deployment', Value: '{}' } });
  ssm.on(DeleteParameterCommand).resolves({});
});

test('arguments: --confirm, the project and endpoint names, a positive timeout', () => {
  expect(parseTeardownArgs(['teardown'])).toEqual({
    confirm: false,
    projectName: 'bpr',
    endpointName: 'bpr-recommender',
    region: undefined,
    timeoutMinutes: 30,
  });
  expect(parseTeardownArgs(['teardown', '--confirm', '--project', 'shop', '--endpoint', 'shop-ep'])).toMatchObject({
    confirm: true,
    projectName: 'shop',
    endpointName: 'shop-ep',
  });
  expect(() => parseTeardownArgs(['teardown', '--timeout-minutes', '0'])).toThrow(
    '--timeout-minutes must be a number > 0, got "0"',
  );
  expect(() => parseTeardownArgs(['teardown', '--yes'])).toThrow(/--yes/);
});

test('without --confirm it lists what the pipeline created and deletes nothing', async () => {
  sm.on(DescribeEndpointCommand).resolves(endpoint('InService'));
  expect(await runTeardown(parseTeardownArgs(['teardown']), deps())).toBe(0);
  expect(lines).toEqual([
    'endpoint bpr-recommender: InService',
    'endpoint configurations (bpr-epc-*): bpr-epc-1, bpr-epc-2',
    'models (bpr-model-*): bpr-model-1, bpr-model-2',
    'deployment record /bpr/deployment: present',
    'nothing was deleted: run again with --confirm to delete the above',
  ]);
  expect(sm.commandCalls(DeleteEndpointCommand)).toEqual([]);
  expect(sm.commandCalls(DeleteEndpointConfigCommand)).toEqual([]);
  expect(sm.commandCalls(DeleteModelCommand)).toEqual([]);
  expect(ssm.commandCalls(DeleteParameterCommand)).toEqual([]);
});

test('with --confirm it waits out an update, deletes the endpoint and waits until it is gone, then configurations, models and the record', async () => {
  sm.on(DescribeEndpointCommand)
    .resolvesOnce(endpoint('Updating')) // listing
    .resolvesOnce(endpoint('Updating')) // still updating: wait
    .resolvesOnce(endpoint('InService'))
    .resolvesOnce(endpoint('InService')) // not Deleting yet: delete
    .resolvesOnce(endpoint('Deleting'))
    .rejects(notFound('endpoint "arn"'));
  sm.on(DeleteModelCommand, { ModelName: 'bpr-model-1' }).rejects(notFound('model "arn"')); // already gone
  expect(await runTeardown(parseTeardownArgs(['teardown', '--confirm']), deps())).toBe(0);
  expect(sm.commandCalls(DeleteEndpointCommand)).toHaveLength(1);
  expect(sm.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input.EndpointConfigName)).toEqual([
    'bpr-epc-1',
    'bpr-epc-2',
  ]);
  expect(sm.commandCalls(DeleteModelCommand).map((c) => c.args[0].input.ModelName)).toEqual(['bpr-model-1', 'bpr-model-2']);
  expect(ssm.commandCalls(DeleteParameterCommand)[0].args[0].input).toEqual({ Name: '/bpr/deployment' });
  expect(lines.slice(4)).toEqual([
    'deleting endpoint bpr-recommender ...',
    'deleted endpoint bpr-recommender',
    'deleted endpoint configuration bpr-epc-1',
    'deleted endpoint configuration bpr-epc-2',
    'deleted model bpr-model-2',
    'deleted deployment record /bpr/deployment',
    'teardown complete; the buckets and their data are kept (see docs/production.md, "Teardown")',
  ]);
  expect(clock).toBe(2 * 15000);
});

test('an endpoint that stays in progress past the timeout: nothing deleted, exit 1', async () => {
  sm.on(DescribeEndpointCommand).resolves(endpoint('Creating'));
  expect(await runTeardown(parseTeardownArgs(['teardown', '--confirm', '--timeout-minutes', '1']), deps())).toBe(1);
  expect(lines.at(-1)).toBe(
    'endpoint bpr-recommender is still in progress after 1 min: nothing was deleted, run teardown again later',
  );
  expect(sm.commandCalls(DeleteEndpointCommand)).toEqual([]);
  expect(sm.commandCalls(DeleteModelCommand)).toEqual([]);
});

test('bin/pipeline.ts teardown exits 64 on an unknown option with the teardown usage, before any AWS call', () => {
  const res = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), path.join(__dirname, '..', '..', 'bin', 'pipeline.ts'), 'teardown', '--yes'],
    { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true' } },
  );
  expect(res.status).toBe(ExitCode.Usage);
  expect(res.stderr).toMatch(/Unknown option '--yes'/);
  expect(res.stderr).toContain('usage: npm run pipeline -- teardown [--confirm]');
  expect(res.stdout).toBe('');
});

test('start --wait: a BUSY execution (another was deploying) exits 3 with its reason', () => {
  const busy = { status: 'BUSY', reason: 'the model passed the gate, but execution x was deploying for the whole wait' };
  expect(outcome({ status: 'SUCCEEDED', output: JSON.stringify(busy) })).toEqual({
    code: ExitCode.Busy,
    message: `BUSY: ${busy.reason}`,
  });
});
