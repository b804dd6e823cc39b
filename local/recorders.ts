/**
 * Local stand-ins for the services that have no local counterpart to run: SSM Parameter Store
 * (a working in-memory store), SNS and EventBridge Scheduler. Each records every call, so the run's
 * summary can show what would have been stored, notified and scheduled.
 */
import { randomUUID } from 'node:crypto';
import { DeleteParameterCommand, GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { NamedError } from '../container/src/errors';
import { IntegrationErrors } from '../lib/aws-errors';
import { TaskError, UnsupportedCommandError } from './errors';
import type { Json } from './sagemaker/context';

export interface RecordedCall {
  readonly service: string;
  readonly action: string;
  readonly params: unknown;
  readonly at: string;
}

export class CallRecorder {
  readonly calls: RecordedCall[] = [];

  record(service: string, action: string, params: unknown): void {
    this.calls.push({ service, action, params, at: new Date().toISOString() });
  }

  of(service: string, action?: string): RecordedCall[] {
    return this.calls.filter((c) => c.service === service && (action === undefined || c.action === action));
  }
}

interface Parameter {
  Name: string;
  Value: string;
  Type: string;
  Version: number;
  LastModifiedDate: string;
}

/** SSM Parameter Store: putParameter / getParameter with versions, as the AWS SDK integration answers. */
export class LocalSsm {
  private readonly params = new Map<string, Parameter>();

  constructor(private readonly recorder: CallRecorder) {}

  putParameter(input: Json): Json {
    this.recorder.record('ssm', 'putParameter', input);
    const name = String(input.Name);
    const existing = this.params.get(name);
    if (existing && input.Overwrite !== true) {
      throw new TaskError(
        IntegrationErrors.SsmParameterAlreadyExists,
        `The parameter already exists. To overwrite this value, set the overwrite option in the request to true. (Service: Ssm, Status Code: 400)`,
      );
    }
    const param: Parameter = {
      Name: name,
      Value: String(input.Value),
      Type: String(input.Type ?? existing?.Type ?? 'String'),
      Version: (existing?.Version ?? 0) + 1,
      LastModifiedDate: new Date().toISOString(),
    };
    this.params.set(name, param);
    return { Version: param.Version, Tier: 'Standard' };
  }

  getParameter(input: Json): Json {
    this.recorder.record('ssm', 'getParameter', input);
    const param = this.params.get(String(input.Name));
    if (!param)
      throw new TaskError(
        IntegrationErrors.SsmParameterNotFound,
        `Parameter ${String(input.Name)} not found. (Service: Ssm, Status Code: 400)`,
      );
    return {
      Parameter: {
        ...param,
        ARN: `arn:aws:ssm:local:000000000000:parameter${param.Name.startsWith('/') ? '' : '/'}${param.Name}`,
      },
    };
  }

  value(name: string): string | undefined {
    return this.params.get(name)?.Value;
  }

  deleteParameter(input: Json): Json {
    this.recorder.record('ssm', 'deleteParameter', input);
    if (!this.params.delete(String(input.Name))) throw new ParameterNotFound(`Parameter ${String(input.Name)} not found.`);
    return {};
  }

  /** The store behind the SSM SDK client's interface (GetParameter, DeleteParameter), with the SDK's error names. */
  client(): SSMClient {
    const send = async (command: { input: Json }) => {
      if (command instanceof DeleteParameterCommand) return this.deleteParameter(command.input as Json);
      if (command instanceof GetParameterCommand) {
        if (!this.params.has(String(command.input.Name)))
          throw new ParameterNotFound(`Parameter ${String(command.input.Name)} not found.`);
        return this.getParameter(command.input as Json);
      }
      throw new UnsupportedCommandError(command, 'SSM');
    };
    // Only `send` is ever called.
    return { send } as unknown as SSMClient;
  }

  all(): Record<string, string> {
    return Object.fromEntries([...this.params.values()].map((p) => [p.Name, p.Value]));
  }
}

/** The SSM SDK's name for a missing parameter. */
class ParameterNotFound extends NamedError {}

/** SNS publish: records the message and answers with a MessageId. */
export class LocalSns {
  readonly messages: { topicArn: string; subject?: string; message: string }[] = [];

  constructor(private readonly recorder: CallRecorder) {}

  publish(input: Json): Json {
    this.recorder.record('sns', 'publish', input);
    const message = typeof input.Message === 'string' ? input.Message : JSON.stringify(input.Message);
    this.messages.push({
      topicArn: String(input.TopicArn ?? input.TargetArn ?? ''),
      subject: input.Subject as string | undefined,
      message,
    });
    return { MessageId: randomUUID() };
  }
}

/** Any other AWS SDK call (Scheduler and the like): recorded and answered with an empty success. */
export function recordOnly(recorder: CallRecorder, service: string, action: string, input: unknown): Json {
  recorder.record(service, action, input);
  if (service === 'scheduler' && /^(create|update)Schedule$/.test(action)) {
    return {
      ScheduleArn: `arn:aws:scheduler:local:000000000000:schedule/default/${String((input as Json)?.Name ?? 'schedule')}`,
    };
  }
  return {};
}
