/**
 * Bundling of a Lambda that loads a native module (DuckDB): the module stays out of the esbuild
 * bundle (`nodeModules`) and is installed into the asset by `npm ci`, with npm's platform options
 * set to the function's (`--os`, `--cpu`, `--libc`: https://docs.npmjs.com/cli/v11/using-npm/config#cpu),
 * so the asset holds the optional binary package for Lambda's Linux on that architecture
 * (@duckdb/node-bindings-linux-arm64), whatever machine synthesizes it.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

export interface NativeBundling {
  /** The function's architecture. */
  readonly architecture: lambda.Architecture;
  /** Bundling options that install the modules for it. */
  readonly bundling: Pick<nodejs.BundlingOptions, 'nodeModules' | 'environment'>;
}

/** npm's name of a Lambda architecture (npm_config_cpu). */
export function npmCpu(architecture: lambda.Architecture): string {
  return architecture === lambda.Architecture.ARM_64 ? 'arm64' : 'x64';
}

export function nativeBundling(modules: string[], architecture: lambda.Architecture): NativeBundling {
  return {
    architecture,
    bundling: {
      nodeModules: modules,
      // Passed to the bundling commands (npm ci among them) as npm configuration.
      environment: { npm_config_os: 'linux', npm_config_cpu: npmCpu(architecture), npm_config_libc: 'glibc' },
    },
  };
}
