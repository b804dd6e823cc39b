/**
 * Runs a state machine definition with aws-local-stepfunctions, every Task state bound to a local
 * implementation, and reports progress from the library's event log.
 */
import { randomUUID } from 'node:crypto';
import { bindTaskStates, retryOverrides, waitOverrides, walkStates, type LocalServices } from './bindings';
import type { Definition } from './cdk/synth';

// aws-local-stepfunctions declares Node >= 22; on Node 20 it only lacks Promise.withResolvers.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    },
  });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

/**
 * The interpreter applies the States Language spec's 60 s default Task timeout; Step Functions
 * itself has none in practice (99999999 s). Tasks without TimeoutSeconds get the largest value a
 * Node timer can hold, so long training jobs are not cut at a minute.
 */
const MAX_TIMER_SECONDS = 2147483;

export function withServiceTimeouts(def: Definition): Definition {
  const copy = JSON.parse(JSON.stringify(def)) as Definition;
  for (const [, state] of walkStates(copy)) {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = MAX_TIMER_SECONDS;
    }
  }
  return copy;
}

export interface ProgressEvent {
  readonly type: 'entered' | 'exited' | 'failed' | 'retried' | 'caught';
  readonly state: string;
  readonly stateType: string;
  /** Milliseconds since the execution started. */
  readonly elapsedMs: number;
  /** Milliseconds spent in the state (exited/failed). */
  readonly durationMs?: number;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export interface ExecutionOptions {
  readonly name?: string;
  /** Pause of every Wait state, in ms (default 250). */
  readonly waitMs?: number;
  /** Pause before a retry, in ms (default 100). */
  readonly retryMs?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly stateMachineArn?: string;
}

export interface ExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly executionArn: string;
  readonly durationMs: number;
  /** Every state that exited, in order. */
  readonly visited: string[];
}

/** Runs one execution of def with input; never throws for a failed execution (see status). */
export async function runExecution(
  def: Definition,
  input: unknown,
  services: LocalServices,
  options: ExecutionOptions = {},
): Promise<ExecutionResult> {
  const name = options.name ?? randomUUID();
  const smArn = options.stateMachineArn ?? 'arn:aws:states:us-east-1:000000000000:stateMachine:local';
  const executionArn = smArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  // Full ASL validation (paths, ARNs, fields): a definition Step Functions would refuse fails here too.
  const machine = new StateMachine(withServiceTimeouts(def) as never);
  const start = Date.now();
  const startTime = new Date(start).toISOString();
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: bindTaskStates(def, services) as never,
      waitTimeOverrides: waitOverrides(def, options.waitMs ?? 250),
      retryIntervalOverrides: retryOverrides(def, options.retryMs ?? 100),
    },
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        Input: input as never,
        StartTime: startTime,
        RoleArn: 'arn:aws:iam::000000000000:role/local',
      },
      StateMachine: { Id: smArn, Name: smArn.split(':').pop() },
      // The interpreter fills no $$.State; EnteredTime is read when a state evaluates it.
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
        RetryCount: 0,
      },
    },
  });
  const visited: string[] = [];
  const entered = new Map<string, number>();
  const logs = (async () => {
    for await (const ev of execution.eventLogs) {
      const e = ev as unknown as {
        type: string;
        timestamp: number;
        state?: { name: string; type: string; output?: unknown };
        Error?: string;
        Cause?: unknown;
      };
      if (!e.state) continue;
      const base = { state: e.state.name, stateType: e.state.type, elapsedMs: e.timestamp - start };
      if (e.type === 'StateEntered') {
        entered.set(e.state.name, e.timestamp);
        options.onProgress?.({ type: 'entered', ...base });
      } else if (e.type === 'StateExited') {
        visited.push(e.state.name);
        options.onProgress?.({
          type: 'exited',
          ...base,
          durationMs: e.timestamp - (entered.get(e.state.name) ?? e.timestamp),
          output: e.state.output,
        });
      } else if (e.type === 'StateFailed') {
        options.onProgress?.({
          type: 'failed',
          ...base,
          durationMs: e.timestamp - (entered.get(e.state.name) ?? e.timestamp),
          error: e.Error,
          cause: String(e.Cause ?? ''),
        });
      } else if (e.type === 'StateRetried') {
        options.onProgress?.({ type: 'retried', ...base });
      } else if (e.type === 'StateCaught') {
        options.onProgress?.({ type: 'caught', ...base });
      }
    }
  })();
  try {
    const output = await execution.result;
    await logs.catch(() => undefined);
    return { status: 'SUCCEEDED', output, executionArn, durationMs: Date.now() - start, visited };
  } catch (err) {
    await logs.catch(() => undefined);
    const e = err as Error & { cause?: unknown };
    const inner = (e.cause ?? e) as { name?: string; message?: string };
    return {
      status: 'FAILED',
      error: inner.name ?? e.name,
      cause: inner.message ?? e.message,
      executionArn,
      durationMs: Date.now() - start,
      visited,
    };
  }
}
