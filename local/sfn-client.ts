/**
 * The local Step Functions behind the AWS SDK client's interface, for the pipeline CLI
 * (`rollback`, `start`): ListStateMachines, StartExecution (the execution runs in this process),
 * DescribeExecution and GetExecutionHistory (the states an ended execution went through).
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { UnsupportedCommandError } from './errors';
import type { LocalPipeline } from './pipeline';

type Command = { readonly input: Record<string, unknown> };

async function answer(pipeline: LocalPipeline, command: Command): Promise<unknown> {
  const input = command.input;
  const executions = pipeline.services.executions;
  if (command instanceof ListStateMachinesCommand) {
    return {
      stateMachines: pipeline.app.stateMachines.map((m) => ({ stateMachineArn: m.arn, name: m.arn.split(':').pop() })),
    };
  }
  if (command instanceof StartExecutionCommand) {
    const which = pipeline.machineOf(String(input.stateMachineArn));
    const { executionArn } = pipeline.start(which, JSON.parse(String(input.input ?? '{}')) as unknown, {
      name: input.name === undefined ? undefined : String(input.name),
    });
    return { executionArn, startDate: new Date() };
  }
  if (command instanceof DescribeExecutionCommand) {
    const arn = String(input.executionArn);
    const { Status } = executions.describe({ ExecutionArn: arn });
    const r = executions.result(arn);
    return {
      executionArn: arn,
      status: Status,
      ...(r?.output === undefined ? {} : { output: JSON.stringify(r.output) }),
      ...(r?.error === undefined ? {} : { error: r.error, cause: r.cause }),
    };
  }
  if (command instanceof GetExecutionHistoryCommand) {
    const r = executions.result(String(input.executionArn));
    const events: HistoryEvent[] = (r?.visited ?? []).map((name, i) => ({
      id: i + 1,
      timestamp: new Date(),
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name },
    }));
    if (r?.status === 'FAILED')
      events.push({
        id: events.length + 1,
        timestamp: new Date(),
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: r.error, cause: r.cause },
      });
    return { events };
  }
  throw new UnsupportedCommandError(command, 'Step Functions');
}

/** An SFNClient whose `send` the local environment answers (nothing leaves the process). */
export function localSfnClient(pipeline: LocalPipeline): SFNClient {
  const client = { send: (command: Command) => answer(pipeline, command), destroy: () => undefined };
  // Only `send` is ever called: the SDK client's other members are not needed.
  return client as unknown as SFNClient;
}
