/**
 * Storage: the raw-data bucket (retailers' exports), the artifacts bucket (per-run data, models,
 * batch output, and the registered model versions' copies) and the access-log bucket both of them log to.
 * Encrypted, private, SSL only, versioned and retained when the stack is deleted (their names are
 * fixed: a re-deployment after `cdk destroy` takes a new bucketSuffix, or the old buckets deleted).
 */
import { Aws, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import { ArtifactPrefixes, bucketNames } from './pipeline-names';

/** Properties of the data stack. */
export interface DataStackProps extends StackProps {
  /** Validated configuration (retention periods). */
  readonly config: PipelineConfig;
}

/** The three buckets. */
export class DataStack extends Stack {
  /** Where retailers upload raw transaction exports. */
  readonly rawBucket: s3.Bucket;
  /** Run artifacts under `runs/<execution>/data|model/` and `report.html` (expire), batch output under `batch/` (expires), each registered model version's copies under `registry/<run>/` (kept: its model package names them), the latest report under `reports/`. */
  readonly artifactsBucket: s3.Bucket;
  /** Server access logs of the two buckets above. */
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    // Access logs are delivered under a bucket policy, not the LogDeliveryWrite ACL (ACLs stay disabled).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { config } = props;
    const names = bucketNames(config.projectName, Aws.ACCOUNT_ID, Aws.REGION, config.bucketSuffix);
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    };

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      ...common,
      bucketName: names.accessLogs,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(config.logRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.rawBucket = new s3.Bucket(this, 'RawDataBucket', {
      ...common,
      bucketName: names.raw,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'raw/',
      lifecycleRules: [{ id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(config.runRetentionDays) }],
    });

    this.artifactsBucket = new s3.Bucket(this, 'ArtifactsBucket', {
      ...common,
      bucketName: names.artifacts,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        {
          id: 'expire-old-runs',
          prefix: ArtifactPrefixes.runs,
          expiration: Duration.days(config.runRetentionDays),
          noncurrentVersionExpiration: Duration.days(7),
        },
        {
          id: 'expire-old-batch-output',
          prefix: ArtifactPrefixes.batch,
          expiration: Duration.days(config.batchRetentionDays),
          noncurrentVersionExpiration: Duration.days(7),
        },
        // Current objects under registry/ never expire: the model package versions name them, and
        // the endpoint and the batch pipeline use the deployed one's.
        {
          id: 'expire-replaced-registry-copies',
          prefix: ArtifactPrefixes.registry,
          noncurrentVersionExpiration: Duration.days(7),
        },
        // reports/latest.html is overwritten by every training run: its old versions go like old runs.
        {
          id: 'expire-old-report-versions',
          prefix: ArtifactPrefixes.reports,
          noncurrentVersionExpiration: Duration.days(config.runRetentionDays),
        },
        // Athena's query results and each run's scratch tables (the state machine drops their catalog entries).
        {
          id: 'expire-athena-work',
          prefix: ArtifactPrefixes.athena,
          expiration: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
