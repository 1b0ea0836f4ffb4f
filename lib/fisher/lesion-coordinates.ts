/**
 * The lesion chart at the logits: the per-voxel softmax over a lesion class L
 * and background sub-classes B in the coordinates that separate "how likely is
 * the lesion" from "how does the background mass split" (docs/BACKSPLIT.md):
 *
 *   ξ = (ψ, φ_1, …, φ_{K−2}, s)
 *   ψ   = η_L − logsumexp(η_B)          lesion log-odds against the whole background
 *   φ_j = η_{b_j} − η_{b_0}             the background split q (b_0 = the first
 *                                        background class, the reference; j = 1..K−2)
 *   s   = logsumexp(η_B)                the softmax-invariant shift (no information)
 *
 * with the inverse η_L = s + ψ, η_{b_j} = s + φ_j − log(1 + Σ_i e^{φ_i}) (φ_0 = 0).
 * In these coordinates the per-voxel Fisher is block-diagonal:
 *   I_Y = diag( p_L p_B,  p_B (diag q̃ − q̃ q̃ᵀ),  0 ),   I_Z = diag( p_L p_B, 0, 0 ),
 * where q̃ = (q_{b_1}, …, q_{b_{K−2}}) is the background split without its reference
 * class. The ψ entry is the same under Y and Z; the gap I_Y − I_Z = p_B (diag q − qqᵀ)
 * lies in the φ block only. In logit space the gap annihilates the lesion logit e_L
 * (the direction ∂η/∂ψ) and the shift 1. Background classes are ordered by index.
 */
import { fisherGap, fisherY, fisherZ, lesionVsRest } from './closed-form';

/** The coordinates ξ of one voxel's logits. */
export interface LesionCoordinates {
  /** η_L − logsumexp(η_B). */
  psi: number;
  /** η_{b_j} − η_{b_0}, j = 1..K−2 (background classes in index order, b_0 the first). */
  phi: Float64Array;
  /** logsumexp(η_B). */
  shift: number;
}

function backgroundClasses(K: number, lesionClass: number, fn: string): number[] {
  if (!Number.isInteger(K) || K < 3) throw new Error(`${fn}: the lesion chart needs K >= 3 classes (a lesion and >= 2 background classes), got ${K}`);
  if (!Number.isInteger(lesionClass) || lesionClass < 0 || lesionClass >= K) throw new Error(`${fn}: lesionClass must be in [0, ${K - 1}], got ${lesionClass}`);
  const b: number[] = [];
  for (let k = 0; k < K; k++) if (k !== lesionClass) b.push(k);
  return b;
}

function logSumExp(values: number[]): number {
  const m = Math.max(...values);
  return m + Math.log(values.reduce((s, v) => s + Math.exp(v - m), 0));
}

/**
 * ξ = (ψ, φ, s) of one voxel's logits η (length K ≥ 3).
 * @example lesionCoordinates([0, 0, 0], 2) // { psi: −log 2, phi: [0], shift: log 2 }
 */
export function lesionCoordinates(eta: ArrayLike<number>, lesionClass: number): LesionCoordinates {
  const B = backgroundClasses(eta.length, lesionClass, 'lesionCoordinates');
  const shift = logSumExp(B.map((k) => eta[k]));
  const phi = Float64Array.from(B.slice(1), (k) => eta[k] - eta[B[0]]);
  return { psi: eta[lesionClass] - shift, phi, shift };
}

/** The logits η (length K = phi.length + 2) of coordinates ξ: the inverse of {@link lesionCoordinates}. */
export function logitsFromLesionCoordinates(c: LesionCoordinates, lesionClass: number): Float64Array {
  const K = c.phi.length + 2;
  const B = backgroundClasses(K, lesionClass, 'logitsFromLesionCoordinates');
  const norm = logSumExp([0, ...Array.from(c.phi)]);
  const eta = new Float64Array(K);
  eta[lesionClass] = c.shift + c.psi;
  B.forEach((k, j) => (eta[k] = c.shift + (j === 0 ? 0 : c.phi[j - 1]) - norm));
  return eta;
}

