import {
  HYPERPARAMETER_DEFAULTS,
  HYPERPARAMETER_DOCS,
  defaultThreads,
  hyperparameterSchema,
  parseHyperparameters,
} from '../../container/src/train/hyperparameters';
import { HyperparameterError } from '../../container/src/train/errors';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** What the docs' Default column shows for the hyperparameters without a fixed default. */
const NO_DEFAULT: Partial<Record<keyof typeof HYPERPARAMETER_DOCS, string>> = { threads: 'all cores', gate_threshold: 'none' };

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
    [{ factors: '0' }, 'hyperparameter factors: must be between 1 and 1024 (got "0")'],
    [{ learning_rate: '1e-7' }, 'hyperparameter learning_rate: must be between 0.000001 and 10 (got "1e-7")'],
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

  it.each([
    [{ factors: true }, 'factors'],
    [{ factors: [8] }, 'factors'],
    [{ factors: '0x10' }, 'factors'],
    [{ learning_rate: '0x1' }, 'learning_rate'],
    [{ learning_rate: 'Infinity' }, 'learning_rate'],
    [{ seed: { value: 1 } }, 'seed'],
    [{ verify_negatives: true }, 'verify_negatives'],
    [{ epochs: null }, 'epochs'],
  ])('takes strings (SageMaker) or finite JSON numbers only: %j fails naming the field', (raw, field) => {
    expect(() => parseHyperparameters(raw)).toThrow(HyperparameterError);
    expect(() => parseHyperparameters(raw)).toThrow(new RegExp(`^hyperparameter ${field}: `));
  });

  it('reads a finite JSON number as its value, and decimal strings with an exponent', () => {
    expect(parseHyperparameters({ factors: 8, learning_rate: 0.5 })).toMatchObject({ factors: 8, learning_rate: 0.5 });
    expect(parseHyperparameters({ learning_rate: '1e-3', factors: '+16' })).toMatchObject({ learning_rate: 0.001, factors: 16 });
  });

  it('quotes a long bad value briefly', () => {
    const message = (() => {
      try {
        parseHyperparameters({ factors: 'x'.repeat(100_000) });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/^hyperparameter factors: /);
    expect(message.length).toBeLessThan(200);
  });

  it.each(['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf'])(
    'refuses the prototype name %s as unknown, with a plain message',
    (name) => {
      const raw = JSON.parse(`{${JSON.stringify(name)}: "8"}`) as Record<string, unknown>;
      let message = '';
      try {
        parseHyperparameters(raw);
      } catch (err) {
        expect(err).toBeInstanceOf(HyperparameterError);
        message = (err as Error).message;
      }
      expect(message).toMatch(new RegExp(`^unknown hyperparameter ${name}; known: factors, `));
      expect(message).not.toMatch(/function|native code|\{/);
    },
  );

  it('rejects a non-object', () => {
    expect(() => parseHyperparameters(['factors'])).toThrow(HyperparameterError);
  });

  it("docs/training.md's hyperparameter table lists every hyperparameter with its real default", () => {
    const readme = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'training.md'), 'utf8');
    for (const name of Object.keys(HYPERPARAMETER_DOCS) as Array<keyof typeof HYPERPARAMETER_DOCS>) {
      const shown = name in NO_DEFAULT ? NO_DEFAULT[name]! : `\`${String(HYPERPARAMETER_DEFAULTS[name])}\``;
      expect(readme).toContain(`| \`${name}\` | ${shown} |`);
    }
  });

  it('documents every schema field', () => {
    const names = Object.keys(hyperparameterSchema.shape);
    expect(names.sort()).toEqual(Object.keys(HYPERPARAMETER_DOCS).sort());
  });
});
