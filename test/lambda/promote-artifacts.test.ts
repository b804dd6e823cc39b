/** promote-artifacts against a real S3 API on loopback (s3rver): a run's artifacts copied to deployed/<run>/. */
import './prepare-data/quiet-logs';
import { createHandler as promoteHandler } from '../../lambda/promote-artifacts';
import { getText, listKeys, putText, startLocalS3, type LocalS3 } from '../../local/s3';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ buckets: ['art'] });
  await putText(s3.client, 's3://art/runs/e1/model/job-1/output/model.tar.gz', 'MODEL-1');
  await putText(s3.client, 's3://art/runs/e1/data/users.jsonl', '{"user_id":"1","top_n":"10"}\n');
  await putText(s3.client, 's3://art/runs/e1/data/catalog/catalog.csv', 'item_id,description\na,A\n');
});
afterAll(() => s3.stop());

describe('promote-artifacts', () => {
  const request = {
    modelDataUrl: 's3://art/runs/e1/model/job-1/output/model.tar.gz',
    batchInputUri: 's3://art/runs/e1/data/users.jsonl',
    catalogUri: 's3://art/runs/e1/data/catalog/',
    destinationUri: 's3://art/deployed/r1/',
  };
  const promote = () => promoteHandler({ s3Client: () => s3.client, variables: {} });

  test('copies the model, the batch input and the catalog to deployed/<run>/, byte for byte, and says where', async () => {
    const copies = await promote()(request);
    expect(copies).toEqual({
      prefix: 's3://art/deployed/r1/',
      modelDataUrl: 's3://art/deployed/r1/model.tar.gz',
      batchInputUri: 's3://art/deployed/r1/users.jsonl',
      catalogUri: 's3://art/deployed/r1/catalog/',
    });
    expect(await getText(s3.client, copies.modelDataUrl)).toBe('MODEL-1');
    expect(await getText(s3.client, copies.batchInputUri)).toBe('{"user_id":"1","top_n":"10"}\n');
    expect((await listKeys(s3.client, copies.catalogUri)).keys).toEqual(['deployed/r1/catalog/catalog.csv']);
    // Promoting again (a retried task, a rollback to this run) gives the same copies.
    await expect(promote()(request)).resolves.toEqual(copies);
    await expect(promote()({ ...request, modelDataUrl: copies.modelDataUrl, destinationUri: copies.prefix })).resolves.toEqual(
      copies,
    );
  });

  test('a missing artifact or a bad URI fails naming it, with name and message only', async () => {
    await expect(promote()({ ...request, modelDataUrl: 's3://art/runs/gone/model.tar.gz' })).rejects.toMatchObject({
      name: 'ArtifactNotFoundError',
      message: 's3://art/runs/gone/model.tar.gz does not exist',
      stack: 'ArtifactNotFoundError: s3://art/runs/gone/model.tar.gz does not exist',
    });
    await expect(promote()({ ...request, catalogUri: 's3://art/runs/e1/nothing/' })).rejects.toMatchObject({
      name: 'ArtifactNotFoundError',
      message: 's3://art/runs/e1/nothing/ holds no catalog',
    });
    await expect(promote()({ ...request, batchInputUri: 'users.jsonl' })).rejects.toMatchObject({
      name: 'PromoteInputError',
      message: 'batchInputUri: not an s3://bucket/key URI: "users.jsonl"',
    });
    await expect(promote()({ ...request, destinationUri: 's3://art/deployed/r1' })).rejects.toMatchObject({
      name: 'PromoteInputError',
    });
  });
});
