/**
 * The training pipeline state machine: defaults -> input check (input-steps.ts) -> prepare ->
 * train -> gate -> deploy (deploy-steps.ts) -> record -> notify. Names of states, errors and
 * outputs come from pipeline-names.ts, the shapes of stage results from contracts.ts.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { metricDefinitions } from '../container/src/metrics/definitions';
import { CHANNELS } from '../container/src/train/input';
import { PipelineConfig } from './config';
import type { DeployedOutput, Fields, GateDecision, GateEvent, RejectedOutput } from './contracts';
import { buildDeploySteps } from './deploy-steps';
import { buildInputSteps } from './input-steps';
import { buildPrepareSteps } from './prepare-steps';
import { buildReportStep } from './report-step';
import {
  DataPaths,
  ExecutionStatus,
  gateMetricNames,
  resourceNames,
  StateMachineIds,
  TrainingStates as S,
} from './pipeline-names';
import {
  failurePath,
  guard,
  instanceType,
  jsonPaths,
  passRoleStatement,
  payloadFields,
  pipelineStateMachine,
  publishOutput,
  RuntimeS3Location,
  sagemakerArn,
  scopeTaskPolicies,
  syncRuleStatement,
} from './task-helpers';

const { prepared, gate: gateResult, report: reportResult } = DataPaths;

/** Properties of the training pipeline. */
export interface TrainingPipelineProps {
  /** Validated configuration. */
  readonly config: PipelineConfig;
  /** Bucket holding the raw exports (the default input is `rawDataKey` in it). */
  readonly rawBucket: s3.IBucket;
  /** Bucket for run artifacts: `runs/<execution name>/{data,model}/`. */
  readonly artifactsBucket: s3.IBucket;
  /** The training and serving image built from container/. */
  readonly image: ecrAssets.DockerImageAsset;
  /** Role SageMaker assumes for training jobs and models. */
  readonly sagemakerRole: iam.IRole;
  /** The prepare-data Lambda. */
  readonly prepareFunction: lambda.IFunction;
  /** The evaluate-gate Lambda. */
  readonly gateFunction: lambda.IFunction;
  /** The publish-report Lambda (copies the run's report out of the training output). */
  readonly reportFunction: lambda.IFunction;
  /** Topic that receives success, rejection and failure notifications. */
  readonly topic: sns.ITopic;
  /** SSM parameter that records the deployed model (read by the batch pipeline). */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Alarms that roll a blue/green endpoint update back. */
  readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Log group receiving every execution event. */
  readonly logGroup: logs.ILogGroup;
}

/** A training job task that can ask for managed spot capacity (the CDK task has no such prop). */
class TrainingJobTask extends tasks.SageMakerCreateTrainingJob {
  constructor(
    scope: Construct,
    id: string,
    props: tasks.SageMakerCreateTrainingJobProps,
    private readonly spotMaxWait?: number,
  ) {
    super(scope, id, props);
  }

  protected _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): Record<string, unknown> {
    const rendered: { Parameters: Record<string, unknown> } = super._renderTask(topLevelQueryLanguage);
    if (this.spotMaxWait === undefined) return rendered;
    const params = rendered.Parameters;
    params.EnableManagedSpotTraining = true;
    params.StoppingCondition = { ...(params.StoppingCondition as object), MaxWaitTimeInSeconds: this.spotMaxWait };
    return rendered;
  }
}

/** Builds the training pipeline state machine. */
export class TrainingPipeline extends Construct {
  /** The state machine (logical id `TrainingStateMachine`). */
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const names = resourceNames(config.projectName);
    const gateNames = gateMetricNames(config.evalK);
    const image = tasks.DockerImage.fromEcrRepository(props.image.repository, props.image.imageTag);

    const failure = failurePath(
      this,
      { notify: S.NotifyFailure, fail: S.PipelineFailed },
      props.topic,
      `${config.projectName} training pipeline failed`,
      'Training pipeline',
    );

    const input = buildInputSteps(this, {
      config,
      rawBucket: props.rawBucket,
      artifactsBucket: props.artifactsBucket,
      failure,
    });

