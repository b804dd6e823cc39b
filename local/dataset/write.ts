/** Writes the generated dataset to a file, complete or not at all. */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generateRetailCsv, type GeneratorOptions } from './generator';

/**
 * Writes the generated CSV (gzip-compressed when the name ends with .gz) to a temporary file next
 * to `out`, renamed into place when complete; creates the folder. Returns the absolute path.
 */
export async function writeGeneratedCsv(out: string, options: GeneratorOptions = {}): Promise<string> {
  const target = resolve(out);
  await mkdir(dirname(target), { recursive: true });
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
  return target;
}
