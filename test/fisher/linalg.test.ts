import { describe, expect, it } from 'vitest';
import { bilinear, cholesky, choleskySolve, inverseSpd, symmetricEigen } from '../../lib/fisher/linalg';
import { Random } from '../../lib/core/random';

function randomSymmetric(rng: Random, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  return a;
}

describe('symmetricEigen (Jacobi)', () => {
  it('recovers known eigenvalues of Q diag(λ) Qᵀ', () => {
    const rng = new Random(11);
    const n = 6;
    // Q from the eigenvectors of a random symmetric matrix, λ chosen
    const q = symmetricEigen(randomSymmetric(rng, n), n).vectors;
    const lambda = [-3, -1e-3, 0, 0.5, 2, 7];
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += q[i * n + k] * lambda[k] * q[j * n + k];
    const { values } = symmetricEigen(a, n);
    lambda.forEach((l, i) => expect(values[i]).toBeCloseTo(l, 12));
  });

  it('reconstructs random symmetric matrices and returns orthonormal vectors', () => {
    const rng = new Random(12);
    for (const n of [1, 2, 5, 12]) {
      const a = randomSymmetric(rng, n);
      const { values, vectors } = symmetricEigen(a, n);
      for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let rec = 0;
          let dot = 0;
          for (let k = 0; k < n; k++) {
            rec += vectors[i * n + k] * values[k] * vectors[j * n + k];
            dot += vectors[k * n + i] * vectors[k * n + j];
          }
          expect(Math.abs(rec - a[i * n + j])).toBeLessThan(1e-12);
          expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
        }
      }
    }
  });
});

describe('Cholesky', () => {
  it('solves and inverts an SPD matrix', () => {
    const rng = new Random(13);
    const n = 5;
    const b = randomSymmetric(rng, n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
      if (i === j) a[i * n + j] += 0.1;
    }
    const x = [1, -2, 3, 0.5, 0];
    const rhs = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rhs[i] += a[i * n + j] * x[j];
    const sol = choleskySolve(cholesky(a, n), n, rhs);
    x.forEach((xi, i) => expect(sol[i]).toBeCloseTo(xi, 9));
    const inv = inverseSpd(a, n);
    const e0 = [1, 0, 0, 0, 0];
    expect(bilinear(e0, a, Array.from({ length: n }, (_, i) => inv[i * n]), n)).toBeCloseTo(1, 9);
  });

  it('rejects an indefinite matrix', () => {
    expect(() => cholesky([1, 2, 2, 1], 2)).toThrow(/not positive definite/);
  });
});
