/**
 * The data stack: its three buckets (encrypted, private, SSL-only, versioned, retained), access logs,
 * lifecycle rules (nothing in use expires) and bucketSuffix.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synth } from './synth-helper';

let data: Template;
beforeAll(() => {
  data = synth().data;
});

const text = (v: unknown) => JSON.stringify(v);

test('three encrypted, private, SSL-only, versioned buckets retained on delete', () => {
  const buckets = data.findResources('AWS::S3::Bucket');
  expect(Object.keys(buckets)).toHaveLength(3);
  for (const b of Object.values(buckets)) {
    expect(b.DeletionPolicy).toBe('Retain');
    expect(b.UpdateReplacePolicy).toBe('Retain');
    expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      'AES256',
    );
    expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  }
  const policies = Object.values(data.findResources('AWS::S3::BucketPolicy'));
  expect(policies).toHaveLength(3);
  for (const p of policies) {
    expect(p.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
  }
});

test('nothing the endpoint or the batch pipeline uses sits under an expiring prefix', () => {
  const artifacts = Object.values(data.findResources('AWS::S3::Bucket')).find((b) =>
    text(b.Properties.BucketName).includes('bpr-artifacts-'),
  )!;
  const rules = artifacts.Properties.LifecycleConfiguration.Rules as Array<{ Prefix?: string; ExpirationInDays?: number }>;
  const expiring = rules.filter((r) => r.ExpirationInDays !== undefined).map((r) => r.Prefix ?? '');
  expect(expiring.sort()).toEqual(['athena/', 'batch/', 'runs/']); // athena/: scratch work of the runs' queries
  // The model packages, the deployment record and the model point into registry/ (training-runs.test.ts checks the paths).
  for (const prefix of expiring) expect('registry/'.startsWith(prefix)).toBe(false);
  expect(rules).toContainEqual(
    expect.objectContaining({ Prefix: 'registry/', NoncurrentVersionExpiration: { NoncurrentDays: 7 } }),
  );
});

test('bucketSuffix gives both stacks new bucket names (a re-deployment after cdk destroy)', () => {
  const suffixed = synth({ bucketSuffix: 'v2' }, false);
  const names = Object.values(suffixed.data.findResources('AWS::S3::Bucket')).map((b) =>
    String(suffixed.resolve(b.Properties.BucketName)),
  );
  expect(names.sort()).toEqual([
    'bpr-access-logs-000000000000-us-east-1-v2',
    'bpr-artifacts-000000000000-us-east-1-v2',
    'bpr-raw-000000000000-us-east-1-v2',
  ]);
  expect(text(suffixed.pipeline.toJSON())).toContain('-v2');
});

test('raw and artifacts buckets log to the access-log bucket; old runs and batch output expire', () => {
  data.hasResourceProperties('AWS::S3::Bucket', {
    BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['bpr-artifacts-'])] }),
    LoggingConfiguration: {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogBucket') },
      LogFilePrefix: 'artifacts/',
    },
    LifecycleConfiguration: {
      Rules: Match.arrayWith([
        Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 90, Status: 'Enabled' }),
        Match.objectLike({ Prefix: 'batch/', ExpirationInDays: 90, Status: 'Enabled' }),
      ]),
    },
  });
  data.hasResourceProperties('AWS::S3::Bucket', {
    BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['bpr-raw-'])] }),
    LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogBucket') }, LogFilePrefix: 'raw/' },
  });
});
