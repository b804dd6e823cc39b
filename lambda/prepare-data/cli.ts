/**
 * `npm run data:prepare` (bin/prepare-data.ts): the step on a local file, written to a local folder
 * that is replaced atomically when the run succeeds. Returns the exit code: 0, 2 for a bad command
 * line or bad input, 1 otherwise.
 */
import { stat } from 'node:fs/promises';
import { DEFAULT_TOP_N, MAX_TOP_N } from '../../container/src/limits';
import { UsageError } from '../../lib/cli/errors';
import { numberOption, parseCommandLine } from '../../lib/cli/options';
import { InputNotFoundError, InputValidationError, isPrepareDataError } from './errors';
import { PrepareOptionsSchema, validate } from './options';
import { prepareData, PrepareStats } from './prepare';
import { LocalDirSink, outputProblem } from './sinks';

export const USAGE = `usage: npm run data:prepare -- --input FILE --output DIR [options]
  --input FILE|DIR              raw export: Online Retail II xlsx, CSV (plain or gzip), Parquet, or user_id,item_id;
                                a folder: all its files as one table
  --output DIR                  output directory: new, empty, or written by an earlier run (replaced
                                atomically when the run succeeds; any other is refused)
  --split random|temporal       default random
  --test-fraction F             default 0.3
  --seed N                      default 42 (random split)
  --cutoff-date YYYY-MM-DD      temporal split cut-off (default: derived from --test-fraction)
  --min-user-interactions N     drop users with fewer distinct items (default 1)
  --min-item-interactions N     drop items with fewer distinct users (default 1)
  --top-n N                     top_n written to users.jsonl, 1 to ${MAX_TOP_N} (default ${DEFAULT_TOP_N})
  --memory-limit SIZE           DuckDB's memory limit, e.g. 2GB (default: 80 % of the machine); spills to a temp folder`;

/** Option fields of PrepareOptionsSchema and the flags that set them (errors name the flag). */
const FLAGS: Record<string, string> = {
  split: '--split',
  testFraction: '--test-fraction',
  seed: '--seed',
  cutoffDate: '--cutoff-date',
  minUserInteractions: '--min-user-interactions',
  minItemInteractions: '--min-item-interactions',
  topN: '--top-n',
};

function validateFlags(options: Record<string, unknown>) {
  try {
    return validate(PrepareOptionsSchema, options, 'options');
  } catch (err) {
    const e = err as Error;
    e.message = e.message.replace(/\b(\w+):/g, (m, field: string) => (FLAGS[field] ? `${FLAGS[field]}:` : m));
    throw e;
  }
}

/** The statistics as the CLI prints them. */
export function summary(s: PrepareStats): string {
  const f = (n: number) => n.toLocaleString('en-US');
  const d = s.rowsDropped;
  return [
    `input: ${s.input.format}${s.input.gzip ? ' (gzip)' : ''}, ${s.input.layout} layout, ${s.input.files} file(s), ${s.input.sheets} table(s); engine ${s.input.engine}`,
    `rows read ${f(s.rowsRead)}; dropped: no customer ${f(d.missingCustomer)}, cancellations ${f(d.cancellation)}, quantity <= 0 ${f(d.nonPositiveQuantity)}, no stock code ${f(d.missingItem)}, non-product ${f(d.nonProduct)}`,
    `after basic rules: ${f(s.afterBasicRules.rows)} rows, ${f(s.afterBasicRules.users)} customers, ${f(s.afterBasicRules.items)} items, ${f(s.afterBasicRules.pairs)} pairs`,
    `after non-product rule: ${f(s.afterNonProductRule.rows)} rows, ${f(s.afterNonProductRule.users)} customers, ${f(s.afterNonProductRule.items)} items, ${f(s.afterNonProductRule.pairs)} pairs`,
    `kept: ${f(s.users)} users, ${f(s.items)} items, ${f(s.pairs)} pairs (density ${s.density.toFixed(5)}), min-interaction drops ${f(s.minInteractions.pairsDropped)}`,
    `split ${s.split.mode}${s.split.cutoff ? ` at ${s.split.cutoff}` : ''}: train ${f(s.split.trainPairs)}, test ${f(s.split.testPairs)} (dropped: unknown user ${f(s.split.testPairsDroppedUnknownUser)}, unknown item ${f(s.split.testPairsDroppedUnknownItem)})`,
    `${s.seconds} s`,
  ].join('\n');
}

async function run(argv: string[]): Promise<void> {
  const values = parseCommandLine(argv, {
    input: { type: 'string' },
    output: { type: 'string' },
    split: { type: 'string' },
    'test-fraction': { type: 'string' },
    seed: { type: 'string' },
    'cutoff-date': { type: 'string' },
    'min-user-interactions': { type: 'string' },
    'min-item-interactions': { type: 'string' },
    'top-n': { type: 'string' },
    'memory-limit': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return void console.log(USAGE);
  const missing = (['input', 'output'] as const).filter((k) => !values[k]).map((k) => `--${k}`);
  if (missing.length) throw new UsageError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  // Numbers are read here; their ranges are the event schema's (validateFlags).
  const options = validateFlags(
    Object.fromEntries(
      Object.entries({
        split: values.split,
        testFraction: numberOption(values['test-fraction'], 'test-fraction'),
        seed: numberOption(values.seed, 'seed'),
        cutoffDate: values['cutoff-date'],
        minUserInteractions: numberOption(values['min-user-interactions'], 'min-user-interactions'),
        minItemInteractions: numberOption(values['min-item-interactions'], 'min-item-interactions'),
        topN: numberOption(values['top-n'], 'top-n'),
      }).filter(([, v]) => v !== undefined),
    ),
  );
  const input = values.input!;
  const info = await stat(input).catch(() => undefined);
  if (!info?.isFile() && !info?.isDirectory()) throw new InputNotFoundError(`--input: ${input} is not a readable file or folder`);
  const memoryLimit = values['memory-limit'];
  if (memoryLimit !== undefined && !/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new UsageError(`--memory-limit: ${JSON.stringify(memoryLimit)} is not a size such as 2GB or 500MB`);
  }
  // Before any work: an output that is not ours is refused, never replaced.
  const problem = await outputProblem(values.output!);
  if (problem) throw new UsageError(`--output: ${problem}`);
  const sink = new LocalDirSink(values.output!);
  const { stats } = await prepareData({ path: input, limits: { memoryLimit } }, sink, options);
  console.log(summary(stats));
  console.log(`wrote ${sink.target}`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    await run(argv);
    return 0;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const usage = e instanceof UsageError;
    console.error(`error: ${isPrepareDataError(e) ? `${e.name}: ${e.message}` : e.message}`);
    if (usage) console.error(USAGE);
    return usage || e instanceof InputValidationError || e instanceof InputNotFoundError ? 2 : 1;
  }
}
