/**
 * register-model: every trained model becomes a version of the group, with the inference
 * specification, ModelMetrics pointing at its model-quality document, the gate's reason, headline
 * figures and provenance as metadata, and the approval status the gate and the approval mode give
 * (SageMaker and S3 answered by aws-sdk-client-mock).
 */
import './prepare-data/quiet-logs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { SUPPORTED_IN, SUPPORTED_OUT } from '../../container/src/serve/media-types';
import { createHandler } from '../../lambda/register-model';
import { approvalStatus, createModelPackageInput, metadataProperties, versionOf } from '../../lambda/register-model/register';
import type { GateDecision, RegisterModelRequest } from '../../lib/contracts';

const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/bpr-models/7';
const PREFIX = 's3://art/registry/run-7/';
const gate = (over: Partial<GateDecision> = {}): GateDecision => ({
  passed: true,
  reason:
    "precision@10 0.3 reaches the threshold 0.05 and beats the baseline 0.1, and is within 2% of the live model (version 6)'s 0.29 or better",
  metricName: 'precision@10',
  value: 0.3,
  baselineMetricName: 'baseline_precision@10',
  baselineValue: 0.1,
  threshold: 0.05,
  championMetricName: 'champion_precision@10',
  championValue: 0.29,
  championVersion: 6,
  championTolerance: 0.02,
  metrics: { 'precision@10': 0.3, 'p@k(10)': 0.35, 'baseline_precision@10': 0.1, 'champion_precision@10': 0.29 },
  ...over,
});
const request = (over: Partial<RegisterModelRequest> = {}): RegisterModelRequest => ({
  modelPackageGroupName: 'bpr-models',
  approvalMode: 'auto',
  gate: gate(),
  runId: '6b0f8c5e-8f0e-4b5e-9a51-4d1e7a2c9e10',
  executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:bpr-training-pipeline:run-7',
  trainingJobName: 'bpr-train-6b0f8c5e-8f0e-4b5e-9a51-4d1e7a2c9e10',
  tuning: null,
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/repo:tag',
  artifacts: {
    prefix: PREFIX,
    modelDataUrl: `${PREFIX}model.tar.gz`,
    batchInputUri: `${PREFIX}users.jsonl`,
    catalogUri: `${PREFIX}catalog/`,
    reportUri: `${PREFIX}report.html`,
  },
  rawDataUri: 's3://raw/exports/online retail (2026).csv',
  dataUri: 's3://art/runs/run-7/data/',
  stats: { users: 5000, items: 4000, pairs: 500000 } as RegisterModelRequest['stats'],
  realtimeInstanceType: 'ml.c5.large',
  transformInstanceType: 'ml.c5.2xlarge',
  ...over,
});

test('the approval status: the gate decides; with manual approval a person confirms what passed', () => {
  expect(approvalStatus(true, 'auto')).toBe('Approved');
  expect(approvalStatus(true, 'manual')).toBe('PendingManualApproval');
  expect(approvalStatus(false, 'auto')).toBe('Rejected');
  expect(approvalStatus(false, 'manual')).toBe('Rejected');
});

test('the version: inference specification, model quality, the reason, the provenance; one version per run (ClientToken)', () => {
  const quality = `${PREFIX}model-quality.json`;
  const input = createModelPackageInput(request(), 'Approved', quality);
  expect(input).toMatchObject({
    ModelPackageGroupName: 'bpr-models',
    ModelPackageDescription: gate().reason,
    ModelApprovalStatus: 'Approved',
    ClientToken: request().runId,
    InferenceSpecification: {
      Containers: [{ Image: request().image, ModelDataUrl: `${PREFIX}model.tar.gz` }],
      SupportedContentTypes: [...SUPPORTED_IN],
      SupportedResponseMIMETypes: [...SUPPORTED_OUT],
      SupportedRealtimeInferenceInstanceTypes: ['ml.c5.large'],
      SupportedTransformInstanceTypes: ['ml.c5.2xlarge'],
    },
    ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: quality } } },
    MetadataProperties: { GeneratedBy: request().executionArn },
  });
  expect(SUPPORTED_IN).toContain('application/json');
  expect(SUPPORTED_OUT).toContain('text/csv');
});

