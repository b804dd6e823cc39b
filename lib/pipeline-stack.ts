/**
 * The pipeline stack: image, Lambdas, roles, notification topic, deployment record, the training
 * and batch state machines, their schedules, alarms and dashboard.
 */
import * as path from 'path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Size, Stack, StackProps, TimeZone } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BatchPipeline } from './batch-pipeline';
import { PipelineConfig } from './config';
import { Monitoring } from './monitoring';
import { ATHENA_RESULTS } from '../lambda/prepare-data/options';
import { nativeBundling, type NativeBundling } from './native-bundling';
import { AthenaKeys, bucketNames, ReportKeys, resourceNames, StackOutputs } from './pipeline-names';
import { PROJECT_ROOT } from './project-root';
import { sagemakerLogGroupArn } from './task-helpers';
import { TrainingPipeline } from './training-pipeline';

/** Object actions on `<bucket>/<prefix>*` for each prefix. */
function objectStatement(actions: string[], bucket: s3.IBucket, ...prefixes: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)) });
}

/** s3:ListBucket on the bucket, limited to keys under `prefix` (all keys when empty). */
function listStatement(bucket: s3.IBucket, prefix: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
  });
}

/** Properties of the pipeline stack. */
export interface PipelineStackProps extends StackProps {
  /** Validated configuration. */
  readonly config: PipelineConfig;
  /** Folder with the image's Dockerfile. Default: container/ of this repository. */
  readonly imageDirectory?: string;
}

