/** The Lambda handler against a real S3 API on loopback (s3rver), as the local pipeline runs it. */
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import './quiet-logs';
import { createHandler } from '../../../lambda/prepare-data';
import { S3Sink } from '../../../lambda/prepare-data/sinks';
import { startLocalS3, type LocalS3 } from '../../../local/s3';
import { HEADER, line } from './helpers';

const BUCKET = 'retail-data';
let local: LocalS3;
let s3: S3Client;
/** The handler as the local runner builds it: the deployed code with the loopback S3 API's client. */
let handler: ReturnType<typeof createHandler>;

beforeAll(async () => {
  local = await startLocalS3({ buckets: [BUCKET] });
  s3 = local.client;
  handler = createHandler({ s3Client: () => s3, variables: {} });
});

afterAll(() => local.stop());

const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
const keys = async (prefix: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();

function raw(): Buffer {
  const lines = [HEADER];
  for (let c = 0; c < 30; c++) {
    for (let i = 0; i < 8; i++)
      if ((c + i) % 4)
        lines.push(line(String(500 + c), `2200${i}`, 2, '2010-05-01 10:00:00', `${13000 + c}.0`, `"ITEM ${i}, ""BOXED"""`));
  }
  lines.push(line('C9', '22001', -1, '2010-05-01 10:00:00', '13001.0'), line('9', 'POST', 1, '2010-05-01 10:00:00', '13001.0'));
  return gzipSync(lines.join('\n'));
}

describe('prepare-data handler on s3rver', () => {
  it('reads the raw object, writes the channels, batch input, stats and manifest, and returns their URIs', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/export.csv.gz', Body: raw() }));
    const result = await handler({
      rawDataUri: `s3://${BUCKET}/raw/export.csv.gz`,
      outputUri: `s3://${BUCKET}/runs/r1/`,
      seed: 3,
    });
    const base = `s3://${BUCKET}/runs/r1/`;
    expect(result).toMatchObject({
      trainingUri: `${base}training/`,
      testingUri: `${base}testing/`,
      catalogUri: `${base}catalog/`,
      batchInputUri: `${base}users.jsonl`,
      statsUri: `${base}stats.json`,
      manifestUri: `${base}manifest.json`,
    });
    expect(await keys('runs/r1/')).toEqual(
      ['catalog/catalog.csv', 'manifest.json', 'stats.json', 'testing/test.csv', 'training/train.csv', 'users.jsonl'].map(
        (k) => `runs/r1/${k}`,
      ),
    );
    expect(result.stats!.rowsDropped).toMatchObject({ cancellation: 1, nonProduct: 1 });
    expect(result.stats!.pairs).toBe(180);
    const train = (await text('runs/r1/training/train.csv')).trim().split('\n');
    expect(train[0]).toBe('user_id,item_id');
    expect(train.length - 1).toBe(result.stats!.split.trainPairs);
    expect(await text('runs/r1/catalog/catalog.csv')).toContain('22000,"ITEM 0, ""BOXED"""\n');
    expect(JSON.parse(await text('runs/r1/stats.json'))).toEqual(result.stats);
    const manifest = JSON.parse(await text('runs/r1/manifest.json'));
    for (const o of manifest.objects) expect(Buffer.byteLength(await text(`runs/r1/${o.key}`))).toBe(o.bytes);
    const users = (await text('runs/r1/users.jsonl'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(users).toContainEqual({ user_id: '13000', top_n: '10' });
  });

  it('fails with InputValidationError naming the field for a bad event', async () => {
    await expect(handler({ rawDataUri: 'http://x/y', outputUri: `s3://${BUCKET}/o/`, testFraction: 2 })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringMatching(/rawDataUri: .*testFraction/),
    });
  });

  it('fails with InputNotFoundError when the raw object is missing', async () => {
    await expect(
      handler({ rawDataUri: `s3://${BUCKET}/raw/none.csv`, outputUri: `s3://${BUCKET}/runs/r2/` }),
    ).rejects.toMatchObject({ name: 'InputNotFoundError' });
  });

  it('leaves nothing under the output prefix when the input is bad, and no stack in the error', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/bad.csv', Body: 'Invoice,Item\n1,2\n' }));
    const err = await handler({ rawDataUri: `s3://${BUCKET}/raw/bad.csv`, outputUri: `s3://${BUCKET}/runs/r3/` }).catch(
      (e: Error) => e,
    );
    expect(err).toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('found columns: "Invoice", "Item"'),
    });
    expect((err as Error).stack).toBe(`InputValidationError: ${(err as Error).message}`);
    expect(await keys('runs/r3/')).toEqual([]);
  });

  it('removes the previous manifest when a rerun into the same prefix fails', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/ok.csv.gz', Body: raw() }));
    await handler({ rawDataUri: `s3://${BUCKET}/raw/ok.csv.gz`, outputUri: `s3://${BUCKET}/runs/r4/` });
    // every pair first bought on 2010-05-01: a cut-off before it leaves no training pairs
    const err = await handler({
      rawDataUri: `s3://${BUCKET}/raw/ok.csv.gz`,
      outputUri: `s3://${BUCKET}/runs/r4/`,
      split: 'temporal',
      cutoffDate: '2010-01-01',
    }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'InputValidationError' });
    expect(await keys('runs/r4/manifest.json')).toEqual([]);
  });

  it('reports OutputWriteError when the output bucket does not exist', async () => {
    await expect(
      handler({ rawDataUri: `s3://${BUCKET}/raw/ok.csv.gz`, outputUri: 's3://no-such-bucket/out/' }),
    ).rejects.toMatchObject({ name: 'OutputWriteError' });
  });

  it('S3Sink.abort deletes the objects already written when a later one fails', async () => {
    const sink = new S3Sink(s3, BUCKET, 'runs/r5/');
    await sink.put(
      'a.csv',
      (async function* () {
        yield Buffer.from('x\n');
      })(),
      'text/csv',
    );
    const failing = (async function* () {
      yield Buffer.from('partial');
      throw new Error('disk on fire');
    })();
    await expect(sink.put('b.csv', failing, 'text/csv')).rejects.toMatchObject({ name: 'OutputWriteError' });
    expect(await keys('runs/r5/')).toEqual(['runs/r5/a.csv']);
    await sink.abort();
    expect(await keys('runs/r5/')).toEqual([]);
  });
});
