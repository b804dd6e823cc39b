/**
 * The live model (the champion) measured on this run's test pairs with exactly the serving
 * behaviour, so that the gate can compare the new model with the one it would replace. The
 * training job gets the live model's model.tar.gz as its `champion` channel; it is loaded as the
 * model server loads it (loadModel), and each test user is answered as the server answers them
 * (Recommender): a user the champion knows gets its ranking without its own training items, a
 * user it does not know gets its popularity fallback. The lists come from the one Ranker and TopN,
 * and are measured by the one evaluation (evaluateRanking), in the champion's item space.
 *
 * The same test pairs, the same denominators: every user the new model is evaluated on, with the
 * same test items. A test item the champion does not know counts as a miss for it, as a test item
 * the new model's training data lacks counts as a miss for both.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHAMPION_PREFIX } from '../metrics/definitions';
import { unpackArchive } from '../model/archive';
import { loadModel, MANIFEST_FILE, type LoadedModel } from '../model/store';
import type { Csr } from '../ranking/rank';
import { ItemScorer, popularityScores, type ItemScores } from '../ranking/scorer';
import { Recommender } from '../serve/recommend';
import { buildCsr } from './data';
import type { Dataset } from './dataset';
import { evaluateRanking, type EvaluationInput } from './evaluation';
import { channelFiles } from './input';
import { namedMetrics } from './report';

/** The champion's evaluation, built in its item space: one row per user the new model is evaluated on. */
export interface ChampionEvaluation {
  readonly input: EvaluationInput;
  /** Row r's scores: the champion's for a user it knows, its popularity for one it does not. */
  readonly scores: ItemScores;
  /** Row r's user id. */
  readonly userIds: readonly string[];
  /** Rows whose user the champion does not know (answered by its popularity fallback). */
  readonly fallbackUsers: number;
}

/**
 * Re-indexes the run's test pairs into the champion's item space and chooses each user's scores
 * and left-out items as the model server does.
 */
export function championEvaluation(champion: LoadedModel, data: Dataset, k: number): ChampionEvaluation | null {
  if (!data.test) return null;
  const recommender = new Recommender(champion);
  const scorer = ItemScorer.forModel({ ...champion, factors: champion.manifest.factors });
  const popularity = popularityScores(champion.manifest.itemPopularity);
  const trained: Csr = { indptr: champion.userItemsIndptr, indices: champion.userItemsIndices };
  const { csr, unknownItems } = data.test;
  const rows = data.users.size;
  const championUser = new Int32Array(rows).fill(-1);
  const userIds: string[] = [];
  const testRows: number[] = [];
  const testItems: number[] = [];
  const unknown = new Int32Array(rows);
  const excludeRows: number[] = [];
  const excludeItems: number[] = [];
  let fallbackUsers = 0;
  for (let u = 0; u < rows; u++) {
    const id = data.users.ids[u]!;
    userIds.push(id);
    unknown[u] = unknownItems[u]!;
    for (let p = csr.indptr[u]!; p < csr.indptr[u + 1]!; p++) {
      const item = champion.itemIndex.get(data.items.ids[csr.indices[p]!]!);
      if (item === undefined) unknown[u]++;
      else {
        testRows.push(u);
        testItems.push(item);
      }
    }
    const cu = recommender.userIndex(id);
    if (cu === undefined) {
      // The server's popularity fallback leaves nothing out.
      if (csr.indptr[u + 1]! > csr.indptr[u]! || unknownItems[u]! > 0) fallbackUsers++;
      continue;
    }
    championUser[u] = cu;
    for (let p = trained.indptr[cu]!; p < trained.indptr[cu + 1]!; p++) {
      excludeRows.push(u);
      excludeItems.push(trained.indices[p]!);
    }
  }
  const nItems = champion.manifest.items.length;
  return {
    input: {
      nItems,
      k,
      exclude: buildCsr(rows, excludeRows, excludeItems),
      test: buildCsr(rows, testRows, testItems),
      unknownTestItems: unknown,
    },
    scores: { score: (r) => (championUser[r]! >= 0 ? scorer.score(championUser[r]!) : popularity.score(r)) },
    userIds,
    fallbackUsers,
  };
}

/** Loads the model a champion channel holds: its model.tar.gz (as SageMaker delivers it), or the model's files. */
async function loadChampion(files: string[]): Promise<LoadedModel> {
  const manifest = files.find((f) => path.basename(f) === MANIFEST_FILE);
  if (manifest) return loadModel(path.dirname(manifest));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'champion-'));
  try {
    await unpackArchive(await fs.readFile(files[0]!), dir);
    return await loadModel(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The champion's metrics (`champion_<name>`) on the run's test pairs; none without a champion
 * channel or testing data. A champion that cannot be loaded is logged and measured as nothing:
 * the gate, told a live model was given, then refuses the new model with the reason.
 */
export async function evaluateChampion(
  dir: string,
  data: Dataset,
  k: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const files = await channelFiles(dir);
  if (files.length === 0 || !data.test) return {};
  const started = performance.now();
  let evaluation: ChampionEvaluation | null;
  try {
    evaluation = championEvaluation(await loadChampion(files), data, k);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    log(`champion: NOT EVALUATED (the live model could not be loaded): ${e.name}: ${e.message}`);
    return {};
  }
  if (!evaluation) return {};
  const m = evaluateRanking(evaluation.input, evaluation.scores);
  log(
    `champion: the live model on the same test pairs: ${m.users} users, ${evaluation.fallbackUsers} of them unknown to it ` +
      `(answered by its popularity fallback), in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
  return namedMetrics(m, k, CHAMPION_PREFIX);
}