test("metadata: what the deploy-only entry reads back, the gate's three values, headline figures; only values SageMaker accepts", () => {
  const m = metadataProperties(request(), `${PREFIX}model-quality.json`);
  expect(m).toMatchObject({
    runId: request().runId,
    trainingJobName: request().trainingJobName,
    batchInputUri: `${PREFIX}users.jsonl`,
    catalogUri: `${PREFIX}catalog/`,
    metricName: 'precision@10',
    value: '0.3',
    baselineValue: '0.1',
    championValue: '0.29',
    championVersion: '6',
    gateDecision: 'passed',
    reportUri: `${PREFIX}report.html`,
    qualityUri: `${PREFIX}model-quality.json`,
    'data.users': '5000',
    'precision@10': '0.3',
    'p@k_10_': '0.35',
    'champion_precision@10': '0.29',
  });
  // Parentheses are not allowed in metadata values: the raw URI stays in the model-quality document only.
  expect(m.rawDataUri).toBeUndefined();
  for (const [k, v] of Object.entries(m)) {
    expect(k).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u);
    expect(v).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u);
  }
  expect(Object.keys(m).length).toBeLessThanOrEqual(50);
  // A first run, or a missing metric: null, as JSON.
  expect(
    metadataProperties(request({ gate: gate({ value: null, championValue: null, championVersion: null, passed: false }) }), 'q'),
  ).toMatchObject({
    value: 'null',
    championValue: 'null',
    championVersion: 'null',
    gateDecision: 'rejected',
  });
  expect(() => metadataProperties(request({ trainingJobName: 'job (1)' }), 'q')).toThrow(
    'trainingJobName "job (1)" cannot be kept',
  );
});

test('versionOf reads a versioned package ARN', () => {
  expect(versionOf(ARN)).toBe(7);
  expect(() => versionOf('arn:aws:sagemaker:eu-west-1:123456789012:model-package/unversioned')).toThrow(/not a versioned/);
});

describe('handler', () => {
  const sm = mockClient(SageMakerClient);
  const s3 = mockClient(S3Client);
  beforeEach(() => {
    sm.reset();
    s3.reset();
  });
  const handler = () =>
    createHandler({ s3Client: () => new S3Client({}), sagemakerClient: () => new SageMakerClient({}), variables: {} });

  test('writes the model-quality document, then registers; returns the version and its status', async () => {
    const order: string[] = [];
    sm.on(CreateModelPackageCommand).callsFake(() => (order.push('CreateModelPackage'), { ModelPackageArn: ARN }));
    s3.on(PutObjectCommand).callsFake(() => (order.push('PutObject'), {}));
    const out = await handler()(request({ approvalMode: 'manual' }));
    expect(out).toEqual({
      modelPackageArn: ARN,
      modelPackageVersion: 7,
      modelApprovalStatus: 'PendingManualApproval',
      qualityUri: `${PREFIX}model-quality.json`,
    });
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect([put.Bucket, put.Key, put.ContentType]).toEqual(['art', 'registry/run-7/model-quality.json', 'application/json']);
    const doc = JSON.parse(String(put.Body));
    expect(doc).toMatchObject({
      modelApprovalStatus: 'PendingManualApproval',
      gate: { passed: true, value: 0.3, baselineValue: 0.1, championValue: 0.29, championVersion: 6 },
      metrics: gate().metrics,
      data: { rawDataUri: request().rawDataUri, stats: { users: 5000 } },
      reportUri: `${PREFIX}report.html`,
    });
    expect(sm.commandCalls(CreateModelPackageCommand)[0].args[0].input.ModelApprovalStatus).toBe('PendingManualApproval');
    // The document is written before the version that points at it.
    expect(order).toEqual(['PutObject', 'CreateModelPackage']);
  });

  test("SageMaker's errors and bad events leave with name and message only", async () => {
    s3.on(PutObjectCommand).resolves({});
    sm.on(CreateModelPackageCommand).rejects(
      Object.assign(new Error('Model Package Group bpr-models does not exist.'), { name: 'ValidationException' }),
    );
    await expect(handler()(request())).rejects.toMatchObject({
      name: 'ValidationException',
      stack: 'ValidationException: Model Package Group bpr-models does not exist.',
    });
    await expect(handler()({ ...request(), approvalMode: 'sometimes' as never })).rejects.toMatchObject({
      name: 'RegisterInputError',
      message: 'approvalMode must be auto or manual, got "sometimes"',
    });
    await expect(createHandler({ s3Client: () => new S3Client({}), variables: {} })(request())).rejects.toMatchObject({
      name: 'MissingClientError',
    });
  });
});
