/**
 * The deploy branch of the training pipeline: model, endpoint configuration, create-or-update of
 * the endpoint (blue/green with automatic rollback on alarms), a bounded InService polling loop,
 * and the SSM record of the deployed model.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { DeploymentRecord } from './contracts';
import {
  DataPaths,
  ENDPOINT_NOT_FOUND_ERRORS,
  PipelineErrors,
  resourceNames,
  SAGEMAKER_TRANSIENT_ERROR,
  TrainingStates as S,
  VARIANT_NAME,
} from './pipeline-names';
import {
  guard,
  instanceType,
  jsonPaths,
  passRoleStatement,
  RuntimeS3Location,
  sagemakerArn,
  scopeTaskPolicies,
} from './task-helpers';

/** What the deploy branch needs. */
export interface DeployStepsProps {
  /** Validated configuration. */
  readonly config: PipelineConfig;
  /** The serving image (same as the training image). */
  readonly image: tasks.DockerImage;
  /** Role the model runs with. */
  readonly sagemakerRole: iam.IRole;
  /** SSM parameter recording the deployed model. */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Alarms that roll an update back. */
  readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Where errors go (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The state after a successful deployment is recorded. */
  readonly next: sfn.IChainable;
}

/** Builds the deploy branch; returns its first state. */
export function buildDeploySteps(scope: Construct, props: DeployStepsProps): sfn.IChainable {
  const { config, failure } = props;
  const stack = Stack.of(scope);
  const names = resourceNames(config.projectName);
  const endpointArn = sagemakerArn(stack, 'endpoint', config.endpointName.toLowerCase());
  const endpointConfigArn = sagemakerArn(stack, 'endpoint-config', `${names.endpointConfigPrefix}*`);
  const transient = { extraRetryErrors: [SAGEMAKER_TRANSIENT_ERROR] };

  const createModel = new tasks.SageMakerCreateModel(scope, S.CreateModel, {
    modelName: sfn.JsonPath.stringAt('$.run.modelName'),
    primaryContainer: new tasks.ContainerDefinition({
      image: props.image,
      mode: tasks.Mode.SINGLE_MODEL,
      modelS3Location: new RuntimeS3Location('$.training.ModelArtifacts.S3ModelArtifacts'),
    }),
    role: props.sagemakerRole,
    enableNetworkIsolation: true,
    resultPath: sfn.JsonPath.DISCARD,
  });
  scopeTaskPolicies(createModel, [
    new iam.PolicyStatement({
      actions: ['sagemaker:CreateModel', 'sagemaker:AddTags'],
      resources: [sagemakerArn(stack, 'model', `${names.modelPrefix}*`)],
    }),
    passRoleStatement(props.sagemakerRole),
  ]);
  guard(createModel, failure, transient);

  const createEndpointConfig = new tasks.SageMakerCreateEndpointConfig(scope, S.CreateEndpointConfig, {
    endpointConfigName: sfn.JsonPath.stringAt('$.run.endpointConfigName'),
    productionVariants: [
      {
        variantName: VARIANT_NAME,
        modelName: sfn.JsonPath.stringAt('$.run.modelName'),
        initialInstanceCount: config.endpointInstanceCount,
        instanceType: instanceType(config.endpointInstanceType),
      },
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  scopeTaskPolicies(createEndpointConfig, [
    new iam.PolicyStatement({
      actions: ['sagemaker:CreateEndpointConfig', 'sagemaker:AddTags'],
      resources: [endpointConfigArn],
    }),
  ]);
  guard(createEndpointConfig, failure, transient);

  const createEndpoint = new tasks.SageMakerCreateEndpoint(scope, S.CreateEndpoint, {
    endpointName: config.endpointName,
    endpointConfigName: sfn.JsonPath.stringAt('$.run.endpointConfigName'),
    resultPath: sfn.JsonPath.DISCARD,
  });
  scopeTaskPolicies(createEndpoint, [
    new iam.PolicyStatement({
      actions: ['sagemaker:CreateEndpoint', 'sagemaker:AddTags'],
      resources: [endpointArn, endpointConfigArn],
    }),
  ]);
  guard(createEndpoint, failure, transient);

  const describeEndpoint = new tasks.CallAwsService(scope, S.DescribeEndpoint, {
    service: 'sagemaker',
    action: 'describeEndpoint',
    parameters: { EndpointName: config.endpointName },
    iamAction: 'sagemaker:DescribeEndpoint',
    iamResources: [endpointArn],
    resultSelector: { 'status.$': '$.EndpointStatus', 'endpointConfigName.$': '$.EndpointConfigName' },
    resultPath: '$.existing',
  });
  // Not found -> create; must precede the States.ALL catch that guard() adds.
  describeEndpoint.addCatch(createEndpoint, { errors: ENDPOINT_NOT_FOUND_ERRORS, resultPath: '$.describeError' });
  guard(describeEndpoint, failure);

  const updateEndpoint = new tasks.CallAwsService(scope, S.UpdateEndpoint, {
    service: 'sagemaker',
    action: 'updateEndpoint',
    parameters: {
      EndpointName: config.endpointName,
      EndpointConfigName: sfn.JsonPath.stringAt('$.run.endpointConfigName'),
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 },
          TerminationWaitInSeconds: config.blueGreenTerminationWaitSeconds,
          MaximumExecutionTimeoutInSeconds: Math.min(14400, Math.max(600, config.blueGreenTerminationWaitSeconds + 1800)),
        },
        AutoRollbackConfiguration: { Alarms: props.rollbackAlarms.map((a) => ({ AlarmName: a.alarmName })) },
      },
    },
    iamAction: 'sagemaker:UpdateEndpoint',
    iamResources: [endpointArn, endpointConfigArn],
    additionalIamStatements: [
      new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: props.rollbackAlarms.map((a) => a.alarmArn),
      }),
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  guard(updateEndpoint, failure);

  const initPoll = new sfn.Pass(scope, S.InitPollCounter, { result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.poll' });
  const wait = new sfn.Wait(scope, S.WaitForEndpoint, {
    time: sfn.WaitTime.duration(Duration.seconds(config.deployPollIntervalSeconds)),
  });
  const check = guard(
    new tasks.CallAwsService(scope, S.CheckEndpointStatus, {
      service: 'sagemaker',
      action: 'describeEndpoint',
      parameters: { EndpointName: config.endpointName },
      iamAction: 'sagemaker:DescribeEndpoint',
      iamResources: [endpointArn],
      resultPath: '$.endpoint',
    }),
    failure,
  );
  const countPoll = new sfn.Pass(scope, S.CountPoll, {
    parameters: { 'count.$': 'States.MathAdd($.poll.count, 1)' },
    resultPath: '$.poll',
  });
  const errorState = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, {
      parameters: { Error: error, 'Cause.$': cause },
      resultPath: '$.error',
    }).next(failure);

  const record = new sfn.Pass(scope, S.BuildRecord, {
    parameters: jsonPaths<DeploymentRecord>({
      modelName: '$.run.modelName',
      endpointName: '$.run.endpointName',
      endpointConfigName: '$.run.endpointConfigName',
      trainingJobName: '$.run.trainingJobName',
      modelDataUrl: '$.training.ModelArtifacts.S3ModelArtifacts',
      batchInputUri: DataPaths.prepared('batchInputUri'),
      catalogUri: DataPaths.prepared('catalogUri'),
      metricName: DataPaths.gate('metricName'),
      value: DataPaths.gate('value'),
      baselineValue: DataPaths.gate('baselineValue'),
      executionArn: '$$.Execution.Id',
      deployedAt: '$$.State.EnteredTime',
    }),
    resultPath: '$.record',
  })
    .next(
      guard(
        new tasks.CallAwsService(scope, S.RecordDeployment, {
          service: 'ssm',
          action: 'putParameter',
          parameters: {
            Name: props.deploymentParameter.parameterName,
            Value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.record')),
            Type: 'String',
            Overwrite: true,
          },
          iamAction: 'ssm:PutParameter',
          iamResources: [props.deploymentParameter.parameterArn],
          resultPath: sfn.JsonPath.DISCARD,
        }),
        failure,
      ),
    )
    .next(props.next);

  const status = '$.endpoint.EndpointStatus';
  const ready = new sfn.Choice(scope, S.EndpointReady)
    .when(
      sfn.Condition.and(
        sfn.Condition.stringEquals(status, 'InService'),
        sfn.Condition.stringEqualsJsonPath('$.endpoint.EndpointConfigName', '$.run.endpointConfigName'),
      ),
      record,
    )
    .when(
      sfn.Condition.stringEquals(status, 'InService'),
      errorState(
        S.DeploymentRolledBack,
        PipelineErrors.DeploymentRolledBack,
        "States.Format('Endpoint {} rolled back to configuration {} (a rollback alarm fired); the previous model keeps serving', $.endpoint.EndpointName, $.endpoint.EndpointConfigName)",
      ),
    )
    .when(
      sfn.Condition.or(sfn.Condition.stringEquals(status, 'Failed'), sfn.Condition.stringEquals(status, 'UpdateRollbackFailed')),
      errorState(S.DeploymentFailed, PipelineErrors.DeploymentFailed, 'States.JsonToString($.endpoint)'),
    )
    .when(
      sfn.Condition.numberGreaterThanEquals('$.poll.count', config.deployMaxPolls),
      errorState(
        S.DeploymentTimedOut,
        PipelineErrors.DeploymentTimedOut,
        `States.Format('Endpoint {} was not InService with the new configuration after ${config.deployMaxPolls} polls', $.run.endpointName)`,
      ),
    )
    .otherwise(wait);

  createEndpoint.next(initPoll);
  updateEndpoint.next(initPoll);
  initPoll.next(wait);
  wait.next(check).next(countPoll).next(ready);
  describeEndpoint.next(updateEndpoint);
  return createModel.next(createEndpointConfig).next(describeEndpoint);
}
