/**
 * The data preparation statistics the training job receives in its optional `stats` channel (the
 * prepare step's stats.json). Read leniently: the report shows what is there and says what is not;
 * a missing or unreadable file never fails training.
 */
import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { channelFiles } from '../train/input';

const count = z.number().finite().nonnegative();
const counts = z.object({ rows: count, users: count, items: count, pairs: count });

export const dataStatsSchema = z.object({
  input: z.object({ format: z.string(), gzip: z.boolean(), layout: z.string(), sheets: count }).partial().optional(),
  rowsRead: count.optional(),
  rowsDropped: z.record(z.string(), count).optional(),
  rowsWithUnreadableDate: count.optional(),
  afterBasicRules: counts.optional(),
  afterNonProductRule: counts.optional(),
  minInteractions: z.object({ user: count, item: count, pairsDropped: count }).optional(),
  users: count.optional(),
  items: count.optional(),
  pairs: count.optional(),
  density: count.optional(),
  split: z
    .object({
      mode: z.string(),
      seed: z.number(),
      testFraction: z.number(),
      cutoff: z.string(),
      trainPairs: count,
      testPairs: count,
      testPairsDroppedUnknownUser: count,
      testPairsDroppedUnknownItem: count,
      trainUsers: count,
      trainItems: count,
      testUsers: count,
    })
    .partial()
    .optional(),
  pairsPerCustomer: z
    .object({
      buckets: z.array(z.object({ min: count, max: count, customers: count })),
      mean: count,
      median: count,
      max: count,
    })
    .optional(),
  seconds: count.optional(),
});

/** What the report reads of the statistics (the prepare step's PrepareStats is assignable to it). */
export type DataStats = z.infer<typeof dataStatsSchema>;

/** The statistics in the channel folder (its first .json file), or why there are none. */
export async function readDataStats(dir: string): Promise<{ stats: DataStats | null; note: string | null }> {
  const file = (await channelFiles(dir)).find((f) => f.endsWith('.json'));
  if (!file) return { stats: null, note: 'no data preparation statistics were passed to the training job' };
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    return { stats: null, note: `the data preparation statistics are not valid JSON: ${(err as Error).message}` };
  }
  const parsed = dataStatsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { stats: null, note: `the data preparation statistics do not fit: ${issue.path.join('.')}: ${issue.message}` };
  }
  return { stats: parsed.data, note: null };
}
