/** npm run data:generate -- --out FILE [--seed N] [--customers N] [--rows N] [--items N] */
import { existsSync } from 'node:fs';
import { UsageError } from '../lib/cli/errors';
import { numberOption, parseCommandLine } from '../lib/cli/options';
import { GENERATOR_DEFAULTS, type GeneratorOptions } from '../local/dataset/generator';
import { writeGeneratedCsv } from '../local/dataset/write';

const USAGE = `usage: npm run data:generate -- --out FILE [options]
  --out FILE        output CSV, a new file (an existing one is never replaced); gzip-compressed when FILE ends with .gz
  --seed N          default ${GENERATOR_DEFAULTS.seed}
  --customers N     default ${GENERATOR_DEFAULTS.customers}
  --rows N          data lines, default ${GENERATOR_DEFAULTS.rows}
  --items N         stock codes, default ${GENERATOR_DEFAULTS.items}`;

async function main(argv: string[]): Promise<void> {
  const values = parseCommandLine(argv, {
    out: { type: 'string' },
    seed: { type: 'string' },
    customers: { type: 'string' },
    rows: { type: 'string' },
    items: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return void console.log(USAGE);
  if (!values.out) throw new UsageError('--out is required');
  // `npm run` runs from the package root: --out README.md must not replace anything.
  if (existsSync(values.out)) throw new UsageError(`--out: ${values.out} already exists; remove it first or choose a new name`);
  const count = { integer: true, atLeast: 1 };
  const options: GeneratorOptions = {
    seed: numberOption(values.seed, 'seed', { integer: true, atLeast: 0 }),
    customers: numberOption(values.customers, 'customers', count),
    rows: numberOption(values.rows, 'rows', count),
    items: numberOption(values.items, 'items', count),
  };
  const started = Date.now();
  await writeGeneratedCsv(values.out, Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)));
  console.log(`wrote ${values.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`error: ${err.message}`);
    if (err instanceof UsageError) console.error(USAGE);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  });
}
