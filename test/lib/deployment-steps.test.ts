/**
 * The deployment steps of the synthesized training state machine, run in the local runner with
 * stubs: every EndpointStatus, SageMaker's errors read from their Cause, the polling budget, and
 * the deployment lock (waiting, BUSY, taking over a stale lock, release on every path).
 */
import { readableCause } from '../../lib/cli/cause';
import { deploymentTimings, parseConfig } from '../../lib/config';
import { TrainingStates as S } from '../../lib/pipeline-names';
import { IntegrationErrors as E, EndpointErrorMessages as M, endpointErrorMessage } from '../../lib/aws-errors';
import type { Definition } from '../../local/cdk/synth';
import {
  ACCOUNT,
  apiError,
  deployStubs,
  endpointSim,
  ENDPOINT_ARN,
  err,
  EXECUTION,
  heldLock,
  run,
  sdkError,
  type EndpointPatch,
  type Stub,
} from './stub-run';
import { localDefinitions } from './synth-helper';

let training: Definition;
let small: Definition; // deployMaxPolls 3 (of 800 s)
beforeAll(() => {
  training = localDefinitions().training;
  small = localDefinitions({ deployMaxPolls: 3, deployPollIntervalSeconds: 800 }).training;
});

const OLD = 'bpr-epc-old';
const HEALTH = 'The primary container for production variant AllTraffic did not pass the ping health check.';
const deployWith = (endpoint: ReturnType<typeof endpointSim>, extra: Record<string, Stub> = {}) => ({
  ...deployStubs(0.2, 0.1, endpoint),
  ...extra,
});
/** The states after the lock is taken, in order, without the polling states. */
const path = (names: string[]) =>
  names.filter((n) => ![S.AcquireDeployLock, S.PromoteArtifacts, S.CreateModel, S.CreateEndpointConfig].includes(n as never));

