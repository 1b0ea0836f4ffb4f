/**
 * Seed-level statistics against closed forms: the hierarchical bootstrap's variance (nested and
 * crossed case resampling), the sign-flip test on hand-enumerable cases, Holm by hand, and the
 * power of the paired t-test at known points. scipy/numpy references: stats-reference.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/core/random';
import { hierarchicalBootstrap, holmAdjust, pairedTPower, PairedSeed, sampleSd, seedsForPower, signFlipTest } from '../../lib/eval/seed-stats';

/** A seed whose effect is the weighted mean of fixed per-case differences. */
function meanSeed(seed: number, d: number[], caseIds = d.map((_, i) => `c${i}`)): PairedSeed {
  return {
    seed,
    caseIds,
    effect: (w) => {
      let s = 0, n = 0;
      w.forEach((x, i) => { s += x * d[i]; n += x; });
      return s / n;
    },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const popVar = (xs: number[]) => mean(xs.map((x) => (x - mean(xs)) ** 2));

describe('hierarchicalBootstrap', () => {
  it('nested: the replicate variance matches its closed form', () => {
    // T = (1/S) Σ_j X_j, X_j iid: a uniformly drawn seed's mean over n_s redrawn cases, so
    // Var T = (1/S) [ (1/S) Σ_s (m_s − m̄)² + (1/S) Σ_s σ_s² / n_s ] with population variances σ_s²
    const rng = new Random(11);
    const d = [4, 6, 5, 8, 7].map((n, s) => Array.from({ length: n }, () => rng.normal(0.02 * s, 0.1)));
    const seeds = d.map((x, s) => meanSeed(s, x));
    const S = d.length;
    const m = d.map(mean);
    const variance = (popVar(m) + mean(d.map((x) => popVar(x) / x.length))) / S;
    const r = hierarchicalBootstrap(seeds, { replicates: 20000, seed: 5 });
    expect(r.estimate).toBeCloseTo(mean(m), 14);
    expect(r.seedEffects).toEqual(m);
    // the variance of 20000 replicates is within ~1% (one SE) of the truth; allow 5%
    expect(Math.abs(r.standardError! ** 2 / variance - 1)).toBeLessThan(0.05);
    expect(r.ci![0]).toBeLessThan(r.estimate);
    expect(r.ci![1]).toBeGreaterThan(r.estimate);
    expect(r.skippedReplicates).toBe(0);
  });

  it('crossed: with seed-independent case effects the variance is S times the nested one', () => {
    // d_sc = b_c for every seed: nested Var = σ_b² / (n S), crossed Var = σ_b² / n
    const b = Array.from({ length: 12 }, (_, c) => Math.sin(c) / 10);
    const seeds = [0, 1, 2, 3].map((s) => meanSeed(s, b));
    const sigma2 = popVar(b);
    const nested = hierarchicalBootstrap(seeds, { replicates: 20000, seed: 1 });
    const crossed = hierarchicalBootstrap(seeds, { replicates: 20000, seed: 1, caseResampling: 'crossed' });
    expect(Math.abs(nested.standardError! ** 2 / (sigma2 / 48) - 1)).toBeLessThan(0.05);
    expect(Math.abs(crossed.standardError! ** 2 / (sigma2 / 12) - 1)).toBeLessThan(0.05);
    expect(crossed.caseResampling).toBe('crossed');
  });

  it('is reproducible by seed, degenerate when nothing varies, and needs two seeds for an interval', () => {
    const seeds = [meanSeed(0, [0.1, 0.3, 0.2]), meanSeed(1, [0.0, 0.4, 0.1]), meanSeed(2, [0.2, 0.2, 0.5])];
    const a = hierarchicalBootstrap(seeds, { replicates: 500, seed: 3 });
    expect(hierarchicalBootstrap(seeds, { replicates: 500, seed: 3 })).toEqual(a);
    expect(hierarchicalBootstrap(seeds, { replicates: 500, seed: 4 }).ci).not.toEqual(a.ci);
    const flat = hierarchicalBootstrap([meanSeed(0, [0.25, 0.25]), meanSeed(1, [0.25, 0.25, 0.25])], { replicates: 200 });
    expect(flat.ci).toEqual([0.25, 0.25]);
    const one = hierarchicalBootstrap([meanSeed(0, [0.1, 0.3])]);
    expect([one.estimate, one.ci, one.standardError]).toEqual([0.2, null, null]);
  });

  it('skips replicates whose effect is undefined and refuses bad input', () => {
    // undefined when case 0 is not drawn: P = (2/3)³ per drawn seed
    const partial: PairedSeed = { seed: 0, caseIds: ['a', 'b', 'c'], effect: (w) => (w[0] === 0 ? null : w[0] / 3) };
    const r = hierarchicalBootstrap([partial, partial], { replicates: 4000, seed: 2 });
    const pSkip = 1 - (1 - (2 / 3) ** 3) ** 2;
    expect(Math.abs(r.skippedReplicates / 4000 - pSkip)).toBeLessThan(4 * Math.sqrt((pSkip * (1 - pSkip)) / 4000));
    expect(() => hierarchicalBootstrap([])).toThrow(/no seeds/);
    expect(() => hierarchicalBootstrap([{ ...partial, effect: () => null }])).toThrow(/seed 0 has no observed effect/);
    expect(() => hierarchicalBootstrap([meanSeed(0, [1, 2]), meanSeed(1, [1, 2], ['x', 'y'])], { caseResampling: 'crossed' })).toThrow(/seed 1 differs/);
    expect(() => hierarchicalBootstrap([meanSeed(0, [1])], { replicates: 0 })).toThrow(/replicates/);
  });
});

describe('signFlipTest', () => {
  it('exact: all-positive differences reach 2/2ⁿ; a zero sum gives 1', () => {
    expect(signFlipTest([0.1, 0.2, 0.15, 0.3, 0.05, 0.12])).toEqual({ p: 2 / 64, method: 'exact', patterns: 64 });
    expect(signFlipTest([1, -1])?.p).toBe(1);
    // d = (3, 1, 1): sums ±3±1±1 ∈ {5, 3, 3, 1, −1, −3, −3, −5}; |s| ≥ 5 for 2 of 8
    expect(signFlipTest([3, 1, 1])?.p).toBe(0.25);
    // d = (3, 1, −1): observed 3; |s| ≥ 3 for s ∈ {5, 3, 3, −3, −3, −5}: 6 of 8
    expect(signFlipTest([3, 1, -1])?.p).toBe(0.75);
    expect(signFlipTest([])).toBeNull();
  });

  it('Monte-Carlo beyond exactUpTo, never below 1/(1 + draws)', () => {
    const d = Array.from({ length: 17 }, () => 1);
    const r = signFlipTest(d, { draws: 1000 })!;
    expect(r.method).toBe('monte-carlo');
    expect(r.p).toBeGreaterThanOrEqual(1 / 1001);
    expect(r.p).toBeLessThan(0.01); // exact: 2/2¹⁷
    expect(signFlipTest([1, 1, 1], { exactUpTo: 2, draws: 10, seed: 1 })?.patterns).toBe(10);
    expect(() => signFlipTest([1, NaN])).toThrow(/finite/);
    expect(() => signFlipTest([1], { exactUpTo: 30 })).toThrow(/exactUpTo/);
  });
});

describe('holmAdjust', () => {
  it('steps down and keeps the running maximum; nulls are left out of m', () => {
    // sorted 0.01, 0.03, 0.04 → 3·0.01, max(0.03, 2·0.03), max(0.06, 1·0.04)
    const r = holmAdjust([0.01, 0.04, 0.03]) as number[];
    [0.03, 0.06, 0.06].forEach((x, i) => expect(r[i]).toBeCloseTo(x, 15));
    expect(holmAdjust([null, 0.02, null, 0.04])).toEqual([null, 0.04, null, 0.04]);
    expect(holmAdjust([0.6, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
    expect(() => holmAdjust([1.5])).toThrow(/p-value 0/);
  });
});

describe('power line', () => {
  it('power equals α under the null and tends to 1 for large effects', () => {
    for (const n of [2, 5, 12]) expect(Math.abs(pairedTPower(n, 0, 0.05) - 0.05)).toBeLessThan(1e-9);
    expect(pairedTPower(30, 3)).toBeGreaterThan(1 - 1e-9);
    expect(pairedTPower(10, -1)).toBe(pairedTPower(10, 1));
    expect(() => pairedTPower(1, 1)).toThrow(/n must/);
  });

  it('seeds needed: sign-flip floor, zero effect, zero SD, cap', () => {
    expect(seedsForPower(0.05, 0.05)).toEqual({ seeds: 10, tApprox: 10, signFlipMinimum: 6 });
    expect(seedsForPower(0, 0.1)).toEqual({ seeds: null, tApprox: null, signFlipMinimum: 6 });
    expect(seedsForPower(0.1, 0)).toEqual({ seeds: 6, tApprox: 2, signFlipMinimum: 6 });
    expect(seedsForPower(0.3, 0.05, { alpha: 0.0125 }).signFlipMinimum).toBe(8); // 2/2⁷ > 0.0125 ≥ 2/2⁸
    expect(seedsForPower(0.001, 1, { maxSeeds: 50 }).seeds).toBeNull();
    expect(() => seedsForPower(NaN, 1)).toThrow(/finite/);
  });

  it('sampleSd', () => {
    expect(sampleSd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(sampleSd([1])).toBeNull();
  });
});
