/** `npm run pipeline -- start`: argument parsing, execution input, and the SFN calls (mocked). */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { parseStartArgs, STATE_MACHINE_ARN_ENV } from '../../lib/cli/args';
import { StateMachineNotFoundError, UsageError } from '../../lib/cli/errors';
import { readableCause } from '../../lib/cli/cause';
import { numberOption, parseHyperparameters, type NumberRule } from '../../lib/cli/options';
import { consoleUrl, ExitCode, runStart } from '../../lib/cli/run';
import type { TrainingInput } from '../../lib/contracts';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:bpr-training-pipeline';
const EXEC = 'arn:aws:states:eu-west-1:123456789012:execution:bpr-training-pipeline:run-1';
const sfn = mockClient(SFNClient);
let lines: string[];
let clock: number;
const deps = () => ({
  client: new SFNClient({ region: 'eu-west-1' }),
  log: (l: string) => lines.push(l),
  sleep: async (ms: number) => {
    clock += ms;
  },
  now: () => clock,
});
beforeEach(() => {
  sfn.reset();
  lines = [];
  clock = 0;
});

describe('arguments', () => {
  test('builds the execution input from the options', () => {
    const o = parseStartArgs([
      'start',
      '--input',
      's3://my-raw/exports/2026.xlsx',
      '--threshold',
      '0.12',
      '--hyperparameters',
      'epochs=50, factors=32',
      '--split',
      'temporal',
      '--test-fraction',
      '0.25',
      '--seed',
      '7',
      '--wait',
    ]);
    expect(o.input).toEqual({
      rawDataUri: 's3://my-raw/exports/2026.xlsx',
      threshold: 0.12,
      hyperparameters: { epochs: '50', factors: '32' },
      split: 'temporal',
      testFraction: 0.25,
      seed: 7,
    });
    expect(o).toMatchObject({ wait: true, projectName: 'bpr', pollSeconds: 10, timeoutMinutes: 720 });
  });

  test('no options give {} (the pipeline applies its defaults)', () => {
    expect(parseStartArgs(['start']).input).toEqual({});
    expect(parseStartArgs(['start'], { [STATE_MACHINE_ARN_ENV]: SM }).stateMachineArn).toBe(SM);
    expect(parseStartArgs(['start', '--state-machine-arn', 'x'], { [STATE_MACHINE_ARN_ENV]: SM }).stateMachineArn).toBe('x');
  });

  test('bad options are usage errors naming the option', () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /missing command/],
      [['stop'], /unknown command "stop"/],
      [['start', '--input', 'file.csv'], /--input must be an s3/],
      [['start', '--threshold', '2'], /--threshold/],
      [['start', '--threshold', 'abc'], /--threshold/],
      [['start', '--hyperparameters', 'epochs'], /--hyperparameters/],
      [['start', '--split', 'weekly'], /--split/],
      [['start', '--test-fraction', '1'], /--test-fraction/],
      [['start', '--seed', '-1'], /--seed/],
      [['start', '--bogus'], /bogus/],
    ];
    for (const [argv, message] of cases) expect(() => parseStartArgs(argv)).toThrow(message);
    expect(() => parseStartArgs(['start', '--seed', '1.5'])).toThrow(UsageError);
  });

  test("what each value may be is the execution input's own check (lambda/validate-input), told by option", () => {
    const told = (...argv: string[]) => {
      try {
        parseStartArgs(['start', ...argv]);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(told('--input', 'raw.csv')).toBe(
      '--input must be an s3://bucket/key URI (an object, or a prefix ending in /), got "raw.csv"',
    );
    expect(told('--split', 'weekly')).toBe('--split must be random or temporal, got "weekly"');
    expect(told('--seed', '4294967296', '--test-fraction', '0')).toBe(
      '--test-fraction must be a number between 0 and 1 (exclusive), got 0; --seed must be an integer between 0 and 4294967295, got 4294967296',
    );
    expect(told('--threshold', '0x1')).toBe('--threshold must be a number, got "0x1"');
    expect(told('--threshold', '1', '--seed', '4294967295')).toBe('accepted');
  });

  test('hyperparameter values stay strings; the value is everything after the first "="', () => {
    expect(parseHyperparameters('lr_schedule=cosine,factors=8')).toEqual({ lr_schedule: 'cosine', factors: '8' });
    expect(() => parseHyperparameters('factors=8=9')).toThrow('--hyperparameters: hyperparameter factors: must be a number');
  });

  test('hyperparameters are checked before any AWS call: unknown and prototype names, bad values', () => {
    const known = 'known: factors, learning_rate, ';
    for (const name of ['treshold', '__proto__', 'toString', 'constructor']) {
      expect(() => parseHyperparameters(`${name}=8`)).toThrow(UsageError);
      expect(() => parseHyperparameters(`${name}=8`)).toThrow(`--hyperparameters: unknown hyperparameter ${name}; ${known}`);
    }
    expect(() => parseHyperparameters('factors=0x10')).toThrow(/^--hyperparameters: hyperparameter factors: .*"0x10"/);
    expect(() => parseHyperparameters('epochs=5,iterations=6')).toThrow(/given twice/);
    expect(Object.getPrototypeOf(parseHyperparameters('sagemaker_region=x,factors=8'))).toBe(Object.prototype);
  });
});

