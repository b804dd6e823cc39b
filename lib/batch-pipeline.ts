/**
 * The batch recommendations state machine: reads the deployed model and its users.jsonl from the
 * SSM record the training pipeline writes, runs a .sync transform job over it and writes headerless
 * CSV to s3://<artifacts>/batch/<date>/<execution name>/. Before the first deployment there is no
 * record: the execution succeeds with status SKIPPED (nothing to do is not a failure, and the
 * failed-executions alarm stays quiet).
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { BATCH_MAX_PAYLOAD_MB } from '../container/src/limits';
import { PipelineConfig } from './config';
import type { BatchOutput, BatchSkippedOutput } from './contracts';
import { buildInputCheck } from './input-steps';
import { BatchStates as S, DataPaths, ExecutionStatus, resourceNames, StateMachineIds } from './pipeline-names';
import { IntegrationErrors } from './aws-errors';
import {
  failurePath,
  guard,
  instanceType,
  jsonPaths,
  passRoleStatement,
  pipelineStateMachine,
  publishOutput,
  sagemakerArn,
  scopeTaskPolicies,
  syncRuleStatement,
} from './task-helpers';

const { record } = DataPaths;

/** Properties of the batch pipeline. */
export interface BatchPipelineProps {
  /** Validated configuration. */
  readonly config: PipelineConfig;
  /** Bucket receiving the transform output under `batch/`. */
  readonly artifactsBucket: s3.IBucket;
  /** The validate-input Lambda (the first task: checks the execution input). */
  readonly validateFunction: lambda.IFunction;
  /** Role SageMaker assumes for the transform job. */
  readonly sagemakerRole: iam.IRole;
  /** Topic that receives success and failure notifications. */
  readonly topic: sns.ITopic;
  /** SSM parameter with the deployed model's record (absent until the first deployment). */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Log group receiving every execution event. */
  readonly logGroup: logs.ILogGroup;
}

/** Builds the batch recommendations state machine. */
export class BatchPipeline extends Construct {
  /** The state machine (logical id `BatchRecommendationsStateMachine`). */
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: BatchPipelineProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const names = resourceNames(config.projectName);

    const failure = failurePath(
      this,
      { notify: S.NotifyBatchFailure, fail: S.BatchFailed },
      props.topic,
      `${config.projectName} batch recommendations failed`,
      'Batch recommendations',
    );

    // No input key is taken: a misspelt option must fail, not be ignored.
    const inputCheck = buildInputCheck(this, { validateFunction: props.validateFunction, pipeline: 'batch', failure });
    const prepareRun = new sfn.Pass(this, S.PrepareBatchRun, {
      parameters: { 'dateParts.$': "States.StringSplit($$.Execution.StartTime, 'T')", 'runId.$': 'States.UUID()' },
      resultPath: '$.run',
    });
    const noModel = new sfn.Pass(this, S.NoDeployedModel, {
      parameters: {
        status: ExecutionStatus.BatchSkipped,
        reason: `No model has been deployed yet (no record at ${props.deploymentParameter.parameterName}): nothing to recommend until a training execution deploys one`,
      } satisfies BatchSkippedOutput,
      resultPath: '$.output',
    }).next(new sfn.Succeed(this, S.BatchSkipped, { outputPath: '$.output' }));
    const readDeployment = new tasks.CallAwsService(this, S.ReadDeployment, {
      service: 'ssm',
      action: 'getParameter',
      parameters: { Name: props.deploymentParameter.parameterName },
      iamAction: 'ssm:GetParameter',
      iamResources: [props.deploymentParameter.parameterArn],
      resultSelector: { 'record.$': 'States.StringToJson($.Parameter.Value)' },
      resultPath: '$.deployment',
    });
    // Before guard(): its States.ALL catch must come last.
    readDeployment.addCatch(noModel, { errors: [IntegrationErrors.SsmParameterNotFound], resultPath: sfn.JsonPath.DISCARD });
    guard(readDeployment, failure);
    const outputUri = `s3://${props.artifactsBucket.bucketName}/batch/{}/{}/`;
    const nameRun = new sfn.Pass(this, S.NameBatchRun, {
      parameters: {
        'transformJobName.$': `States.Format('${names.transformJobPrefix}{}', $.run.runId)`,
        'date.$': 'States.ArrayGetItem($.run.dateParts, 0)',
      },
      resultPath: '$.names',
    });
    const nameOutput = new sfn.Pass(this, S.NameBatchOutput, {
      parameters: { 'outputUri.$': `States.Format('${outputUri}', $.names.date, $$.Execution.Name)` },
      resultPath: '$.location',
    });

