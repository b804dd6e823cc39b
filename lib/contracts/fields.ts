/** Selecting and reading the fields of a contract. */

/** A value for every field of T: a missing, extra or renamed field fails the type check. */
export type Fields<T, V> = { readonly [K in keyof T]-?: V };

/** The fields of an execution output read as a partial object (none when it is not an object). */
export function outputFields<T>(output: unknown): Partial<T> {
  return output && typeof output === 'object' && !Array.isArray(output) ? (output as Partial<T>) : {};
}
