/** Small generated datasets with planted structure for the training tests. */
import { Rng } from '../../container/src/train/rng';

export interface PlantedData {
  readonly train: Array<[string, string]>;
  readonly test: Array<[string, string]>;
}

/**
 * Users belong to one of `groups` taste groups and buy only from their group's items, except
 * that everybody also buys a few globally popular "noise" items. Popularity cannot see the
 * groups; BPR can. Each user's group items are split train/test.
 */
export function plantedData(seed = 1, users = 240, groups = 4, itemsPerGroup = 20, perUser = 12, testPerUser = 4): PlantedData {
  const rng = new Rng(seed);
  const train: Array<[string, string]> = [];
  const test: Array<[string, string]> = [];
  for (let u = 0; u < users; u++) {
    const g = u % groups;
    const pool = Array.from({ length: itemsPerGroup }, (_, k) => `g${g}-i${k}`);
    rng.shuffle(pool);
    const user = `user${u}`;
    for (let k = 0; k < perUser; k++) (k < perUser - testPerUser ? train : test).push([user, pool[k]]);
    // two globally popular items every user has in training, and a third bought by group 0 more often
    train.push([user, 'popular-1'], [user, 'popular-2']);
    if (g === 0 || rng.next() < 0.3) train.push([user, `g0-i${rng.int(itemsPerGroup)}`]);
  }
  return { train, test };
}