    const transform = new tasks.SageMakerCreateTransformJob(this, S.RunBatchTransform, {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      transformJobName: sfn.JsonPath.stringAt('$.names.transformJobName'),
      modelName: sfn.JsonPath.stringAt(record('modelName')),
      role: props.sagemakerRole,
      // MultiRecord payloads of at most 1 MB: even lines as short as can be, each with the largest
      // top_n, then ask the server for no more than it answers per request (limits.ts).
      batchStrategy: tasks.BatchStrategy.MULTI_RECORD,
      maxPayload: Size.mebibytes(BATCH_MAX_PAYLOAD_MB),
      transformInput: {
        contentType: 'application/json',
        splitType: tasks.SplitType.LINE,
        transformDataSource: {
          s3DataSource: {
            s3DataType: tasks.S3DataType.S3_PREFIX,
            s3Uri: sfn.JsonPath.stringAt(record('batchInputUri')),
          },
        },
      },
      transformOutput: {
        s3OutputPath: sfn.JsonPath.stringAt('$.location.outputUri'),
        accept: 'text/csv',
        assembleWith: tasks.AssembleWith.LINE,
      },
      transformResources: {
        instanceCount: config.transformInstanceCount,
        instanceType: instanceType(config.transformInstanceType),
      },
      resultPath: '$.transform',
      taskTimeout: sfn.Timeout.duration(Duration.seconds(config.maxTransformRuntimeSeconds)),
    });
    scopeTaskPolicies(transform, [
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateTransformJob',
          'sagemaker:DescribeTransformJob',
          'sagemaker:StopTransformJob',
          'sagemaker:AddTags',
          'sagemaker:ListTags',
        ],
        resources: [sagemakerArn(stack, 'transform-job', `${names.transformJobPrefix}*`)],
      }),
      // CreateTransformJob also authorizes against the model it runs.
      new iam.PolicyStatement({
        actions: ['sagemaker:CreateTransformJob'],
        resources: [sagemakerArn(stack, 'model', `${names.modelPrefix}*`)],
      }),
      passRoleStatement(props.sagemakerRole),
      syncRuleStatement(stack, 'StepFunctionsGetEventsForSageMakerTransformJobsRule'),
    ]);
    guard(transform, failure);

    const done = publishOutput(
      this,
      { build: S.BuildBatchOutput, notify: S.NotifyBatchSuccess, end: S.BatchComplete },
      {
        status: ExecutionStatus.BatchCompleted,
        ...jsonPaths<Omit<BatchOutput, 'status'>>({
          transformJobName: '$.names.transformJobName',
          modelName: record('modelName'),
          batchInputUri: record('batchInputUri'),
          outputUri: '$.location.outputUri',
        }),
      },
      props.topic,
      `${config.projectName} batch recommendations written`,
      failure,
    );

    inputCheck.next(prepareRun);
    prepareRun
      .next(readDeployment)
      .next(
        new sfn.Choice(this, S.HasDeployedModel)
          .when(
            sfn.Condition.and(sfn.Condition.isPresent(record('modelName')), sfn.Condition.isPresent(record('batchInputUri'))),
            nameRun.next(nameOutput).next(transform).next(done),
          )
          .otherwise(noModel),
      );

    this.stateMachine = pipelineStateMachine(this, {
      name: names.batchStateMachine,
      definition: inputCheck,
      logGroup: props.logGroup,
      timeout: Duration.seconds(config.maxTransformRuntimeSeconds + 900),
      logicalIdPrefix: StateMachineIds.Batch,
      role: 'batch',
    });
  }
}
