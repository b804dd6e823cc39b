/**
 * Runs SGD epochs on one thread (in process, reproducible bit for bit) or on several (this
 * thread plus worker threads over the kernel's shared memory; Hogwild: updates race without
 * locks by design, so multi-thread runs are not reproducible).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ItemScores } from '../ranking/scorer';
import { kernelModule } from '../wasm/module';
import { Kernel, type EpochParams, type EpochStats, type KernelMemory } from './kernel';
import { seedState } from './rng';
import { TrainError } from './errors';
import type { WorkerInit } from './worker';

export class SgdRunner {
  private readonly kernel: Kernel;
  private readonly workers: Worker[] = [];

  constructor(mem: KernelMemory, seed: number) {
    const threads = mem.layout.threads;
    for (let t = 0; t < threads; t++) mem.rngState(t).set(seedState(seed, t));
    this.kernel = new Kernel(mem, 0);
    if (threads > 1) {
      const script = workerScript();
      for (let t = 1; t < threads; t++) {
        const init: WorkerInit = { module: kernelModule(), memory: mem.memory, layout: mem.layout, thread: t };
        // Kept referenced: the event loop must wait for their messages; close() terminates them.
        const w = new Worker(script, { workerData: init });
        this.workers.push(w);
      }
    }
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs params.samples samples split across the threads and sums their statistics. */
  async epoch(params: EpochParams): Promise<EpochStats> {
    const share = Math.floor(params.samples / this.threads);
    const pending = this.workers.map(
      (w) =>
        new Promise<EpochStats>((resolve, reject) => {
          const onError = (err: Error) => reject(new TrainError(`SGD worker failed: ${err.message}`));
          w.once('error', onError);
          w.once('message', (s: EpochStats) => {
            w.off('error', onError);
            resolve(s);
          });
          w.postMessage({ ...params, samples: share });
        }),
    );
    const own = this.kernel.runSamples({ ...params, samples: params.samples - share * this.workers.length });
    for (const s of await Promise.all(pending)) {
      own.lossSum += s.lossSum;
      own.correct += s.correct;
      own.used += s.used;
      own.skipped += s.skipped;
    }
    return own;
  }

  /** Scores every item with the current factors; use between epochs only. */
  get scorer(): ItemScores {
    return this.kernel.scorer;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** The compiled worker script: beside this file under container/dist, or there when running from src (tests). */
function workerScript(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.resolve(__dirname, '..', '..', 'dist', 'train', 'worker.js')];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new TrainError(
      `threads > 1 needs the compiled worker script (run \`npx tsc -p container\`); looked in ${candidates.join(', ')}`,
    );
  return found;
}
