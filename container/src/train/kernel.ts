/**
 * The BPR-Opt SGD kernel (Rendle et al. 2009) with item bias and "hardest of N" negatives
 * (dynamic negative sampling, Zhang et al. 2013) drawn uniformly or by popularity, run as WebAssembly with 128-bit SIMD (source:
 * container/assembly/bpr.ts, loaded by ../wasm/module.ts). Every array SGD touches lives
 * in one shared WebAssembly.Memory, so worker threads update the same factors without locks
 * (Hogwild). Each thread has its own PRNG state (xoshiro128**) and statistics slot in that memory.
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
  /** Number of samples this call runs. */
  readonly samples: number;
}

export interface EpochStats {
  /** Sum of -ln sigmoid(x_uij) over every 8th sample used. */
  lossSum: number;
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
}

type Region =
  'userFactors' | 'itemFactors' | 'itemBias' | 'indptr' | 'indices' | 'pairUsers' | 'bitset' | 'rng' | 'stats' | 'scores';
export type KernelLayout = KernelSizes & {
  readonly offsets: Record<Region, number>;
  readonly lengths: Record<Region, number>;
  readonly pages: number;
};

/** The bit matrix is used while it stays this small. */
export const MAX_BITSET_BYTES = 64 * 2 ** 20;

export function bitsetFits(nUsers: number, nItems: number): boolean {
  return Math.ceil((nUsers * nItems) / 32) * 4 <= MAX_BITSET_BYTES;
}

export function kernelLayout(s: KernelSizes): KernelLayout {
  const lengths: Record<Region, number> = {
    userFactors: s.nUsers * s.factors,
    itemFactors: s.nItems * s.factors,
    itemBias: s.nItems,
    indptr: s.nUsers + 1,
    indices: s.nPairs,
    pairUsers: s.nPairs,
    bitset: s.bitset ? Math.ceil((s.nUsers * s.nItems) / 32) : 0,
    rng: 4 * s.threads,
    stats: 4 * s.threads,
    scores: s.nItems,
  };
  const bytes = {} as Record<Region, number>;
  for (const r of Object.keys(lengths) as Region[]) bytes[r] = lengths[r] * (r === 'stats' ? 8 : 4);
  const { offsets, pages } = layoutRegions(
    bytes,
    (mib) => new TrainError(`the model needs ${mib} MiB of kernel memory, more than WebAssembly's 4 GiB`),
  );
  return { ...s, offsets, lengths, pages };
}

/** Typed views of the kernel memory. */
export class KernelMemory {
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly pairUsers: Int32Array;
  readonly bitset: Int32Array;

  constructor(
    readonly layout: KernelLayout,
    readonly memory: WasmMemory = sharedMemory(layout.pages),
  ) {
    const f32 = (r: Region) => new Float32Array(memory.buffer, layout.offsets[r], layout.lengths[r]);
    const i32 = (r: Region) => new Int32Array(memory.buffer, layout.offsets[r], layout.lengths[r]);
    this.userFactors = f32('userFactors');
    this.itemFactors = f32('itemFactors');
    this.itemBias = f32('itemBias');
    this.indptr = i32('indptr');
    this.indices = i32('indices');
    this.pairUsers = i32('pairUsers');
    this.bitset = i32('bitset');
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

  rngState(thread: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, this.layout.offsets.rng + thread * 16, 4);
  }
}

/** One thread's instance of the kernel over the shared memory. */
export class Kernel {
  /** Scores with the current factors (for validation; single-threaded use only: the output region is shared). */
  readonly scorer: ItemScorer;
  private readonly exports: KernelExports;
  private readonly stats: Float64Array;
  private readonly rngPtr: number;

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
      { itemFactors: o.itemFactors, itemBias: o.itemBias, scores: o.scores, users: o.userFactors },
      l.nItems,
      l.factors,
    );
    this.stats = new Float64Array(mem.memory.buffer, o.stats + thread * 32, 4);
    this.rngPtr = o.rng + thread * 16;
  }

  /** Runs p.samples SGD steps with this thread's PRNG stream. */
  runSamples(p: EpochParams): EpochStats {
    const o = this.mem.layout.offsets;
    this.exports.runSamples(
      o.userFactors,
      o.itemFactors,
      o.itemBias,
      o.indptr,
      o.indices,
      o.pairUsers,
      this.mem.layout.nPairs,
      this.mem.layout.bitset ? o.bitset : 0,
      p.factors,
      p.nItems,
      p.learningRate,
      p.regularization,
      p.biasRegularization,
      p.negatives,
      p.verifyNegatives ? 1 : 0,
      p.popularityNegatives ? 1 : 0,
      p.samples,
      this.rngPtr,
      o.stats + this.thread * 32,
    );
    return { lossSum: this.stats[0], correct: this.stats[1], used: this.stats[2], skipped: this.stats[3] };
  }
}
