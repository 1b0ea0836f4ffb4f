/**
 * Seeded pseudo-random numbers for everything in the project that must be
 * reproducible: the synthetic dataset, data splits, noisy-label simulation,
 * patch sampling during training, Monte-Carlo Fisher estimates and the
 * Cramér–Rao simulation (lib/fisher), and bootstrap confidence intervals
 * (lib/eval). This is the project's single generator.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "small fast counting" generator,
 * 128-bit state, a 32-bit counter guarantees a period of at least 2^32), seeded
 * through a splitmix32-style integer hash so that nearby seeds give unrelated
 * streams. It is not cryptographic. The same seed always gives the same stream
 * on every platform: only 32-bit integer arithmetic (Math.imul, >>>) is used.
 */

/** splitmix32-style finaliser: a bijective 32-bit integer hash. */
export function hash32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hash a string to a 32-bit integer (FNV-1a, then hash32). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return hash32(h >>> 0);
}

/**
 * A seeded random stream.
 *
 * @example
 * const rng = new Random(42);
 * rng.uniform();        // in [0, 1)
 * rng.int(10);          // integer in [0, 10)
 * rng.normal(0, 1);     // standard normal
 * const sub = rng.fork('lesions'); // independent stream, reproducible by name
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;
  /** The seed this stream was created with (for logging/provenance). */
  readonly seed: number;

  /** @param seed any finite number; non-integers are truncated, negatives wrap to 32 bits. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Random: seed must be a finite number, got ${seed}`);
    this.seed = Math.trunc(seed) >>> 0;
    this.a = hash32(this.seed);
    this.b = hash32(this.a ^ 0x6a09e667);
    this.c = hash32(this.b ^ 0xbb67ae85);
    this.d = 1;
    // warm up so that the first outputs are well mixed
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer uniform in [0, n) (n ≥ 1), without modulo bias. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isFinite(n)) throw new RangeError(`Random.int: n must be ≥ 1, got ${n}`);
    n = Math.floor(n);
    if (n > 4294967296) return Math.floor(this.uniform() * n);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Normal deviate (Marsaglia polar method). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return mean + sd * s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return mean + sd * u * m;
      }
    }
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Poisson deviate (Knuth's method; fine for the small means used here). */
  poisson(mean: number): number {
    if (!(mean >= 0)) throw new RangeError(`Random.poisson: mean must be ≥ 0, got ${mean}`);
    const l = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > l) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /** Log-uniform in [lo, hi) (lo > 0). */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.range(Math.log(lo), Math.log(hi)));
  }

  /** Pick an index with probability proportional to weights (non-negative, not all zero). */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    if (!(total > 0)) throw new RangeError('Random.weightedIndex: weights sum to zero');
    let r = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /**
   * Draw a class index from a slice of a probability array: returns k in
   * [0, count) with probability probs[offset + k] / Σ probs[offset .. offset + count).
   * The slice need not be normalised (float32 softmax rows sum to 1 only up to
   * rounding), so one flat array of V rows × K classes can be sampled row by
   * row with `categorical(probs, v * K, K)` without copying.
   *
   * Uses exactly one uniform draw. Rounding can leave the draw just above the
   * last partial sum; then the last index with non-zero mass is returned, so a
   * zero-probability index is never chosen.
   * @param probs non-negative weights
   * @param offset first index of the slice (default 0)
   * @param count slice length (default: to the end of `probs`)
   */
  categorical(probs: ArrayLike<number>, offset = 0, count = probs.length - offset): number {
    if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 1 || offset + count > probs.length) {
      throw new RangeError(
        `Random.categorical: slice [${offset}, ${offset + count}) must be non-empty and inside the array of length ${probs.length}`,
      );
    }
    let total = 0;
    for (let k = 0; k < count; k++) {
      const p = probs[offset + k];
      if (!(p >= 0)) throw new RangeError(`Random.categorical: probability at index ${offset + k} is ${p}, expected ≥ 0`);
      total += p;
    }
    if (!(total > 0 && Number.isFinite(total))) {
      throw new RangeError(`Random.categorical: probabilities in [${offset}, ${offset + count}) sum to ${total}, expected a finite value > 0`);
    }
    const u = this.uniform() * total;
    let acc = 0;
    for (let k = 0; k < count; k++) {
      acc += probs[offset + k];
      if (u < acc) return k;
    }
    for (let k = count - 1; k >= 0; k--) if (probs[offset + k] > 0) return k;
    return count - 1; // unreachable: total > 0 implies some positive entry
  }

  /** Pick one element uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Random.pick: empty list');
    return items[this.int(items.length)];
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /**
   * An independent child stream identified by a label: `rng.fork('case-3')`
   * gives the same stream for the same parent seed and label regardless of how
   * much the parent has been used, so adding a draw elsewhere does not shift it.
   */
  fork(label: string | number): Random {
    return new Random(hash32(this.seed ^ hashString(String(label))));
  }
}
