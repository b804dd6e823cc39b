/** The UCI year-1 file (BPR_YEAR1_CSV; skipped when absent): the cleaning rules give the known counts. */
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
      const { stats } = await prepareData({ path: FILE! }, new LocalDirSink(join(root, 'out')), PrepareOptionsSchema.parse({}));
      expect(stats.rowsRead).toBe(525_461);
      expect(stats.afterBasicRules).toEqual({ rows: 407_695, users: 4_314, items: 4_017, pairs: 274_449 });
      expect(stats.afterNonProductRule).toEqual({ rows: 406_325, users: 4_285, items: 4_007, pairs: 273_846 });
      expect(stats.rowsDropped).toEqual({
        missingCustomer: 107_927,
        cancellation: 9_839,
        nonPositiveQuantity: 0,
        missingItem: 0,
        nonProduct: 1_370,
      });
      expect([stats.users, stats.items, stats.pairs]).toEqual([4_285, 4_007, 273_846]);
      // the md5 hash split (seed 42, 30 %): the figures docs/data-preparation.md gives
      expect(stats.split).toMatchObject({
        trainPairs: 191_622,
        testPairs: 82_053,
        testPairsDroppedUnknownUser: 60,
        testPairsDroppedUnknownItem: 111,
      });
    } finally {
      await cleanup(root);
    }
  });
});
