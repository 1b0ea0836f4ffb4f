import { describe, expect, it } from 'vitest';
import { hash32, Random } from '../../lib/core/random';

describe('Random', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });
  it('pins the first outputs of seed 0 (changing the generator must be deliberate)', () => {
    const r = new Random(0);
    expect(Array.from({ length: 3 }, () => r.nextUint32())).toEqual([3563087460, 3816037020, 4097523185]);
  });
  it('uniform, normal and int have the right moments', () => {
    const r = new Random(7);
    const n = 100000;
    let s = 0;
    let ss = 0;
    let su = 0;
    const counts = new Array(6).fill(0);
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      ss += x * x;
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      counts[r.int(6)]++;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(ss / n - 1)).toBeLessThan(0.03);
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.01);
    for (const c of counts) expect(Math.abs(c / n - 1 / 6)).toBeLessThan(0.01);
  });
  it('fork is independent of parent usage', () => {
    const p1 = new Random(5);
    const p2 = new Random(5);
    p2.uniform();
    expect(p1.fork('x').nextUint32()).toBe(p2.fork('x').nextUint32());
    expect(p1.fork('x').nextUint32()).not.toBe(p1.fork('y').nextUint32());
  });
  it('shuffle is a permutation, weightedIndex respects zero weights, errors are clear', () => {
    const r = new Random(1);
    const a = r.shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 0; i < 100; i++) expect(r.weightedIndex([0, 1, 0, 2])).not.toBe(0);
    expect(() => r.int(0)).toThrow(/n must be ≥ 1/);
    expect(() => new Random(NaN)).toThrow(/finite/);
    expect(hash32(1)).not.toBe(hash32(2));
  });
  describe('categorical', () => {
    it('draws each index with its probability (within 4.5 standard errors)', () => {
      const r = new Random(11);
      const probs = [0.1, 0.0, 0.35, 0.05, 0.5];
      const n = 200000;
      const counts = new Array(probs.length).fill(0);
      for (let i = 0; i < n; i++) counts[r.categorical(probs)]++;
      expect(counts[1]).toBe(0);
      probs.forEach((p, k) => {
        const se = Math.sqrt((p * (1 - p)) / n);
        expect(Math.abs(counts[k] / n - p)).toBeLessThanOrEqual(4.5 * se);
      });
    });
    it('samples a slice (offset, count) of a flat rows × classes array, indices relative to the slice', () => {
      const r = new Random(12);
      // two rows of K = 3 classes; row 1 puts all mass on class 2 except a little on class 0
      const probs = Float32Array.from([0.7, 0.2, 0.1, 0.25, 0, 0.75]);
      const n = 40000;
      const counts = [0, 0, 0];
      let outside = 0;
      for (let i = 0; i < n; i++) {
        const k = r.categorical(probs, 3, 3);
        if (k >= 0 && k < 3) counts[k]++;
        else outside++;
      }
      expect(outside).toBe(0);
      expect(counts[1]).toBe(0);
      const se = Math.sqrt((0.25 * 0.75) / n);
      expect(Math.abs(counts[0] / n - 0.25)).toBeLessThanOrEqual(4.5 * se);
      // count defaults to the rest of the array from offset
      const a = new Random(13);
      const b = new Random(13);
      for (let i = 0; i < 100; i++) expect(a.categorical(probs, 3)).toBe(b.categorical(probs, 3, 3));
      // a slice that excludes the only non-zero entries of the full array is rejected, not silently sampled
      expect(() => r.categorical([0, 0, 1], 0, 2)).toThrow(/sum to 0/);
    });
    it('does not need normalised probabilities: scaled weights give the identical stream', () => {
      const a = new Random(14);
      const b = new Random(14);
      const w = [1, 2, 0, 5];
      const p = w.map((x) => x / 8); // scaling by a power of two is exact
      for (let i = 0; i < 1000; i++) expect(a.categorical(w)).toBe(b.categorical(p));
    });
    it('consumes exactly one uniform per draw', () => {
      const a = new Random(15);
      const b = new Random(15);
      a.categorical([0.2, 0.3, 0.5]);
      b.uniform();
      expect(a.nextUint32()).toBe(b.nextUint32());
    });
    it('rejects bad slices and bad probabilities with the offending values', () => {
      const r = new Random(16);
      expect(() => r.categorical([])).toThrow(/non-empty/);
      expect(() => r.categorical([0.5, 0.5], 1, 2)).toThrow(/\[1, 3\).*length 2/);
      expect(() => r.categorical([0.5, 0.5], -1, 1)).toThrow(/inside the array/);
      expect(() => r.categorical([0.5, -0.1, 0.6])).toThrow(/index 1 is -0.1/);
      expect(() => r.categorical([0.5, NaN])).toThrow(/index 1 is NaN/);
      expect(() => r.categorical([0, 0])).toThrow(/sum to 0/);
      expect(() => r.categorical([Infinity, 1])).toThrow(/sum to Infinity/);
    });
  });
  it('poisson mean matches', () => {
    const r = new Random(3);
    let s = 0;
    for (let i = 0; i < 20000; i++) s += r.poisson(5);
    expect(Math.abs(s / 20000 - 5)).toBeLessThan(0.1);
  });
});
