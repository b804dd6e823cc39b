/**
 * npm run data:prepare -- --input FILE --output DIR [--split random|temporal] [--test-fraction 0.3]
 *   [--seed 42] [--cutoff-date YYYY-MM-DD] [--min-user-interactions N] [--min-item-interactions N] [--top-n 10]
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { InputNotFoundError, InputValidationError, isPrepareDataError } from '../lambda/prepare-data/errors';
import { PrepareOptionsSchema, validate } from '../lambda/prepare-data/options';
import { prepareData, PrepareStats } from '../lambda/prepare-data/prepare';
import { LocalDirSink } from '../lambda/prepare-data/sinks';

const USAGE = `usage: npm run data:prepare -- --input FILE --output DIR [options]
  --input FILE                  raw export: Online Retail II xlsx, CSV (optionally .gz) or user_id,item_id CSV
  --output DIR                  output directory (replaced atomically when the run succeeds)
  --split random|temporal       default random
  --test-fraction F             default 0.3
  --seed N                      default 42 (random split)
  --cutoff-date YYYY-MM-DD      temporal split cut-off (default: derived from --test-fraction)
  --min-user-interactions N     drop users with fewer distinct items (default 1)
  --min-item-interactions N     drop items with fewer distinct users (default 1)
  --top-n N                     top_n written to users.jsonl (default 10)`;

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

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new InputValidationError(`--${flag}: ${JSON.stringify(v)} is not a number`);
  return n;
}

export function summary(s: PrepareStats): string {
  const f = (n: number) => n.toLocaleString('en-US');
  const d = s.rowsDropped;
  return [
    `input: ${s.input.format}${s.input.gzip ? ' (gzip)' : ''}, ${s.input.layout} layout, ${s.input.sheets} sheet(s)`,
    `rows read ${f(s.rowsRead)}; dropped: no customer ${f(d.missingCustomer)}, cancellations ${f(d.cancellation)}, quantity <= 0 ${f(d.nonPositiveQuantity)}, no stock code ${f(d.missingItem)}, non-product ${f(d.nonProduct)}`,
    `after basic rules: ${f(s.afterBasicRules.rows)} rows, ${f(s.afterBasicRules.users)} customers, ${f(s.afterBasicRules.items)} items, ${f(s.afterBasicRules.pairs)} pairs`,
    `after non-product rule: ${f(s.afterNonProductRule.rows)} rows, ${f(s.afterNonProductRule.users)} customers, ${f(s.afterNonProductRule.items)} items, ${f(s.afterNonProductRule.pairs)} pairs`,
    `kept: ${f(s.users)} users, ${f(s.items)} items, ${f(s.pairs)} pairs (density ${s.density.toFixed(5)}), min-interaction drops ${f(s.minInteractions.pairsDropped)}`,
    `split ${s.split.mode}${s.split.cutoff ? ` at ${s.split.cutoff}` : ''}: train ${f(s.split.trainPairs)}, test ${f(s.split.testPairs)} (dropped: unknown user ${f(s.split.testPairsDroppedUnknownUser)}, unknown item ${f(s.split.testPairsDroppedUnknownItem)})`,
    `${s.seconds} s`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      output: { type: 'string' },
      split: { type: 'string' },
      'test-fraction': { type: 'string' },
      seed: { type: 'string' },
      'cutoff-date': { type: 'string' },
      'min-user-interactions': { type: 'string' },
      'min-item-interactions': { type: 'string' },
      'top-n': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const missing = (['input', 'output'] as const).filter((k) => !values[k]).map((k) => `--${k}`);
  if (missing.length) throw new InputValidationError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  const options = validateFlags(
    Object.fromEntries(
      Object.entries({
        split: values.split,
        testFraction: num('test-fraction', values['test-fraction']),
        seed: num('seed', values.seed),
        cutoffDate: values['cutoff-date'],
        minUserInteractions: num('min-user-interactions', values['min-user-interactions']),
        minItemInteractions: num('min-item-interactions', values['min-item-interactions']),
        topN: num('top-n', values['top-n']),
      }).filter(([, v]) => v !== undefined),
    ),
  );
  const input = values.input!;
  const info = await stat(input).catch(() => undefined);
  if (!info?.isFile()) throw new InputNotFoundError(`--input: ${input} is not a readable file`);
  const sink = new LocalDirSink(values.output!);
  const { stats } = await prepareData(createReadStream(input, { highWaterMark: 1 << 20 }), sink, options);
  console.log(summary(stats));
  console.log(`wrote ${sink.target}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      const usage = (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ?? false;
      const badInput = usage || err instanceof InputValidationError || err instanceof InputNotFoundError;
      console.error(`error: ${isPrepareDataError(err) ? `${err.name}: ${err.message}` : err.message}`);
      if (usage) console.error(USAGE);
      process.exit(badInput ? 2 : 1);
    },
  );
}
