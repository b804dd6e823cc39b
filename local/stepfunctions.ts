/**
 * Runs a state machine definition with aws-local-stepfunctions, every Task state bound to a
 * handler (the local services' implementations, or a test's stubs), and reports progress from the
 * library's event log.
 */
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { retryOverrides, waitOverrides, walkStates, type LocalHandler } from './bindings';
import type { Definition } from './cdk/synth';

/** Task handlers by state name (bindTaskStates builds them from the local services). */
export type TaskHandlers = Record<string, LocalHandler>;

/**
 * aws-local-stepfunctions declares Node >= 22; on Node 20 it only lacks Promise.withResolvers
 * (ES2024). Installs it when missing; runExecution calls this, so importing changes nothing.
 */
export function ensurePromiseWithResolvers(): void {
  const P = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
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

/**
 * `"ResultPath": "$"` replaces the state's input with its result (or, in a Catch, with the error
 * output), whatever the input was, as no ResultPath does:
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html. The
 * interpreter reads "$" as a key named "$" (and fails on an input that is not an object), so the
 * copy it runs has no such ResultPath: the same meaning, the way it reads it.
 */
export function withRootResultPaths(def: Definition): Definition {
  const copy = JSON.parse(JSON.stringify(def)) as Definition;
  for (const [, state] of walkStates(copy)) {
    for (const holder of [state, ...((state.Catch as Record<string, unknown>[] | undefined) ?? [])]) {
      if (holder.ResultPath === '$') delete holder.ResultPath;
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
  /** Pause of every Wait state, in ms (default 250; 0 for none). */
  readonly waitMs?: number;
  /** Pause before a retry, in ms (default 100; 0 for none). */
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

/**
 * Interpreters by definition: the constructor validates the whole ASL (paths, ARNs, fields), which
 * is slow, and a definition Step Functions would refuse fails there too.
 */
const machines = new WeakMap<Definition, StateMachine>();

function machineFor(def: Definition): StateMachine {
  let machine = machines.get(def);
  if (!machine) {
    machine = new StateMachine(withRootResultPaths(withServiceTimeouts(def)) as never);
    machines.set(def, machine);
  }
  return machine;
}

/**
 * Runs one execution of def with input, each Task state served by its handler in `tasks`; never
 * throws for a failed execution (see status).
 */
export async function runExecution(
  def: Definition,
  input: unknown,
  tasks: TaskHandlers,
  options: ExecutionOptions = {},
): Promise<ExecutionResult> {
  ensurePromiseWithResolvers();
  const name = options.name ?? randomUUID();
  const smArn = options.stateMachineArn ?? 'arn:aws:states:us-east-1:000000000000:stateMachine:local';
  const executionArn = smArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  const machine = machineFor(def);
  const start = Date.now();
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: tasks as never,
      waitTimeOverrides: waitOverrides(def, options.waitMs ?? 250),
      retryIntervalOverrides: retryOverrides(def, options.retryMs ?? 100),
    },
    context: {
      // The interpreter sets Execution.StartTime (from new Date()) and Execution.Input itself.
      Execution: { Id: executionArn, Name: name, RoleArn: 'arn:aws:iam::000000000000:role/local' },
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
