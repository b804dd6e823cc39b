/**
 * A hand-computed ranking example shared by the evaluation and report tests: 6 items, 3 users.
 * User 0: train {0}, test {1, 2}. User 1: train {1, 2}, test {0}. User 2: no test items.
 */
import type { ItemScores } from '../../container/src/ranking/scorer';
import { buildCsr } from '../../container/src/train/data';

export const SCORES = [
  [9, 5, 1, 6, 0, 2],
  [3, 10, 10, 1, 4, 0],
  [1, 1, 1, 1, 1, 1],
];
export const scorer: ItemScores = { score: (u) => Float32Array.from(SCORES[u]) };
export const exclude = buildCsr(3, [0, 1, 1, 2], [0, 1, 2, 3]);
export const test = buildCsr(3, [0, 0, 1], [2, 1, 0]);