describe('rollout: every endpoint state', () => {
  test('no endpoint: create it, poll until InService with this configuration, record', async () => {
    const { output, names, inputs } = await run(training, {}, deployWith(endpointSim(undefined)));
    expect(output.status).toBe('DEPLOYED');
    expect(path(names.slice(names.indexOf(S.AcquireDeployLock)))).toEqual([
      S.DescribeEndpoint,
      S.CreateEndpoint,
      S.DescribeEndpoint,
      S.RecordDeployment,
      S.PruneDeployments,
      S.ReleaseDeployLock,
      S.NotifySuccess,
    ]);
    expect(inputs(S.CreateEndpoint)[0].EndpointConfigName).toBe(output.endpointConfigName);
  });

  test('InService with another configuration: blue/green update with the rollback alarms and a timeout SageMaker accepts', async () => {
    const endpoint = endpointSim({ EndpointStatus: 'InService', EndpointConfigName: OLD });
    const { output, names, inputs } = await run(training, {}, deployWith(endpoint));
    expect(output.status).toBe('DEPLOYED');
    expect(names).not.toContain(S.CreateEndpoint);
    const timings = deploymentTimings(parseConfig({}));
    expect(inputs(S.UpdateEndpoint)[0]).toEqual({
      EndpointName: 'bpr-recommender',
      EndpointConfigName: output.endpointConfigName,
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 },
          TerminationWaitInSeconds: 300,
          MaximumExecutionTimeoutInSeconds: timings.maxExecutionTimeoutSeconds,
        },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'bpr-endpoint-5xx' }, { AlarmName: 'bpr-endpoint-latency' }] },
      },
    });
    expect(timings.maxExecutionTimeoutSeconds).toBe(2100);
    expect(endpoint.state()).toEqual({ EndpointStatus: 'InService', EndpointConfigName: output.endpointConfigName });
  });

  test('Failed (a create that never came up): delete it, wait until it is gone, create it again', async () => {
    const endpoint = endpointSim({ EndpointStatus: 'Failed', EndpointConfigName: OLD, FailureReason: HEALTH });
    const { output, names } = await run(training, {}, deployWith(endpoint));
    expect(output.status).toBe('DEPLOYED');
    expect(path(names.slice(names.indexOf(S.AcquireDeployLock)))).toEqual([
      S.DescribeEndpoint, // Failed
      S.DeleteFailedEndpoint,
      S.DescribeEndpoint, // gone
      S.CreateEndpoint,
      S.DescribeEndpoint, // InService
      S.RecordDeployment,
      S.PruneDeployments,
      S.ReleaseDeployLock,
      S.NotifySuccess,
    ]);
    expect(names).not.toContain(S.UpdateEndpoint);
  });

  test.each([['Creating'], ['Updating'], ['SystemUpdating'], ['RollingBack'], ['Deleting']])(
    '%s: wait and describe again, then act on the state it settles in',
    async (status) => {
      const settles: EndpointPatch = status === 'Deleting' ? 'gone' : { EndpointStatus: 'InService' };
      const endpoint = endpointSim({ EndpointStatus: status, EndpointConfigName: OLD }, { before: [{}, {}, settles] });
      const { output, names } = await run(training, {}, deployWith(endpoint));
      expect(output.status).toBe('DEPLOYED');
      expect(names.filter((n) => n === S.DescribeEndpoint)).toHaveLength(4);
      expect(names).toContain(status === 'Deleting' ? S.CreateEndpoint : S.UpdateEndpoint);
    },
  );

  test.each([['UpdateRollbackFailed'], ['OutOfService']])(
    '%s: fails as needing a person, changes nothing and releases the lock',
    async (status) => {
      const endpoint = endpointSim({ EndpointStatus: status, EndpointConfigName: OLD });
      const { error, cause, names } = await run(training, {}, deployWith(endpoint));
      expect(error).toBe('EndpointNeedsAttention');
      expect(cause).toMatch(new RegExp(`^Endpoint bpr-recommender is ${status}: repair or delete it before the next deployment`));
      expect(names.filter((n) => [S.CreateEndpoint, S.UpdateEndpoint, S.DeleteFailedEndpoint].includes(n as never))).toEqual([]);
      expect(names.slice(-2)).toEqual([S.ReleaseDeployLockOnFailure, S.NotifyFailure]);
    },
  );

  test("after this execution's create, Failed is DeploymentFailed with SageMaker's FailureReason, nothing recorded", async () => {
    const endpoint = endpointSim(undefined, { after: () => [{ EndpointStatus: 'Failed', FailureReason: HEALTH }] });
    const { error, cause, names } = await run(training, {}, deployWith(endpoint));
    expect(error).toBe('DeploymentFailed');
    expect(readableCause(cause)).toBe(HEALTH);
    expect(names).not.toContain(S.RecordDeployment);
    expect(names.slice(-2)).toEqual([S.ReleaseDeployLockOnFailure, S.NotifyFailure]);
  });

  test('after an update, InService with the old configuration is a rollback: the previous model keeps serving', async () => {
    const endpoint = endpointSim(
      { EndpointStatus: 'InService', EndpointConfigName: OLD },
      { after: () => [{ EndpointStatus: 'Updating' }, { EndpointStatus: 'InService' }] },
    );
    const { error, cause, names } = await run(training, {}, deployWith(endpoint));
    expect(error).toBe('DeploymentRolledBack');
    expect(cause).toBe(
      `Endpoint bpr-recommender rolled back to configuration ${OLD} (a rollback alarm fired or the new fleet failed); the previous model keeps serving`,
    );
    expect(names).not.toContain(S.RecordDeployment);
  });

  test('polls are bounded: DeploymentTimedOut after the request, EndpointNotReady before it', async () => {
    const slow = await run(small, {}, deployWith(endpointSim(undefined, { after: () => [{}] })));
    expect(slow.error).toBe('DeploymentTimedOut');
    expect(slow.cause).toMatch(
      /^Endpoint bpr-recommender was not InService with configuration bpr-epc-\S+ after 3 polls every 800 s$/,
    );
    expect(slow.names.filter((n) => n === S.DescribeEndpoint)).toHaveLength(1 + 3);
    const busy = await run(small, {}, deployWith(endpointSim({ EndpointStatus: 'SystemUpdating', EndpointConfigName: OLD })));
    expect(busy.error).toBe('EndpointNotReady');
    expect(busy.names.filter((n) => n === S.DescribeEndpoint)).toHaveLength(3);
    expect(busy.names).not.toContain(S.UpdateEndpoint);
  });
});

