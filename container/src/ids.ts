/**
 * Customer and stock-code ids as they arrive from retail exports. pandas writes the integer ids of a
 * column with gaps as floats ("13085.0"); data preparation stores "13085", and the model server
 * answers a request for "13085.0" as for "13085". One rule for both.
 */
export function normaliseId(raw: string | undefined): string {
  if (!raw) return '';
  const t = raw.trim();
  const m = /^(-?\d+)\.0+$/.exec(t);
  return m ? m[1]! : t;
}
