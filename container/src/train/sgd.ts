/**
 * Runs SGD epochs and validation checks on one thread (in process, reproducible bit for bit) or on
 * several: this thread plus worker threads over the kernel's shared memory (Hogwild: updates race
 * without locks by design, so multi-thread runs are not reproducible). Threads share out the work
 * through counters in that memory, so the slowest thread holds the others up by one chunk at most.
 */
import { Worker } from 'node:worker_threads';
import type { Csr } from '../ranking/rank';
import { kernelModule } from '../wasm/module';
import { addSums, rankingMetrics, RankingAccumulator, type RankingMetrics, type RankingSums } from './evaluation';
import { Kernel, type EpochParams, type EpochStats, type KernelMemory } from './kernel';
import { seedState } from './rng';
import { TrainError } from './errors';
import type { EpochTiming } from './thread-check';
import type { ThreadReply, ThreadRequest, WorkerInit } from './worker';
import { workerScript } from './worker-script';

/** Held-out pairs that validation checks score, with the kernel's positives left out of the ranking. */
export interface ValidationSet {
  readonly test: Csr;
  /** Users to score, each with at least one held-out pair. */
  readonly users: Int32Array;
  readonly k: number;
}

/** Users a thread claims at a time in a validation check. */
const USER_CHUNK = 16;

export class SgdRunner {
  private readonly kernel: Kernel;
  private readonly workers: Worker[] = [];
  private timing: EpochTiming = { aloneSamples: 0, aloneSeconds: 0, sharedSamples: 0, sharedSeconds: 0 };

  constructor(
    private readonly mem: KernelMemory,
    seed: number,
    private readonly validation: ValidationSet | null = null,
  ) {
    const threads = mem.layout.threads;
    for (let t = 0; t < threads; t++) mem.rngState(t).set(seedState(seed, t));
    this.kernel = new Kernel(mem, 0);
    if (threads > 1) {
      const script = workerScript('worker.js');
      for (let t = 1; t < threads; t++) {
        const init: WorkerInit = { module: kernelModule(), memory: mem.memory, layout: mem.layout, thread: t, validation };
        // Kept referenced: the event loop must wait for their messages; close() terminates them.
        this.workers.push(new Worker(script, { workerData: init }));
      }
    }
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** How the last epoch ran: samples and seconds of this thread alone, then of every thread. */
  get lastTiming(): EpochTiming {
    return this.timing;
  }

  /**
   * Runs params.samples samples and sums the threads' statistics. This thread runs the first
   * `aloneSamples` alone (all of them: the other threads stay idle), then every thread shares the rest.
   */
  async epoch(params: EpochParams, aloneSamples = 0): Promise<EpochStats> {
    this.mem.startEpoch();
    const t0 = performance.now();
    const alone = this.workers.length ? Math.min(aloneSamples, params.samples) : 0;
    if (alone > 0) this.kernel.runAlone(params, alone);
    const t1 = performance.now();
    if (alone < params.samples) {
      const pending = this.ask({ kind: 'epoch', params });
      this.kernel.runShare(params);
      await pending;
    }
    const shared = params.samples - alone;
    this.timing = {
      aloneSamples: alone,
      aloneSeconds: (t1 - t0) / 1000,
      sharedSamples: shared,
      sharedSeconds: shared > 0 ? (performance.now() - t1) / 1000 : 0,
    };
    this.mem.gatherBias();
    return this.mem.stats();
  }

  /** Ranking metrics (without AUC) of the current factors on the validation set, users shared across the threads. */
  async validate(): Promise<RankingMetrics> {
    if (!this.validation) throw new TrainError('no validation set was given');
    Atomics.store(this.mem.work, 1, 0);
    const pending = this.ask({ kind: 'validate' });
    const own = validateShare(this.kernel, this.validation);
    for (const r of await pending) if (r.kind === 'sums') addSums(own, r.sums);
    return rankingMetrics(own, this.validation.k);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  /** Sends the request to every worker; resolves with their replies. */
  private ask(request: ThreadRequest): Promise<ThreadReply[]> {
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<ThreadReply>((resolve, reject) => {
            const onError = (err: Error) => reject(new TrainError(`SGD worker failed: ${err.message}`));
            w.once('error', onError);
            w.once('message', (reply: ThreadReply) => {
              w.off('error', onError);
              resolve(reply);
            });
            w.postMessage(request);
          }),
      ),
    );
  }
}

/** One thread's part of a validation check: claims USER_CHUNK users at a time until none are left. */
export function validateShare(kernel: Kernel, v: ValidationSet): RankingSums {
  const mem = kernel.mem;
  const input = { nItems: mem.layout.nItems, k: v.k, exclude: mem.positives, test: v.test, auc: false };
  const acc = new RankingAccumulator(input, kernel.scorer);
  for (;;) {
    const start = Atomics.add(mem.work, 1, USER_CHUNK);
    if (start >= v.users.length) return acc.sums;
    const end = Math.min(start + USER_CHUNK, v.users.length);
    for (let c = start; c < end; c++) acc.add(v.users[c]);
  }
}
