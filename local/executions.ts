/**
 * The executions of one local environment, as DescribeExecution reports them (an aws-sdk:sfn task
 * asks for the deployment lock's holder): RUNNING while the interpreter runs one, then its end
 * status. An unknown ARN raises Sfn.ExecutionDoesNotExistException, as Step Functions does.
 */
import { randomUUID } from 'node:crypto';
import { IntegrationErrors } from '../lib/aws-errors';
import { TaskError } from './errors';
import type { Json } from './sagemaker/context';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export class LocalExecutions {
  private readonly executions = new Map<string, { status: ExecutionStatus; startDate: string; stopDate?: string }>();

  started(executionArn: string): void {
    this.executions.set(executionArn, { status: 'RUNNING', startDate: new Date().toISOString() });
  }

  ended(executionArn: string, status: Exclude<ExecutionStatus, 'RUNNING'>): void {
    const e = this.executions.get(executionArn);
    if (e) Object.assign(e, { status, stopDate: new Date().toISOString() });
  }

  /** DescribeExecution's answer (the fields the state machines read). */
  describe(input: Json): Json {
    const arn = String(input.ExecutionArn);
    const e = this.executions.get(arn);
    if (!e)
      throw new TaskError(
        IntegrationErrors.SfnExecutionDoesNotExist,
        `Execution Does Not Exist: '${arn}' (Service: Sfn, Status Code: 400, Request ID: ${randomUUID()})`,
      );
    return { ExecutionArn: arn, Status: e.status, StartDate: e.startDate, ...(e.stopDate ? { StopDate: e.stopDate } : {}) };
  }
}
