/** How big a preparation DuckDB takes in the Lambda, and when `auto` hands it to Athena instead. */
import type { EngineLimits } from './engine';
import { InputValidationError } from './errors';
import type { PrepareEngine } from './options';
import type { InputObjects } from './s3-input';
import { join } from 'node:path';

/**
 * `auto` runs Athena when the input's objects add up to more than this (bytes as stored, gzip or
 * not). Below it, the function downloads the input to its ephemeral storage (10 GiB), and DuckDB
 * prepares it within the memory limit and the 15-minute timeout: 10 M rows (about 1 GB of CSV)
 * take well under a minute with a 2 GB limit (docs/benchmarks.md).
 */
export const AUTO_ATHENA_BYTES = 4 * 1024 ** 3;

/** The share of the function's memory DuckDB may take; the rest is Node's (the SDK, the output streams). */
export const DUCKDB_MEMORY_SHARE = 0.7;

/** Lambda sets this to the function's memory in MB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). */
export const LAMBDA_MEMORY_ENV = 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE';

/** DuckDB's limits in a function: memory from the function's size, spill files in the run's /tmp folder. */
export function lambdaLimits(variables: Readonly<Record<string, string | undefined>>, work: string): EngineLimits {
  const mb = Number(variables[LAMBDA_MEMORY_ENV]);
  return {
    tempDirectory: join(work, 'spill'),
    ...(Number.isFinite(mb) && mb > 0 ? { memoryLimit: `${Math.floor(mb * DUCKDB_MEMORY_SHARE)}MB` } : {}),
  };
}

/** The engine that runs this input. */
export function chooseEngine(engine: PrepareEngine, rawTable: boolean, input?: InputObjects): 'duckdb' | 'athena' {
  if (rawTable) {
    if (engine === 'duckdb')
      throw new InputValidationError('rawTable: a Glue table is read by Athena; the engine cannot be duckdb');
    return 'athena';
  }
  if (engine !== 'auto') return engine;
  const xlsx = input?.objects.some((o) => /\.xlsx$/i.test(o.key));
  return !xlsx && (input?.bytes ?? 0) > AUTO_ATHENA_BYTES ? 'athena' : 'duckdb';
}
