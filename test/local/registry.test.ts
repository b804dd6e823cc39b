/**
 * The local Model Registry stand-in answers as SageMaker does (versions from 1 per group,
 * ClientToken, filters, order and pages, ValidationException), refuses to deploy a version that is
 * not Approved, and tells EventBridge of approval changes; the EventBridge stand-in matches rules
 * and builds their targets' input as EventBridge does. Reached through the AWS SDK client's
 * interface, as the register-model Lambda and the CLI reach it.
 */
import {
  CreateModelPackageCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  UpdateModelPackageCommand,
  type CreateModelPackageCommandInput,
} from '@aws-sdk/client-sagemaker';
import { LocalEventBridge, matches, targetInput } from '../../local/eventbridge';
import { LocalSageMaker } from '../../local/sagemaker';
import type { ModelPackageEvent } from '../../local/sagemaker/registry';

const ctx = {
  s3: {} as never,
  workdir: '/nonexistent',
  container: { command: 'false', args: [] },
  region: 'us-east-1',
  account: '000000000000',
  log: () => undefined,
};
const ARN = (group: string, v: number) => `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/${v}`;
const create = (over: Partial<CreateModelPackageCommandInput> = {}) =>
  new CreateModelPackageCommand({
    ModelPackageGroupName: 'bpr-models',
    InferenceSpecification: { Containers: [{ Image: 'img', ModelDataUrl: 's3://a/m.tar.gz' }] },
    ModelApprovalStatus: 'Approved',
    ...over,
  });

test('versions are numbered from 1 in each group; a repeated ClientToken answers the first version again', async () => {
  const { client } = new LocalSageMaker(ctx, ['bpr-models', 'other-models']);
  expect((await client.send(create({ ClientToken: 'run-1' }))).ModelPackageArn).toBe(ARN('bpr-models', 1));
  expect((await client.send(create({ ClientToken: 'run-1' }))).ModelPackageArn).toBe(ARN('bpr-models', 1));
  expect((await client.send(create({ ClientToken: 'run-2' }))).ModelPackageArn).toBe(ARN('bpr-models', 2));
  expect((await client.send(create({ ModelPackageGroupName: 'other-models' }))).ModelPackageArn).toBe(ARN('other-models', 1));
  // Optional for a versioned model: SageMaker's default is PendingManualApproval.
  const v3 = await client.send(create({ ModelApprovalStatus: undefined }));
  expect((await client.send(new DescribeModelPackageCommand({ ModelPackageName: v3.ModelPackageArn }))).ModelApprovalStatus).toBe(
    'PendingManualApproval',
  );
});

