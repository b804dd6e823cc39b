/**
 * The execution input check that opens both state machines (ValidateInput, lambda/validate-input):
 * its place in the synthesized definitions, and runs in the local runner with the real Lambda
 * handler, as Step Functions reports a Lambda's error (errorType, and its JSON answer as the Cause).
 */
import { readableCause } from '../../lib/cli/cause';
import { TRAINING_INPUT_KEYS } from '../../lib/contracts';
import { BatchStates as B, PipelineErrors, TaskResources, TrainingStates as S } from '../../lib/pipeline-names';
import type { Definition } from '../../local/cdk/synth';
import { deployStubs, err, run, validateStub } from './stub-run';
import { localDefinitions } from './synth-helper';

let training: Definition;
let batch: Definition;
beforeAll(() => {
  ({ training, batch } = localDefinitions());
});

const ACCEPTED = `its keys are ${TRAINING_INPUT_KEYS.join(', ')} (and Comment, which is ignored)`;

/** A training run stopped by the input check: the error, the readable cause, and what ran. */
async function refused(input: unknown) {
  const r = await run(training, input, deployStubs());
  return { ...r, message: readableCause(r.cause) };
}

describe('definitions', () => {
  test.each([
    ['training', () => training, S.DeployOnly, S.NotifyFailure],
    ['batch', () => batch, B.PrepareBatchRun, B.NotifyBatchFailure],
  ])('the %s pipeline starts with ValidateInput, which hands any error to the failure path', (pipeline, def, next, notify) => {
    const d = def();
    expect(d.StartAt).toBe(S.ValidateInput);
    const check = d.States[S.ValidateInput];
    expect(check).toMatchObject({
      Type: 'Task',
      Resource: TaskResources.lambdaInvoke,
      Parameters: { Payload: { pipeline, 'input.$': '$$.Execution.Input' } },
      Next: next,
    });
    // Only the Lambda service's errors (and throttling) are retried: a refused input stays refused.
    const retried = check.Retry!.flatMap((r) => r.ErrorEquals);
    expect(retried).toContain('Lambda.ServiceException');
    expect(retried).not.toContain(PipelineErrors.InvalidExecutionInput);
    expect(retried).not.toContain('States.ALL');
    // The error replaces the state (an input that is not an object could take no $.error), then is wrapped.
    expect(check.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: S.InputCheckFailed }]);
    expect(d.States[S.InputCheckFailed]).toEqual({ Type: 'Pass', Parameters: { 'error.$': '$' }, Next: notify });
  });

  test('a training input naming a model package version goes to the deploy-only entry; any other trains', () => {
    expect(training.States[S.DeployOnly]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.input.deployModelPackage', IsPresent: true, Next: S.NameDeployment }],
      Default: S.ApplyDefaults,
    });
  });
});

