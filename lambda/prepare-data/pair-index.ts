/**
 * Open-addressing hash from (user, item) ints to a pair number. A Map keyed by
 * user * 2^22 + item works too but hashes heap numbers: this is ~3x faster and far smaller.
 */
export class PairIndex {
  private slots: Int32Array;
  private mask: number;
  private used = 0;

  constructor(
    private readonly users: () => Int32Array,
    private readonly items: () => Int32Array,
    capacity = 1 << 16,
  ) {
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  private static hash(u: number, i: number): number {
    return (Math.imul(u, 0x9e3779b1) ^ Math.imul(i, 0x85ebca77)) >>> 0;
  }

  /** The pair number of (u, i), or -1. */
  get(u: number, i: number): number {
    const pu = this.users();
    const pi = this.items();
    for (let s = PairIndex.hash(u, i) & this.mask; ; s = (s + 1) & this.mask) {
      const p = this.slots[s];
      if (p < 0) return -1;
      if (pu[p] === u && pi[p] === i) return p;
    }
  }

  /** Records pair number p for (u, i), which must not be present yet. */
  add(u: number, i: number, p: number): void {
    if (++this.used * 2 > this.slots.length) this.rehash();
    this.place(u, i, p);
  }

  private place(u: number, i: number, p: number): void {
    let s = PairIndex.hash(u, i) & this.mask;
    while (this.slots[s] >= 0) s = (s + 1) & this.mask;
    this.slots[s] = p;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    const pu = this.users();
    const pi = this.items();
    for (const p of old) if (p >= 0) this.place(pu[p], pi[p], p);
  }
}
