/** Where a worker thread's compiled script is: beside this file under container/dist, or there when running from src (tests). */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { TrainError } from './errors';

export function workerScript(name: string): string {
  const candidates = [path.join(__dirname, name), path.resolve(__dirname, '..', '..', 'dist', 'train', name)];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new TrainError(
      `threads > 1 needs the compiled worker script (run \`npx tsc -p container\`); looked in ${candidates.join(', ')}`,
    );
  return found;
}
