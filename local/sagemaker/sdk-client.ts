/**
 * The local SageMaker stand-in behind the AWS SDK client's interface: `send(command)` for the
 * commands the prune-deployments Lambda and the teardown command make, answered from the same
 * models, configurations and endpoints the state machines use, with SageMaker's errors
 * (ValidationException "Could not find ..."). Handlers and the CLI run unchanged against it.
 */
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Hosting } from './hosting';
import { UnsupportedCommandError } from '../errors';

type Command = { readonly input: Record<string, unknown> };

const matches = (name: string, contains: unknown) => typeof contains !== 'string' || name.includes(contains);

/** Answers one SDK command from the hosting stand-in. */
async function answer(hosting: Hosting, command: Command): Promise<unknown> {
  const input = command.input;
  if (command instanceof ListModelsCommand) {
    const Models = hosting
      .listModels()
      .filter((m) => matches(m.name, input.NameContains))
      .map((m) => ({ ModelName: m.name, ModelArn: m.arn, CreationTime: new Date(m.created) }));
    return { Models };
  }
  if (command instanceof ListEndpointConfigsCommand) {
    const EndpointConfigs = hosting
      .listEndpointConfigs()
      .filter((c) => matches(c.name, input.NameContains))
      .map((c) => ({ EndpointConfigName: c.name, EndpointConfigArn: c.arn, CreationTime: new Date(c.created) }));
    return { EndpointConfigs };
  }
  if (command instanceof DescribeEndpointCommand) return hosting.describeEndpoint(input);
  if (command instanceof DescribeEndpointConfigCommand) {
    const c = hosting.describeEndpointConfig(String(input.EndpointConfigName));
    return {
      EndpointConfigName: c.name,
      EndpointConfigArn: c.arn,
      ProductionVariants: c.variants,
      CreationTime: new Date(c.created),
    };
  }
  if (command instanceof DeleteModelCommand) {
    hosting.deleteModel(String(input.ModelName));
    return {};
  }
  if (command instanceof DeleteEndpointConfigCommand) {
    hosting.deleteEndpointConfig(String(input.EndpointConfigName));
    return {};
  }
  if (command instanceof DeleteEndpointCommand) return hosting.deleteEndpoint(input);
  throw new UnsupportedCommandError(command, 'SageMaker');
}

/** A SageMakerClient whose `send` the stand-in answers (nothing leaves the process). */
export function localSageMakerClient(hosting: Hosting): SageMakerClient {
  const client = { send: (command: Command) => answer(hosting, command), destroy: () => undefined };
  // Only `send` is ever called: the SDK client's other members are not needed.
  return client as unknown as SageMakerClient;
}