describe('option values shared by every command line', () => {
  test('numbers: one reading (blank, NaN and infinities refused), bounds and integers named in the message', () => {
    expect(numberOption(undefined, 'x')).toBeUndefined();
    expect(numberOption(' 0.5 ', 'x', { atLeast: 0, atMost: 1 })).toBe(0.5);
    expect(numberOption('1e3', 'rows', { integer: true, atLeast: 1 })).toBe(1000);
    const cases: Array<[string, NumberRule, string]> = [
      ['', {}, '--x must be a number, got ""'],
      ['  ', {}, '--x must be a number, got "  "'],
      ['abc', {}, '--x must be a number, got "abc"'],
      ['Infinity', { above: 0 }, '--x must be a number > 0, got "Infinity"'],
      ['0x10', {}, '--x must be a number, got "0x10"'],
      ['0b1', { atLeast: 0, atMost: 1 }, '--x must be a number between 0 and 1, got "0b1"'],
      ['2', { atLeast: 0, atMost: 1 }, '--x must be a number between 0 and 1, got "2"'],
      ['1', { above: 0, below: 1 }, '--x must be a number between 0 and 1 (exclusive), got "1"'],
      ['1.5', { integer: true, atLeast: 0 }, '--x must be an integer >= 0, got "1.5"'],
      ['0', { above: 0, atMost: 300 }, '--x must be a number > 0 and <= 300, got "0"'],
    ];
    for (const [raw, rule, message] of cases) {
      expect(() => numberOption(raw, 'x', rule)).toThrow(new UsageError(message));
    }
  });

  test('hyperparameters: key=value pairs with SageMaker-style keys, each with a value', () => {
    expect(parseHyperparameters(' epochs = 20 , factors=32,')).toEqual({ epochs: '20', factors: '32' });
    for (const bad of ['epochs', '=3', 'epochs=', 'bad key=1', '1x=2']) {
      expect(() => parseHyperparameters(bad)).toThrow(/--hyperparameters expects key=value pairs separated by commas/);
    }
    expect(() => parseHyperparameters(' , ')).toThrow('--hyperparameters is empty');
  });

  test('readableCause: a job FailureReason, a Lambda errorMessage (never its trace), or the text', () => {
    expect(readableCause(JSON.stringify({ TrainingJobName: 'j', FailureReason: 'AlgorithmError: bad' }))).toBe(
      'AlgorithmError: bad',
    );
    expect(readableCause(JSON.stringify({ errorType: 'E', errorMessage: 'no such key', trace: ['at x'] }))).toBe('no such key');
    expect(readableCause('plain text')).toBe('plain text');
    expect(readableCause('null')).toBe('null');
    expect(readableCause(undefined)).toBe('');
  });
});

test('bin/pipeline.ts exits 64 on a bad command line, naming the option, before any AWS call', () => {
  const res = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), path.join(__dirname, '..', '..', 'bin', 'pipeline.ts'), 'start', '--threshold', '2'],
    {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true' },
    },
  );
  expect(res.status).toBe(ExitCode.Usage);
  expect(res.stderr).toContain('--threshold must be a number between 0 and 1, got 2');
  expect(res.stderr).toContain('usage: npm run pipeline -- start');
  expect(res.stdout).toBe('');
});

