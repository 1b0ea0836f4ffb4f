/**
 * Parameterisation-invariant comparison of two Fisher matrices of the same
 * network at the same weights: the generalised eigenvalues of the pencil
 * (F_Y, F_Z) on a subspace. A reparameterisation θ = h(θ') turns F into Jᵀ F J
 * for both likelihoods, and a subspace carried along with it keeps every
 * generalised eigenvalue; traces and trace ratios change (docs/BACKSPLIT.md).
 * Since F_Y ⪰ F_Z, every generalised eigenvalue is ≥ 1: λ_max is how much more
 * information the split labels give in the best direction, λ_min in the worst,
 * and log det(UᵀF_YU) − log det(UᵀF_ZU) = Σ log λ the volume of the gain.
 */
import { generalisedEigenvalues, symmetricEigen } from './linalg';

/** Generalised eigenvalues of (F_Y, F_Z) on a subspace, and how the subspace was chosen. */
export interface PencilSummary {
  /** In words: which subspace and why there. */
  subspace: string;
  /** Its dimension r. */
  dimension: number;
  /** Ascending generalised eigenvalues λ with F_Y v = λ F_Z v on the subspace (all ≥ 1 up to rounding). */
  eigenvalues: number[];
  largest: number;
  smallest: number;
  /** Σ log λ = log det(UᵀF_YU) − log det(UᵀF_ZU). */
  logDetRatio: number;
}

/** Uᵀ F U for a row-major P×P F and r basis vectors of length P. */
export function projectMatrix(f: ArrayLike<number>, P: number, basis: readonly ArrayLike<number>[]): Float64Array {
  const fu = basis.map((u) => {
    if (u.length !== P) throw new Error(`projectMatrix: basis vectors must have length ${P}, got ${u.length}`);
    const out = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      let s = 0;
      for (let j = 0; j < P; j++) s += f[i * P + j] * u[j];
      out[i] = s;
    }
    return out;
  });
  return projectedFromProducts(basis, fu);
}

/** Uᵀ F U (r×r, symmetrised) from the basis U and the products F u_j (e.g. matrix-free Fisher-vector products). */
export function projectedFromProducts(basis: readonly ArrayLike<number>[], products: readonly ArrayLike<number>[]): Float64Array {
  const r = basis.length;
  const m = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) {
    let s = 0;
    for (let k = 0; k < basis[i].length; k++) s += basis[i][k] * products[j][k];
    m[i * r + j] = s;
  }
  for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) m[i * r + j] = m[j * r + i] = 0.5 * (m[i * r + j] + m[j * r + i]);
  return m;
}

/**
 * Summarise the pencil (UᵀF_YU, UᵀF_ZU) of r×r projected matrices (UᵀF_ZU positive definite).
 * @param subspace a description of U, kept in the summary
 */
export function pencilSummary(fyProjected: ArrayLike<number>, fzProjected: ArrayLike<number>, r: number, subspace: string): PencilSummary {
  if (r < 1) throw new Error('pencilSummary: the subspace is empty');
  let values: Float64Array;
  try {
    values = generalisedEigenvalues(fyProjected, fzProjected, r);
  } catch (e) {
    throw new Error(`pencilSummary: F_Z is not positive definite on the subspace (${subspace}): ${(e as Error).message}`, { cause: e });
  }
  return {
    subspace,
    dimension: r,
    eigenvalues: Array.from(values),
    largest: values[r - 1],
    smallest: values[0],
    logDetRatio: values.reduce((s, v) => s + Math.log(v), 0),
  };
}

/**
 * Generalised eigenvalues of (F_Y, F_Z) for dense P×P matrices on the range of F_Z:
 * the span of F_Z's eigenvectors with eigenvalue > relTol × its largest (default 1e-6,
 * above the rounding of a Fisher assembled from float32 Jacobians). Directions
 * outside it carry (almost) no lesion-vs-rest information, and there the ratio is
 * unbounded; they are left out and their number is stated. The choice of that
 * subspace uses Euclidean eigenvectors; the eigenvalues on a given subspace do not.
 * @param basis optional explicit subspace (r vectors of length P) instead of F_Z's range
 */
export function fisherPencil(fy: ArrayLike<number>, fz: ArrayLike<number>, P: number, opts: { relTol?: number; basis?: readonly ArrayLike<number>[] } = {}): PencilSummary {
  if (fy.length !== P * P || fz.length !== P * P) throw new Error(`fisherPencil: expected two ${P}×${P} matrices, got ${fy.length} and ${fz.length} entries`);
  if (opts.basis) return pencilSummary(projectMatrix(fy, P, opts.basis), projectMatrix(fz, P, opts.basis), opts.basis.length, `given basis of ${opts.basis.length} directions`);
  const relTol = opts.relTol ?? 1e-6;
  const eig = symmetricEigen(fz, P);
  const top = eig.values[P - 1];
  const basis: Float64Array[] = [];
  for (let c = 0; c < P; c++) {
    if (eig.values[c] > relTol * top) basis.push(Float64Array.from({ length: P }, (_, k) => eig.vectors[k * P + c]));
  }
  const subspace = `range of F_Z: ${basis.length} of ${P} eigen-directions with eigenvalue > ${relTol} × its largest`;
  return pencilSummary(projectMatrix(fy, P, basis), projectMatrix(fz, P, basis), basis.length, subspace);
}