    const channel = (name: string, path: string, contentType = 'text/csv'): tasks.Channel => ({
      channelName: name,
      contentType,
      inputMode: tasks.InputMode.FILE,
      dataSource: { s3DataSource: { s3DataType: tasks.S3DataType.S3_PREFIX, s3Location: new RuntimeS3Location(path) } },
    });
    const train = new TrainingJobTask(
      this,
      S.TrainModel,
      {
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        trainingJobName: sfn.JsonPath.stringAt('$.run.trainingJobName'),
        role: props.sagemakerRole,
        enableNetworkIsolation: true,
        algorithmSpecification: {
          trainingImage: image,
          trainingInputMode: tasks.InputMode.FILE,
          metricDefinitions: metricDefinitions(config.evalK).map((d) => ({ name: d.Name, regex: d.Regex })),
        },
        hyperparameters: sfn.JsonPath.jsonMerge(
          sfn.JsonPath.objectAt('$.hyperparameters'),
          sfn.JsonPath.objectAt('$.run.hyperparameters'),
        ) as unknown as Record<string, string>,
        inputDataConfig: [
          channel(CHANNELS.training, prepared('trainingUri')),
          channel(CHANNELS.testing, prepared('testingUri')),
          channel(CHANNELS.catalog, prepared('catalogUri')),
          // One object as the channel's prefix: SageMaker and the local stand-in put it in the folder by its name.
          channel(CHANNELS.stats, prepared('statsUri'), 'application/json'),
        ],
        outputDataConfig: { s3OutputLocation: new RuntimeS3Location('$.run.modelOutputUri') },
        resourceConfig: {
          instanceCount: 1,
          instanceType: instanceType(config.trainingInstanceType),
          volumeSize: Size.gibibytes(config.trainingVolumeSizeGb),
        },
        stoppingCondition: { maxRuntime: Duration.seconds(config.maxTrainingRuntimeSeconds) },
        resultPath: '$.training',
      },
      config.useSpotTraining ? config.maxSpotWaitSeconds : undefined,
    );
    const trainingJobArn = sagemakerArn(stack, 'training-job', `${names.trainingJobPrefix}*`);
    scopeTaskPolicies(train, [
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateTrainingJob',
          'sagemaker:DescribeTrainingJob',
          'sagemaker:StopTrainingJob',
          'sagemaker:AddTags',
          'sagemaker:ListTags',
        ],
        resources: [trainingJobArn],
      }),
      passRoleStatement(props.sagemakerRole),
      syncRuleStatement(stack, 'StepFunctionsGetEventsForSageMakerTrainingJobsRule'),
    ]);
    guard(train, failure);

    const publishReport = buildReportStep(this, {
      reportFunction: props.reportFunction,
      artifactsBucket: props.artifactsBucket,
      failure,
    });

    const gate = guard(
      new tasks.LambdaInvoke(this, S.EvaluateGate, {
        lambdaFunction: props.gateFunction,
        payload: sfn.TaskInput.fromObject({
          training: sfn.JsonPath.objectAt('$.training'),
          threshold: sfn.JsonPath.objectAt('$.args.threshold'),
          metricName: gateNames.metric,
          baselineMetricName: gateNames.baseline,
        } satisfies Fields<GateEvent, unknown>),
        retryOnServiceExceptions: false,
        resultSelector: payloadFields<GateDecision>({
          passed: true,
          reason: true,
          metricName: true,
          value: true,
          baselineMetricName: true,
          baselineValue: true,
          threshold: true,
          metrics: true,
        }),
        resultPath: '$.gate',
      }),
      failure,
    );

    // Both outcomes output the gate's decision and the run; each publishes it and succeeds.
    const outcome: Fields<Omit<RejectedOutput, 'status'>, string> = {
      reason: gateResult('reason'),
      metricName: gateResult('metricName'),
      value: gateResult('value'),
      baselineMetricName: gateResult('baselineMetricName'),
      baselineValue: gateResult('baselineValue'),
      threshold: gateResult('threshold'),
      metrics: gateResult('metrics'),
      trainingJobName: '$.run.trainingJobName',
      modelDataUrl: '$.training.ModelArtifacts.S3ModelArtifacts',
      reportUri: reportResult('reportUri'),
      endpointName: '$.run.endpointName',
      stats: prepared('stats'),
    };
    const subject = (what: string) => `${config.projectName} training pipeline: ${what}`;
    const rejected = publishOutput(
      this,
      { build: S.BuildRejectedOutput, notify: S.NotifyRejected, end: S.ModelRejected },
      { status: ExecutionStatus.Rejected, ...jsonPaths<Omit<RejectedOutput, 'status'>>(outcome) },
      props.topic,
      subject('model rejected'),
      failure,
    );
    const deployedFields: Fields<Omit<DeployedOutput, 'status'>, string> = {
      ...outcome,
      modelName: '$.run.modelName',
      endpointConfigName: '$.run.endpointConfigName',
      batchInputUri: prepared('batchInputUri'),
    };
    const deployed = publishOutput(
      this,
      { build: S.BuildDeployedOutput, notify: S.NotifySuccess, end: S.Deployed },
      { status: ExecutionStatus.Deployed, ...jsonPaths<Omit<DeployedOutput, 'status'>>(deployedFields) },
      props.topic,
      subject('model deployed'),
      failure,
    );

    const deploy = buildDeploySteps(this, {
      config,
      image,
      sagemakerRole: props.sagemakerRole,
      deploymentParameter: props.deploymentParameter,
      rollbackAlarms: props.rollbackAlarms,
      failure,
      next: deployed,
    });

    // Data preparation (prepare-steps.ts): the Lambda on DuckDB, or Athena for large inputs; then training.
    input.end.next(
      buildPrepareSteps(this, {
        config,
        prepareFunction: props.prepareFunction,
        rawBucket: props.rawBucket,
        artifactsBucket: props.artifactsBucket,
        failure,
        next: train,
      }),
    );
    train
      .next(publishReport)
      .next(gate)
      .next(
        new sfn.Choice(this, S.CheckGate)
          .when(sfn.Condition.booleanEquals(gateResult('passed'), true), deploy)
          .otherwise(rejected),
      );

    this.stateMachine = pipelineStateMachine(this, {
      name: names.trainingStateMachine,
      definition: input.start,
      logGroup: props.logGroup,
      timeout: Duration.minutes(config.stateMachineTimeoutMinutes),
      logicalIdPrefix: StateMachineIds.Training,
      role: 'training',
    });
  }
}
