/**
 * Named errors of the local pipeline. A Task handler's error `name` becomes the Step Functions
 * error name (what Retry/Catch match) and its `message` the Cause; the names the stand-ins raise
 * are those of the real integrations (IntegrationErrors in lib/aws-errors.ts).
 */
import { NamedError } from '../container/src/errors';

/** An error whose name is a Step Functions error name. */
export class TaskError extends NamedError {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** The definition calls a resource the local pipeline has no implementation for. */
export class UnsupportedResourceError extends NamedError {
  constructor(stateName: string, resource: string) {
    super(`state ${JSON.stringify(stateName)} uses ${resource}, which has no local implementation`);
  }
}

/** A CloudFormation token in the definition that cannot be resolved locally. */
export class UnresolvableTokenError extends NamedError {
  constructor(what: string) {
    super(`cannot resolve ${what} locally`);
  }
}

/** A child process (container train/serve) did not start or answer in time. */
export class ContainerProcessError extends NamedError {}

/** A definition names a Lambda function with no handler folder under lambda/. */
export class LambdaNotFoundError extends NamedError {
  constructor(functionName: string) {
    super(`no local handler for Lambda function ${functionName}`);
  }
}

export { TarFormatError } from '../container/src/model/errors';

/** What the local run needs from the synthesized definition is not there. */
export class DefinitionError extends NamedError {}

/** An expression (a DynamoDB condition) the local stand-in does not evaluate. */
export class UnsupportedExpressionError extends NamedError {}

/** An SDK command a local stand-in does not answer. */
export class UnsupportedCommandError extends NamedError {
  constructor(command: object, service: string) {
    super(`${command.constructor.name} is not implemented by the local ${service}`);
  }
}

/** A work directory a local run must not use: it would clear folders of someone else's. */
export class WorkdirError extends NamedError {}
