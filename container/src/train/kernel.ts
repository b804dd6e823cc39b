/**
 * The BPR-Opt SGD kernel (Rendle et al. 2009) with item bias and "hardest of N" negatives
 * (dynamic negative sampling, Zhang et al. 2013) drawn uniformly or by popularity, with plain SGD
 * or Adagrad steps, run as WebAssembly with 128-bit SIMD (source: container/assembly/sgd.ts and adagrad.ts,
 * loaded by ../wasm/module.ts). Every array SGD touches lives in one shared WebAssembly.Memory, so
 * worker threads update the same factors without locks (Hogwild). Each thread has its own PRNG
 * state (xoshiro128**), statistics and score buffer in that memory, each on cache lines of its
 * own: a line two cores write in turn moves between them at every write (false sharing).
 */
import type { Csr } from '../ranking/rank';
import { ItemScorer } from '../ranking/scorer';
import { instantiate, layoutRegions, sharedMemory, type KernelExports, type WasmMemory, type WasmModule } from '../wasm/module';
import { TrainError } from './errors';

export interface EpochParams {
  readonly factors: number;
  readonly nItems: number;
  readonly learningRate: number;
  readonly regularization: number;
  readonly biasRegularization: number;
  /** Candidates drawn per sample; the highest-scored one is the negative. */
  readonly negatives: number;
  /** Redraw a candidate the user already has (up to 8 times); skip the sample if it persists. */
  readonly verifyNegatives: boolean;
  /** Draw candidates in proportion to item popularity (the item of a random training pair) instead of uniformly. */
  readonly popularityNegatives: boolean;
  /** Samples of the whole epoch, over every thread. */
  readonly samples: number;
}

export interface EpochStats {
  /** Sum of -ln sigmoid(x_uij) over every 8th sample used. */
  lossSum: number;
  /** Samples in lossSum. */
  lossSamples: number;
  /** Samples with x_uij > 0 before the update (a running train AUC). */
  correct: number;
  used: number;
  /** Samples skipped because no verified negative was found. */
  skipped: number;
}

/** Sizes that fix the memory layout. */
export interface KernelSizes {
  readonly nUsers: number;
  readonly nItems: number;
  readonly factors: number;
  readonly nPairs: number;
  readonly threads: number;
  /** Use a user x item bit matrix for negative checks (else binary search in the CSR rows). */
  readonly bitset: boolean;
  /** Row-wise Adagrad steps: one sum of squared gradients per user, item and item bias. */
  readonly adagrad: boolean;
}

type Region =
  | 'threadState'
  | 'work'
  | 'scores'
  | 'userFactors'
  | 'itemFactors'
  | 'itemBias'
  | 'itemSlots'
  | 'userGrad2'
  | 'indptr'
  | 'indices'
  | 'pairUsers'
  | 'bitset';
export type KernelLayout = KernelSizes & {
  readonly offsets: Record<Region, number>;
  /** Bytes from one thread's score buffer to the next. */
  readonly scoresStride: number;
  readonly pages: number;
};

/**
 * The bit matrix is used while it stays this small. Each candidate's check reads a random word of it;
 * once it outgrows the caches that costs more than a binary search in the user's CSR row (a few cache
 * lines, read by every candidate of the sample): 1.67 against 1.37 M samples per CPU-second at 1 M
 * pairs (a 9.7 MiB matrix), 2.6 against 2.4 on the year-1 data (2.1 MiB).
 */
export const MAX_BITSET_BYTES = 8 * 2 ** 20;
/** Per-thread slots are this far apart: two cache lines, as the adjacent-line prefetcher pairs them. */
const SLOT_BYTES = 128;
/** Per thread: the PRNG state (4 u32) then the statistics (5 f64, EpochStats' order) in one slot. */
const RNG_AT = 0;
const STATS_AT = 16;
/**
 * Each item's scalars that SGD writes (its bias and its two Adagrad sums, at the SLOT_* indices)
 * sit on a 64-byte cache line of their own: packed, two threads updating different items of one
 * line made it move between their cores at nearly every sample (1.75x against 1.79x for two
 * threads on plain BPR, 1.78x against 1.85x with the defaults). The kernel keeps the biases there;
 * gatherBias copies them into the packed itemBias array the scorer and the model use.
 */
