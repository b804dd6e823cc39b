/**
 * What a handler takes from where it runs, passed explicitly rather than through process.env. In
 * AWS Lambda: the SDK's default clients and the function's environment variables.
 * The local runner builds the same handlers with its loopback S3 API, its SageMaker stand-in
 * behind the SDK client's interface, and the variables the template gives the function.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { makeS3Client } from './s3-client';

export interface HandlerEnvironment {
  /** The S3 client a handler uses (one per invocation in Lambda). */
  readonly s3Client: () => S3Client;
  /** The SageMaker client of the handlers that call SageMaker (they refuse to run without one). */
  readonly sagemakerClient?: () => SageMakerClient;
  /** The function's environment variables. */
  readonly variables: Readonly<Record<string, string | undefined>>;
}

/** The environment of a deployed function (a handler that calls SageMaker adds its client: only its bundle holds the SDK's). */
export const LAMBDA_ENVIRONMENT: HandlerEnvironment = { s3Client: () => makeS3Client(), variables: process.env };

/**
 * The export of a handler module (beside `handler`) that builds the handler for a given
 * environment; the local runner calls it when a module has it.
 */
export const HANDLER_FACTORY_EXPORT = 'createHandler';

/** The signature of that export. */
export type HandlerFactory<E, R> = (env: HandlerEnvironment) => (event: E) => Promise<R>;
