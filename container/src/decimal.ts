/**
 * Numbers written as text, read one way everywhere (hyperparameters, command-line options, CDK
 * context, server settings, the gate's threshold): decimal notation, optionally signed, with an
 * optional exponent (8, -1, 0.05, .5, 1e-4). Number() alone would also take "0x10", "0b1", " "
 * (as 0) and "Infinity".
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a text holds in decimal notation (surrounding spaces allowed), else NaN. */
export function parseDecimal(text: string): number {
  const t = text.trim();
  return DECIMAL.test(t) ? Number(t) : NaN;
}

/** For zod preprocessing: a decimal string becomes its number; anything else is left for the schema to refuse. */
export function decimalOrAsIs(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const n = parseDecimal(value);
  return Number.isNaN(n) ? value : n;
}
