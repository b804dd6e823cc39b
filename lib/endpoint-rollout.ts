/**
 * Puts the requested endpoint configuration into service, whatever state the endpoint is in. One
 * loop: describe the endpoint, then act on its EndpointStatus
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html):
 *
 * - absent -> CreateEndpoint; InService -> UpdateEndpoint (blue/green, alarm rollback);
 * - Failed -> DeleteEndpoint (the only operation a Failed endpoint allows), wait until it is gone,
 *   then create;
 * - Creating, Updating, SystemUpdating, RollingBack, Deleting -> wait and describe again;
 * - UpdateRollbackFailed, OutOfService -> fail: a person has to look at it.
 *
 * After this execution's own create or update, InService with its configuration is success,
 * InService with another one a rollback, Failed a failed deployment. Each phase (before and after
 * the request) polls at most deployMaxPolls times. SageMaker's endpoint errors all reach the state
 * machine under one name, so the loop reads the Cause: a missing endpoint is created, a busy or
 * failed one described again, throttling waited out; anything else (access denied, a quota) fails
 * the execution with SageMaker's own error and message.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { deploymentTimings, PipelineConfig } from './config';
import { DataPaths, PipelineErrors, resourceNames, TrainingStates as S } from './pipeline-names';
import { ENDPOINT_API_ERRORS, ENDPOINT_ERROR_PATTERNS as P, EndpointStatus, IntegrationErrors } from './aws-errors';
import { guard, sagemakerArn, scopeTaskPolicies } from './task-helpers';

/** What the rollout needs. */
export interface EndpointRolloutProps {
  /** Validated configuration (endpoint name, blue/green settings, polling). */
  readonly config: PipelineConfig;
  /** Alarms that roll a blue/green update back. */
  readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Where errors go (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The state once the endpoint is InService with the requested configuration. */
  readonly done: sfn.IChainable;
}

const STATUS = '$.endpoint.EndpointStatus';
const CAUSE = '$.endpointError.Cause';
const requested = () => sfn.Condition.booleanEquals('$.rollout.requested', true);
const status = (...values: string[]) =>
  values.length === 1
    ? sfn.Condition.stringEquals(STATUS, values[0])
    : sfn.Condition.or(...values.map((v) => sfn.Condition.stringEquals(STATUS, v)));
const causeMatches = (...patterns: readonly string[]) =>
  patterns.length === 1
    ? sfn.Condition.stringMatches(CAUSE, patterns[0])
    : sfn.Condition.or(...patterns.map((p) => sfn.Condition.stringMatches(CAUSE, p)));

/** Builds the rollout loop; returns its first state. */
export function buildEndpointRollout(scope: Construct, props: EndpointRolloutProps): sfn.IChainable {
  const { config, failure } = props;
  const stack = Stack.of(scope);
  const names = resourceNames(config.projectName);
  const endpointArn = sagemakerArn(stack, 'endpoint', config.endpointName.toLowerCase());
  const endpointConfigArn = sagemakerArn(stack, 'endpoint-config', `${names.endpointConfigPrefix}*`);
  const configName = DataPaths.request('endpointConfigName');
  const pollEvery = `${config.deployPollIntervalSeconds} s`;

  const fail = (id: string, error: string, cause: string) =>
    new sfn.Pass(scope, id, { parameters: { Error: error, 'Cause.$': cause }, resultPath: '$.error' }).next(failure);
  const classify = new sfn.Choice(scope, S.ClassifyEndpointError);
  const onEndpointError = (task: sfn.TaskStateBase, errors: string[]) => {
    task.addCatch(classify, { errors, resultPath: '$.endpointError' });
    return guard(task, failure);
  };

  const init = new sfn.Pass(scope, S.InitRollout, {
    result: sfn.Result.fromObject({ requested: false, polls: 0 }),
    resultPath: '$.rollout',
  });
  const describe = onEndpointError(
    new tasks.CallAwsService(scope, S.DescribeEndpoint, {
      service: 'sagemaker',
      action: 'describeEndpoint',
      parameters: { EndpointName: config.endpointName },
      iamAction: 'sagemaker:DescribeEndpoint',
      iamResources: [endpointArn],
      resultPath: '$.endpoint',
    }),
    ENDPOINT_API_ERRORS,
  );

  const create = new tasks.SageMakerCreateEndpoint(scope, S.CreateEndpoint, {
    endpointName: config.endpointName,
    endpointConfigName: sfn.JsonPath.stringAt(configName),
    resultPath: sfn.JsonPath.DISCARD,
  });
  scopeTaskPolicies(create, [
    new iam.PolicyStatement({
      actions: ['sagemaker:CreateEndpoint', 'sagemaker:AddTags'],
      resources: [endpointArn, endpointConfigArn],
    }),
  ]);
  // Not retried on SageMaker's errors: a repeated create of an endpoint that exists fails anyway.
  onEndpointError(create, [IntegrationErrors.SageMakerApi]);

  const { maxExecutionTimeoutSeconds } = deploymentTimings(config);
  const update = onEndpointError(
    new tasks.CallAwsService(scope, S.UpdateEndpoint, {
      service: 'sagemaker',
      action: 'updateEndpoint',
      parameters: {
        EndpointName: config.endpointName,
        EndpointConfigName: sfn.JsonPath.stringAt(configName),
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 },
            TerminationWaitInSeconds: config.blueGreenTerminationWaitSeconds,
            MaximumExecutionTimeoutInSeconds: maxExecutionTimeoutSeconds,
          },
          AutoRollbackConfiguration: { Alarms: props.rollbackAlarms.map((a) => ({ AlarmName: a.alarmName })) },
        },
      },
      iamAction: 'sagemaker:UpdateEndpoint',
      iamResources: [endpointArn, endpointConfigArn],
      // SageMaker reads the alarms with the model's execution role (granted in the stack); the
      // caller's grant, on the same alarms only, covers a check made with the caller's credentials.
      additionalIamStatements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: props.rollbackAlarms.map((a) => a.alarmArn),
        }),
      ],
      resultPath: sfn.JsonPath.DISCARD,
    }),
    ENDPOINT_API_ERRORS,
  );

  const remove = onEndpointError(
    new tasks.CallAwsService(scope, S.DeleteFailedEndpoint, {
      service: 'sagemaker',
      action: 'deleteEndpoint',
      parameters: { EndpointName: config.endpointName },
      iamAction: 'sagemaker:DeleteEndpoint',
      iamResources: [endpointArn],
      resultPath: sfn.JsonPath.DISCARD,
    }),
    ENDPOINT_API_ERRORS,
  );

  const markRequested = new sfn.Pass(scope, S.RolloutRequested, {
    result: sfn.Result.fromObject({ requested: true, polls: 0 }),
    resultPath: '$.rollout',
  });
  const countPoll = new sfn.Pass(scope, S.CountPoll, {
    parameters: { 'requested.$': '$.rollout.requested', 'polls.$': 'States.MathAdd($.rollout.polls, 1)' },
    resultPath: '$.rollout',
  });
  const wait = new sfn.Wait(scope, S.WaitForEndpoint, {
    time: sfn.WaitTime.duration(Duration.seconds(config.deployPollIntervalSeconds)),
  });

  const endpointJson = 'States.JsonToString($.endpoint)';
  const rolledBack = fail(
    S.DeploymentRolledBack,
    PipelineErrors.DeploymentRolledBack,
    "States.Format('Endpoint {} rolled back to configuration {} (a rollback alarm fired or the new fleet failed); the previous model keeps serving', $.endpoint.EndpointName, $.endpoint.EndpointConfigName)",
  );
  // The Cause is DescribeEndpoint's JSON: the CLI and the summary show its FailureReason.
  const failed = fail(S.DeploymentFailed, PipelineErrors.DeploymentFailed, endpointJson);
  const disappeared = fail(
    S.EndpointDisappeared,
    PipelineErrors.DeploymentFailed,
    `States.Format('Endpoint ${config.endpointName} was deleted while this execution deployed configuration {}', ${configName})`,
  );
  const needsAttention = fail(
    S.EndpointNeedsAttention,
    PipelineErrors.EndpointNeedsAttention,
    `States.Format('Endpoint ${config.endpointName} is {}: repair or delete it before the next deployment. {}', ${STATUS}, ${endpointJson})`,
  );
  const timedOut = fail(
    S.DeploymentTimedOut,
    PipelineErrors.DeploymentTimedOut,
    `States.Format('Endpoint ${config.endpointName} was not InService with configuration {} after ${config.deployMaxPolls} polls every ${pollEvery}', ${configName})`,
  );
  const notReady = fail(
    S.EndpointNotReady,
    PipelineErrors.EndpointNotReady,
    `States.Format('Endpoint ${config.endpointName} did not become InService or Failed, nor go away, in ${config.deployMaxPolls} polls every ${pollEvery}; nothing was changed ({})', ${configName})`,
  );
  // SageMaker's own error and message: access denied, a quota, a bad request.
  const callFailed = new sfn.Pass(scope, S.EndpointCallFailed, {
    parameters: { 'Error.$': '$.endpointError.Error', 'Cause.$': CAUSE },
    resultPath: '$.error',
  }).next(failure);

  const mine = sfn.Condition.and(
    status(EndpointStatus.InService),
    sfn.Condition.stringEqualsJsonPath('$.endpoint.EndpointConfigName', configName),
  );
  const broken = status(EndpointStatus.UpdateRollbackFailed, EndpointStatus.OutOfService);
  const decide = new sfn.Choice(scope, S.DecideEndpointAction)
    .when(mine, props.done)
    .when(sfn.Condition.and(status(EndpointStatus.InService), requested()), rolledBack)
    .when(status(EndpointStatus.InService), update)
    .when(sfn.Condition.and(status(EndpointStatus.Failed), requested()), failed)
    .when(status(EndpointStatus.Failed), remove)
    .when(sfn.Condition.and(broken, requested()), failed)
    .when(broken, needsAttention)
    // Creating, Updating, SystemUpdating, RollingBack, Deleting: not yet.
    .otherwise(countPoll);

  // "Could not find endpoint configuration" first: CreateEndpoint may not see a configuration
  // created a moment ago (SageMaker asks callers to retry), and its message starts like the other.
  classify
    .when(causeMatches(P.endpointConfigNotFound), countPoll)
    .when(sfn.Condition.and(causeMatches(P.endpointNotFound), requested()), disappeared)
    .when(causeMatches(P.endpointNotFound), create)
    .when(causeMatches(...P.describeAgain, ...P.throttled), countPoll)
    .otherwise(callFailed);

  const budget = sfn.Condition.numberGreaterThanEquals('$.rollout.polls', config.deployMaxPolls);
  countPoll.next(
    new sfn.Choice(scope, S.PollBudgetLeft)
      .when(sfn.Condition.and(budget, requested()), timedOut)
      .when(budget, notReady)
      .otherwise(wait),
  );
  create.next(markRequested);
  update.next(markRequested);
  remove.next(countPoll);
  markRequested.next(wait);
  wait.next(describe);
  describe.next(decide);
  return init.next(describe);
}
