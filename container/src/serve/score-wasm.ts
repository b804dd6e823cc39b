/**
 * The SIMD score kernel (wasm/score.wat): about 6x faster than the scalar kernels in scoring.ts.
 * The model's item factors are copied once into WebAssembly memory, each row zero-padded to a
 * multiple of 16 floats; a call copies the user's vector in and leaves the scores in memory.
 * The memory never grows, so the Float32Array views over it stay valid.
 */
import type { LoadedModel } from '../model/store';
import { SCORE_WASM_BASE64 } from './score-wasm.generated';

type ScoreFn = (items: number, bias: number, user: number, out: number, n: number, blocks: number) => void;

// The container's libs (ES2023 + node 20 types) do not declare WebAssembly: the little used here is typed locally.
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable. */
function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(SCORE_WASM_BASE64, 'base64');
    compiled = WA && WA.validate(bytes) ? new WA.Module(bytes) : null;
  }
  return compiled;
}

export class WasmScorer {
  /** Scores of the last scored user, one per item (a view into WebAssembly memory). */
  readonly scores: Float32Array;
  private readonly user: Float32Array;
  private readonly userFactors: Float32Array;
  private readonly factors: number;
  private readonly nItems: number;
  private readonly blocks: number;
  private readonly offsets: { items: number; bias: number; user: number; out: number };
  private readonly fn: ScoreFn;

  /** Returns null when the kernel cannot run here (no SIMD, or a model beyond 32-bit memory). */
  static create(model: LoadedModel): WasmScorer | null {
    const mod = kernelModule();
    if (!mod) return null;
    try {
      return new WasmScorer(model, mod);
    } catch {
      return null;
    }
  }

  private constructor(model: LoadedModel, mod: WasmModule) {
    const F = model.manifest.factors;
    const n = model.itemBias.length;
    const padded = Math.max(16, Math.ceil(F / 16) * 16);
    const items = 0;
    const bias = items + n * padded * 4;
    const user = bias + n * 4;
    const out = user + padded * 4;
    const bytes = out + n * 4;
    const memory = new WA!.Memory({ initial: Math.ceil(bytes / 65536) || 1 });
    const instance = new WA!.Instance(mod, { env: { memory } });
    const heap = new Float32Array(memory.buffer);
    const itf = model.itemFactors;
    for (let i = 0; i < n; i++) heap.set(itf.subarray(i * F, (i + 1) * F), (items >> 2) + i * padded);
    heap.set(model.itemBias, bias >> 2);
    this.fn = instance.exports.score as ScoreFn;
    this.user = new Float32Array(memory.buffer, user, padded);
    this.scores = new Float32Array(memory.buffer, out, n);
    this.userFactors = model.userFactors;
    this.factors = F;
    this.nItems = n;
    this.blocks = padded / 16;
    this.offsets = { items, bias, user, out };
  }

  /** Fills `scores` for user u. */
  score(u: number): Float32Array {
    const F = this.factors;
    this.user.set(this.userFactors.subarray(u * F, (u + 1) * F));
    const o = this.offsets;
    if (this.nItems > 0) this.fn(o.items, o.bias, o.user, o.out, this.nItems, this.blocks);
    return this.scores;
  }
}
