/**
 * The Athena path as the state machine runs it (plan, each statement on the local Athena stand-in,
 * which runs them on DuckDB through the dialect prelude, then publish) writes byte-identical
 * channels to the DuckDB path; and the hash split is the one TypeScript computes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import './quiet-logs';
import { createHandler } from '../../../lambda/prepare-data';
import { LocalAthena } from '../../../local/athena';
import { writeGeneratedCsv } from '../../../local/dataset/write';
import { getText, startLocalS3, type LocalS3 } from '../../../local/s3';
import { readFile } from 'node:fs/promises';

const BUCKET = 'data';
let local: LocalS3;
let dir: string;

beforeAll(async () => {
  local = await startLocalS3({ buckets: [BUCKET] });
  dir = await mkdtemp(join(tmpdir(), 'athena-test-'));
  const file = await writeGeneratedCsv(join(dir, 'raw.csv.gz'), { rows: 20000, customers: 400, items: 300 });
  await local.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/part-1.csv.gz', Body: await readFile(file) }));
});
afterAll(async () => {
  await local.stop();
  await rm(dir, { recursive: true, force: true });
});

const CHANNELS = ['training/train.csv', 'testing/test.csv', 'catalog/catalog.csv', 'users.jsonl'];

test('the Athena path (run on the local stand-in) writes the same channels, byte for byte, as the DuckDB path', async () => {
  const handler = createHandler({ s3Client: () => local.client, variables: {} });
  const common = { rawDataUri: `s3://${BUCKET}/raw/`, seed: 7 };
  const duck = await handler({ ...common, outputUri: `s3://${BUCKET}/runs/duck/`, engine: 'duckdb' });
  const athenaSettings = { database: 'bpr_prep_0f-1', workUri: `s3://${BUCKET}/athena/work/run1/` };
  const plan = await handler({ ...common, outputUri: `s3://${BUCKET}/runs/athena/`, engine: 'athena', athena: athenaSettings });
  expect(plan).toMatchObject({ engine: 'athena', stats: null });
  const athena = new LocalAthena(local.client, dir);
  try {
    for (const statement of plan.athena!.statements) await athena.startQueryExecutionSync({ QueryString: statement });
    const published = await handler({
      ...common,
      outputUri: `s3://${BUCKET}/runs/athena/`,
      engine: 'athena',
      publish: true,
      athena: plan.athena!,
    });
    await athena.startQueryExecutionSync({ QueryString: plan.athena!.cleanup });
    expect(published.engine).toBe('athena');
    const { seconds: _a, input: inA, ...statsA } = published.stats!;
    const { seconds: _d, input: inD, ...statsD } = duck.stats!;
    expect(statsA).toEqual(statsD);
    expect(inA.engine).toBe('athena');
    expect(inD.engine).toBe('duckdb');
    for (const key of CHANNELS) {
      expect(await getText(local.client, `s3://${BUCKET}/runs/athena/${key}`)).toBe(
        await getText(local.client, `s3://${BUCKET}/runs/duck/${key}`),
      );
    }
    // a second UNLOAD into a location that holds files fails, as Athena's does
    await expect(athena.startQueryExecutionSync({ QueryString: plan.athena!.statements.at(-1)! })).rejects.toMatchObject({
      name: 'States.TaskFailed',
    });
  } finally {
    athena.stop();
  }
});

test('the random split is the first 32 bits of md5(seed|user|item) below testFraction x 2^32, as TypeScript computes it', async () => {
  const train = (await getText(local.client, `s3://${BUCKET}/runs/duck/training/train.csv`)).trim().split('\n').slice(1);
  const test = (await getText(local.client, `s3://${BUCKET}/runs/duck/testing/test.csv`)).trim().split('\n').slice(1);
  const side = (pair: string) => {
    const [u, i] = pair.split(',');
    const h = parseInt(createHash('md5').update(`7|${u}|${i}`).digest('hex').slice(0, 8), 16);
    return h < 0.3 * 2 ** 32 ? 'test' : 'train';
  };
  expect(train.length).toBeGreaterThan(1000);
  expect(train.filter((p) => side(p) !== 'train')).toEqual([]);
  expect(test.filter((p) => side(p) !== 'test')).toEqual([]);
});

/** Plans on Athena, runs every statement on the stand-in, publishes; the run's database is dropped either way. */
async function athenaRun(rawKey: string, outKey: string, options: Record<string, unknown>) {
  const handler = createHandler({ s3Client: () => local.client, variables: {} });
  const common = { rawDataUri: `s3://${BUCKET}/${rawKey}`, outputUri: `s3://${BUCKET}/${outKey}`, engine: 'athena' as const };
  const athenaSettings = { database: `bpr_prep_${outKey.replace(/\W/g, '_')}`, workUri: `s3://${BUCKET}/athena/work/${outKey}` };
  const plan = await handler({ ...common, ...options, athena: athenaSettings });
  const athena = new LocalAthena(local.client, dir);
  try {
    for (const statement of plan.athena!.statements) await athena.startQueryExecutionSync({ QueryString: statement });
    return await handler({ ...common, ...options, publish: true, athena: plan.athena! });
  } finally {
    await athena.startQueryExecutionSync({ QueryString: plan.athena!.cleanup });
    athena.stop();
  }
}

