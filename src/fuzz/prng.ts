/** A small seeded PRNG (mulberry32) for deterministic fuzzing: the same seed gives the same inputs everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
  /** A size skewed towards small values: mostly below 16, sometimes up to `max`. */
  small(max: number): number {
    const r = this.next();
    return r < 0.6 ? this.int(Math.min(16, max + 1)) : r < 0.9 ? this.int(Math.min(256, max + 1)) : this.int(max + 1);
  }
  /** An interesting 32-bit value: boundaries, small numbers, or random bits. */
  interesting32(): number {
    const r = this.int(4);
    if (r === 0) return this.pick([0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000,
      0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]);
    if (r === 1) return this.int(64);
    return this.u32();
  }
}
