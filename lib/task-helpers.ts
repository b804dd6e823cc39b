/**
 * Helpers shared by the state machine builders: retries, catches, scoped task policies, field
 * selections checked against the stage contracts, and the parts both state machines share.
 */
import { ArnFormat, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Fields } from './contracts';
import { ROLE_TAG } from './pipeline-names';
import { IntegrationErrors, THROTTLING_ERRORS } from './aws-errors';

/**
 * Retries throttling and transient errors with backoff. On its own only for a task inside a Map or
 * Parallel, whose catch is the enclosing state's; every other task takes `guard`.
 */
export function retryTransient<T extends sfn.TaskStateBase>(task: T, extraRetryErrors: readonly string[] = []): T {
  task.addRetry({
    errors: [...THROTTLING_ERRORS, ...extraRetryErrors],
    interval: Duration.seconds(5),
    maxAttempts: 6,
    backoffRate: 2,
    maxDelay: Duration.minutes(2),
  });
  return task;
}

/** Retries throttling and transient errors with backoff, then catches everything into `failure`. */
export function guard<T extends sfn.TaskStateBase>(
  task: T,
  failure: sfn.IChainable,
  options: { readonly extraRetryErrors?: string[]; readonly catchResultPath?: string } = {},
): T {
  retryTransient(task, options.extraRetryErrors);
  task.addCatch(failure, { errors: [sfn.Errors.ALL], resultPath: options.catchResultPath ?? '$.error' });
  return task;
}

/**
 * Replaces the IAM statements a native SageMaker task would add to the state machine role. The
 * built-in ones use `resource/*` whenever a name is a JSONPath; ours are scoped to the name prefixes.
 * Must run before the task is bound to a state machine (statements are read at binding).
 */
export function scopeTaskPolicies(task: sfn.TaskStateBase, statements: iam.PolicyStatement[]): void {
  Object.defineProperty(task, 'taskPolicies', { value: statements, configurable: true });
}

/** arn:aws:sagemaker:<region>:<account>:<resource>/<name> in the stack's account and region. */
export function sagemakerArn(scope: Stack, resource: string, name: string): string {
  return scope.formatArn({ service: 'sagemaker', resource, resourceName: name });
}

/**
 * The model package group and its versions (`model-package-group/<group>`,
 * `model-package/<group>/<version>`; SageMaker writes the names in lower case in ARNs).
 */
export function modelPackageArns(scope: Stack, groupName: string): [group: string, versions: string] {
  const group = groupName.toLowerCase();
  return [sagemakerArn(scope, 'model-package-group', group), sagemakerArn(scope, 'model-package', `${group}/*`)];
}

/** iam:PassRole of the SageMaker execution role, only to SageMaker. */
export function passRoleStatement(role: iam.IRole): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [role.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  });
}

/** The managed EventBridge rule Step Functions uses to follow a .sync SageMaker job. */
export function syncRuleStatement(scope: Stack, ruleName: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [scope.formatArn({ service: 'events', resource: 'rule', resourceName: ruleName })],
  });
}

/** The SageMaker instance type without its `ml.` prefix, as the CDK tasks want it. */
export function instanceType(mlType: string): ec2.InstanceType {
  return new ec2.InstanceType(mlType.replace(/^ml\./, ''));
}

/**
 * An S3 location known only at run time (a JSONPath). Unlike S3Location.fromJsonExpression it
 * grants nothing (that one grants s3:GetObject/PutObject on "*"): the SageMaker role carries
 * prefix-scoped S3 statements instead.
 */
export class RuntimeS3Location extends tasks.S3Location {
  constructor(private readonly path: string) {
    super();
  }

  bind(): tasks.S3LocationConfig {
    return { uri: sfn.JsonPath.stringAt(this.path) };
  }
}

