/**
 * The I/O-free core: ranks items for users. A Recommender wraps a loaded model with buffers it
 * reuses across calls (scores, heap), so a request allocates only its result. It is not reentrant,
 * which is safe because requests run one at a time on the event loop.
 */
import type { LoadedModel } from '../model/store';
import { WasmScorer } from './score-wasm';
import { scoreFourUsers, scoreUser } from './scoring';
import { TopN } from './topn';

/** Value of the `fallback` field on records ranked by popularity instead of by the model. */
export const POPULARITY_FALLBACK = 'popularity';

export interface RecommendOptions {
  readonly topN: number;
  /** Leave out the items the user has in training (the default in requests). */
  readonly excludeTrained: boolean;
}

/** Which score kernel runs: WebAssembly SIMD where available, else the scalar JavaScript ones. */
export type Kernel = 'wasm' | 'js';

export interface RecommenderOptions {
  /** Users whose ranked lists are kept (the model never changes while serving); 0 (default) disables. */
  readonly cacheSize?: number;
  /** Default: 'wasm' when it can run here. */
  readonly kernel?: Kernel;
}

export interface RecommendRequest extends RecommendOptions {
  readonly userId: string;
}

export interface Recommendations {
  /** The user id as the request gave it. */
  readonly userId: string;
  /** True when the user is unknown to the model and the items are the most popular ones. */
  readonly fallback: boolean;
  /** Item indices, best first. */
  readonly items: Int32Array;
  /** Scores of `items`: the model's score, or the item's popularity (distinct training users) on fallback. */
  readonly scores: Float64Array;
}

interface Cached {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  /** The list holds every item left (fewer than asked): it answers any top-n. */
  readonly complete: boolean;
}

export class Recommender {
  readonly model: LoadedModel;
  readonly nItems: number;
  /** Item indices by descending popularity, ties by index: the cold-start ranking. */
  readonly popularityOrder: Int32Array;
  readonly kernel: Kernel;
  private readonly wasm: WasmScorer | null;
  private readonly scores: Float32Array;
  private readonly uvecs: Float64Array;
  private readonly topn = new TopN();
  private readonly cacheSize: number;
  /** LRU (Map insertion order) of ranked lists, keyed u (training items excluded) or -1-u (included). */
  private readonly cache = new Map<number, Cached>();

  constructor(model: LoadedModel, options: RecommenderOptions = {}) {
    this.model = model;
    this.cacheSize = options.cacheSize ?? 0;
    this.nItems = model.manifest.items.length;
    this.wasm = options.kernel === 'js' ? null : WasmScorer.create(model);
    this.kernel = this.wasm ? 'wasm' : 'js';
    this.scores = this.wasm ? this.wasm.scores : new Float32Array(4 * this.nItems);
    this.uvecs = new Float64Array(4 * model.manifest.factors);
    const pop = model.manifest.itemPopularity;
    const order = Array.from({ length: this.nItems }, (_, i) => i);
    order.sort((a, b) => pop[b]! - pop[a]! || a - b);
    this.popularityOrder = Int32Array.from(order);
  }

  /** Index of a user id, also matching ids written as floats ("13085.0") by pandas exports. */
  userIndex(userId: string): number | undefined {
    const direct = this.model.userIndex.get(userId);
    if (direct !== undefined) return direct;
    const m = /^(-?\d+)\.0+$/.exec(userId);
    return m ? this.model.userIndex.get(m[1]!) : undefined;
  }

  recommend(userId: string, options: RecommendOptions): Recommendations {
    return this.recommendMany([{ userId, ...options }])[0]!;
  }

  /** Answers in request order; without SIMD, known users missing from the cache are scored four at a time. */
  recommendMany(requests: readonly RecommendRequest[]): Recommendations[] {
    const out = new Array<Recommendations>(requests.length);
    const todo: number[] = [];
    const users: number[] = [];
    for (let r = 0; r < requests.length; r++) {
      const req = requests[r]!;
      const u = this.userIndex(req.userId);
      if (u === undefined) {
        out[r] = this.popular(req.userId, req.topN);
        continue;
      }
      const hit = this.fromCache(u, req);
      if (hit) out[r] = hit;
      else {
        todo.push(r);
        users.push(u);
      }
    }
    let k = 0;
    if (this.wasm) {
      for (; k < todo.length; k++) {
        this.wasm.score(users[k]!);
        out[todo[k]!] = this.rank(users[k]!, requests[todo[k]!]!, 0);
      }
    }
    for (; k + 4 <= todo.length; k += 4) {
      scoreFourUsers(this.model, users.slice(k, k + 4), this.uvecs, this.scores);
      for (let j = 0; j < 4; j++) out[todo[k + j]!] = this.rank(users[k + j]!, requests[todo[k + j]!]!, j * this.nItems);
    }
    for (; k < todo.length; k++) {
      scoreUser(this.model, users[k]!, this.uvecs, this.scores);
      out[todo[k]!] = this.rank(users[k]!, requests[todo[k]!]!, 0);
    }
    return out;
  }

  /** Ranks the scores at offset for user u, leaving out its training items when asked, and caches the list. */
  private rank(u: number, req: RecommendRequest, offset: number): Recommendations {
    const scores = this.scores;
    if (req.excludeTrained) {
      const ind = this.model.userItemsIndices;
      for (let p = this.model.userItemsIndptr[u]!, end = this.model.userItemsIndptr[u + 1]!; p < end; p++)
        scores[offset + ind[p]!] = -Infinity;
    }
    const top = this.topn.select(scores, offset, this.nItems, req.topN);
    if (this.cacheSize > 0) {
      const key = req.excludeTrained ? u : -1 - u;
      this.cache.delete(key);
      this.cache.set(key, { ...top, complete: top.items.length < req.topN });
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    }
    return { userId: req.userId, fallback: false, ...top };
  }

  /** A cached list serves any shorter top-n (and any top-n when complete); a hit becomes most recent. */
  private fromCache(u: number, req: RecommendRequest): Recommendations | undefined {
    const key = req.excludeTrained ? u : -1 - u;
    const c = this.cache.get(key);
    if (!c || (c.items.length < req.topN && !c.complete)) return undefined;
    this.cache.delete(key);
    this.cache.set(key, c);
    const n = Math.min(req.topN, c.items.length);
    return { userId: req.userId, fallback: false, items: c.items.subarray(0, n), scores: c.scores.subarray(0, n) };
  }

  private popular(userId: string, topN: number): Recommendations {
    const n = Math.min(topN, this.nItems);
    const items = this.popularityOrder.slice(0, n);
    const pop = this.model.manifest.itemPopularity;
    return { userId, fallback: true, items, scores: Float64Array.from(items, (i) => pop[i]!) };
  }
}
