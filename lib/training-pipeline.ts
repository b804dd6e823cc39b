/**
 * The training pipeline state machine: defaults -> input check -> prepare -> train -> gate ->
 * deploy -> record -> notify. Names of states, errors and outputs come from pipeline-names.ts.
 */
import { Duration, Size, Stack, Tags } from 'aws-cdk-lib';
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
import { PipelineConfig } from './config';
import { buildDeploySteps } from './deploy-steps';
import {
  ExecutionStatus,
  gateMetricNames,
  PipelineErrors,
  resourceNames,
  ROLE_TAG,
  StateMachineIds,
  TrainingStates as S,
} from './pipeline-names';
import {
  failurePath,
  guard,
  instanceType,
  passRoleStatement,
  RuntimeS3Location,
  sagemakerArn,
  scopeTaskPolicies,
  syncRuleStatement,
} from './task-helpers';

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

  protected _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): any {
    const rendered = super._renderTask(topLevelQueryLanguage);
    if (this.spotMaxWait === undefined) return rendered;
    const params = rendered.Parameters;
    params.EnableManagedSpotTraining = true;
    params.StoppingCondition = { ...params.StoppingCondition, MaxWaitTimeInSeconds: this.spotMaxWait };
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

    const applyDefaults = new sfn.Pass(this, S.ApplyDefaults, {
      parameters: {
        defaults: {
          rawDataUri: `s3://${props.rawBucket.bucketName}/${config.rawDataKey}`,
          threshold: config.gateThreshold,
          split: config.split,
          testFraction: config.testFraction,
          seed: config.splitSeed,
        },
        // Kept apart from `defaults`: each JsonMerge below gets its own objects (the local
        // interpreter's JsonMerge mutates its first argument).
        hyperparameters: config.hyperparameters,
        base: { hyperparameters: {} },
        fixed: { eval_k: String(config.evalK) },
        'input.$': '$',
      },
    });
    const normalizeInput = new sfn.Pass(this, S.NormalizeInput, {
      parameters: {
        'defaults.$': '$.defaults',
        'hyperparameters.$': '$.hyperparameters',
        'fixed.$': '$.fixed',
        'input.$': 'States.JsonMerge($.base, $.input, false)',
      },
    });
    const mergeInput = new sfn.Pass(this, S.MergeInput, {
      parameters: {
        'args.$': 'States.JsonMerge($.defaults, $.input, false)',
        'hyperparameters.$': 'States.JsonMerge($.hyperparameters, $.input.hyperparameters, false)',
        'fixed.$': '$.fixed',
        'runId.$': 'States.UUID()',
      },
    });
    // The threshold is only used by the gate, after training: check it before any work is done.
    const threshold = '$.args.threshold';
    const validateInput = new sfn.Choice(this, S.ValidateInput);
    const invalidInput = new sfn.Pass(this, S.InvalidInput, {
      parameters: {
        Error: PipelineErrors.InvalidExecutionInput,
        'Cause.$': `States.Format('threshold must be a number between 0 and 1, got {}', States.JsonToString(${threshold}))`,
      },
      resultPath: '$.error',
    }).next(failure);
    const runPrefix = `s3://${props.artifactsBucket.bucketName}/runs/{}/`;
    const nameRun = new sfn.Pass(this, S.NameRun, {
      parameters: {
        'args.$': '$.args',
        // eval_k is fixed: the gate and the MetricDefinitions are built for config.evalK.
        'hyperparameters.$': 'States.JsonMerge($.hyperparameters, $.fixed, false)',
        run: {
          'id.$': '$.runId',
          'trainingJobName.$': `States.Format('${names.trainingJobPrefix}{}', $.runId)`,
          'modelName.$': `States.Format('${names.modelPrefix}{}', $.runId)`,
          'endpointConfigName.$': `States.Format('${names.endpointConfigPrefix}{}', $.runId)`,
          endpointName: config.endpointName,
          'dataUri.$': `States.Format('${runPrefix}data/', $$.Execution.Name)`,
          'modelOutputUri.$': `States.Format('${runPrefix}model/', $$.Execution.Name)`,
        },
      },
    });

    const prepare = guard(
      new tasks.LambdaInvoke(this, S.PrepareData, {
        lambdaFunction: props.prepareFunction,
        payload: sfn.TaskInput.fromObject({
          rawDataUri: sfn.JsonPath.stringAt('$.args.rawDataUri'),
          outputUri: sfn.JsonPath.stringAt('$.run.dataUri'),
          split: sfn.JsonPath.stringAt('$.args.split'),
          testFraction: sfn.JsonPath.numberAt('$.args.testFraction'),
          seed: sfn.JsonPath.numberAt('$.args.seed'),
        }),
        retryOnServiceExceptions: false,
        resultSelector: Object.fromEntries(
          ['trainingUri', 'testingUri', 'catalogUri', 'batchInputUri', 'statsUri', 'manifestUri', 'stats'].map((k) => [
            k,
            sfn.JsonPath.objectAt(`$.Payload.${k}`),
          ]),
        ),
        resultPath: '$.prepared',
      }),
      failure,
    );

    const channel = (name: string, path: string): tasks.Channel => ({
      channelName: name,
      contentType: 'text/csv',
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
        hyperparameters: sfn.JsonPath.objectAt('$.hyperparameters') as unknown as Record<string, string>,
        inputDataConfig: [
          channel('training', '$.prepared.trainingUri'),
          channel('testing', '$.prepared.testingUri'),
          channel('catalog', '$.prepared.catalogUri'),
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

    const gate = guard(
      new tasks.LambdaInvoke(this, S.EvaluateGate, {
        lambdaFunction: props.gateFunction,
        payload: sfn.TaskInput.fromObject({
          training: sfn.JsonPath.objectAt('$.training'),
          threshold: sfn.JsonPath.objectAt('$.args.threshold'),
          metricName: gateNames.metric,
          baselineMetricName: gateNames.baseline,
        }),
        retryOnServiceExceptions: false,
        resultSelector: Object.fromEntries(
          ['passed', 'reason', 'metricName', 'value', 'baselineMetricName', 'baselineValue', 'threshold', 'metrics'].map((k) => [
            k,
            sfn.JsonPath.objectAt(`$.Payload.${k}`),
          ]),
        ),
        resultPath: '$.gate',
      }),
      failure,
    );

    const gateFields = {
      'reason.$': '$.gate.reason',
      'metricName.$': '$.gate.metricName',
      'value.$': '$.gate.value',
      'baselineMetricName.$': '$.gate.baselineMetricName',
      'baselineValue.$': '$.gate.baselineValue',
      'threshold.$': '$.gate.threshold',
      'metrics.$': '$.gate.metrics',
      'trainingJobName.$': '$.run.trainingJobName',
      'modelDataUrl.$': '$.training.ModelArtifacts.S3ModelArtifacts',
      'endpointName.$': '$.run.endpointName',
      'stats.$': '$.prepared.stats',
    };
    // Both outcomes build the execution output, publish it, and end in a Succeed state of their own.
    const outcome = (
      buildId: string,
      status: string,
      fields: Record<string, unknown>,
      notifyId: string,
      subject: string,
      endId: string,
    ) =>
      new sfn.Pass(this, buildId, { parameters: { status, ...gateFields, ...fields }, resultPath: '$.output' })
        .next(
          guard(
            new tasks.SnsPublish(this, notifyId, {
              topic: props.topic,
              subject: `${config.projectName} training pipeline: ${subject}`,
              message: sfn.TaskInput.fromText(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.output'))),
              resultPath: sfn.JsonPath.DISCARD,
            }),
            failure,
          ),
        )
        .next(new sfn.Succeed(this, endId, { outputPath: '$.output' }));
    const rejected = outcome(
      S.BuildRejectedOutput,
      ExecutionStatus.Rejected,
      {},
      S.NotifyRejected,
      'model rejected',
      S.ModelRejected,
    );
    const deployed = outcome(
      S.BuildDeployedOutput,
      ExecutionStatus.Deployed,
      {
        'modelName.$': '$.run.modelName',
        'endpointConfigName.$': '$.run.endpointConfigName',
        'batchInputUri.$': '$.prepared.batchInputUri',
      },
      S.NotifySuccess,
      'model deployed',
      S.Deployed,
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

    const valid = sfn.Condition.and(
      sfn.Condition.isPresent(threshold),
      sfn.Condition.isNumeric(threshold),
      sfn.Condition.numberGreaterThanEquals(threshold, 0),
      sfn.Condition.numberLessThanEquals(threshold, 1),
    );
    const definition = applyDefaults
      .next(normalizeInput)
      .next(mergeInput)
      .next(validateInput.when(valid, nameRun).otherwise(invalidInput));
    nameRun
      .next(prepare)
      .next(train)
      .next(gate)
      .next(
        new sfn.Choice(this, S.CheckGate).when(sfn.Condition.booleanEquals('$.gate.passed', true), deploy).otherwise(rejected),
      );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: names.trainingStateMachine,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      timeout: Duration.minutes(config.stateMachineTimeoutMinutes),
    });
    (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).overrideLogicalId(`${StateMachineIds.Training}StateMachine`);
    Tags.of(this.stateMachine).add(ROLE_TAG, 'training');
  }
}
