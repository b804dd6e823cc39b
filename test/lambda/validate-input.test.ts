/** The execution input check (lambda/validate-input): what it accepts, how it tells what it refuses, the handler. */
import './prepare-data/quiet-logs';
import { handler } from '../../lambda/validate-input';
import { InvalidExecutionInputError } from '../../lambda/validate-input/errors';
import { checkExecutionInput } from '../../lambda/validate-input/input';
import { PipelineErrors } from '../../lib/pipeline-names';

const refusal = (pipeline: 'training' | 'batch', input: unknown): InvalidExecutionInputError => {
  try {
    checkExecutionInput(pipeline, input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidExecutionInputError);
    return err as InvalidExecutionInputError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

test('an accepted training input comes back as the state machine uses it: Comment dropped, hyperparameters strings and always there', () => {
  expect(checkExecutionInput('training', {})).toEqual({ input: { hyperparameters: {}, tuning: null } });
  expect(checkExecutionInput('training', { Comment: 'Insert your JSON here', threshold: 0 })).toEqual({
    input: { threshold: 0, hyperparameters: {}, tuning: null },
  });
  const full = {
    rawDataUri: 's3://raw-bucket/exports/2024,Q1.xlsx',
    threshold: 1,
    hyperparameters: { factors: 8, learning_rate: 1e-4, lr_schedule: 'cosine', iterations: '5', sagemaker_region: 'x' },
    split: 'temporal',
    testFraction: 0.5,
    seed: 4294967295,
  };
  expect(checkExecutionInput('training', full)).toEqual({
    input: {
      ...full,
      hyperparameters: { factors: '8', learning_rate: '0.0001', lr_schedule: 'cosine', iterations: '5', sagemaker_region: 'x' },
      tuning: null,
    },
  });
  expect(checkExecutionInput('batch', { Comment: 'x' })).toEqual({ input: {} });
  // a prefix of many files, as data preparation reads it
  expect(checkExecutionInput('training', { rawDataUri: 's3://lake/orders/2026/' })).toEqual({
    input: { rawDataUri: 's3://lake/orders/2026/', hyperparameters: {}, tuning: null },
  });
});

test('unknown keys are named (plainly, or quoted when not plain), at most ten, with the accepted ones', () => {
  expect(refusal('training', { treshold: 0.1 }).message).toBe(
    'the training pipeline does not take a key treshold in its input; its keys are rawDataUri, threshold, hyperparameters, split, testFraction, seed, tuning, deployModelPackage (and Comment, which is ignored)',
  );
  expect(refusal('training', JSON.parse('{"__proto__": 1, "a b": 2}')).message).toMatch(
    /^the training pipeline does not take keys __proto__, "a b" in its input; /,
  );
  const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]));
  const e = refusal('batch', many);
  expect(e.message).toBe(
    'the batch pipeline does not take keys k0, k1, k2, k3, k4, k5, k6, k7, k8, k9 and 15 more in its input; it takes no keys (but Comment, which is ignored)',
  );
  expect(e.problems.map((p) => p.field)).toEqual(['k0']);
  const long = 'x'.repeat(5000);
  expect(refusal('training', { [long]: 1 }).message.length).toBeLessThan(300);
});

test('each wrong value is named with what it must be; all of them at once', () => {
  const e = refusal('training', { threshold: '0.1', testFraction: 0, seed: 2 ** 32, hyperparameters: { factors: '0' } });
  expect(e.problems.map((p) => p.field).sort()).toEqual(['hyperparameters', 'seed', 'testFraction', 'threshold']);
  expect(e.message).toContain('threshold must be a number between 0 and 1, got "0.1"');
  expect(e.message).toContain('testFraction must be a number between 0 and 1 (exclusive), got 0');
  expect(e.message).toContain('seed must be an integer between 0 and 4294967295, got 4294967296');
  expect(e.message).toContain('hyperparameters: hyperparameter factors: ');
  expect(refusal('training', { hyperparameters: ['factors', '8'] }).message).toBe(
    'hyperparameters must be an object of hyperparameter names to strings, got ["factors","8"]',
  );
  expect(refusal('training', { hyperparameters: { epochs: '5', iterations: '6' } }).message).toMatch(/given twice/);
  expect(refusal('training', { rawDataUri: 's3://bucket/' }).message).toBe(
    'rawDataUri must be an s3://bucket/key URI (an object, or a prefix ending in /), got "s3://bucket/"',
  );
  expect(refusal('training', null).message).toBe('the execution input must be a JSON object, got null');
});

test('the deploy-only input: one model package version ARN and no other key', () => {
  const arn = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/bpr-models/12';
  expect(checkExecutionInput('training', { deployModelPackage: arn, Comment: 'rollback' })).toEqual({
    input: { deployModelPackage: arn },
  });
  expect(refusal('training', { deployModelPackage: arn, threshold: 0.1, seed: 1 }).message).toBe(
    'deployModelPackage deploys a registered model version and takes no other key, got threshold, seed',
  );
  for (const bad of [
    'arn:aws:sagemaker:eu-west-1:123456789012:model-package/bpr-models',
    'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/bpr-models',
    'bpr-models/12',
    12,
  ]) {
    expect(refusal('training', { deployModelPackage: bad }).message).toMatch(
      /^deployModelPackage must be a model package version ARN \(arn:aws:sagemaker:<region>:<account>:model-package\/<group>\/<version>\), got /,
    );
  }
});

test('the handler fails with InvalidExecutionInput and no stack trace; a malformed event is another error', async () => {
  const err = (await handler({ pipeline: 'training', input: { treshold: 1 } }).catch((e: Error) => e)) as Error;
  expect(err.name).toBe(PipelineErrors.InvalidExecutionInput);
  expect(err.stack).toBe(`${PipelineErrors.InvalidExecutionInput}: ${err.message}`);
  await expect(handler({ pipeline: 'other' as 'batch', input: {} })).rejects.toMatchObject({
    name: 'ValidateInputEventError',
    message: 'pipeline must be training or batch, got "other"',
  });
  await expect(handler({ pipeline: 'batch', input: {} })).resolves.toEqual({ input: {} });
});
