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