/**
 * The chart's Jacobian ∂η/∂ξ at a voxel with softmax probabilities p, row-major K×K:
 * row = logit class, column = coordinate in the order (ψ, φ_1..φ_{K−2}, s).
 * Column ψ is e_L, column s is 1, column φ_j is e_{b_j} − q on B (0 at L).
 */
export function lesionChartJacobian(p: ArrayLike<number>, lesionClass: number): Float64Array {
  const K = p.length;
  const B = backgroundClasses(K, lesionClass, 'lesionChartJacobian');
  const pB = B.reduce((s, k) => s + p[k], 0);
  const a = new Float64Array(K * K);
  a[lesionClass * K] = 1;
  for (let k = 0; k < K; k++) a[k * K + K - 1] = 1;
  for (let j = 1; j < B.length; j++) {
    const qj = p[B[j]] / pB;
    for (const k of B) a[k * K + j] = (k === B[j] ? 1 : 0) - qj;
  }
  return a;
}

/** ∇_η ψ = e_L − q̄ (q̄ = p on B renormalised, 0 at L): how a network's logits carry the lesion log-odds. */
export function psiLogitGradient(p: ArrayLike<number>, lesionClass: number): Float64Array {
  const K = p.length;
  const B = backgroundClasses(K, lesionClass, 'psiLogitGradient');
  const pB = B.reduce((s, k) => s + p[k], 0);
  const g = new Float64Array(K);
  g[lesionClass] = 1;
  for (const k of B) g[k] = -p[k] / pB;
  return g;
}

/** Per-voxel Fisher matrices in the lesion chart, K×K row-major in the order (ψ, φ_1..φ_{K−2}, s). */
export interface ChartFisher {
  y: Float64Array;
  z: Float64Array;
  gap: Float64Array;
}

function congruence(m: Float64Array, a: Float64Array, K: number): Float64Array {
  // Aᵀ M A
  const ma = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let k = 0; k < K; k++) {
    const mik = m[i * K + k];
    if (mik !== 0) for (let j = 0; j < K; j++) ma[i * K + j] += mik * a[k * K + j];
  }
  const out = new Float64Array(K * K);
  for (let k = 0; k < K; k++) for (let i = 0; i < K; i++) {
    const aki = a[k * K + i];
    if (aki !== 0) for (let j = 0; j < K; j++) out[i * K + j] += aki * ma[k * K + j];
  }
  return out;
}

/**
 * I_Y, I_Z and the gap of one voxel carried into the lesion chart, Aᵀ I A with
 * A = {@link lesionChartJacobian}: the logit-space closed forms (./closed-form.ts)
 * seen in ξ coordinates. {@link lesionChartFisherClosedForm} states the result.
 */
export function lesionChartFisher(p: ArrayLike<number>, lesionClass: number): ChartFisher {
  const K = p.length;
  const a = lesionChartJacobian(p, lesionClass);
  const groups = lesionVsRest(K, lesionClass);
  return { y: congruence(fisherY(p, K), a, K), z: congruence(fisherZ(p, groups), a, K), gap: congruence(fisherGap(p, groups), a, K) };
}

/**
 * The block-diagonal Fisher of the lesion chart written down directly:
 * ψψ entry p_L p_B under Y and Z alike; φ block p_B (diag q̃ − q̃ q̃ᵀ) under Y only;
 * everything involving s zero.
 */
export function lesionChartFisherClosedForm(p: ArrayLike<number>, lesionClass: number): ChartFisher {
  const K = p.length;
  const B = backgroundClasses(K, lesionClass, 'lesionChartFisherClosedForm');
  const pL = p[lesionClass];
  const pB = B.reduce((s, k) => s + p[k], 0);
  const y = new Float64Array(K * K);
  const z = new Float64Array(K * K);
  const gap = new Float64Array(K * K);
  y[0] = z[0] = pL * pB;
  for (let i = 1; i < K - 1; i++) {
    const qi = p[B[i]] / pB;
    for (let j = 1; j < K - 1; j++) {
      const v = pB * ((i === j ? qi : 0) - qi * (p[B[j]] / pB));
      y[i * K + j] = v;
      gap[i * K + j] = v;
    }
  }
  return { y, z, gap };
}