export const ITEM_SLOT_BYTES = 64;
const SLOT_BIAS = 0;
const SLOT_BIAS_GRAD2 = 1;
const SLOT_ROW_GRAD2 = 2;
/** Samples a thread claims at a time from the epoch's shared counter. */
export const SAMPLE_CHUNK = 4096;

export function bitsetFits(nUsers: number, nItems: number): boolean {
  return Math.ceil((nUsers * nItems) / 32) * 4 <= MAX_BITSET_BYTES;
}

export function kernelLayout(s: KernelSizes): KernelLayout {
  const f = 4;
  const grad2 = s.adagrad ? 1 : 0;
  const scoresStride = Math.ceil((s.nItems * 4) / SLOT_BYTES) * SLOT_BYTES;
  // The per-thread and per-item slot regions come first, right after the page-aligned start, so
  // that they stay aligned to cache lines (layoutRegions aligns regions to 16 bytes only).
  const bytes: Record<Region, number> = {
    threadState: SLOT_BYTES * s.threads,
    work: SLOT_BYTES,
    scores: scoresStride * s.threads,
    itemSlots: ITEM_SLOT_BYTES * s.nItems,
    userFactors: f * s.nUsers * s.factors,
    itemFactors: f * s.nItems * s.factors,
    itemBias: f * s.nItems,
    userGrad2: f * s.nUsers * grad2,
    indptr: f * (s.nUsers + 1),
    indices: f * s.nPairs,
    pairUsers: f * s.nPairs,
    bitset: s.bitset ? f * Math.ceil((s.nUsers * s.nItems) / 32) : 0,
  };
  const { offsets, pages } = layoutRegions(
    bytes,
    (mib) => new TrainError(`the model needs ${mib} MiB of kernel memory, more than WebAssembly's 4 GiB`),
  );
  return { ...s, offsets, scoresStride, pages };
}

/** Typed views of the kernel memory. */
export class KernelMemory {
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  /** The item biases, packed: the scorer reads them, gatherBias refreshes them from the item slots. */
  readonly itemBias: Float32Array;
  /** ITEM_SLOT_BYTES per item: the bias and the Adagrad sums SGD updates. */
  readonly itemSlots: Float32Array;
  /** Adagrad's sums of squared gradients per user row (empty with plain SGD). */
  readonly userGrad2: Float32Array;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly pairUsers: Int32Array;
  readonly bitset: Int32Array;
  /** Shared counters: [0] samples claimed in this epoch, [1] evaluation users claimed. */
  readonly work: Int32Array;

  constructor(
    readonly layout: KernelLayout,
    readonly memory: WasmMemory = sharedMemory(layout.pages),
  ) {
    const { offsets: o, nUsers, nItems, factors: F, nPairs } = layout;
    const f32 = (at: number, n: number) => new Float32Array(memory.buffer, at, n);
    const i32 = (at: number, n: number) => new Int32Array(memory.buffer, at, n);
    const g = layout.adagrad ? 1 : 0;
    this.userFactors = f32(o.userFactors, nUsers * F);
    this.itemFactors = f32(o.itemFactors, nItems * F);
    this.itemBias = f32(o.itemBias, nItems);
    this.itemSlots = f32(o.itemSlots, (nItems * ITEM_SLOT_BYTES) / 4);
    this.userGrad2 = f32(o.userGrad2, g * nUsers);
    this.indptr = i32(o.indptr, nUsers + 1);
    this.indices = i32(o.indices, nPairs);
    this.pairUsers = i32(o.pairUsers, nPairs);
    this.bitset = i32(o.bitset, layout.bitset ? Math.ceil((nUsers * nItems) / 32) : 0);
    this.work = i32(o.work, 2);
  }

