/**
 * Runs the project's Lambda handlers in-process, as the Lambda service would: the function named
 * in a definition (by fake ARN or name) is matched to its folder under lambda/ by the CDK construct
 * path (PrepareData -> lambda/prepare-data), and its handler is called with the payload. A module
 * that exports createHandler gets it called with the local environment (the loopback S3 API, the
 * function's variables from the template, the SageMaker stand-in behind the SDK client's
 * interface): the same handler code, nothing set in process.env.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { LambdaFunctionInfo } from './cdk/synth';
import { HANDLER_FACTORY_EXPORT, type HandlerEnvironment } from '../lambda/shared/handler';
import { LambdaNotFoundError } from './errors';

export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

const normalize = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Folders under lambda/ that hold an index.ts handler module. */
export function handlerFolders(lambdaRoot: string): string[] {
  if (!existsSync(lambdaRoot)) return [];
  return readdirSync(lambdaRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared' && existsSync(path.join(lambdaRoot, d.name, 'index.ts')))
    .map((d) => d.name);
}

/** The lambda/ folder whose name (without dashes) appears in the function's construct path; the longest match wins. */
export function folderFor(fn: LambdaFunctionInfo, folders: readonly string[]): string | undefined {
  const haystack = normalize(fn.constructPath.split('/').slice(1).join('/') || fn.logicalId);
  return [...folders].filter((f) => haystack.includes(normalize(f))).sort((a, b) => b.length - a.length)[0];
}

export class LocalLambdas {
  private readonly byKey = new Map<string, { fn: LambdaFunctionInfo; folder: string }>();

  /**
   * @param clients the clients handlers use (the local S3 API's, the SageMaker stand-in's)
   * @param overrides Lambda logical id -> folder under lambda/, when construct paths do not name the folder
   */
  constructor(
    functions: readonly LambdaFunctionInfo[],
    private readonly lambdaRoot: string,
    private readonly clients: Pick<HandlerEnvironment, 's3Client' | 'sagemakerClient'>,
    overrides: Record<string, string> = {},
  ) {
    const folders = handlerFolders(lambdaRoot);
    for (const fn of functions) {
      const folder = overrides[fn.logicalId] ?? folderFor(fn, folders);
      if (!folder) continue; // e.g. CDK's own custom-resource functions: never in a definition we run
      for (const key of [fn.arn, fn.name, fn.logicalId]) this.byKey.set(key, { fn, folder });
    }
  }

  /** Folder of the function a definition names (ARN with or without qualifier, or name). */
  resolve(functionName: string): { fn: LambdaFunctionInfo; folder: string } {
    const bare = functionName.replace(/^(arn:aws:lambda:[^:]+:[^:]+:function:[^:]+):.*$/, '$1');
    const hit = this.byKey.get(bare) ?? this.byKey.get(bare.split(':').pop() ?? '');
    if (!hit) throw new LambdaNotFoundError(functionName);
    return hit;
  }

  /** The function's handler, built for the local environment when its module can. */
  private async handlerOf(fn: LambdaFunctionInfo, folder: string): Promise<LambdaHandler> {
    const [file, exportName] = fn.handler.split('.');
    const mod = (await import(path.join(this.lambdaRoot, folder, file))) as Record<string, unknown>;
    const factory = mod[HANDLER_FACTORY_EXPORT];
    if (typeof factory === 'function') {
      return (factory as (env: HandlerEnvironment) => LambdaHandler)({ ...this.clients, variables: fn.environment });
    }
    const handler = mod[exportName];
    if (typeof handler !== 'function')
      throw new LambdaNotFoundError(`${fn.name} (lambda/${folder}/${file} exports no ${exportName})`);
    return handler as LambdaHandler;
  }

  /** Calls the function's handler with the payload. */
  async invoke(functionName: string, payload: unknown): Promise<unknown> {
    const { fn, folder } = this.resolve(functionName);
    const handler = await this.handlerOf(fn, folder);
    const context = {
      functionName: fn.name,
      invokedFunctionArn: fn.arn,
      awsRequestId: `local-${Date.now()}`,
      getRemainingTimeInMillis: () => 900000,
    };
    return handler(payload, context);
  }
}
