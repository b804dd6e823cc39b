/**
 * Seeded pseudo-random numbers: xoshiro128** with a splitmix32-expanded seed. The state lives in a
 * Uint32Array; seedState() also seeds the SGD kernel, which keeps each thread's state in its memory.
 */

/** splitmix32 step: turns one 32-bit seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Four-word xoshiro128 state derived from a seed and a stream number (thread, epoch...). */
export function seedState(seed: number, stream = 0): Uint32Array {
  const mix = { s: (seed ^ Math.imul(stream + 1, 0x632be5ab)) | 0 };
  const st = new Uint32Array(4);
  for (let i = 0; i < 4; i++) st[i] = splitmix32(mix);
  if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
  return st;
}

/** A small object wrapper for code outside the hot loop (splits, sampling users, initialisation). */
export class Rng {
  private readonly st: Uint32Array;
  constructor(seed: number, stream = 0) {
    this.st = seedState(seed, stream);
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const s = this.st;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(arr: { length: number; [i: number]: T }): void {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