test('minimum interactions that have not settled after the rounds Athena runs fail the run, naming the way out', async () => {
  // A 3 x 3 block (every user and item with 3 pairs) and a tail of 24 pairs hanging off it: with minimums
  // of 2 each round removes the tail's last pair only, so the k-core settles after about 24 rounds.
  const H = 'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country';
  const rows = [H];
  const add = (u: number, i: number) => rows.push(`${rows.length},I${i},THING,1,2010-01-04 10:00:00,1.0,${100 + u},UK`);
  for (let u = 0; u < 3; u++) for (let i = 0; i < 3; i++) add(u, i);
  for (let k = 0; k < 12; k++) {
    add(3 + k, 2 + k); // user 3+k joins the previous item ...
    add(3 + k, 3 + k); // ... to a new one
  }
  await local.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'chain/export.csv', Body: rows.join('\n') }));
  const options = { minUserInteractions: 2, minItemInteractions: 2, testFraction: 0.2 };
  const handler = createHandler({ s3Client: () => local.client, variables: {} });
  const duck = await handler({
    rawDataUri: `s3://${BUCKET}/chain/export.csv`,
    outputUri: `s3://${BUCKET}/chain-duck/`,
    ...options,
  });
  expect([duck.stats!.users, duck.stats!.items, duck.stats!.pairs]).toEqual([3, 3, 9]);
  await expect(athenaRun('chain/export.csv', 'chain-athena/', options)).rejects.toMatchObject({
    name: 'InputValidationError',
    message: expect.stringMatching(/had not settled after the 10 rounds Athena runs .*prepareEngine duckdb/),
  });
  // nothing was published
  await expect(getText(local.client, `s3://${BUCKET}/chain-athena/manifest.json`)).rejects.toThrow();
});

test('the stand-in reads CSV tables as OpenCSVSerde does only when the plan sets the escape character: the default backslash one is refused', async () => {
  const athena = new LocalAthena(local.client, dir);
  try {
    const table = (props: string) =>
      `CREATE EXTERNAL TABLE db1.t (c0 string, c1 string)\nROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'\nWITH SERDEPROPERTIES (${props})\nLOCATION 's3://${BUCKET}/raw/'\nTBLPROPERTIES ('skip.header.line.count' = '1')`;
    await athena.startQueryExecutionSync({ QueryString: 'CREATE DATABASE IF NOT EXISTS db1' });
    await expect(
      athena.startQueryExecutionSync({ QueryString: table(`'separatorChar' = ',', 'quoteChar' = '"'`) }),
    ).rejects.toMatchObject({ name: 'States.TaskFailed', message: expect.stringMatching(/escapeChar the data does not hold/) });
    await athena.startQueryExecutionSync({
      QueryString: table(`'separatorChar' = ',', 'quoteChar' = '"', 'escapeChar' = '\\001'`),
    });
  } finally {
    athena.stop();
  }
});

test('both engines trim the same white space (spaces, tabs, no-break spaces) from ids, quantities, dates and descriptions', async () => {
  const H = 'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country';
  const rows = [H];
  for (let u = 0; u < 6; u++) {
    for (let i = 0; i < 5; i++) {
      rows.push(
        `${rows.length},\t${20000 + i}\u00a0,"\u00a0MUG ${i}\t", ${1 + u} ,\t2010-01-0${1 + i} 10:00:00 ,1.0,\u00a0${13000 + u}.0\t,UK`,
      );
    }
  }
  await local.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'spaces/export.csv', Body: rows.join('\n') }));
  const handler = createHandler({ s3Client: () => local.client, variables: {} });
  const duck = await handler({ rawDataUri: `s3://${BUCKET}/spaces/export.csv`, outputUri: `s3://${BUCKET}/spaces-duck/` });
  const athena = await athenaRun('spaces/export.csv', 'spaces-athena/', {});
  expect(duck.stats!.rowsRead).toBe(30);
  expect([duck.stats!.users, duck.stats!.items, duck.stats!.rowsWithUnreadableDate]).toEqual([6, 5, 0]);
  expect(athena.stats!.pairs).toBe(duck.stats!.pairs);
  const catalog = await getText(local.client, `s3://${BUCKET}/spaces-duck/catalog/catalog.csv`);
  expect(catalog).toBe('item_id,description\n20000,MUG 0\n20001,MUG 1\n20002,MUG 2\n20003,MUG 3\n20004,MUG 4\n');
  for (const key of CHANNELS) {
    expect(await getText(local.client, `s3://${BUCKET}/spaces-athena/${key}`)).toBe(
      await getText(local.client, `s3://${BUCKET}/spaces-duck/${key}`),
    );
  }
  expect(await getText(local.client, `s3://${BUCKET}/spaces-duck/users.jsonl`)).toMatch(/^\{"user_id":"13000","top_n":"10"\}\n/);
});
