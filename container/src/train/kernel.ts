/**
 * The BPR-Opt SGD kernel (Rendle et al. 2009) with item bias and "hardest of N" negatives
 * (dynamic negative sampling, Zhang et al. 2013) drawn uniformly or by popularity, run as WebAssembly with 128-bit SIMD (source:
 * container/assembly/bpr.ts, embedded as base64 in kernel-wasm.ts). Every array SGD touches lives
 * in one shared WebAssembly.Memory, so worker threads update the same factors without locks
 * (Hogwild). Each thread has its own PRNG state (xoshiro128**) and statistics slot in that memory.
 */
import { KERNEL_WASM_BASE64 } from './kernel-wasm';
import { TrainError } from './errors';
import type { Csr } from './evaluation';

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

/*
 * The container's TypeScript libs (ES2023 + node 20 types) do not declare WebAssembly, so the
 * little this file uses is typed here instead of pulling in the DOM lib.
 */
/** A compiled module (opaque; structured-cloneable to workers). */
export interface WasmModule {
  readonly __wasmModule?: never;
}
/** A shared WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
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
  // The first page stays free for the AssemblyScript runtime's own data.
  let offset = PAGE;
  const offsets = {} as Record<Region, number>;
  for (const r of Object.keys(lengths) as Region[]) {
    offsets[r] = offset;
    offset += Math.ceil((lengths[r] * (r === 'stats' ? 8 : 4)) / 16) * 16;
  }
  const pages = Math.ceil(offset / PAGE);
  if (pages > 65536)
    throw new TrainError(`the model needs ${Math.round(offset / 2 ** 20)} MiB of kernel memory, more than WebAssembly's 4 GiB`);
  return { ...s, offsets, lengths, pages };
}

let compiled: WasmModule | null = null;
export function kernelModule(): WasmModule {
  return (compiled ??= new WA.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64')));
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
    readonly memory: WasmMemory = new WA.Memory({ initial: layout.pages, maximum: layout.pages, shared: true }),
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
  private readonly run: (...args: number[]) => void;
  private readonly score: (...args: number[]) => void;
  private readonly stats: Float64Array;
  private readonly rngPtr: number;

  constructor(
    readonly mem: KernelMemory,
    readonly thread: number,
    module: WasmModule = kernelModule(),
  ) {
    const abort = () => {
      throw new TrainError('the SGD kernel aborted');
    };
    const instance = new WA.Instance(module, { env: { memory: mem.memory, abort } });
    this.run = instance.exports.runSamples as (...args: number[]) => void;
    this.score = instance.exports.scoreItems as (...args: number[]) => void;
    this.stats = new Float64Array(mem.memory.buffer, mem.layout.offsets.stats + thread * 32, 4);
    this.rngPtr = mem.layout.offsets.rng + thread * 16;
  }

  /** Runs p.samples SGD steps with this thread's PRNG stream. */
  runSamples(p: EpochParams): EpochStats {
    const o = this.mem.layout.offsets;
    this.run(
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

  /**
   * Scores every item for user u with the current factors (dot + bias, SIMD), for evaluation
   * during training. Single-threaded use only: the output region is shared.
   */
  scoreUser(u: number, out: Float32Array): void {
    const l = this.mem.layout;
    const o = l.offsets;
    this.score(o.userFactors + u * l.factors * 4, o.itemFactors, o.itemBias, l.nItems, l.factors, o.scores);
    out.set(new Float32Array(this.mem.memory.buffer, o.scores, l.nItems));
  }
}