describe('start', () => {
  test('finds the state machine by name, starts with the input and prints the console URL', async () => {
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [{ name: 'other', stateMachineArn: 'x', type: 'STANDARD', creationDate: new Date() }],
        nextToken: 't',
      })
      .resolves({
        stateMachines: [{ name: 'bpr-training-pipeline', stateMachineArn: SM, type: 'STANDARD', creationDate: new Date() }],
      });
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date() });
    const code = await runStart(parseStartArgs(['start', '--threshold', '0.1']), deps());
    expect(code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: SM,
      name: undefined,
      input: '{"threshold":0.1}',
    });
    expect(lines).toContain(`console ${consoleUrl(EXEC)}`);
    expect(consoleUrl(EXEC)).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXEC}`,
    );
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('an input with a key the training pipeline does not take is refused before any AWS call', async () => {
    const opts = { ...parseStartArgs(['start', '--state-machine-arn', SM]), input: { treshold: 0.1 } as TrainingInput };
    await expect(runStart(opts, deps())).rejects.toThrow(
      new UsageError(
        'the training pipeline does not take a key treshold in its input; its keys are rawDataUri, threshold, hyperparameters, split, testFraction, seed, tuning, deployModelPackage (and Comment, which is ignored)',
      ),
    );
    const bad = { ...opts, input: { threshold: 2 } as TrainingInput };
    await expect(runStart(bad, deps())).rejects.toThrow(new UsageError('--threshold must be a number between 0 and 1, got 2'));
    expect(sfn.calls()).toHaveLength(0);
  });

  test('a missing state machine is a clear error', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    await expect(runStart(parseStartArgs(['start']), deps())).rejects.toThrow(StateMachineNotFoundError);
  });

  test('--wait follows the states and exits 0 when deployed', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date() });
    const ev = (id: number, name: string) => ({
      id,
      timestamp: new Date(),
      type: 'TaskStateEntered' as const,
      stateEnteredEventDetails: { name },
    });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [ev(1, 'ApplyDefaults'), ev(2, 'PrepareData')] })
      .resolves({ events: [ev(1, 'ApplyDefaults'), ev(2, 'PrepareData'), ev(3, 'TrainModel')] });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', executionArn: EXEC, stateMachineArn: SM, startDate: new Date() })
      .resolves({
        status: 'SUCCEEDED',
        executionArn: EXEC,
        stateMachineArn: SM,
        startDate: new Date(),
        output: '{"status":"DEPLOYED","endpointName":"bpr-recommender"}',
      });
    const code = await runStart(parseStartArgs(['start', '--state-machine-arn', SM, '--wait', '--poll-seconds', '5']), deps());
    expect(code).toBe(ExitCode.Deployed);
    expect(lines.filter((l) => l.startsWith('  -> '))).toEqual(['  -> ApplyDefaults', '  -> PrepareData', '  -> TrainModel']);
    expect(lines[lines.length - 1]).toBe('DEPLOYED to endpoint bpr-recommender');
    expect(clock).toBe(5000);
  });

  test('--wait exits 2 on a rejected model and 1 on a failed execution', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date() });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({
        status: 'SUCCEEDED',
        executionArn: EXEC,
        stateMachineArn: SM,
        startDate: new Date(),
        output: '{"status":"REJECTED","reason":"precision@10 0.01 is below the threshold 0.05"}',
      })
      .resolves({
        status: 'FAILED',
        executionArn: EXEC,
        stateMachineArn: SM,
        startDate: new Date(),
        error: 'States.TaskFailed',
        cause: 'bad factors',
      });
    const argv = ['start', '--state-machine-arn', SM, '--wait'];
    expect(await runStart(parseStartArgs(argv), deps())).toBe(ExitCode.Rejected);
    expect(lines[lines.length - 1]).toBe('REJECTED: precision@10 0.01 is below the threshold 0.05');
    expect(await runStart(parseStartArgs(argv), deps())).toBe(ExitCode.Failed);
    expect(lines[lines.length - 1]).toBe('FAILED: States.TaskFailed bad factors');
  });

  test("--wait shows a Lambda failure by its message, without the runtime's trace", async () => {
    const cause = JSON.stringify({
      errorType: 'InputValidationError',
      errorMessage: 'missing column(s) StockCode; found columns: "a"',
      trace: ['InputValidationError: x', '    at secret (/var/task/index.js:1:1)'],
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date() });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          timestamp: new Date(),
          type: 'TaskFailed',
          taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'InputValidationError', cause },
        },
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      executionArn: EXEC,
      stateMachineArn: SM,
      startDate: new Date(),
      error: 'InputValidationError',
      cause,
    });
    expect(await runStart(parseStartArgs(['start', '--state-machine-arn', SM, '--wait']), deps())).toBe(ExitCode.Failed);
    expect(lines).toContain('  !! TaskFailed: InputValidationError missing column(s) StockCode; found columns: "a"');
    expect(lines[lines.length - 1]).toBe('FAILED: InputValidationError missing column(s) StockCode; found columns: "a"');
    expect(lines.join('\n')).not.toContain('/var/task');
  });

  test('--wait is bounded by --timeout-minutes', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date() });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'RUNNING', executionArn: EXEC, stateMachineArn: SM, startDate: new Date() });
    const code = await runStart(
      parseStartArgs(['start', '--state-machine-arn', SM, '--wait', '--timeout-minutes', '1', '--poll-seconds', '20']),
      deps(),
    );
    expect(code).toBe(ExitCode.Failed);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(4);
    expect(lines[lines.length - 1]).toMatch(/^TIMED_OUT: CliTimeout still running after 1 min/);
  });
});
