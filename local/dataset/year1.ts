/**
 * Where the tests and benchmarks that need the UCI Online Retail II export's first year
 * (2009-12 to 2010-12, as CSV) find it: the file named by BPR_YEAR1_CSV, by default
 * ../shared/data/online_retail_II_2009-2010.csv.gz beside the repository. They skip when it is absent.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';

/** Environment variable naming the year-1 CSV (optionally gzip'd); relative paths are from the repository root. */
export const YEAR1_CSV_ENV = 'BPR_YEAR1_CSV';

/** The default, relative to the repository root. */
export const YEAR1_CSV_DEFAULT = path.join('..', 'shared', 'data', 'online_retail_II_2009-2010.csv.gz');

/** The year-1 file's absolute path (it may not exist). */
export function year1CsvPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(PROJECT_ROOT, env[YEAR1_CSV_ENV] || YEAR1_CSV_DEFAULT);
}

/** The year-1 file's path when it exists, else undefined. */
export function year1Csv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = year1CsvPath(env);
  return existsSync(file) ? file : undefined;
}