/** The log groups SageMaker jobs and endpoints write to (/aws/sagemaker/...). */
export function sagemakerLogGroupArn(stack: Stack): string {
  return stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: '/aws/sagemaker/*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The failure path shared by the state machines: publish the error and cause to the topic, then
 * end in a Fail state carrying the original error (a failed publish still reaches the Fail state).
 */
export function failurePath(
  scope: Construct,
  ids: { readonly notify: string; readonly fail: string },
  topic: sns.ITopic,
  subject: string,
  what: string,
): tasks.SnsPublish {
  const fail = sfn.Fail.jsonPath(scope, ids.fail, { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const notify = guard(
    new tasks.SnsPublish(scope, ids.notify, {
      topic,
      subject,
      message: sfn.TaskInput.fromText(
        sfn.JsonPath.format(
          `${what} execution {} failed. Error: {}. Cause: {}`,
          sfn.JsonPath.executionName,
          sfn.JsonPath.stringAt('$.error.Error'),
          sfn.JsonPath.stringAt('$.error.Cause'),
        ),
      ),
      resultPath: sfn.JsonPath.DISCARD,
    }),
    fail,
    { catchResultPath: sfn.JsonPath.DISCARD },
  );
  notify.next(fail);
  return notify;
}

/** Pass-state parameters that copy every field of T from a JSONPath: `{ 'field.$': path }`. */
export function jsonPaths<T>(paths: Fields<T, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(paths as Record<string, string>).map(([k, p]) => [`${k}.$`, p]));
}

/** A LambdaInvoke resultSelector that keeps every field of T from the function's Payload. */
export function payloadFields<T>(fields: Fields<T, true>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(fields).map((k) => [k, sfn.JsonPath.objectAt(`$.Payload.${k}`)]));
}

/**
 * How a state machine ends well: build the execution output at `$.output`, publish it to the
 * topic, and succeed with it as the output.
 */
export function publishOutput(
  scope: Construct,
  ids: { readonly build: string; readonly notify: string; readonly end: string },
  output: Record<string, unknown>,
  topic: sns.ITopic,
  subject: string,
  failure: sfn.IChainable,
): sfn.IChainable {
  return new sfn.Pass(scope, ids.build, { parameters: output, resultPath: '$.output' })
    .next(
      guard(
        new tasks.SnsPublish(scope, ids.notify, {
          topic,
          subject,
          message: sfn.TaskInput.fromText(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.output'))),
          resultPath: sfn.JsonPath.DISCARD,
        }),
        failure,
      ),
    )
    .next(new sfn.Succeed(scope, ids.end, { outputPath: '$.output' }));
}

/** What both state machines are built with. */
export interface PipelineStateMachineProps {
  /** The state machine's name. */
  readonly name: string;
  /** The first state. */
  readonly definition: sfn.IChainable;
  /** Log group receiving every execution event. */
  readonly logGroup: logs.ILogGroup;
  /** Execution timeout. */
  readonly timeout: Duration;
  /** Logical id prefix (StateMachineIds) and ROLE_TAG value, by which tools find it. */
  readonly logicalIdPrefix: string;
  readonly role: 'training' | 'batch';
}

/** A traced state machine logging every event, with a stable logical id and its role tag. */
export function pipelineStateMachine(scope: Construct, props: PipelineStateMachineProps): sfn.StateMachine {
  const machine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: props.name,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
    timeout: props.timeout,
  });
  (machine.node.defaultChild as sfn.CfnStateMachine).overrideLogicalId(`${props.logicalIdPrefix}StateMachine`);
  Tags.of(machine).add(ROLE_TAG, props.role);
  return machine;
}

/**
 * GetParameter of the deployment record, parsed (`<resultPath>.record` is a DeploymentRecord).
 * Before the first deployment there is none: ParameterNotFound goes to `missing` (the execution's
 * data unchanged); any other error to `failure`. The batch pipeline, the champion of a training
 * run and the deployment steps' "already live" check read it this one way.
 */
export function readDeploymentRecord(
  scope: Construct,
  id: string,
  props: {
    readonly parameter: ssm.IStringParameter;
    readonly resultPath: string;
    readonly missing: sfn.IChainable;
    readonly failure: sfn.IChainable;
  },
): tasks.CallAwsService {
  const read = new tasks.CallAwsService(scope, id, {
    service: 'ssm',
    action: 'getParameter',
    parameters: { Name: props.parameter.parameterName },
    iamAction: 'ssm:GetParameter',
    iamResources: [props.parameter.parameterArn],
    resultSelector: { 'record.$': 'States.StringToJson($.Parameter.Value)' },
    resultPath: props.resultPath,
  });
  // Before guard(): its States.ALL catch must come last.
  read.addCatch(props.missing, { errors: [IntegrationErrors.SsmParameterNotFound], resultPath: sfn.JsonPath.DISCARD });
  return guard(read, props.failure);
}
