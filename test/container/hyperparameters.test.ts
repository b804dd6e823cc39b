import {
  HYPERPARAMETER_DEFAULTS,
  HYPERPARAMETER_DOCS,
  defaultThreads,
  parseHyperparameters,
} from '../../container/src/train/hyperparameters';
import { HyperparameterError } from '../../container/src/train/errors';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

describe('parseHyperparameters', () => {
  it('gives typed defaults for an empty object, threads = all cores, eval_k = 10', () => {
    const hp = parseHyperparameters({});
    expect(hp).toEqual(HYPERPARAMETER_DEFAULTS);
    expect(hp.threads).toBe(defaultThreads());
    expect(hp.eval_k).toBe(10);
    expect(typeof hp.learning_rate).toBe('number');
    expect(hp.verify_negatives).toBe(true);
    expect(hp.negative_sampling).toBe('uniform');
  });

  it('parses SageMaker string values into numbers, booleans and enums', () => {
    const hp = parseHyperparameters({
      factors: '32',
      learning_rate: '0.01',
      verify_negatives: 'false',
      lr_schedule: 'cosine',
      optimizer: 'sgd',
      threads: '1',
      seed: ' 7 ',
    });
    expect(hp).toMatchObject({
      factors: 32,
      learning_rate: 0.01,
      verify_negatives: false,
      lr_schedule: 'cosine',
      optimizer: 'sgd',
      threads: 1,
      seed: 7,
    });
  });

  it('accepts iterations as an alias of epochs, but not both', () => {
    expect(parseHyperparameters({ iterations: '12' }).epochs).toBe(12);
    expect(() => parseHyperparameters({ iterations: '12', epochs: '3' })).toThrow(/given twice/);
  });

  it('ignores SageMaker-owned names', () => {
    const hp = parseHyperparameters({ sagemaker_program: 'x', _tuning_objective_metric: 'p@k(10)', factors: '8' });
    expect(hp.factors).toBe(8);
  });

  it.each([
    [{ factors: 'abc' }, /hyperparameter factors/],
    [{ factors: '0' }, /hyperparameter factors/],
    [{ factors: '2.5' }, /hyperparameter factors/],
    [{ learning_rate: '-1' }, /hyperparameter learning_rate/],
    [{ lr_schedule: 'step' }, /hyperparameter lr_schedule/],
    [{ verify_negatives: 'maybe' }, /hyperparameter verify_negatives/],
    [{ validation_fraction: '0.9' }, /hyperparameter validation_fraction/],
    [{ negative_sampling: 'hard' }, /hyperparameter negative_sampling/],
    [{ optimizer: 'adam' }, /hyperparameter optimizer/],
    [{ regularization: '' }, /hyperparameter regularization: empty value/],
    [{ seed: '  ' }, /hyperparameter seed: empty value/],
  ])('rejects a bad value %j naming the field', (raw, message) => {
    expect(() => parseHyperparameters(raw)).toThrow(HyperparameterError);
    expect(() => parseHyperparameters(raw)).toThrow(message);
  });

  it('rejects an unknown name, naming it', () => {
    expect(() => parseHyperparameters({ factor: '8' })).toThrow(/unknown hyperparameter factor\b/);
  });

  it('rejects a non-object', () => {
    expect(() => parseHyperparameters(['factors'])).toThrow(HyperparameterError);
  });

  it("docs/training.md's hyperparameter table lists every hyperparameter with its real default", () => {
    const readme = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'training.md'), 'utf8');
    for (const name of Object.keys(HYPERPARAMETER_DOCS) as Array<keyof typeof HYPERPARAMETER_DOCS>) {
      const shown = name === 'threads' ? 'all cores' : `\`${String(HYPERPARAMETER_DEFAULTS[name])}\``;
      expect(readme).toContain(`| \`${name}\` | ${shown} |`);
    }
  });

  it('documents every schema field', () => {
    const names = Object.keys(parseHyperparameters({}));
    expect(names.sort()).toEqual(Object.keys(HYPERPARAMETER_DOCS).sort());
  });
});
