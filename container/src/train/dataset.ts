/**
 * Turns (user id, item id) string pairs into the index form training and evaluation use.
 * Training pairs are added first; test pairs then map onto the training ids: pairs of unknown
 * users are skipped (and counted), items unknown to training count as misses, and pairs also
 * present in training are dropped (they can never be recommended).
 */
import { IdIndex, IntList, buildCsr } from './data';
import type { Csr } from '../ranking/rank';
import { EvaluationDataError } from './errors';

export interface TestStats {
  /** Distinct test pairs read. */
  readonly pairs: number;
  readonly users: number;
  readonly unknownUsers: number;
  readonly unknownUserPairs: number;
  readonly unknownItemPairs: number;
  readonly pairsAlsoInTraining: number;
}

export interface Dataset {
  readonly users: IdIndex;
  readonly items: IdIndex;
  readonly train: Csr;
  readonly test: { readonly csr: Csr; readonly unknownItems: Int32Array; readonly stats: TestStats } | null;
}

export class DatasetBuilder {
  readonly users = new IdIndex();
  readonly items = new IdIndex();
  private readonly tu = new IntList();
  private readonly ti = new IntList();
  private readonly testPairs = new Map<string, Set<string>>();
  private sealed: Csr | null = null;

  addTrain(user: string, item: string): void {
    if (this.sealed) throw new Error('training pairs must all come before test pairs');
    this.tu.push(this.users.add(user));
    this.ti.push(this.items.add(item));
  }

  addTest(user: string, item: string): void {
    let row = this.testPairs.get(user);
    if (!row) this.testPairs.set(user, (row = new Set()));
    row.add(item);
  }

  get trainRows(): number {
    return this.tu.length;
  }

  /** Builds the dataset; withTest=false ignores test pairs. Throws when the test shares no user with training. */
  build(withTest: boolean): Dataset {
    const nUsers = this.users.size;
    const train = this.sealed ?? buildCsr(nUsers, this.tu.toArray(), this.ti.toArray());
    this.sealed = train;
    if (!withTest) return { users: this.users, items: this.items, train, test: null };
    const us: number[] = [],
      is: number[] = [];
    const unknownItems = new Int32Array(nUsers);
    let pairs = 0,
      unknownUsers = 0,
      unknownUserPairs = 0,
      unknownItemPairs = 0,
      also = 0;
    for (const [user, row] of this.testPairs) {
      pairs += row.size;
      const u = this.users.get(user);
      if (u === undefined) {
        unknownUsers++;
        unknownUserPairs += row.size;
        continue;
      }
      for (const item of row) {
        const i = this.items.get(item);
        if (i === undefined) {
          unknownItems[u]++;
          unknownItemPairs++;
        } else if (contains(train, u, i)) also++;
        else {
          us.push(u);
          is.push(i);
        }
      }
    }
    const users = this.testPairs.size - unknownUsers;
    if (pairs > 0 && users === 0) {
      throw new EvaluationDataError(
        `the testing channel shares no user with the training channel (${this.testPairs.size} test users, ${nUsers} training users): check that both use the same user_id format`,
      );
    }
    const csr = buildCsr(nUsers, us, is);
    return {
      users: this.users,
      items: this.items,
      train,
      test: {
        csr,
        unknownItems,
        stats: { pairs, users, unknownUsers, unknownUserPairs, unknownItemPairs, pairsAlsoInTraining: also },
      },
    };
  }
}

function contains(csr: Csr, u: number, item: number): boolean {
  let lo = csr.indptr[u],
    hi = csr.indptr[u + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = csr.indices[mid];
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
