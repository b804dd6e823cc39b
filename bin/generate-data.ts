/** npm run data:generate -- --out FILE [--seed N] [--customers N] [--rows N] [--items N] */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { GENERATOR_DEFAULTS, generateRetailCsv, GeneratorOptions } from '../local/dataset/generator';

const USAGE = `usage: npm run data:generate -- --out FILE [options]
  --out FILE        output CSV; gzip-compressed when FILE ends with .gz
  --seed N          default ${GENERATOR_DEFAULTS.seed}
  --customers N     default ${GENERATOR_DEFAULTS.customers}
  --rows N          data lines, default ${GENERATOR_DEFAULTS.rows}
  --items N         stock codes, default ${GENERATOR_DEFAULTS.items}`;

function positiveInt(flag: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag}: ${JSON.stringify(v)} must be an integer >= ${min}`);
  return n;
}

/** Writes the generated CSV to a temp file next to `out`, renamed into place when complete. */
export async function writeGeneratedCsv(out: string, options: GeneratorOptions): Promise<void> {
  const target = resolve(out);
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  const source = Readable.from(generateRetailCsv(options));
  try {
    if (target.endsWith('.gz')) await pipeline(source, createGzip({ level: 4 }), createWriteStream(temp));
    else await pipeline(source, createWriteStream(temp));
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      seed: { type: 'string' },
      customers: { type: 'string' },
      rows: { type: 'string' },
      items: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return void console.log(USAGE);
  if (!values.out) throw new Error('--out is required');
  const options: GeneratorOptions = {
    seed: positiveInt('seed', values.seed, 0),
    customers: positiveInt('customers', values.customers),
    rows: positiveInt('rows', values.rows),
    items: positiveInt('items', values.items),
  };
  const started = Date.now();
  await writeGeneratedCsv(values.out, Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)));
  console.log(`wrote ${values.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`error: ${err.message}`);
    console.error(USAGE);
    process.exit(2);
  });
}