describe("rollout: SageMaker's errors, read from their Cause", () => {
  test("a denied DescribeEndpoint fails at once with SageMaker's error and message, and creates nothing", async () => {
    const denied = sdkError('User: arn:aws:sts::1:assumed-role/r is not authorized to perform: sagemaker:DescribeEndpoint');
    const endpoint = endpointSim(undefined, { before: [denied] });
    const { error, cause, names } = await run(training, {}, deployWith(endpoint));
    expect(error).toBe(E.SageMakerSdk);
    expect(cause).toMatch(/is not authorized to perform: sagemaker:DescribeEndpoint/);
    expect(names).not.toContain(S.CreateEndpoint);
    expect(names.filter((n) => n === S.DescribeEndpoint)).toHaveLength(1);
  });

  test('throttled status polls are waited out, whether the error is modelled or not', async () => {
    const endpoint = endpointSim(
      { EndpointStatus: 'InService', EndpointConfigName: OLD },
      { before: [sdkError('Rate exceeded'), err('SageMaker.ThrottlingException', 'Rate exceeded'), {}] },
    );
    const { output, names } = await run(training, {}, deployWith(endpoint));
    expect(output.status).toBe('DEPLOYED');
    expect(names).toContain(S.UpdateEndpoint);
  });

  test('CreateEndpoint that cannot see its new configuration yet is tried again; a quota error fails at once', async () => {
    let first = true;
    const endpoint = endpointSim(undefined);
    const create = endpoint.stubs[S.CreateEndpoint];
    const flaky = await run(
      training,
      {},
      deployWith(endpoint, {
        [S.CreateEndpoint]: (i) => {
          if (!first) return create(i);
          first = false;
          throw apiError(endpointErrorMessage(M.EndpointConfigNotFound, 'arn:aws:sagemaker:us-east-1:0:endpoint-config/x'));
        },
      }),
    );
    expect(flaky.output.status).toBe('DEPLOYED');
    expect(flaky.inputs(S.CreateEndpoint)).toHaveLength(2);

    const quota = await run(
      training,
      {},
      deployWith(endpointSim(undefined), {
        [S.CreateEndpoint]: () => {
          throw err('SageMaker.ResourceLimitExceededException', 'The account-level service limit for ml.c5.large is 0 Instances');
        },
      }),
    );
    expect(quota.error).toBe('SageMaker.ResourceLimitExceededException');
    expect(quota.inputs(S.CreateEndpoint)).toHaveLength(1);
  });

  test('Create calls are not retried on validation errors (a second create of the same name fails anyway)', async () => {
    for (const task of [S.CreateModel, S.CreateEndpointConfig, S.CreateEndpoint]) {
      const retried = training.States[task].Retry!.flatMap((r) => r.ErrorEquals);
      expect([task, retried]).toEqual([task, expect.not.arrayContaining([E.SageMakerApi])]);
    }
    const bad = await run(
      training,
      {},
      deployWith(endpointSim(undefined), {
        [S.CreateModel]: () => {
          throw apiError('Could not find model data at s3://b/deployed/x/model.tar.gz.');
        },
      }),
    );
    expect(bad.error).toBe(E.SageMakerApi);
    expect(bad.inputs(S.CreateModel)).toHaveLength(1);
    expect(bad.names.slice(-2)).toEqual([S.ReleaseDeployLockOnFailure, S.NotifyFailure]);
  });

  test('UpdateEndpoint refused while SageMaker works on the endpoint: described again, then updated', async () => {
    const endpoint = endpointSim({ EndpointStatus: 'InService', EndpointConfigName: OLD });
    const update = endpoint.stubs[S.UpdateEndpoint];
    let refused = 0;
    const { output } = await run(
      training,
      {},
      deployWith(endpoint, {
        [S.UpdateEndpoint]: (i) => {
          if (refused++ === 0) throw sdkError(endpointErrorMessage(M.InProgress, ENDPOINT_ARN));
          return update(i);
        },
      }),
    );
    expect(output.status).toBe('DEPLOYED');
    expect(refused).toBe(2);
  });
});