  /** Copies the positives (CSR) in, with the user of each pair and the bit matrix. */
  setPositives(csr: Csr): void {
    this.indptr.set(csr.indptr);
    this.indices.set(csr.indices);
    const { nUsers, nItems } = this.layout;
    for (let u = 0; u < nUsers; u++) {
      for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) {
        this.pairUsers[p] = u;
        if (this.layout.bitset) {
          const b = u * nItems + csr.indices[p];
          this.bitset[b >>> 5] |= 1 << (b & 31);
        }
      }
    }
  }

  /** Sets every Adagrad sum of squared gradients (users, items and biases) to start. */
  startAdagrad(start: number): void {
    this.userGrad2.fill(start);
    const stride = ITEM_SLOT_BYTES / 4;
    for (let x = 0; x < this.layout.nItems; x++) {
      this.itemSlots[x * stride + SLOT_BIAS_GRAD2] = start;
      this.itemSlots[x * stride + SLOT_ROW_GRAD2] = start;
    }
  }

  /** Copies the biases SGD updates in the item slots into itemBias (after an epoch, before scoring). */
  gatherBias(): void {
    const stride = ITEM_SLOT_BYTES / 4;
    for (let x = 0; x < this.layout.nItems; x++) this.itemBias[x] = this.itemSlots[x * stride + SLOT_BIAS];
  }

  /** The positives as the kernel holds them. */
  get positives(): Csr {
    return { indptr: this.indptr, indices: this.indices };
  }

  rngState(thread: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, this.layout.offsets.threadState + thread * SLOT_BYTES + RNG_AT, 4);
  }

  /** Sum of every thread's statistics. */
  stats(): EpochStats {
    const out: EpochStats = { lossSum: 0, correct: 0, used: 0, skipped: 0, lossSamples: 0 };
    for (let t = 0; t < this.layout.threads; t++) {
      const s = this.statsOf(t);
      out.lossSum += s[0];
      out.correct += s[1];
      out.used += s[2];
      out.skipped += s[3];
      out.lossSamples += s[4];
    }
    return out;
  }

  /** Zeroes the statistics and the sample counter before an epoch. */
  startEpoch(): void {
    for (let t = 0; t < this.layout.threads; t++) this.statsOf(t).fill(0);
    Atomics.store(this.work, 0, 0);
  }

  statsOf(thread: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.layout.offsets.threadState + thread * SLOT_BYTES + STATS_AT, 5);
  }
}

/** One thread's instance of the kernel over the shared memory. */
export class Kernel {
  /** Scores with the current factors into this thread's own buffer (between epochs). */
  readonly scorer: ItemScorer;
  private readonly exports: KernelExports;
  private readonly slot: number;

  constructor(
    readonly mem: KernelMemory,
    readonly thread: number,
    module?: WasmModule,
  ) {
    const l = mem.layout;
    const o = l.offsets;
    this.exports = instantiate(mem.memory, module);
    this.scorer = ItemScorer.inMemory(
      this.exports,
      mem.memory,
      { itemFactors: o.itemFactors, itemBias: o.itemBias, scores: o.scores + thread * l.scoresStride, users: o.userFactors },
      l.nItems,
      l.factors,
    );
    this.slot = o.threadState + thread * SLOT_BYTES;
  }

  /**
   * Runs this thread's part of an epoch: claims SAMPLE_CHUNK samples at a time from the shared
   * counter until p.samples are claimed, so that a thread slowed down (by another process on its
   * core) does less and nobody waits for it at the end. Statistics add up in this thread's slot.
   */
  runShare(p: EpochParams): void {
    const work = this.mem.work;
    for (;;) {
      const start = Atomics.add(work, 0, SAMPLE_CHUNK);
      if (start >= p.samples) return;
      this.run(p, Math.min(SAMPLE_CHUNK, p.samples - start));
    }
  }

  /** Claims the next `samples` of the epoch and runs them on this thread (while no other thread runs). */
  runAlone(p: EpochParams, samples: number): void {
    const start = Atomics.add(this.mem.work, 0, samples);
    const n = Math.min(samples, p.samples - start);
    if (n > 0) this.run(p, n);
  }

  private run(p: EpochParams, samples: number): void {
    const l = this.mem.layout;
    const o = l.offsets;
    this.exports.runSamples(
      o.userFactors,
      o.itemFactors,
      o.itemSlots,
      ITEM_SLOT_BYTES,
      o.indptr,
      o.indices,
      o.pairUsers,
      l.nPairs,
      l.bitset ? o.bitset : 0,
      p.factors,
      p.nItems,
      p.learningRate,
      p.regularization,
      p.biasRegularization,
      p.negatives,
      p.verifyNegatives ? 1 : 0,
      p.popularityNegatives ? 1 : 0,
      samples,
      this.slot + RNG_AT,
      this.slot + STATS_AT,
      l.adagrad ? o.userGrad2 : 0,
    );
  }
}
