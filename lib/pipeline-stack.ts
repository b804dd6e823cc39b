/**
 * The pipeline stack: image, Lambdas, roles, notification topic, deployment lock, the training and
 * batch state machines, their schedules, alarms and dashboard.
 */
import * as path from 'path';
import { Aws, CfnOutput, Fn, RemovalPolicy, Stack, StackProps, TimeZone } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BatchPipeline } from './batch-pipeline';
import { PipelineConfig } from './config';
import { startFirstTraining } from './first-run';
import { Monitoring } from './monitoring';
import { PROJECT_ROOT } from './project-root';
import { createNotifications } from './notifications';
import { buildPipelineFunctions, listStatement, objectStatement, type PipelineFunctions } from './pipeline-functions';
import { ArtifactPrefixes, bucketNames, resourceNames, StackOutputs } from './pipeline-names';
import { sagemakerLogGroupArn } from './task-helpers';
import { TrainingPipeline } from './training-pipeline';

/** Where the state machines log (the prefix CloudWatch Logs reserves for vended logs). */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/states/';

/**
 * How the image asset is built: into the local image store with Docker media types. SageMaker
 * accepts only a Docker v2 manifest (an OCI manifest or index fails CreateModel with "Unsupported
 * manifest media type"), and BuildKit switches to OCI media types with the containerd image store
 * or with attestations. `oci-mediatypes=false` pins the media types on every BuildKit builder; the
 * CDK CLI already builds with BUILDX_NO_DEFAULT_ATTESTATIONS=1 (no provenance index).
 * https://docs.docker.com/build/exporters/oci-docker/
 */
export const IMAGE_OUTPUTS = ['type=docker,oci-mediatypes=false'];

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
  /** SSM parameter recording the deployed model (written by the training pipeline; no stack owns its value). */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Table holding the deployment lock (one item while an execution deploys). */
  readonly lockTable: dynamodb.Table;
  /** Role SageMaker assumes for training, hosting and transform. */
  readonly sagemakerRole: iam.Role;
  /** The raw-data bucket (data stack), by name. */
  readonly rawBucket: s3.IBucket;
  /** The artifacts bucket (data stack), by name. */
  readonly artifactsBucket: s3.IBucket;
  /** The Lambdas, each with its own role. */
  readonly functions: PipelineFunctions;
  /** The training image. */
  readonly image: ecrAssets.DockerImageAsset;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = resourceNames(config.projectName);
    // The data stack's buckets, by their deterministic names (no cross-stack exports).
    const buckets = bucketNames(config.projectName, Aws.ACCOUNT_ID, Aws.REGION, config.bucketSuffix);
    const rawBucket = (this.rawBucket = s3.Bucket.fromBucketName(this, 'RawDataBucket', buckets.raw));
    const artifactsBucket = (this.artifactsBucket = s3.Bucket.fromBucketName(this, 'ArtifactsBucket', buckets.artifacts));
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const image = (this.image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: props.imageDirectory ?? path.join(PROJECT_ROOT, 'container'),
      platform: ecrAssets.Platform.LINUX_AMD64,
      outputs: IMAGE_OUTPUTS,
    }));
    const { runs, batch, deployed } = ArtifactPrefixes;

    this.sagemakerRole = new iam.Role(this, 'SageMakerExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Training jobs, models and transform jobs of the recommender pipeline',
    });
    // Channels are read from runs/, the deployed model and batch input from deployed/; models are
    // written to runs/, batch output to batch/.
    this.sagemakerRole.addToPolicy(objectStatement(['s3:GetObject'], artifactsBucket, runs, deployed));
    this.sagemakerRole.addToPolicy(objectStatement(['s3:PutObject', 's3:AbortMultipartUpload'], artifactsBucket, runs, batch));
    this.sagemakerRole.addToPolicy(listStatement(artifactsBucket, runs, deployed));
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

    const { topic, key } = createNotifications(this, { config });
    this.topic = topic;

    this.deploymentParameter = ssm.StringParameter.fromStringParameterName(this, 'DeploymentRecord', names.deploymentParameter);
    this.lockTable = new dynamodb.Table(this, 'DeployLockTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Holds only the lock of a running deployment.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const functions = (this.functions = buildPipelineFunctions(this, { config, rawBucket, artifactsBucket, logRetention }));

    const monitoring = new Monitoring(this, 'Monitoring', { config, topic: this.topic, artifactsBucket });
    const rollbackAlarms = [monitoring.endpoint5xxAlarm, monitoring.endpointLatencyAlarm];
    // SageMaker reads the rollback alarms with the model's execution role during a blue/green update:
    // https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html
    this.sagemakerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: rollbackAlarms.map((a) => a.alarmArn) }),
    );
    // Under /aws/vendedlogs/ (Step Functions' advice: it keeps the CloudWatch Logs resource policy
    // under its size limit, https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html). The
    // stack's id makes the retained groups' names new for each deployment of the stack.
    const stackGuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    const logGroup = (id: string, machineName: string) =>
      new logs.LogGroup(this, id, {
        logGroupName: `${VENDED_LOGS_PREFIX}${machineName}-${stackGuid}`,
        retention: logRetention,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.training = new TrainingPipeline(this, 'TrainingPipeline', {
      config,
      rawBucket,
      artifactsBucket,
      image,
      sagemakerRole: this.sagemakerRole,
      ...functions,
      lockTable: this.lockTable,
      topic: this.topic,
      deploymentParameter: this.deploymentParameter,
      rollbackAlarms,
      logGroup: logGroup('TrainingPipelineLogs', names.trainingStateMachine),
    });
    this.batch = new BatchPipeline(this, 'BatchRecommendations', {
      config,
      artifactsBucket,
      validateFunction: functions.validateFunction,
      sagemakerRole: this.sagemakerRole,
      topic: this.topic,
      deploymentParameter: this.deploymentParameter,
      logGroup: logGroup('BatchRecommendationsLogs', names.batchStateMachine),
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

    if (config.startTrainingOnDeploy) startFirstTraining(this, this.training.stateMachine);

    new CfnOutput(this, StackOutputs.TrainingStateMachineArn, { value: this.training.stateMachine.stateMachineArn });
    new CfnOutput(this, StackOutputs.BatchStateMachineArn, { value: this.batch.stateMachine.stateMachineArn });
    new CfnOutput(this, StackOutputs.DeploymentParameterName, { value: this.deploymentParameter.parameterName });
    new CfnOutput(this, StackOutputs.NotificationTopicArn, { value: this.topic.topicArn });
    new CfnOutput(this, StackOutputs.EndpointName, { value: config.endpointName });
  }
}