describe('training runs', () => {
  test.each([
    [{ treshold: 0.1 }, 'a key treshold'],
    [{ threshold: 0.1, hyperparameters: { epochs: '5' }, extra: { a: 'b,c' } }, 'a key extra'],
    [{ Threshold: 0.1, seeds: 2 }, 'keys Threshold, seeds'],
    [{ 'a "quoted", key': 1 }, 'a key "a \\"quoted\\", key"'],
  ])('an unknown key %j fails the execution before any work, naming it and the accepted ones', async (input, named) => {
    const { error, message, names, inputs } = await refused(input);
    expect(error).toBe(PipelineErrors.InvalidExecutionInput);
    expect(message).toBe(`the training pipeline does not take ${named} in its input; ${ACCEPTED}`);
    expect(names).toEqual([S.ValidateInput, S.NotifyFailure]);
    // The notification carries the error and the function's answer, message included.
    expect(inputs(S.NotifyFailure)[0].Message).toContain(`Error: InvalidExecutionInput. Cause: `);
    expect(inputs(S.NotifyFailure)[0].Message).toContain(ACCEPTED);
  });

  test.each([
    [{ threshold: 'abc' }, 'threshold must be a number between 0 and 1, got "abc"'],
    [{ threshold: '0.1' }, 'threshold must be a number between 0 and 1, got "0.1"'],
    [{ threshold: 1.5 }, 'threshold must be a number between 0 and 1, got 1.5'],
    [{ threshold: null }, 'threshold must be a number between 0 and 1, got null'],
    [{ split: 'weekly' }, 'split must be random or temporal, got "weekly"'],
    [{ testFraction: 1 }, 'testFraction must be a number between 0 and 1 (exclusive), got 1'],
    [{ seed: 1.5 }, 'seed must be an integer between 0 and 4294967295, got 1.5'],
    [
      { rawDataUri: 'raw/export.csv' },
      'rawDataUri must be an s3://bucket/key URI (an object, or a prefix ending in /), got "raw/export.csv"',
    ],
    [{ hyperparameters: 'factors=8' }, 'hyperparameters must be an object of hyperparameter names to strings, got "factors=8"'],
    [
      { hyperparameters: { factors: true } },
      'hyperparameters: hyperparameter factors: must be a string (or a finite number), got true',
    ],
    [
      { hyperparameters: { factors: '0x10' } },
      'hyperparameters: hyperparameter factors: must be a number in decimal notation (got "0x10")',
    ],
    [{ hyperparameters: { treshold: '1' } }, /^hyperparameters: unknown hyperparameter treshold; known: factors, /],
    [
      { threshold: 2, seed: -1 },
      'threshold must be a number between 0 and 1, got 2; seed must be an integer between 0 and 4294967295, got -1',
    ],
  ])('%j fails the execution before any work, naming the field', async (input, cause) => {
    const { error, message, names } = await refused(input);
    expect(error).toBe(PipelineErrors.InvalidExecutionInput);
    expect(message).toMatch(cause);
    expect(names).toEqual([S.ValidateInput, S.NotifyFailure]);
  });

  test.each([[[1]], ['x'], [5]])('an input that is not an object (%j) is refused with the reason and notified', async (input) => {
    const { error, message, names, status } = await refused(input);
    expect(status).toBe('FAILED');
    expect(error).toBe(PipelineErrors.InvalidExecutionInput);
    expect(message).toBe(`the execution input must be a JSON object, got ${JSON.stringify(input)}`);
    expect(names).toEqual([S.ValidateInput, S.NotifyFailure]);
  });

  test('known keys with commas in their values, and a console Comment, are accepted; number hyperparameters become strings', async () => {
    const input = {
      Comment: 'Insert your JSON here',
      rawDataUri: 's3://raw/exports/a,b.csv',
      hyperparameters: { lr_schedule: 'cosine', factors: 8, learning_rate: 0.01 },
      split: 'temporal',
      testFraction: 0.25,
      seed: 1,
      threshold: 0.1,
    };
    const { output, error, inputs } = await run(training, input, deployStubs());
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ status: 'DEPLOYED', threshold: 0.1 });
    expect(inputs(S.ValidateInput)[0].Payload).toEqual({
      pipeline: 'training',
      input,
      configured: { hyperparameters: { seed: '42' } },
    });
    expect(inputs(S.PrepareData)[0].Payload).toMatchObject({
      rawDataUri: 's3://raw/exports/a,b.csv',
      split: 'temporal',
      testFraction: 0.25,
      seed: 1,
    });
    // SageMaker takes hyperparameters as strings only.
    expect(inputs(S.TrainModel)[0].HyperParameters).toEqual({
      seed: '42',
      lr_schedule: 'cosine',
      factors: '8',
      learning_rate: '0.01',
      eval_k: '10',
      gate_threshold: '0.1',
    });
  });

  test('the Lambda service failing is retried; the check then runs once', async () => {
    const stubs = deployStubs();
    let failures = 2;
    stubs[S.ValidateInput] = (i) => {
      if (failures-- > 0) throw err('Lambda.ServiceException', 'Service unavailable');
      return validateStub(i);
    };
    const ok = await run(training, {}, stubs);
    expect(ok.inputs(S.ValidateInput)).toHaveLength(3);
    expect(ok.output).toMatchObject({ status: 'DEPLOYED' });
    const bad = await run(training, { treshold: 0.1 }, stubs);
    expect(bad.inputs(S.ValidateInput)).toHaveLength(1);
    expect(bad.error).toBe(PipelineErrors.InvalidExecutionInput);
  });
});

describe('batch runs', () => {
  test.each([
    [{ modelName: 'm' }, 'a key modelName'],
    [{ Comment: 'x', date: '2026-01-01' }, 'a key date'],
  ])('an input key %j fails the batch run before any work, naming it', async (input, named) => {
    const { error, cause, names } = await run(batch, input, {});
    expect(error).toBe(PipelineErrors.InvalidExecutionInput);
    expect(readableCause(cause)).toBe(
      `the batch pipeline does not take ${named} in its input; it takes no keys (but Comment, which is ignored)`,
    );
    expect(names).toEqual([B.ValidateInput, B.NotifyBatchFailure]);
  });

  test('a console Comment is no reason to fail a batch run', async () => {
    const { output, names } = await run(
      batch,
      { Comment: 'Insert your JSON here' },
      { [B.ReadDeployment]: () => ({ Parameter: { Value: '{}' } }) },
    );
    expect(names).toEqual([B.ValidateInput, B.ReadDeployment]);
    expect(output).toMatchObject({ status: 'SKIPPED' });
  });
});
