/**
 * prune-deployments: keeps the newest runs and whatever the endpoint uses; deletes the rest of the
 * pipeline's models, endpoint configurations and deployed/ copies (S3 on loopback, SageMaker
 * answered by aws-sdk-client-mock; the local end-to-end tests run it against the stand-in).
 */
import './prepare-data/quiet-logs';
import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandler as pruneHandler } from '../../lambda/prune-deployments';
import { planPrune } from '../../lambda/prune-deployments/prune';
import type { PruneRequest } from '../../lib/contracts';
import { listKeys, putText, startLocalS3, type LocalS3 } from '../../local/s3';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ buckets: ['art'] });
});
afterAll(() => s3.stop());

describe('prune-deployments', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const models = [1, 2, 3, 4, 5].map((n) => ({ name: `bpr-model-r${n}`, created: at(n) }));
  const configs = [1, 2, 3, 4, 5].map((n) => ({ name: `bpr-epc-r${n}`, created: at(n) }));

  test('the plan keeps the newest `keep` runs and whatever the endpoint uses, however old', () => {
    const plan = planPrune({
      models,
      endpointConfigs: configs,
      copies: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'],
      inUse: ['bpr-epc-r1', 'bpr-model-r1'],
      keep: 2,
      modelPrefix: 'bpr-model-',
      endpointConfigPrefix: 'bpr-epc-',
    });
    expect(plan).toEqual({
      keep: ['r1', 'r4', 'r5'],
      models: ['bpr-model-r2', 'bpr-model-r3'],
      endpointConfigs: ['bpr-epc-r2', 'bpr-epc-r3'],
      copies: ['r2', 'r3', 'r6'],
    });
  });

  test('deletes old models, their configurations and deployed/ copies; tolerates ones already gone', async () => {
    for (const run of ['r1', 'r2', 'r5']) await putText(s3.client, `s3://art/kept/${run}/model.tar.gz`, run);
    const sm = mockClient(SageMakerClient);
    sm.on(ListModelsCommand).resolves({
      Models: models.map((m) => ({ ModelName: m.name, ModelArn: 'a', CreationTime: m.created })),
    });
    sm.on(ListEndpointConfigsCommand).resolves({
      EndpointConfigs: [...configs, { name: 'other-epc-x', created: at(0) }].map((c) => ({
        EndpointConfigName: c.name,
        EndpointConfigArn: 'a',
        CreationTime: c.created,
      })),
    });
    sm.on(DescribeEndpointCommand).resolves({
      EndpointName: 'ep',
      EndpointStatus: 'InService',
      EndpointConfigName: 'bpr-epc-r1',
    });
    sm.on(DescribeEndpointConfigCommand).resolves({
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'bpr-model-r1' }],
    });
    sm.on(DeleteModelCommand, { ModelName: 'bpr-model-r3' }).rejects(
      Object.assign(new Error('Could not find model "arn"'), { name: 'ValidationException' }),
    );
    const event: PruneRequest = {
      endpointName: 'ep',
      keep: 1,
      modelPrefix: 'bpr-model-',
      endpointConfigPrefix: 'bpr-epc-',
      deployedUri: 's3://art/kept/',
    };
    const result = await pruneHandler({
      s3Client: () => s3.client,
      sagemakerClient: () => new SageMakerClient({}),
      variables: {},
    })(event);
    expect(result).toEqual({
      kept: ['r1', 'r5'],
      deletedModels: ['bpr-model-r2', 'bpr-model-r4'],
      deletedEndpointConfigs: ['bpr-epc-r2', 'bpr-epc-r3', 'bpr-epc-r4'],
      deletedObjects: 1, // r2's copy (r3 and r4 had none)
    });
    expect(sm.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input.EndpointConfigName)).not.toContain(
      'other-epc-x',
    );
    expect((await listKeys(s3.client, 's3://art/kept/')).keys.sort()).toEqual(['kept/r1/model.tar.gz', 'kept/r5/model.tar.gz']);
    sm.restore();
  });

  test('refuses to run without a SageMaker client or with a bad keep', async () => {
    const event = {
      endpointName: 'ep',
      keep: 0,
      modelPrefix: 'm-',
      endpointConfigPrefix: 'c-',
      deployedUri: 's3://art/deployed/',
    };
    await expect(pruneHandler({ s3Client: () => s3.client, variables: {} })(event)).rejects.toMatchObject({
      name: 'MissingClientError',
    });
    await expect(
      pruneHandler({ s3Client: () => s3.client, sagemakerClient: () => new SageMakerClient({}), variables: {} })(event),
    ).rejects.toMatchObject({ name: 'PruneInputError', message: 'keep must be an integer >= 1, got 0' });
  });
});
