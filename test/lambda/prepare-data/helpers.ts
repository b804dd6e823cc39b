/** Shared fixtures for the prepare-data tests: tiny CSVs, a temp-dir run, output readers. */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrepareOptionsInput, PrepareOptionsSchema } from '../../../lambda/prepare-data/options';
import { prepareData, PrepareOutcome } from '../../../lambda/prepare-data/prepare';
import { LocalDirSink } from '../../../lambda/prepare-data/sinks';

export const HEADER = 'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country';

/** One retail CSV line; fields are written verbatim (quote them yourself). */
export function line(invoice: string, code: string, qty: number, date: string, customer: string, description = 'THING'): string {
  return `${invoice},${code},${description},${qty},${date},1.25,${customer},United Kingdom`;
}

export async function* chunks(data: Buffer | string, size = 7): AsyncGenerator<Buffer> {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export interface Run extends PrepareOutcome {
  root: string;
  out: string;
  file(name: string): Promise<string>;
  rows(name: string): Promise<string[][]>;
}

export async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'prep-test-'));
}

/** Writes the input to a file of its own (outside `root`) and runs the whole step into <root>/out through the local sink. */
export async function run(data: Buffer | string, options: PrepareOptionsInput = {}, root?: string): Promise<Run> {
  const dir = root ?? (await tempRoot());
  const out = join(dir, 'out');
  const inputDir = await tempRoot();
  const input = join(inputDir, 'export.csv');
  await writeFile(input, data);
  const outcome = await prepareData(
    { path: input, name: 'export.csv' },
    new LocalDirSink(out),
    PrepareOptionsSchema.parse(options),
  ).finally(() => rm(inputDir, { recursive: true, force: true }));
  const file = (name: string) => readFile(join(out, name), 'utf8');
  const rows = async (name: string) =>
    (await file(name))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
  return { ...outcome, root: dir, out, file, rows };
}

/** Everything under `dir` (relative paths), to prove nothing was left behind. */
export async function listAll(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();
}

export async function cleanup(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
