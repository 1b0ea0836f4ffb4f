/**
 * Generalised eigenvalues of (F_Y, F_Z) (lib/fisher/invariants.ts, linalg.ts):
 * against closed forms, invariance under a change of parameterisation (where the
 * trace ratio is not invariant), and the range-of-F_Z subspace of a singular F_Z.
 */
import { describe, expect, it } from 'vitest';
import { generalisedEigenvalues } from '../../lib/fisher/linalg';
import { fisherPencil, pencilSummary, projectMatrix } from '../../lib/fisher/invariants';
import { Random } from '../../lib/core/random';

function randomMatrix(rng: Random, n: number, m = n): Float64Array {
  return Float64Array.from({ length: n * m }, () => rng.normal());
}

/** Row-major product of n×k and k×m matrices. */
function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let l = 0; l < k; l++) for (let j = 0; j < m; j++) out[i * m + j] += a[i * k + l] * b[l * m + j];
  return out;
}

function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j];
  return out;
}

/** A random pair F_Z ≻ 0 (rank n) and F_Y = F_Z + G Gᵀ (G of rank g), so F_Y ⪰ F_Z. */
function randomPair(rng: Random, n: number, g: number): { fy: Float64Array; fz: Float64Array } {
  const a = randomMatrix(rng, n);
  const fz = matmul(a, transpose(a, n, n), n, n, n);
  const gm = randomMatrix(rng, n, g);
  const gap = matmul(gm, transpose(gm, n, g), n, g, n);
  return { fz, fy: fz.map((v, i) => v + gap[i]) };
}

const trace = (m: Float64Array, n: number): number => Array.from({ length: n }, (_, i) => m[i * n + i]).reduce((s, v) => s + v, 0);

describe('generalised eigenvalues of (F_Y, F_Z)', () => {
  it('equal the closed form for diagonal pencils and for B = L Lᵀ with known A', () => {
    const d = [1, 2.5, 7, 0.3];
    const b = [2, 4, 1, 10];
    const a = new Float64Array(16);
    const bm = new Float64Array(16);
    d.forEach((v, i) => {
      a[i * 4 + i] = v * b[i];
      bm[i * 4 + i] = b[i];
    });
    expect(Array.from(generalisedEigenvalues(a, bm, 4))).toEqual([0.3, 1, 2.5, 7].map((v) => expect.closeTo(v, 13)));
  });

  it('are ≥ 1 when F_Y = F_Z + gap, with exactly n − rank(gap) of them equal to 1', () => {
    const rng = new Random(4);
    const { fy, fz } = randomPair(rng, 7, 2);
    const s = pencilSummary(fy, fz, 7, 'whole space');
    expect(s.smallest).toBeGreaterThan(1 - 1e-10);
    expect(s.eigenvalues.filter((v) => Math.abs(v - 1) < 1e-9).length).toBe(5);
    expect(s.largest).toBeGreaterThan(1.01);
    // log det ratio = Σ log λ = log det F_Y − log det F_Z (determinants from the eigenvalues of each)
    expect(s.logDetRatio).toBeCloseTo(s.eigenvalues.reduce((t, v) => t + Math.log(v), 0), 12);
  });

  it('are invariant under a reparameterisation M (F → Mᵀ F M, basis → M⁻¹ basis); the trace ratio is not', () => {
    const rng = new Random(9);
    const n = 6;
    const { fy, fz } = randomPair(rng, n, 3);
    const m = randomMatrix(rng, n);
    const fy2 = matmul(matmul(transpose(m, n, n), fy, n, n, n), m, n, n, n);
    const fz2 = matmul(matmul(transpose(m, n, n), fz, n, n, n), m, n, n, n);
    const before = fisherPencil(fy, fz, n);
    const after = fisherPencil(fy2, fz2, n);
    expect(before.dimension).toBe(n);
    before.eigenvalues.forEach((v, i) => expect(Math.abs(after.eigenvalues[i] - v) / v).toBeLessThan(1e-8));
    expect(Math.abs(trace(fy, n) / trace(fz, n) - trace(fy2, n) / trace(fz2, n))).toBeGreaterThan(1e-3);
    // an explicit 3-dim subspace U, carried along as M⁻¹U, keeps its eigenvalues too
    const basis = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => rng.normal()));
    // solve M x = u for each basis vector: x = M⁻¹ u (Gaussian elimination, fine at n = 6)
    const solve = (u: Float64Array): Float64Array => {
      const aug = Array.from({ length: n }, (_, i) => [...Array.from(m.subarray(i * n, (i + 1) * n)), u[i]]);
      for (let c = 0; c < n; c++) {
        const piv = aug.slice(c).reduce((best, row, r) => (Math.abs(row[c]) > Math.abs(aug[best][c]) ? r + c : best), c);
        [aug[c], aug[piv]] = [aug[piv], aug[c]];
        for (let r = 0; r < n; r++) if (r !== c) {
          const f = aug[r][c] / aug[c][c];
          for (let k = c; k <= n; k++) aug[r][k] -= f * aug[c][k];
        }
      }
      return Float64Array.from(aug, (row, i) => row[n] / row[i]);
    };
    const sub = fisherPencil(fy, fz, n, { basis });
    const sub2 = fisherPencil(fy2, fz2, n, { basis: basis.map(solve) });
    expect(sub.dimension).toBe(3);
    sub.eigenvalues.forEach((v, i) => expect(Math.abs(sub2.eigenvalues[i] - v) / v).toBeLessThan(1e-8));
    expect(projectMatrix(fy, n, basis).length).toBe(9);
  });

  it('restrict a singular F_Z to its range, and say so', () => {
    const rng = new Random(12);
    const n = 6;
    // F_Z of rank 4: the last two coordinates carry no Z information; F_Y adds a rank-2 gap everywhere
    const a = randomMatrix(rng, n, 4);
    for (let i = 4; i < n; i++) for (let j = 0; j < 4; j++) a[i * 4 + j] = 0;
    const fz = matmul(a, transpose(a, n, 4), n, 4, n);
    const g = randomMatrix(rng, n, 2);
    const gap = matmul(g, transpose(g, n, 2), n, 2, n);
    const fy = fz.map((v, i) => v + gap[i]);
    const s = fisherPencil(fy, fz, n);
    expect(s.dimension).toBe(4);
    expect(s.subspace).toMatch(/range of F_Z: 4 of 6 eigen-directions/);
    // on the first four coordinates the pencil is (F_Y, F_Z) restricted to them
    const idx = [0, 1, 2, 3];
    const sub = (f: Float64Array): Float64Array => Float64Array.from(idx.flatMap((i) => idx.map((j) => f[i * n + j])));
    const ref = generalisedEigenvalues(sub(fy), sub(fz), 4);
    s.eigenvalues.forEach((v, i) => expect(Math.abs(v - ref[i]) / ref[i]).toBeLessThan(1e-8));
    expect(() => pencilSummary(fy, fz, n, 'whole space')).toThrow(/F_Z is not positive definite on the subspace \(whole space\)/);
  });
});