describe('deployment lock', () => {
  test('taken before anything is created, released after the record, held by this execution', async () => {
    const { names, inputs } = await run(training, {}, deployStubs());
    const order = [
      S.AcquireDeployLock,
      S.PromoteArtifacts,
      S.CreateModel,
      S.RecordDeployment,
      S.PruneDeployments,
      S.ReleaseDeployLock,
    ];
    expect(order.map((n) => names.indexOf(n))).toEqual([...order.map((n) => names.indexOf(n))].sort((a, b) => a - b));
    const acquire = inputs(S.AcquireDeployLock)[0];
    expect(acquire).toMatchObject({
      Item: { id: { S: 'deploy-lock' }, holder: { S: EXECUTION } },
      ConditionExpression: 'attribute_not_exists(id)',
    });
    expect(inputs(S.ReleaseDeployLock)[0]).toMatchObject({
      TableName: acquire.TableName,
      Key: { id: { S: 'deploy-lock' } },
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':me': { S: EXECUTION } },
    });
  });

  test('held by a running execution: waits, then deploys once it is released', async () => {
    const other = 'arn:aws:states:us-east-1:0:execution:bpr-training-pipeline:other';
    const { output, inputs } = await run(training, {}, { ...deployStubs(), ...heldLock(other, 'RUNNING', 2) });
    expect(output.status).toBe('DEPLOYED');
    expect(inputs(S.AcquireDeployLock)).toHaveLength(3);
    expect(inputs(S.CheckLockHolder)[0]).toEqual({ ExecutionArn: other });
  });

  test('held for the whole wait: BUSY, nothing created, notified, and the execution succeeds', async () => {
    const other = 'arn:aws:states:us-east-1:0:execution:bpr-training-pipeline:other';
    const { status, output, names, inputs } = await run(small, {}, { ...deployStubs(), ...heldLock(other, 'RUNNING') });
    expect(status).toBe('SUCCEEDED');
    expect(output).toMatchObject({
      status: 'BUSY',
      lockHolder: other,
      metricName: 'precision@10',
      value: 0.2,
      // the run's report is there for the model that was not deployed
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
      reason: `the model passed the gate, but execution ${other} was deploying for the whole wait (3 polls every 800 s): this model was not deployed`,
    });
    expect(inputs(S.AcquireDeployLock)).toHaveLength(3);
    expect(names).not.toContain(S.PromoteArtifacts);
    expect(names).not.toContain(S.CreateModel);
    expect(JSON.parse(inputs(S.NotifyBusy)[0].Message)).toEqual(output);
  });

  test.each([['FAILED'], ['ABORTED'], ['TIMED_OUT'], ['gone']])(
    'left by an execution that is %s: taken over (on condition it still names that holder), then deploys',
    async (status) => {
      const stale = 'arn:aws:states:us-east-1:0:execution:bpr-training-pipeline:stale';
      const check = status === 'gone' ? err(E.SfnExecutionDoesNotExist, `Execution Does Not Exist: '${stale}'`) : status;
      const { output, inputs } = await run(training, {}, { ...deployStubs(), ...heldLock(stale, check) });
      expect(output.status).toBe('DEPLOYED');
      expect(inputs(S.TakeOverDeployLock)[0]).toMatchObject({
        Item: { holder: { S: EXECUTION } },
        ConditionExpression: 'holder = :stale',
        ExpressionAttributeValues: { ':stale': { S: stale } },
      });
    },
  );

  test('a failure after the lock is taken releases it first; a release that finds no lock of ours keeps the original error', async () => {
    const stubs = {
      ...deployStubs(),
      [S.PromoteArtifacts]: () => {
        throw err('ArtifactNotFoundError', 's3://b/runs/x/model.tar.gz does not exist');
      },
      [S.ReleaseDeployLockOnFailure]: () => {
        throw err(E.DynamoConditionalCheckFailed, 'The conditional request failed');
      },
    };
    const { error, cause, names, inputs } = await run(training, {}, stubs);
    expect([error, cause]).toEqual(['ArtifactNotFoundError', 's3://b/runs/x/model.tar.gz does not exist']);
    expect(names.slice(-3)).toEqual([S.PromoteArtifacts, S.ReleaseDeployLockOnFailure, S.NotifyFailure]);
    expect(inputs(S.NotifyFailure)[0].Message).toMatch(/ArtifactNotFoundError/);
  });

  test('a failed prune does not undo the deployment', async () => {
    const stubs = {
      ...deployStubs(),
      [S.PruneDeployments]: () => {
        throw err('ValidationException', 'Cannot delete model');
      },
    };
    const { output, names } = await run(training, {}, stubs);
    expect(output.status).toBe('DEPLOYED');
    expect(names).toContain(S.ReleaseDeployLock);
  });
});