test("bad requests and missing groups or versions are SageMaker's ValidationException", async () => {
  const { client } = new LocalSageMaker(ctx, ['bpr-models']);
  await expect(client.send(create({ ModelPackageGroupName: 'nope' }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: 'Model Package Group arn:aws:sagemaker:us-east-1:000000000000:model-package-group/nope does not exist.',
  });
  await expect(client.send(create({ ModelApprovalStatus: 'Yes' as never }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: expect.stringMatching(
      /^1 validation error detected: Value 'Yes' at 'modelApprovalStatus' failed to satisfy constraint/,
    ),
  });
  await expect(client.send(create({ CustomerMetadataProperties: { uri: 's3://a/(1).csv' } }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(client.send(new DescribeModelPackageCommand({ ModelPackageName: 'bpr-models/9' }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: 'ModelPackage bpr-models/9 does not exist.',
  });
  await expect(
    client.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'bpr-models', MaxResults: 101 })),
  ).rejects.toMatchObject({
    name: 'ValidationException',
  });
});

test('ListModelPackages: by group and approval status, CreationTime or Name order, pages of MaxResults with NextToken', async () => {
  const { client } = new LocalSageMaker(ctx, ['bpr-models']);
  for (const status of ['Approved', 'Rejected', 'Approved', 'Approved', 'PendingManualApproval'] as const) {
    await client.send(create({ ModelApprovalStatus: status }));
  }
  const list = async (input: ConstructorParameters<typeof ListModelPackagesCommand>[0]) => {
    const versions: number[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListModelPackagesCommand({ ...input, NextToken }));
      versions.push(...(page.ModelPackageSummaryList ?? []).map((p) => Number(p.ModelPackageVersion)));
      NextToken = page.NextToken;
      pages++;
    } while (NextToken);
    return { versions, pages };
  };
  expect(await list({ ModelPackageGroupName: 'bpr-models' })).toEqual({ versions: [1, 2, 3, 4, 5], pages: 1 });
  expect(
    await list({ ModelPackageGroupName: 'bpr-models', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 2 }),
  ).toEqual({
    versions: [5, 4, 3, 2, 1],
    pages: 3,
  });
  expect(await list({ ModelPackageGroupName: 'bpr-models', ModelApprovalStatus: 'Approved', SortOrder: 'Descending' })).toEqual({
    versions: [4, 3, 1],
    pages: 1,
  });
  expect(await list({ ModelPackageGroupName: 'bpr-models', SortBy: 'Name', SortOrder: 'Descending', MaxResults: 100 })).toEqual({
    versions: [5, 4, 3, 2, 1],
    pages: 1,
  });
});

test('approval changes are told as "SageMaker Model Package State Change" events; a version must be Approved to be deployed', async () => {
  const sm = new LocalSageMaker(ctx, ['bpr-models']);
  const events: ModelPackageEvent[] = [];
  sm.registry.onStateChange((e) => events.push(e));
  const { ModelPackageArn } = await sm.client.send(create({ ModelApprovalStatus: 'PendingManualApproval' }));
  await expect(
    sm.hosting.createModel({ ModelName: 'm1', Containers: [{ ModelPackageName: ModelPackageArn }] }),
  ).rejects.toMatchObject({
    name: 'ValidationException',
    message: `ModelPackage ${ModelPackageArn} is PendingManualApproval: a versioned model package must be Approved to be deployed.`,
  });
  await sm.client.send(
    new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'ok' }),
  );
  // No change, no event.
  await sm.client.send(new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: 'Approved' }));
  expect(events.map((e) => [e.source, e['detail-type'], e.resources, e.detail.ModelApprovalStatus])).toEqual([
    ['aws.sagemaker', 'SageMaker Model Package State Change', [ModelPackageArn], 'PendingManualApproval'],
    ['aws.sagemaker', 'SageMaker Model Package State Change', [ModelPackageArn], 'Approved'],
  ]);
  expect(events[1].detail).toMatchObject({ ModelPackageGroupName: 'bpr-models', ModelPackageVersion: 1, ModelPackageArn });
  expect((await sm.client.send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }))).ApprovalDescription).toBe(
    'ok',
  );
});

test("EventBridge: a matching rule's target gets the input its transformer builds; other events reach nobody", async () => {
  const delivered: Array<[string, unknown]> = [];
  const rule = {
    name: 'ApprovalRule',
    pattern: {
      source: ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Package State Change'],
      detail: { ModelPackageGroupName: ['bpr-models'], ModelApprovalStatus: ['Approved'] },
    },
    targets: [
      {
        Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:bpr-training-pipeline',
        InputTransformer: {
          InputPathsMap: { 'detail-ModelPackageArn': '$.detail.ModelPackageArn' },
          InputTemplate: '{"deployModelPackage":<detail-ModelPackageArn>}',
        },
      },
    ],
  };
  const bus = new LocalEventBridge([rule], async (arn, input) => delivered.push([arn, input]));
  const event = (status: string, group = 'bpr-models') => ({
    source: 'aws.sagemaker',
    'detail-type': 'SageMaker Model Package State Change',
    detail: { ModelPackageGroupName: group, ModelApprovalStatus: status, ModelPackageArn: ARN(group, 2) },
  });
  bus.put(event('Rejected'));
  bus.put(event('Approved', 'other-models'));
  bus.put(event('Approved'));
  await bus.settled();
  expect(delivered).toEqual([[rule.targets[0].Arn, { deployModelPackage: ARN('bpr-models', 2) }]]);
  expect(matches({ detail: { a: [1] } }, { detail: { a: 1, b: 2 } })).toBe(true);
  expect(matches({ detail: { a: [1] } }, { detail: {} })).toBe(false);
  expect(
    targetInput(
      { Arn: 'x', InputTransformer: { InputPathsMap: { v: '$.detail.v' }, InputTemplate: '{"s":"<v>","n":<v>}' } },
      { detail: { v: 3 } },
    ),
  ).toEqual({
    s: '3',
    n: 3,
  });
});
