/**
 * The I/O-free core: ranks items for users. A Recommender wraps a loaded model in the Ranker that
 * evaluation also uses, whose buffers (scores, heap) are reused across calls, so a request allocates
 * only its result. It is not reentrant, which is safe because requests run one at a time on the event loop.
 */
import { normaliseId } from '../ids';
import type { LoadedModel } from '../model/store';
import { Ranker } from '../ranking/rank';
import { ItemScorer, popularityScores } from '../ranking/scorer';
import { TopN } from '../ranking/topn';

/** Value of the `fallback` field on records ranked by popularity instead of by the model. */
export const POPULARITY_FALLBACK = 'popularity';

export interface RecommendOptions {
  readonly topN: number;
  /** Leave out the items the user has in training (the default in requests). */
  readonly excludeTrained: boolean;
}

export interface RecommenderOptions {
  /** Users whose ranked lists are kept (the model never changes while serving); 0 (default) disables. */
  readonly cacheSize?: number;
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
  private readonly ranker: Ranker;
  private readonly cacheSize: number;
  /** LRU (Map insertion order) of ranked lists, keyed u (training items excluded) or -1-u (included). */
  private readonly cache = new Map<number, Cached>();

  constructor(model: LoadedModel, options: RecommenderOptions = {}) {
    this.model = model;
    this.cacheSize = options.cacheSize ?? 0;
    this.nItems = model.manifest.items.length;
    const scorer = ItemScorer.forModel({ ...model, factors: model.manifest.factors });
    this.ranker = new Ranker(scorer, { indptr: model.userItemsIndptr, indices: model.userItemsIndices });
    const pop = popularityScores(model.manifest.itemPopularity).score(0);
    this.popularityOrder = new TopN().select(pop, this.nItems).items;
  }

  /** Index of a user id, also matching ids written as floats ("13085.0") by pandas exports. */
  userIndex(userId: string): number | undefined {
    const direct = this.model.userIndex.get(userId);
    if (direct !== undefined) return direct;
    const normal = normaliseId(userId);
    return normal === userId ? undefined : this.model.userIndex.get(normal);
  }

  recommend(userId: string, options: RecommendOptions): Recommendations {
    return this.recommendMany([{ userId, ...options }])[0]!;
  }

  /** Answers in request order. */
  recommendMany(requests: readonly RecommendRequest[]): Recommendations[] {
    return requests.map((req) => {
      const u = this.userIndex(req.userId);
      if (u === undefined) return this.popular(req.userId, req.topN);
      return this.fromCache(u, req) ?? this.rank(u, req);
    });
  }

  /** Ranks the items for user u, leaving out its training items when asked, and caches the list. */
  private rank(u: number, req: RecommendRequest): Recommendations {
    const top = this.ranker.rank(u, req.topN, req.excludeTrained);
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
