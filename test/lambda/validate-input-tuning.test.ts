/**
 * The execution input's `tuning`, as the ValidateInput task and the pipeline CLI check it: default
 * ranges around what the configuration and the input fix, overrides by name, and every wrong range
 * (an unknown or never-searched hyperparameter, a value the training program refuses) refused
 * before any job starts, naming it.
 */
import { checkExecutionInput } from '../../lambda/validate-input/input';
import { InvalidExecutionInputError } from '../../lambda/validate-input/errors';
import { parseStartArgs } from '../../lib/cli/args';
import { UsageError } from '../../lib/cli/errors';
import type { CheckedTrainingInput, ConfiguredTraining } from '../../lib/contracts';

const CONFIGURED: ConfiguredTraining = { hyperparameters: { seed: '42', factors: '64' } };
const check = (input: unknown, configured = CONFIGURED) =>
  checkExecutionInput('training', input, configured).input as CheckedTrainingInput;
const refused = (input: unknown, configured = CONFIGURED): string => {
  try {
    check(input, configured);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidExecutionInputError);
    return (err as Error).message;
  }
  throw new Error('the input was accepted');
};
const names = (t: CheckedTrainingInput['tuning']) =>
  Object.values(t!.parameterRanges)
    .flat()
    .map((r) => r!.Name)
    .sort();

test('default ranges, minus what the configuration fixes; the searched names leave the static hyperparameters', () => {
  const { tuning, hyperparameters } = check({ tuning: { maxJobs: 4 }, hyperparameters: { epochs: '10' } });
  expect(tuning).toMatchObject({ strategy: 'Bayesian', maxJobs: 4, maxParallelJobs: 2, seed: 42 });
  // factors (configured) and epochs (the input's) stay fixed
  expect(names(tuning)).toEqual(['learning_rate', 'negative_samples', 'regularization']);
  expect(hyperparameters).toEqual({ seed: '42', factors: '64', epochs: '10' });
  expect(tuning!.parameterRanges.ContinuousParameterRanges).toContainEqual({
    Name: 'learning_rate',
    MinValue: '0.04',
    MaxValue: '0.3',
    ScalingType: 'Logarithmic',
  });
});

test('a range overrides the default or the configured value; null leaves a default range out', () => {
  const { tuning, hyperparameters } = check({
    tuning: {
      maxJobs: 1,
      ranges: { factors: { min: 16, max: 32 }, epochs: null, optimizer: { values: ['adagrad', 'sgd'] }, iterations: null },
    },
  });
  expect(tuning!.maxParallelJobs).toBe(1);
  expect(tuning!.parameterRanges.IntegerParameterRanges).toContainEqual({
    Name: 'factors',
    MinValue: '16',
    MaxValue: '32',
    ScalingType: 'Linear',
  });
  expect(tuning!.parameterRanges.CategoricalParameterRanges).toEqual([{ Name: 'optimizer', Values: ['adagrad', 'sgd'] }]);
  expect(names(tuning)).not.toContain('epochs');
  expect(hyperparameters).toEqual({ seed: '42' });
});

test('no tuning: null, or nothing given and nothing configured; a configured tuning applies unless the input says null', () => {
  expect(check({}).tuning).toBeNull();
  const configured = { hyperparameters: {}, tuning: { maxJobs: 3 } };
  expect(check({}, configured).tuning!.maxJobs).toBe(3);
  expect(check({ tuning: null }, configured).tuning).toBeNull();
  expect(check({ tuning: { maxJobs: 5 } }, configured).tuning!.maxJobs).toBe(5);
});

test('an unknown hyperparameter in a range is refused, naming it and the known ones', () => {
  const message = refused({ tuning: { ranges: { factorz: { min: 1, max: 2 } } } });
  expect(message).toMatch(/^tuning.ranges.factorz: unknown hyperparameter factorz; known: factors, learning_rate/);
});

test.each([
  [{ ranges: { eval_k: { min: 5, max: 20 } } }, /eval_k cannot be tuned: the gate and the metric definitions/],
  [{ ranges: { seed: { values: [1, 2] } } }, /seed cannot be tuned/],
  [{ ranges: { factors: { min: 16, max: 5000 } } }, /hyperparameter factors: must be between 1 and 1024 \(got "5000"\)/],
  [{ ranges: { bias_regularization: { min: 0, max: 0.1, scale: 'log' } } }, /bias_regularization: a log scale needs min above 0/],
  [{ ranges: { regularization: { min: 0.1, max: 0.01 } } }, /min \(0.1\) must be below max \(0.01\)/],
  [{ ranges: { optimizer: { min: 1, max: 2 } } }, /optimizer: it takes \{"values": \[\.\.\.\]\}/],
  [{ ranges: { negative_sampling: { values: ['uniform', 'sideways'] } } }, /negative_sampling/],
  [{ maxJobs: 2, maxParallelJobs: 3 }, /tuning.maxParallelJobs \(3\) must not be above tuning.maxJobs \(2\)/],
  [{ maxJobs: 500 }, /tuning.maxJobs must be an integer between 1 and 50/],
  [{ strategy: 'Hyperband' }, /tuning.strategy must be Bayesian or Random/],
  [{ budget: 3 }, /tuning must be an object with the keys maxJobs/],
])('tuning %j is refused', (tuning, message) => {
  expect(refused({ tuning })).toMatch(message);
});

test('a hyperparameter both fixed and searched by the same input, or a run without a validation slice, is refused', () => {
  expect(refused({ hyperparameters: { factors: '32' }, tuning: { ranges: { factors: { min: 8, max: 16 } } } })).toMatch(
    /factors is also given in hyperparameters; a hyperparameter is either fixed or searched/,
  );
  expect(refused({ hyperparameters: { validation_fraction: '0' }, tuning: {} })).toMatch(/validation_fraction must be above 0/);
});

test('the pipeline CLI builds tuning from --tune and refuses a bad range by option, before any AWS call', () => {
  const opts = parseStartArgs(['start', '--tune', '12', '--tune-parallel', '3', '--tune-strategy', 'Random']);
  expect(opts.input).toEqual({ tuning: { maxJobs: 12, maxParallelJobs: 3, strategy: 'Random' } });
  expect(() => parseStartArgs(['start', '--tune', '4', '--tune-ranges', '{"factorz":{"min":1,"max":2}}'])).toThrow(
    /^--tune-ranges: tuning.ranges.factorz: unknown hyperparameter factorz/,
  );
  expect(() => parseStartArgs(['start', '--tune-parallel', '2'])).toThrow(UsageError);
  expect(() => parseStartArgs(['start', '--tune', '60'])).toThrow(/--tune: tuning.maxJobs must be an integer between 1 and 50/);
});
