/**
 * Ranking scores, score(u, i) = dot(userFactors[u], itemFactors[i]) + itemBias[i] for every item,
 * computed by the WebAssembly module's scoreItems (container/assembly/score.ts): the one scoring code
 * of the model server, of training's validation checks and of the test evaluation that the gate reads.
 */
import { instantiate, layoutRegions, sharedMemory, type KernelExports, type WasmMemory } from '../wasm/module';
import { ModelTooLargeError } from './errors';

/** A factor model's arrays, row-major: userFactors is users x factors, itemFactors items x factors. */
export interface FactorModel {
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
  readonly factors: number;
}

/** Every item's score for one user; the buffer returned is the caller's to change until the next call. */
export interface ItemScores {
  score(user: number): Float32Array;
}

/** Byte offsets in a kernel memory. */
export interface ScoreRegions {
  readonly itemFactors: number;
  readonly itemBias: number;
  readonly scores: number;
  /** The user rows when the memory holds them all (training), else one user's row, copied in per call. */
  readonly users: number;
}

export class ItemScorer implements ItemScores {
  private readonly out: Float32Array;
  /** Where the user's row is copied in, when the user factors live outside the memory. */
  private readonly userRow: Float32Array | null;

  private constructor(
    private readonly kernel: KernelExports,
    memory: WasmMemory,
    private readonly at: ScoreRegions,
    private readonly nItems: number,
    private readonly factors: number,
    private readonly userFactors: Float32Array | null,
  ) {
    this.out = new Float32Array(memory.buffer, at.scores, nItems);
    this.userRow = userFactors ? new Float32Array(memory.buffer, at.users, factors) : null;
  }

  /** Scores with the factors a kernel memory holds (training: the current ones, between epochs). */
  static inMemory(kernel: KernelExports, memory: WasmMemory, at: ScoreRegions, nItems: number, factors: number): ItemScorer {
    return new ItemScorer(kernel, memory, at, nItems, factors, null);
  }

  /** Copies the model's item factors and biases once into a memory of its own; a call copies the user's row in. */
  static forModel(model: FactorModel): ItemScorer {
    const F = model.factors;
    const n = model.itemBias.length;
    const sizes = { itemFactors: 4 * n * F, itemBias: 4 * n, users: 4 * F, scores: 4 * n };
    const layout = layoutRegions(sizes, (mib) => new ModelTooLargeError(mib));
    const memory = sharedMemory(layout.pages);
    const o = layout.offsets;
    new Float32Array(memory.buffer, o.itemFactors, n * F).set(model.itemFactors);
    new Float32Array(memory.buffer, o.itemBias, n).set(model.itemBias);
    return new ItemScorer(instantiate(memory), memory, o, n, F, model.userFactors);
  }

  /** Scores every item for user u; the result is a view into WebAssembly memory that the next call overwrites. */
  score(u: number): Float32Array {
    const F = this.factors;
    const at = this.at;
    let row = at.users + u * F * 4;
    if (this.userRow) {
      this.userRow.set(this.userFactors!.subarray(u * F, (u + 1) * F));
      row = at.users;
    }
    this.kernel.scoreItems(row, at.itemFactors, at.itemBias, this.nItems, F, at.scores);
    return this.out;
  }
}

/** The popularity baseline (and cold-start ranking): every user's scores are the items' popularity. */
export function popularityScores(popularity: ArrayLike<number>): ItemScores {
  const out = new Float32Array(popularity.length);
  return {
    score: () => {
      out.set(popularity);
      return out;
    },
  };
}
