/**
 * The deployment lock: one item in a DynamoDB table, written with a ConditionExpression so that
 * only one execution deploys at a time (a conditional write fails with
 * DynamoDB.ConditionalCheckFailedException when another holds it). A second execution waits,
 * polling, and ends BUSY when the holder keeps it for the whole wait. A lock left by an execution
 * that is no longer RUNNING (aborted, timed out) is taken over, again with a condition on the
 * holder it names, so two waiters cannot both take it. The pattern (a DynamoDB semaphore driven by
 * Step Functions) is AWS's own:
 * https://aws.amazon.com/blogs/compute/controlling-concurrency-in-distributed-systems-using-aws-step-functions/
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import { resourceNames, TrainingStates as S } from './pipeline-names';
import { IntegrationErrors } from './aws-errors';
import { guard } from './task-helpers';

/** Where the lock's holder is, once ReadDeployLock has read it. */
export const LOCK_HOLDER_PATH = '$.lock.Item.holder.S';

/** Execution statuses of a holder that still deploys (DescribeExecution's Status). */
const RUNNING = 'RUNNING';

/** What the lock needs. */
export interface DeployLockProps {
  /** Validated configuration (project name, polling interval and budget). */
  readonly config: PipelineConfig;
  /** Table holding the lock item (partition key `id`, a string). */
  readonly table: dynamodb.ITable;
  /** Name of the state machine whose executions hold the lock (DescribeExecution is allowed on them). */
  readonly holderStateMachineName: string;
  /** Where errors go (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The state once the lock is held. */
  readonly acquired: sfn.IChainable;
  /** The state when another execution kept the lock for the whole wait. */
  readonly busy: sfn.IChainable;
}

const lockKey = (projectName: string) => ({ id: tasks.DynamoAttributeValue.fromString(resourceNames(projectName).deployLockId) });
const self = () => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));

/** The acquire loop; `start` is its first state. */
export class DeployLock {
  /** The first state (InitDeployLock). */
  readonly start: sfn.IChainable;

  constructor(scope: Construct, props: DeployLockProps) {
    const { config, table, failure } = props;
    const key = lockKey(config.projectName);
    const item = {
      ...key,
      holder: self(),
      acquiredAt: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
    };

    const init = new sfn.Pass(scope, S.InitDeployLock, { result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.lockWait' });
    const acquire = new tasks.DynamoPutItem(scope, S.AcquireDeployLock, {
      table,
      item,
      conditionExpression: 'attribute_not_exists(id)',
      resultPath: sfn.JsonPath.DISCARD,
    });
    const read = guard(
      new tasks.DynamoGetItem(scope, S.ReadDeployLock, { table, key, consistentRead: true, resultPath: '$.lock' }),
      failure,
    );
    const checkHolder = new tasks.CallAwsService(scope, S.CheckLockHolder, {
      service: 'sfn',
      action: 'describeExecution',
      parameters: { ExecutionArn: sfn.JsonPath.stringAt(LOCK_HOLDER_PATH) },
      iamAction: 'states:DescribeExecution',
      iamResources: [
        Stack.of(scope).formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${props.holderStateMachineName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      resultSelector: { 'status.$': '$.Status' },
      resultPath: '$.lockHolder',
    });
    const takeOver = new tasks.DynamoPutItem(scope, S.TakeOverDeployLock, {
      table,
      item,
      conditionExpression: 'holder = :stale',
      expressionAttributeValues: { ':stale': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(LOCK_HOLDER_PATH)) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const count = new sfn.Pass(scope, S.CountLockWait, {
      parameters: { 'count.$': 'States.MathAdd($.lockWait.count, 1)' },
      resultPath: '$.lockWait',
    });
    const wait = new sfn.Wait(scope, S.WaitForDeployLock, {
      time: sfn.WaitTime.duration(Duration.seconds(config.deployPollIntervalSeconds)),
    });

    // Specific catches first: guard() appends the States.ALL catch.
    const held = { errors: [IntegrationErrors.DynamoConditionalCheckFailed], resultPath: sfn.JsonPath.DISCARD };
    acquire.addCatch(read, held);
    guard(acquire, failure);
    takeOver.addCatch(count, held);
    guard(takeOver, failure);
    checkHolder.addCatch(takeOver, { errors: [IntegrationErrors.SfnExecutionDoesNotExist], resultPath: sfn.JsonPath.DISCARD });
    guard(checkHolder, failure);

    acquire.next(props.acquired);
    takeOver.next(props.acquired);
    // Released between the failed write and the read: try again at once.
    read.next(
      new sfn.Choice(scope, S.DeployLockHeld).when(sfn.Condition.isPresent(LOCK_HOLDER_PATH), checkHolder).otherwise(acquire),
    );
    checkHolder.next(
      new sfn.Choice(scope, S.LockHolderRunning)
        .when(sfn.Condition.stringEquals('$.lockHolder.status', RUNNING), count)
        .otherwise(takeOver),
    );
    count.next(
      new sfn.Choice(scope, S.LockWaitLeft)
        .when(sfn.Condition.numberGreaterThanEquals('$.lockWait.count', config.deployMaxPolls), props.busy)
        .otherwise(wait),
    );
    wait.next(acquire);
    this.start = init.next(acquire);
  }
}

/**
 * Releases the lock if this execution holds it, then goes on to `next`. The condition on the holder
 * leaves another execution's lock alone; that and any other error are caught, so the release never
 * replaces the error or result the execution carries.
 */
export function releaseDeployLock(
  scope: Construct,
  id: string,
  table: dynamodb.ITable,
  projectName: string,
  next: sfn.IChainable,
): sfn.IChainable {
  const release = new tasks.DynamoDeleteItem(scope, id, {
    table,
    key: lockKey(projectName),
    conditionExpression: 'holder = :me',
    expressionAttributeValues: { ':me': self() },
    resultPath: sfn.JsonPath.DISCARD,
  });
  guard(release, next, { catchResultPath: sfn.JsonPath.DISCARD });
  return release.next(next);
}