/** Everything that runs: state machines, Lambdas, schedules, alarms. */
export class PipelineStack extends Stack {
  /** The training pipeline (state machine logical id `TrainingPipelineStateMachine`). */
  readonly training: TrainingPipeline;
  /** The batch recommendations pipeline (logical id `BatchRecommendationsStateMachine`). */
  readonly batch: BatchPipeline;
  /** Notification topic (success, rejection, failure, alarms). */
  readonly topic: sns.Topic;
  /** SSM parameter recording the deployed model and the latest batch input. */
  readonly deploymentParameter: ssm.StringParameter;
  /** Role SageMaker assumes for training, hosting and transform. */
  readonly sagemakerRole: iam.Role;
  /** The raw-data bucket (data stack), by name. */
  readonly rawBucket: s3.IBucket;
  /** The artifacts bucket (data stack), by name. */
  readonly artifactsBucket: s3.IBucket;
  /** The prepare-data Lambda (lambda/prepare-data). */
  readonly prepareFunction: lambda.Function;
  /** The evaluate-gate Lambda (lambda/evaluate-gate). */
  readonly gateFunction: lambda.Function;
  /** The publish-report Lambda (lambda/publish-report). */
  readonly reportFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = resourceNames(config.projectName);
    // The data stack's buckets, by their deterministic names (no cross-stack exports).
    const buckets = bucketNames(config.projectName, Aws.ACCOUNT_ID, Aws.REGION);
    const rawBucket = (this.rawBucket = s3.Bucket.fromBucketName(this, 'RawDataBucket', buckets.raw));
    const artifactsBucket = (this.artifactsBucket = s3.Bucket.fromBucketName(this, 'ArtifactsBucket', buckets.artifacts));
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: props.imageDirectory ?? path.join(PROJECT_ROOT, 'container'),
      platform: ecrAssets.Platform.LINUX_AMD64,
    });

    this.sagemakerRole = new iam.Role(this, 'SageMakerExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Training jobs, models and transform jobs of the recommender pipeline',
    });
    // Channels and model data are read from runs/, models written to runs/, batch output to batch/.
    this.sagemakerRole.addToPolicy(objectStatement(['s3:GetObject'], artifactsBucket, 'runs/'));
    this.sagemakerRole.addToPolicy(
      objectStatement(['s3:PutObject', 's3:AbortMultipartUpload'], artifactsBucket, 'runs/', 'batch/'),
    );
    this.sagemakerRole.addToPolicy(listStatement(artifactsBucket, 'runs/'));
    image.repository.grantPull(this.sagemakerRole);
    this.sagemakerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [sagemakerLogGroupArn(this)],
      }),
    );
    this.sagemakerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
      }),
    );

    const key = new kms.Key(this, 'NotificationKey', {
      description: 'Encrypts the recommender pipeline notification topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'Notifications', {
      masterKey: key,
      enforceSSL: true,
      displayName: `${config.projectName} recommender pipeline`,
    });
    if (config.notificationEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.notificationEmail));

    this.deploymentParameter = new ssm.StringParameter(this, 'DeploymentParameter', {
      parameterName: names.deploymentParameter,
      stringValue: '{}',
      description: 'JSON record of the deployed model (written by the training pipeline, read by the batch pipeline)',
    });

    // DuckDB takes 70 % of the memory and spills to /tmp, where the input is downloaded too (AUTO_ATHENA_BYTES
    // bounds what `auto` leaves to it); its native binary ships for the function's architecture (nativeBundling).
    const prepareFunction = (this.prepareFunction = this.nodeFunction(
      'PrepareDataFunction',
      'prepare-data',
      4096,
      Duration.minutes(15),
      logRetention,
      Size.gibibytes(10),
      nativeBundling(['@duckdb/node-api'], lambda.Architecture.ARM_64),
    ));
    // Any raw object may be named in the execution input (ListBucket turns a missing key into
    // NoSuchKey instead of AccessDenied); outputs are only written (and removed on failure) under runs/.
    prepareFunction.addToRolePolicy(objectStatement(['s3:GetObject'], rawBucket, ''));
    prepareFunction.addToRolePolicy(listStatement(rawBucket, ''));
    prepareFunction.addToRolePolicy(
      objectStatement(['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], artifactsBucket, 'runs/'),
    );
    // The publish step reads (and lists) its run's UNLOAD results only: athena/work/<execution>/results/.
    const athenaResults = `${AthenaKeys.work}*/${ATHENA_RESULTS}/`;
    prepareFunction.addToRolePolicy(objectStatement(['s3:GetObject'], artifactsBucket, athenaResults));
    prepareFunction.addToRolePolicy(listStatement(artifactsBucket, athenaResults));
    const gateFunction = (this.gateFunction = this.nodeFunction(
      'EvaluateGateFunction',
      'evaluate-gate',
      256,
      Duration.seconds(30),
      logRetention,
    ));

    // Reads only the training jobs' output archives; writes only the reports.
    const reportFunction = (this.reportFunction = this.nodeFunction(
      'PublishReportFunction',
      'publish-report',
      512,
      Duration.seconds(60),
      logRetention,
    ));
    reportFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [artifactsBucket.arnForObjects('runs/*/output/output.tar.gz')],
      }),
    );
    reportFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [artifactsBucket.arnForObjects(`runs/*/${ReportKeys.run}`), artifactsBucket.arnForObjects(ReportKeys.latest)],
      }),
    );

    const monitoring = new Monitoring(this, 'Monitoring', { config, topic: this.topic, artifactsBucket });
    const logGroup = (id: string) =>
      new logs.LogGroup(this, id, { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });

    this.training = new TrainingPipeline(this, 'TrainingPipeline', {
      config,
      rawBucket,
      artifactsBucket,
      image,
      sagemakerRole: this.sagemakerRole,
      prepareFunction,
      gateFunction,
      reportFunction,
      topic: this.topic,
      deploymentParameter: this.deploymentParameter,
      rollbackAlarms: [monitoring.endpoint5xxAlarm, monitoring.endpointLatencyAlarm],
      logGroup: logGroup('TrainingPipelineLogs'),
    });
    this.batch = new BatchPipeline(this, 'BatchRecommendations', {
      config,
      artifactsBucket,
      sagemakerRole: this.sagemakerRole,
      topic: this.topic,
      deploymentParameter: this.deploymentParameter,
      logGroup: logGroup('BatchRecommendationsLogs'),
    });
    monitoring.watch(this.training.stateMachine, this.batch.stateMachine);
    // Publishing to a KMS-encrypted topic needs the publisher to use the key.
    for (const machine of [this.training.stateMachine, this.batch.stateMachine]) {
      machine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
      );
    }

    const timeZone = TimeZone.of(config.scheduleTimeZone);
    const schedules: Array<[string, string, string, sfn.IStateMachine, boolean]> = [
      [
        'RetrainingSchedule',
        'Starts the training pipeline with default input',
        config.retrainingSchedule,
        this.training.stateMachine,
        config.retrainingEnabled,
      ],
      [
        'BatchSchedule',
        'Writes batch recommendations with the deployed model',
        config.batchSchedule,
        this.batch.stateMachine,
        config.batchEnabled,
      ],
    ];
    for (const [id, description, expression, machine, enabled] of schedules) {
      new scheduler.Schedule(this, id, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression, timeZone),
        target: new targets.StepFunctionsStartExecution(machine, {
          input: scheduler.ScheduleTargetInput.fromObject({}),
          retryAttempts: 2,
        }),
        enabled,
      });
    }

    new CfnOutput(this, StackOutputs.TrainingStateMachineArn, { value: this.training.stateMachine.stateMachineArn });
    new CfnOutput(this, StackOutputs.BatchStateMachineArn, { value: this.batch.stateMachine.stateMachineArn });
    new CfnOutput(this, StackOutputs.DeploymentParameterName, { value: this.deploymentParameter.parameterName });
    new CfnOutput(this, StackOutputs.NotificationTopicArn, { value: this.topic.topicArn });
    new CfnOutput(this, StackOutputs.EndpointName, { value: config.endpointName });
  }

  /** A Node.js Lambda from lambda/<name>/index.ts with its own role and log group (no managed policies). */
  private nodeFunction(
    id: string,
    name: string,
    memorySize: number,
    timeout: Duration,
    retention: logs.RetentionDays,
    ephemeralStorageSize?: Size,
    native?: NativeBundling,
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention, removalPolicy: RemovalPolicy.RETAIN });
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    return new nodejs.NodejsFunction(this, id, {
      entry: path.join(PROJECT_ROOT, 'lambda', name, 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: native?.architecture ?? lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      ephemeralStorageSize,
      role,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        externalModules: [],
        minify: true,
        keepNames: true,
        sourceMap: false,
        target: 'node24',
        ...native?.bundling,
      },
    });
  }
}
