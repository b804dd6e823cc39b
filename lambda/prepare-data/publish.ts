/**
 * Writes a preparation's outputs from the rows of its result queries, whichever engine produced
 * them (DuckDB directly, Athena through UNLOADed files): statistics first (they fail a preparation
 * with nothing to train on), then the channels, the batch input, stats.json, and the manifest last.
 */
import type { PrepareOptions } from './options';
import { catalogCsv, OUTPUT_KEYS, pairsCsv, usersJsonl, type RowBatches } from './outputs';
import type { OutputSink } from './sinks';
import type { ResultName } from './sql';
import { buildStats, type PrepareStats } from './stats';

export interface ManifestEntry {
  key: string;
  bytes: number;
}

/** The rows of the result queries, by name. */
export interface ResultSource {
  /** Rows as text, in the query's order. */
  rows(name: ResultName): RowBatches;
  /** Rows as objects of values (small results). */
  objects(name: ResultName): Promise<Record<string, unknown>[]>;
}

async function* once(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}

export async function publishOutputs(
  source: ResultSource,
  sink: OutputSink,
  options: PrepareOptions,
  input: PrepareStats['input'],
  started: number,
  now: () => number,
): Promise<{ stats: PrepareStats; objects: ManifestEntry[] }> {
  const [row] = await source.objects('stats');
  const histogram = (await source.objects('histogram')).map((r) => [Number(r.pairs), Number(r.customers)] as [number, number]);
  const stats = buildStats(row ?? {}, histogram, {
    input,
    split: options.split,
    seed: options.seed,
    testFraction: options.testFraction,
    minUser: options.minUserInteractions ?? 1,
    minItem: options.minItemInteractions ?? 1,
  });
  const objects: ManifestEntry[] = [];
  const put = async (key: string, body: AsyncIterable<Buffer>, type: string) => {
    objects.push({ key, bytes: await sink.put(key, body, type) });
  };
  await put(OUTPUT_KEYS.training, pairsCsv(source.rows('training')), 'text/csv');
  await put(OUTPUT_KEYS.testing, pairsCsv(source.rows('testing')), 'text/csv');
  await put(OUTPUT_KEYS.catalog, catalogCsv(source.rows('catalog')), 'text/csv');
  await put(OUTPUT_KEYS.batchInput, usersJsonl(source.rows('users'), options.topN), 'application/jsonlines');
  stats.seconds = Math.round((now() - started) / 10) / 100;
  await put(OUTPUT_KEYS.stats, once(JSON.stringify(stats, null, 2) + '\n'), 'application/json');
  const manifest = { version: 2, createdAt: new Date(now()).toISOString(), options, objects };
  await sink.commit(JSON.stringify(manifest, null, 2) + '\n');
  return { stats, objects };
}
