/**
 * Seeded pseudo-random numbers for the Fisher estimators and simulations.
 *
 * Every Monte-Carlo quantity in lib/fisher (sampled labels, resampled training
 * sets, random directions) draws from this generator so that a run is
 * reproducible from its seed alone, independent of tfjs' own random state and
 * of the backend. The generator is splitmix32 → xoshiro128**: small, fast and
 * statistically adequate for simulation (not for cryptography).
 */

/** A seeded source of uniform, normal and categorical draws. */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** @param seed any finite number; equal seeds give equal streams. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`SeededRandom: seed must be finite, got ${seed}`);
    // splitmix32 expands the seed into the four words of xoshiro's state
    let x = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`SeededRandom.int: n must be >= 1, got ${n}`);
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }

  /** A standard normal draw (Box–Muller, polar form). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /**
   * Index k drawn with probability probs[offset + k], k < count. The
   * probabilities need not sum to exactly 1 (float32 softmax output): the draw
   * is scaled by their sum.
   */
  categorical(probs: ArrayLike<number>, offset = 0, count = probs.length - offset): number {
    let total = 0;
    for (let k = 0; k < count; k++) total += probs[offset + k];
    if (!(total > 0)) throw new Error(`SeededRandom.categorical: probabilities sum to ${total}, expected > 0`);
    const u = this.uniform() * total;
    let acc = 0;
    for (let k = 0; k < count; k++) {
      acc += probs[offset + k];
      if (u < acc) return k;
    }
    // rounding can leave u just above the last partial sum: pick the last class with mass
    for (let k = count - 1; k >= 0; k--) if (probs[offset + k] > 0) return k;
    return count - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
