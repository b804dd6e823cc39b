/**
 * prune-deployments: keeps the newest deployments and whatever the endpoint uses; deletes the rest
 * of the pipeline's models and endpoint configurations (SageMaker answered by aws-sdk-client-mock;
 * the local end-to-end tests run it against the stand-in).
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

// Pruning never touches S3: the registry's copies stay with their model packages.
const s3Client = (): never => {
  throw new Error('prune-deployments asked for an S3 client');
};

describe('prune-deployments', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const models = [1, 2, 3, 4, 5].map((n) => ({ name: `bpr-model-r${n}`, created: at(n) }));
  const configs = [1, 2, 3, 4, 5].map((n) => ({ name: `bpr-epc-r${n}`, created: at(n) }));

  test('the plan keeps the newest `keep` runs and whatever the endpoint uses, however old', () => {
    const plan = planPrune({
      models,
      endpointConfigs: configs,
      inUse: ['bpr-epc-r1', 'bpr-model-r1'],
      keep: 2,
      modelPrefix: 'bpr-model-',
      endpointConfigPrefix: 'bpr-epc-',
    });
    expect(plan).toEqual({
      keep: ['r1', 'r4', 'r5'],
      models: ['bpr-model-r2', 'bpr-model-r3'],
      endpointConfigs: ['bpr-epc-r2', 'bpr-epc-r3'],
    });
  });

  test('deletes old models and their configurations; tolerates ones already gone', async () => {
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
    };
    const result = await pruneHandler({
      s3Client,
      sagemakerClient: () => new SageMakerClient({}),
      variables: {},
    })(event);
    expect(result).toEqual({
      kept: ['r1', 'r5'],
      deletedModels: ['bpr-model-r2', 'bpr-model-r4'],
      deletedEndpointConfigs: ['bpr-epc-r2', 'bpr-epc-r3', 'bpr-epc-r4'],
    });
    expect(sm.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input.EndpointConfigName)).not.toContain(
      'other-epc-x',
    );
    sm.restore();
  });

  test('refuses to run without a SageMaker client or with a bad keep', async () => {
    const event = {
      endpointName: 'ep',
      keep: 0,
      modelPrefix: 'm-',
      endpointConfigPrefix: 'c-',
    };
    await expect(pruneHandler({ s3Client, variables: {} })(event)).rejects.toMatchObject({
      name: 'MissingClientError',
    });
    await expect(
      pruneHandler({ s3Client, sagemakerClient: () => new SageMakerClient({}), variables: {} })(event),
    ).rejects.toMatchObject({ name: 'PruneInputError', message: 'keep must be an integer >= 1, got 0' });
  });
});
