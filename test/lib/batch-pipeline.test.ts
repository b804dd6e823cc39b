/**
 * The batch state machine as `npm start` reads it from the synthesized app: its retries and catches,
 * and runs in the local runner with stub task handlers (a transform job, and nothing to do before
 * the first deployment).
 */
import { BATCH_MAX_PAYLOAD_MB, MAX_REQUEST_ITEMS, payloadItemsBound } from '../../container/src/limits';
import { IntegrationErrors } from '../../lib/aws-errors';
import { BatchStates as B, TaskResources } from '../../lib/pipeline-names';
import type { Definition } from '../../local/cdk/synth';
import { ACCOUNT, err, run, tasks } from './stub-run';
import { localDefinitions } from './synth-helper';

let batch: Definition;
beforeAll(() => {
  batch = localDefinitions().batch;
});

describe('batch state machine', () => {
  test('every task retries throttling and catches everything into the failure path (ValidateInput: input-check.test.ts)', () => {
    expect(tasks(batch).length).toBe(5);
    for (const [name, st] of tasks(batch).filter(([n]) => n !== B.ValidateInput)) {
      expect(st.Retry![0].ErrorEquals).toEqual(expect.arrayContaining(['ThrottlingException', 'SageMaker.ThrottlingException']));
      const last = name === B.NotifyBatchFailure; // keeps the original error: its own catch discards the SNS error
      // No record yet is not a failure: ReadDeployment routes it to NoDeployedModel first.
      const notFound =
        name === B.ReadDeployment
          ? [{ ErrorEquals: [IntegrationErrors.SsmParameterNotFound], Next: B.NoDeployedModel, ResultPath: null }]
          : [];
      expect(st.Catch).toEqual([
        ...notFound,
        { ErrorEquals: ['States.ALL'], Next: last ? B.BatchFailed : B.NotifyBatchFailure, ResultPath: last ? null : '$.error' },
      ]);
    }
  });

  test("transform job over the recorded users.jsonl with the seed's batch settings", async () => {
    const record = { modelName: 'bpr-model-1', batchInputUri: 's3://b/runs/e/data/users.jsonl' };
    // The interpreter stamps $$.Execution.StartTime from the clock: freeze Date (only Date) at a time
    // whose UTC date differs from the local date east of UTC, so the folder must be the UTC date.
    jest.useFakeTimers({
      now: new Date('2026-11-27T23:30:00.000Z'),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(batch, {}, { [B.ReadDeployment]: () => ({ Parameter: { Value: JSON.stringify(record) } }) });
    } finally {
      jest.useRealTimers();
    }
    const { output, inputs, error } = result;
    expect(error).toBeUndefined();
    const job = inputs(B.RunBatchTransform)[0];
    expect(batch.States[B.RunBatchTransform].Resource).toBe(TaskResources.createTransformJobSync);
    expect(job).toMatchObject({
      ModelName: 'bpr-model-1',
      BatchStrategy: 'MultiRecord',
      TransformInput: {
        ContentType: 'application/json',
        SplitType: 'Line',
        DataSource: { S3DataSource: { S3Uri: record.batchInputUri, S3DataType: 'S3Prefix' } },
      },
      TransformOutput: {
        Accept: 'text/csv',
        AssembleWith: 'Line',
        S3OutputPath: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/batch/2026-11-27/exec-1/`,
      },
    });
    expect(job.TransformJobName).toMatch(/^bpr-batch-[0-9a-f-]{36}$/);
    // A MultiRecord payload of users.jsonl lines never asks the server for more than it serves per request.
    expect(job.MaxPayloadInMB).toBe(BATCH_MAX_PAYLOAD_MB);
    expect(payloadItemsBound(job.MaxPayloadInMB as number)).toBeLessThanOrEqual(MAX_REQUEST_ITEMS);
    expect(output).toMatchObject({
      status: 'COMPLETED',
      outputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/batch/2026-11-27/exec-1/`,
    });
  });

  test('before the first deployment (no record, or one without a model) the batch run succeeds SKIPPED and notifies nobody', async () => {
    const missing = () => {
      throw err(IntegrationErrors.SsmParameterNotFound, 'Parameter /bpr/deployment not found. (Service: Ssm, Status Code: 400)');
    };
    for (const read of [missing, () => ({ Parameter: { Value: '{}' } })]) {
      const { status, output, names } = await run(batch, {}, { [B.ReadDeployment]: read });
      expect(status).toBe('SUCCEEDED');
      expect(output).toEqual({
        status: 'SKIPPED',
        reason: expect.stringMatching(/^No model has been deployed yet \(no record at \/bpr\/deployment\)/),
      });
      expect(names).toEqual([B.ValidateInput, B.ReadDeployment]);
    }
  });
});
