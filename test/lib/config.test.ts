/** Configuration: defaults, cdk.json, string values from `-c`, and errors naming the field. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CONFIG, configFromContext, deploymentTimings, parseConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));

test('cdk.json lists every option with its default, and its app runs bin/app.ts with tsx', () => {
  const options = Object.fromEntries(Object.entries(cdkJson.context).filter(([k]) => !k.startsWith('@aws-cdk/')));
  expect(options).toEqual(DEFAULT_CONFIG);
  expect(cdkJson.app).toBe('npx tsx bin/app.ts');
});

test('an empty context gives the defaults', () => {
  expect(parseConfig({})).toEqual(DEFAULT_CONFIG);
  expect(configFromContext({ tryGetContext: () => undefined })).toEqual(DEFAULT_CONFIG);
});

test('command-line strings are coerced: numbers, "false", JSON objects', () => {
  const c = parseConfig({
    gateThreshold: '0.2',
    retrainingEnabled: 'false',
    batchEnabled: 'true',
    hyperparameters: '{"factors":"32"}',
    deployMaxPolls: '5',
    deployPollIntervalSeconds: '600',
  });
  expect(c).toMatchObject({
    gateThreshold: 0.2,
    retrainingEnabled: false,
    batchEnabled: true,
    hyperparameters: { factors: '32' },
    deployMaxPolls: 5,
    deployPollIntervalSeconds: 600,
  });
});

test('bad values fail with one line per field', () => {
  const bad = () =>
    parseConfig({
      gateThreshold: 2,
      projectName: 'Has Spaces',
      retrainingSchedule: 'every day',
      trainingInstanceType: 'c5.large',
      hyperparameters: { epochs: 5 },
    });
  expect(bad).toThrow(ConfigError);
  try {
    bad();
  } catch (e) {
    const issues = (e as ConfigError).issues.join('\n');
    for (const field of ['gateThreshold', 'projectName', 'retrainingSchedule', 'trainingInstanceType', 'hyperparameters.epochs'])
      expect(issues).toContain(field);
  }
  expect(() => parseConfig({ retrainingEnabled: 'no' })).toThrow(/retrainingEnabled/);
  expect(() => parseConfig({ logRetentionDays: 45 })).toThrow(/logRetentionDays: must be one of/);
});

test('spot training needs a wait at least as long as the runtime', () => {
  expect(() => parseConfig({ useSpotTraining: true, maxTrainingRuntimeSeconds: 7200, maxSpotWaitSeconds: 3600 })).toThrow(
    /maxSpotWaitSeconds/,
  );
  expect(parseConfig({ useSpotTraining: true }).useSpotTraining).toBe(true);
});

test('the polling budget must cover the blue/green maximum execution timeout plus a rollback, checked at synth', () => {
  // Defaults: 30 s x 80 polls = 2400 s = (300 s termination wait + 1800 s) + 300 s.
  expect(deploymentTimings(DEFAULT_CONFIG)).toEqual({ maxExecutionTimeoutSeconds: 2100, pollBudgetSeconds: 2400 });
  expect(() => parseConfig({ deployMaxPolls: 79 })).toThrow(
    'deployMaxPolls: deployPollIntervalSeconds x deployMaxPolls = 2370 s must cover the blue/green maximum execution timeout (2100 s) plus 300 s for a rollback: at least 80 polls of 30 s',
  );
  expect(() => parseConfig({ blueGreenTerminationWaitSeconds: 600 })).toThrow(/at least 90 polls of 30 s/);
  expect(parseConfig({ blueGreenTerminationWaitSeconds: 600, deployMaxPolls: 90 }).deployMaxPolls).toBe(90);
  // SageMaker's bounds: at least 600 s, at most 28800 s.
  expect(deploymentTimings({ ...DEFAULT_CONFIG, blueGreenTerminationWaitSeconds: 0 }).maxExecutionTimeoutSeconds).toBe(1800);
});

test('bucketSuffix and the other optional options are absent unless set', () => {
  expect(parseConfig({}).bucketSuffix).toBeUndefined();
  expect(parseConfig({ bucketSuffix: 'v2' }).bucketSuffix).toBe('v2');
  expect(() => parseConfig({ bucketSuffix: 'Has-Dash' })).toThrow(/bucketSuffix: lower-case letters and digits, at most 8/);
  expect(configFromContext({ tryGetContext: (k) => (k === 'bucketSuffix' ? '2027' : undefined) }).bucketSuffix).toBe('2027');
});

test('numbers are read in decimal notation only: "0x1", true or [5] are refused, naming the field', () => {
  for (const [field, value] of [
    ['gateThreshold', '0x1'],
    ['deployMaxPolls', true],
    ['deployMaxPolls', [5]],
    ['rollbackLatencyMs', ''],
    ['evalK', '1e1x'],
  ] as const) {
    expect(() => parseConfig({ [field]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [field]: value })).toThrow(new RegExp(`\\n  ${field}: `));
  }
  expect(parseConfig({ rollbackLatencyMs: '1e3', evalK: ' 20 ' })).toMatchObject({ rollbackLatencyMs: 1000, evalK: 20 });
});

test('hyperparameters are checked by the training program rules at synth: names, values, JSON', () => {
  const issues = (raw: unknown): string => {
    try {
      parseConfig({ hyperparameters: raw });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).issues.join('\n');
    }
    return '';
  };
  expect(issues('{"treshold":"0.1"}')).toMatch(/^hyperparameters: unknown hyperparameter treshold; known: factors, /);
  expect(issues('{"__proto__":"1"}')).toMatch(/^hyperparameters: unknown hyperparameter __proto__; /);
  expect(issues({ factors: '0x10' })).toMatch(/^hyperparameters: hyperparameter factors: must be a number/);
  expect(issues('{"factors": ')).toMatch(/^hyperparameters: not valid JSON/);
  expect(issues({ factors: '16', sagemaker_region: 'x' })).toBe('');
});

test('cdk synth with bad context (bin/app.ts) prints the configuration errors only and exits 1', () => {
  const res = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '..', '..', 'bin', 'app.ts')], {
    encoding: 'utf8',
    // What `npx cdk synth -c projectName=Shop_Name -c gateThreshold=2` hands the app.
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ projectName: 'Shop_Name', gateThreshold: '2' }),
      CDK_OUTDIR: os.tmpdir(),
    },
  });
  expect(res.status).toBe(1);
  expect(res.stdout).toBe('');
  expect(res.stderr.trim().split('\n')).toEqual([
    'invalid cdk.json context:',
    '  projectName: lower-case letters, digits and dashes, at most 12',
    '  gateThreshold: Too big: expected number to be <=1',
  ]);
});

test('prepareEngine and rawTable: a Glue table from -c JSON, each bad field named', () => {
  const rawTable = { database: 'lake', table: 'order_lines', columns: { user: 'customer_id', item: 'sku' } };
  expect(parseConfig({ prepareEngine: 'athena', rawTable: JSON.stringify(rawTable) })).toMatchObject({
    prepareEngine: 'athena',
    rawTable,
  });
  expect(parseConfig({}).rawTable).toBeUndefined();
  expect(() => parseConfig({ prepareEngine: 'spark' })).toThrow(/prepareEngine/);
  expect(() => parseConfig({ rawTable: { ...rawTable, table: 'Order-Lines' } })).toThrow(/rawTable\.table: a Glue name/);
  expect(() => parseConfig({ rawTable: { ...rawTable, columns: { user: 'customer_id' } } })).toThrow(/rawTable\.columns\.item/);
});
