/** The UCI year-1 file (BPR_YEAR1_CSV; skipped when absent): the cleaning rules give the known counts. */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { PrepareOptionsSchema } from '../../../lambda/prepare-data/options';
import { prepareData } from '../../../lambda/prepare-data/prepare';
import { LocalDirSink } from '../../../lambda/prepare-data/sinks';
import { year1Csv } from '../../../local/dataset/year1';
import { cleanup, tempRoot } from './helpers';

const FILE = year1Csv();
const maybe = FILE ? it : it.skip;

describe('Online Retail II year 2009-2010', () => {
  maybe('gives 407,695 rows, 4,314 customers and 274,449 pairs after the basic rules', async () => {
    const root = await tempRoot();
    try {
      const { stats } = await prepareData(
        createReadStream(FILE!, { highWaterMark: 1 << 20 }),
        new LocalDirSink(join(root, 'out')),
        PrepareOptionsSchema.parse({}),
      );
      expect(stats.rowsRead).toBe(525_461);
      expect(stats.afterBasicRules).toEqual({ rows: 407_695, users: 4_314, items: 4_017, pairs: 274_449 });
      expect(stats.afterNonProductRule).toEqual({ rows: 406_325, users: 4_285, items: 4_007, pairs: 273_846 });
      expect(stats.split.trainPairs).toBe(Math.round(273_846 * 0.7));
    } finally {
      await cleanup(root);
    }
  });
});
