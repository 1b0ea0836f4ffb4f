/**
 * A small seeded random number generator for the bootstrap, so that confidence
 * intervals are reproducible run to run: mulberry32-style 32-bit state
 * stepping with a splitmix-like output mix, using only 32-bit integer
 * arithmetic (same stream on every platform). Not cryptographic.
 */

/** Returns a function giving uniform numbers in [0, 1), deterministic for a seed. */
export function seededUniform(seed: number): () => number {
  let state = (Math.floor(seed) ^ 0x5bd1e995) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}
