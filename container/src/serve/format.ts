/**
 * Writes recommendations as response bodies (pure). Lines are joined with "\n" and the body has
 * no trailing newline: batch transform's AssembleWith Line adds one after each response.
 */
import type { LoadedModel } from '../model/store';
import { POPULARITY_FALLBACK, type Recommendations } from './recommend';

/** One ranked item as JSON output shows it. */
export interface RecommendationRecord {
  user_id: string;
  item_id: string;
  score: number;
  description?: string;
  fallback?: typeof POPULARITY_FALLBACK;
}

/** Scores keep 6 decimals: float32 factors carry no more, and bodies stay short. */
export function roundScore(s: number): number {
  return Math.round(s * 1e6) / 1e6;
}

export function toRecords(model: LoadedModel, rec: Recommendations): RecommendationRecord[] {
  const ids = model.manifest.items;
  const catalog = model.manifest.catalog;
  const out: RecommendationRecord[] = new Array(rec.items.length);
  for (let k = 0; k < rec.items.length; k++) {
    const itemId = ids[rec.items[k]!]!;
    const r: RecommendationRecord = { user_id: rec.userId, item_id: itemId, score: roundScore(rec.scores[k]!) };
    if (catalog) {
      const d = catalog[itemId];
      if (d !== undefined) r.description = d;
    }
    if (rec.fallback) r.fallback = POPULARITY_FALLBACK;
    out[k] = r;
  }
  return out;
}

/** One JSON array per request, one request per line. */
export function formatJson(model: LoadedModel, recs: readonly Recommendations[]): string {
  return recs.map((r) => JSON.stringify(toRecords(model, r))).join('\n');
}

/** Headerless `user_id,item_id,score` lines, every request's items in rank order, requests in input order. */
export function formatCsv(model: LoadedModel, recs: readonly Recommendations[]): string {
  const ids = model.manifest.items;
  const lines: string[] = [];
  for (const rec of recs) {
    const user = csvField(rec.userId);
    for (let k = 0; k < rec.items.length; k++) {
      lines.push(`${user},${csvField(ids[rec.items[k]!]!)},${roundScore(rec.scores[k]!)}`);
    }
  }
  return lines.join('\n');
}

/** RFC 4180 quoting, only where a field needs it (ids are nearly always plain). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
