/**
 * The local SageMaker stand-in behind the AWS SDK client's interface: `send(command)` for the
 * commands the prune-deployments and register-model Lambdas and the pipeline CLI (teardown,
 * models, approve, reject, rollback) make, answered from the same models, configurations,
 * endpoints and registry the state machines use, with SageMaker's errors (ValidationException).
 * Handlers and the CLI run unchanged against it.
 */
import {
  CreateModelPackageCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
  ListEndpointConfigsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  UpdateModelPackageCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Hosting } from './hosting';
import type { ModelRegistry } from './registry';
import { UnsupportedCommandError } from '../errors';

type Command = { readonly input: Record<string, unknown> };

const matches = (name: string, contains: unknown) => typeof contains !== 'string' || name.includes(contains);

/** Answers one SDK command from the hosting and registry stand-ins. */
async function answer(hosting: Hosting, registry: ModelRegistry, command: Command): Promise<unknown> {
  const input = command.input;
  if (command instanceof CreateModelPackageCommand) return registry.createModelPackage(input);
  if (command instanceof DescribeModelPackageCommand) return registry.describeModelPackage(input);
  if (command instanceof ListModelPackagesCommand) return registry.listModelPackages(input);
  if (command instanceof UpdateModelPackageCommand) return registry.updateModelPackage(input);
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
export function localSageMakerClient(hosting: Hosting, registry: ModelRegistry): SageMakerClient {
  const client = { send: (command: Command) => answer(hosting, registry, command), destroy: () => undefined };
  // Only `send` is ever called: the SDK client's other members are not needed.
  return client as unknown as SageMakerClient;
}
