import { describe, expect, it } from 'vitest';
import {
  ClassGroups,
  classToGroup,
  coarsenProbabilities,
  fisherGap,
  fisherTraceMaps,
  fisherTraceTotals,
  fisherY,
  fisherZ,
  gapSurface,
  lesionVsRest,
  softmaxRows,
} from '../../lib/fisher/closed-form';
import { symmetricEigen } from '../../lib/fisher/linalg';
import { Random } from '../../lib/core/random';

/** Random logits with a random temperature, so p ranges from flat to nearly one-hot. */
function randomLogits(rng: Random, K: number): Float64Array {
  const scale = Math.exp(2.5 * rng.normal());
  return Float64Array.from({ length: K }, () => scale * rng.normal());
}

/** A random partition of 0..K-1 into 2..K groups (or lesion vs rest half of the time). */
function randomGroups(rng: Random, K: number): ClassGroups {
  if (rng.uniform() < 0.5) return lesionVsRest(K, rng.int(K));
  const G = 2 + rng.int(K - 1);
  const perm = Array.from({ length: K }, (_, i) => i);
  for (let i = K - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const groups: number[][] = Array.from({ length: G }, () => []);
  perm.forEach((k, i) => groups[i < G ? i : rng.int(G)].push(k));
  return { numClasses: K, groups };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** log P(outcome) as a function of the logits, for finite differences. */
function logSoftmaxSum(eta: ArrayLike<number>, members: number[]): number {
  let max = -Infinity;
  for (let k = 0; k < eta.length; k++) max = Math.max(max, eta[k]);
  let all = 0;
  let part = 0;
  for (let k = 0; k < eta.length; k++) all += Math.exp(eta[k] - max);
  for (const k of members) part += Math.exp(eta[k] - max);
  return Math.log(part) - Math.log(all);
}

/** Central-difference gradient of f at eta (h = 1e-5, error O(h²) ≈ 1e-10). */
function fdGradient(f: (eta: Float64Array) => number, eta: Float64Array): Float64Array {
  const h = 1e-5;
  const g = new Float64Array(eta.length);
  for (let i = 0; i < eta.length; i++) {
    const plus = Float64Array.from(eta);
    const minus = Float64Array.from(eta);
    plus[i] += h;
    minus[i] -= h;
    g[i] = (f(plus) - f(minus)) / (2 * h);
  }
  return g;
}

function addOuter(m: Float64Array, w: number, s: ArrayLike<number>): void {
  const K = s.length;
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) m[i * K + j] += w * s[i] * s[j];
}

describe('closed-form Fisher at the logits', () => {
  it('validates class groups', () => {
    expect(() => classToGroup({ numClasses: 3, groups: [[0, 1], [1, 2]] })).toThrow(/class 1 is in groups 0 and 1/);
    expect(() => classToGroup({ numClasses: 3, groups: [[0], [1]] })).toThrow(/class 2 is in no group/);
    expect(() => lesionVsRest(4, 4)).toThrow(/lesionClass must be in \[0, 3\], got 4/);
    expect(lesionVsRest(4, 3).groups).toEqual([[0, 1, 2], [3]]);
  });

  it('I_Y − I_Z is PSD and equals the gap on 4000 seeded random (p, split) pairs', () => {
    const rng = new Random(2026);
    let worstEig = Infinity;
    let worstDiff = 0;
    for (let trial = 0; trial < 4000; trial++) {
      const K = 2 + rng.int(7);
      const groups = randomGroups(rng, K);
      const p = softmaxRows(randomLogits(rng, K), K);
      const iy = fisherY(p, K);
      const iz = fisherZ(p, groups);
      const gap = fisherGap(p, groups);
      const diff = iy.map((v, i) => v - iz[i]);
      worstDiff = Math.max(worstDiff, maxAbsDiff(diff, gap));
      worstEig = Math.min(worstEig, symmetricEigen(diff, K).values[0]);
      // I_Z itself is a covariance, hence PSD too
      expect(symmetricEigen(iz, K).values[0]).toBeGreaterThanOrEqual(-1e-6);
    }
    expect(worstEig).toBeGreaterThanOrEqual(-1e-6);
    expect(worstDiff).toBeLessThan(1e-12);
  });

  it('the gap is strictly positive in some direction when a group splits mass', () => {
    // p = (lesion 0.2, three background classes) → p_B (diag(q) − qqᵀ) has rank 2
    const p = [0.2, 0.4, 0.3, 0.1];
    const { values } = symmetricEigen(fisherGap(p, lesionVsRest(4, 0)), 4);
    expect(values[3]).toBeGreaterThan(0.1);
    expect(Math.abs(values[0])).toBeLessThan(1e-12);
    expect(Math.abs(values[1])).toBeLessThan(1e-12);
    // a single background class carries no extra information: no gap
    const q = [0.3, 0.7];
    expect(maxAbsDiff(fisherGap(q, lesionVsRest(2, 0)), [0, 0, 0, 0])).toBe(0);
  });

  it('matches E[score scoreᵀ] with finite-difference scores, and the gap is the chain-rule term E_Z[I_{Y|Z}]', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 200; trial++) {
      const K = 2 + rng.int(6);
      const groups = randomGroups(rng, K);
      const eta = Float64Array.from({ length: K }, () => 1.5 * rng.normal());
      const p = softmaxRows(eta, K);
      const iyFd = new Float64Array(K * K);
      const izFd = new Float64Array(K * K);
      const chainFd = new Float64Array(K * K);
      for (const members of groups.groups) {
        const pg = members.reduce((s, k) => s + p[k], 0);
        const sz = fdGradient((e) => logSoftmaxSum(e, members), eta);
        addOuter(izFd, pg, sz);
        for (const y of members) {
          const sy = fdGradient((e) => logSoftmaxSum(e, [y]), eta);
          addOuter(iyFd, p[y], sy);
          // score of the conditional log P(Y = y | Z = g) = log p_y − log p_g
          const sCond = fdGradient((e) => logSoftmaxSum(e, [y]) - logSoftmaxSum(e, members), eta);
          addOuter(chainFd, p[y], sCond); // p_g · (p_y / p_g)
        }
      }
      expect(maxAbsDiff(fisherY(p, K), iyFd)).toBeLessThan(1e-8);
      expect(maxAbsDiff(fisherZ(p, groups), izFd)).toBeLessThan(1e-8);
      expect(maxAbsDiff(fisherGap(p, groups), chainFd)).toBeLessThan(1e-8);
    }
  });

  it('matches a Monte-Carlo estimate of E[score scoreᵀ] (200000 draws, within 5 standard errors per entry)', () => {
    const rng = new Random(99);
    const K = 5;
    const p = [0.15, 0.4, 0.25, 0.12, 0.08];
    const groups = lesionVsRest(K, 0);
    const map = classToGroup(groups);
    const n = 200000;
    const sums = { y: new Float64Array(K * K), z: new Float64Array(K * K), gap: new Float64Array(K * K) };
    const sq = { y: new Float64Array(K * K), z: new Float64Array(K * K), gap: new Float64Array(K * K) };
    const sy = new Float64Array(K);
    const sz = new Float64Array(K);
    const sc = new Float64Array(K);
    for (let s = 0; s < n; s++) {
      const y = rng.categorical(p);
      const g = map[y];
      const pg = groups.groups[g].reduce((acc, k) => acc + p[k], 0);
      for (let k = 0; k < K; k++) {
        sy[k] = (k === y ? 1 : 0) - p[k]; // score of log p_y w.r.t. the logits
        sz[k] = (map[k] === g ? p[k] / pg : 0) - p[k]; // score of log p_g
        sc[k] = sy[k] - sz[k]; // score of log P(y | z)
      }
      for (const [key, vec] of [['y', sy], ['z', sz], ['gap', sc]] as const) {
        for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
          const v = vec[i] * vec[j];
          sums[key][i * K + j] += v;
          sq[key][i * K + j] += v * v;
        }
      }
    }
    const exact = { y: fisherY(p, K), z: fisherZ(p, groups), gap: fisherGap(p, groups) };
    for (const key of ['y', 'z', 'gap'] as const) {
      for (let i = 0; i < K * K; i++) {
        const mean = sums[key][i] / n;
        const se = Math.sqrt(Math.max(sq[key][i] / n - mean * mean, 0) / n);
        expect(Math.abs(mean - exact[key][i])).toBeLessThanOrEqual(5 * se + 1e-12);
      }
    }
  });

  it('per-voxel trace maps equal the traces of the matrices, voxel by voxel', () => {
    const rng = new Random(5);
    const K = 6;
    const V = 300;
    const logits = Float64Array.from({ length: V * K }, () => 2 * rng.normal());
    const p = softmaxRows(logits, K);
    const groups = lesionVsRest(K, 5);
    const maps = fisherTraceMaps(p, groups);
    const iy = fisherY(p, K);
    const iz = fisherZ(p, groups);
    const gap = fisherGap(p, groups);
    const tr = (m: Float64Array, v: number): number => {
      let t = 0;
      for (let k = 0; k < K; k++) t += m[v * K * K + k * K + k];
      return t;
    };
    for (let v = 0; v < V; v++) {
      expect(maps.y[v]).toBeCloseTo(tr(iy, v), 12);
      expect(maps.z[v]).toBeCloseTo(tr(iz, v), 12);
      expect(maps.gap[v]).toBeCloseTo(tr(gap, v), 12);
      expect(maps.gap[v]).toBeGreaterThanOrEqual(-1e-15);
    }
    const totals = fisherTraceTotals(p, groups);
    expect(totals.y).toBeCloseTo(maps.y.reduce((a, b) => a + b, 0), 9);
    expect(totals.y - totals.z).toBeCloseTo(totals.gap, 9);
    const coarse = coarsenProbabilities(p, groups);
    expect(coarse.length).toBe(2 * V);
    expect(coarse[0] + coarse[1]).toBeCloseTo(1, 12);
  });

  it('rejects arrays whose length is not a multiple of K', () => {
    expect(() => fisherY([0.5, 0.5, 0.1], 2)).toThrow(/length 3 is not a multiple of K=2/);
  });

  it('gap surface: (1 − p_L)(1 − Σq²), zero for a one-class background, largest for an even split', () => {
    const pl = [0, 0.1, 0.5, 0.9, 1];
    const splits = [[1, 0, 0], [0.5, 0.5, 0], [0.7, 0.2, 0.1], [1 / 3, 1 / 3, 1 / 3]];
    const s = gapSurface(pl, splits);
    splits.forEach((q, r) => {
      const purity = q.reduce((acc, v) => acc + v * v, 0);
      pl.forEach((p, c) => {
        expect(s.gap[r][c]).toBeCloseTo((1 - p) * (1 - purity), 12);
        expect(s.y[r][c] - s.z[r][c]).toBeCloseTo(s.gap[r][c], 12);
      });
    });
    expect(Math.max(...s.gap[0])).toBeCloseTo(0, 15);
    expect(s.gap[3][0]).toBeCloseTo(2 / 3, 12);
    expect(() => gapSurface([0.5], [[0.5, 0.6]])).toThrow(/background split 0 must be a probability vector/);
  });
});
