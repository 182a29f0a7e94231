/**
 * Seeded pseudo-random numbers. Every random choice in the engine (initialisation,
 * synthetic data, evaluation splits) goes through this so that a seed fully
 * determines a model's bytes; Math.random would make runs irreproducible.
 */

/** mulberry32: tiny, fast, good enough for initialisation and sampling (not crypto). */
export class Rng {
  private state: number;
  private spareGaussian: number | null = null;

  constructor(seed: number) {
    // Mix the seed so that small consecutive seeds give unrelated streams.
    this.state = (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal via Box-Muller (pairs cached so the stream stays deterministic). */
  gaussian(): number {
    if (this.spareGaussian !== null) {
      const s = this.spareGaussian;
      this.spareGaussian = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
