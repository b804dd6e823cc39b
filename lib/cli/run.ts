/**
 * The AWS side of `npm run pipeline -- start`: find the training state machine, start an
 * execution, print its console URL and, with --wait, follow its states to the end.
 */
import {
  DescribeExecutionCommand,
  DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  HistoryEvent,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ExecutionStatus, resourceNames } from '../pipeline-names';
import { outputFields, type TrainingOutput } from '../contracts';
import { checkStartInput, StartOptions } from './args';
import { readableCause } from './cause';
import { StateMachineNotFoundError } from './errors';

/** Exit codes of `start --wait` (and of the other commands: 0, 1, 64). */
export const ExitCode = { Deployed: 0, Failed: 1, Rejected: 2, Busy: 3, Usage: 64 } as const;

/** What the CLI needs from the outside world (tests inject fakes). */
export interface CliDeps {
  readonly client: SFNClient;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** Finds `<project>-training-pipeline` among the account's state machines. */
export async function findStateMachineArn(client: SFNClient, projectName: string): Promise<string> {
  const wanted = resourceNames(projectName).trainingStateMachine;
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ nextToken, maxResults: 1000 }));
    const hit = page.stateMachines?.find((m) => m.name === wanted);
    if (hit?.stateMachineArn) return hit.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new StateMachineNotFoundError(
    `no state machine named ${wanted} in this account and region: deploy the stacks, or pass --state-machine-arn`,
  );
}

/** The Step Functions console page of an execution. */
export function consoleUrl(executionArn: string): string {
  const [, partition, , region] = executionArn.split(':');
  const host = partition === 'aws-cn' ? `${region}.console.amazonaws.cn` : `${region}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** One line per interesting history event (state entered, task or execution failure). */
export function describeEvent(e: HistoryEvent): string | undefined {
  if (e.stateEnteredEventDetails) return `  -> ${e.stateEnteredEventDetails.name}`;
  const failure = e.taskFailedEventDetails ?? e.executionFailedEventDetails ?? e.lambdaFunctionFailedEventDetails;
  if (failure) return `  !! ${e.type}: ${failure.error ?? ''} ${readableCause(failure.cause)}`.trimEnd();
  return undefined;
}

/** Exit code and message for a finished execution. */
export function outcome(desc: Pick<DescribeExecutionCommandOutput, 'status' | 'output' | 'error' | 'cause'>): {
  code: number;
  message: string;
} {
  if (desc.status === 'SUCCEEDED') {
    let output: Partial<TrainingOutput> = {};
    try {
      output = outputFields<TrainingOutput>(JSON.parse(desc.output ?? '{}'));
    } catch {
      // An unparsable output is still a success of the execution.
    }
    if (output.status === ExecutionStatus.Rejected)
      return { code: ExitCode.Rejected, message: `REJECTED: ${output.reason ?? ''}`.trimEnd() };
    if (output.status === ExecutionStatus.Busy) return { code: ExitCode.Busy, message: `BUSY: ${output.reason ?? ''}`.trimEnd() };
    return {
      code: ExitCode.Deployed,
      message: `${output.status ?? 'SUCCEEDED'}${output.endpointName ? ` to endpoint ${output.endpointName}` : ''}`,
    };
  }
  return {
    code: ExitCode.Failed,
    message: `${desc.status ?? 'UNKNOWN'}: ${desc.error ?? ''} ${readableCause(desc.cause)}`.trimEnd(),
  };
}

/** Polls until the execution ends (or the timeout passes), logging states as they are entered. */
export async function followExecution(
  deps: CliDeps,
  executionArn: string,
  pollMs: number,
  timeoutMs: number,
): Promise<DescribeExecutionCommandOutput> {
  const started = deps.now();
  let seen = 0;
  for (;;) {
    let nextToken: string | undefined;
    let index = 0;
    do {
      const page = await deps.client.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 500 }));
      for (const event of page.events ?? []) {
        if (index++ < seen) continue;
        seen = index;
        const line = describeEvent(event);
        if (line) deps.log(line);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    const desc = await deps.client.send(new DescribeExecutionCommand({ executionArn }));
    if (desc.status !== 'RUNNING' && desc.status !== 'PENDING_REDRIVE') return desc;
    if (deps.now() - started >= timeoutMs) {
      return {
        ...desc,
        status: 'TIMED_OUT',
        error: 'CliTimeout',
        cause: `still running after ${Math.round(timeoutMs / 60000)} min (the execution goes on)`,
      };
    }
    await deps.sleep(pollMs);
  }
}

/** `start`: returns the process exit code. */
export async function runStart(opts: StartOptions, deps: CliDeps): Promise<number> {
  // The state machine's first task refuses a bad input too; here it fails before any AWS call.
  checkStartInput(opts.input);
  const stateMachineArn = opts.stateMachineArn ?? (await findStateMachineArn(deps.client, opts.projectName));
  const started = await deps.client.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: opts.executionName,
      input: JSON.stringify(opts.input),
    }),
  );
  const executionArn = started.executionArn!;
  deps.log(`started ${executionArn}`);
  deps.log(`input ${JSON.stringify(opts.input)}`);
  deps.log(`console ${consoleUrl(executionArn)}`);
  if (!opts.wait) return ExitCode.Deployed;
  const final = await followExecution(deps, executionArn, opts.pollSeconds * 1000, opts.timeoutMinutes * 60000);
  const result = outcome(final);
  if (final.output) deps.log(`output ${final.output}`);
  deps.log(result.message);
  return result.code;
}
