/**
 * The model of the Cramér–Rao simulation (lib/fisher/cramer-rao.ts): a lesion
 * class and K background sub-classes as 2-D Gaussian clouds, whose class
 * posterior is a multinomial logistic model with linear logits. Here: the
 * problem's geometry, sampling a training set, the log-likelihood of the labels
 * Y (BackSplit) or of the coarsened labels Z (binary) with its gradient and
 * information, the Newton fit, the expected per-observation information by
 * Gauss–Hermite quadrature, and the delta method for p(lesion) at a point.
 */
import { fisherY, fisherZ, lesionVsRest } from './closed-form';
import { cholesky, choleskySolve, inverseSpd, symmetricEigen } from './linalg';
import { Random } from '../core/random';

export const DIM = 2;

export interface Problem {
  K: number; // background sub-classes; classes are 0 = lesion, 1..K
  means: number[][];
  priors: number[];
  theta: Float64Array;
}

export function buildProblem(K: number, separation: number, lesionPrior: number): Problem {
  const means: number[][] = [[0, 0]];
  for (let k = 0; k < K; k++) {
    const a = (2 * Math.PI * k) / K;
    means.push([separation * Math.cos(a), separation * Math.sin(a)]);
  }
  const priors = [lesionPrior, ...new Array<number>(K).fill((1 - lesionPrior) / K)];
  // σ = 1: η_k − η_L = log(π_k/π_L) − (|μ_k|² − |μ_L|²)/2 + (μ_k − μ_L)ᵀx
  const theta = new Float64Array(K * (DIM + 1));
  for (let k = 1; k <= K; k++) {
    const mk = means[k];
    const ml = means[0];
    const o = (k - 1) * (DIM + 1);
    theta[o] = Math.log(priors[k] / priors[0]) - (mk[0] ** 2 + mk[1] ** 2 - ml[0] ** 2 - ml[1] ** 2) / 2;
    theta[o + 1] = mk[0] - ml[0];
    theta[o + 2] = mk[1] - ml[1];
  }
  return { K, means, priors, theta };
}

/** Class probabilities [K+1] at x for parameters θ (lesion = class 0, logit 0). */
export function probabilities(theta: ArrayLike<number>, K: number, x0: number, x1: number, out: Float64Array): void {
  let max = 0;
  for (let k = 1; k <= K; k++) {
    const o = (k - 1) * (DIM + 1);
    out[k] = theta[o] + theta[o + 1] * x0 + theta[o + 2] * x1;
    max = Math.max(max, out[k]);
  }
  out[0] = 0;
  let sum = 0;
  for (let k = 0; k <= K; k++) {
    out[k] = Math.exp(out[k] - max);
    sum += out[k];
  }
  for (let k = 0; k <= K; k++) out[k] /= sum;
}

/**
 * H += w Jᵀ A J for the block Jacobian of η w.r.t. θ at feature φ = (1, x). A is (K+1)², row/col 0
 * unused. Only the upper triangle of H is accumulated (H is symmetric); call `symmetrize` after.
 */
export function addSandwich(h: Float64Array, P: number, K: number, a: ArrayLike<number>, w: number, x0: number, x1: number): void {
  const p00 = 1, p01 = x0, p02 = x1, p11 = x0 * x0, p12 = x0 * x1, p22 = x1 * x1;
  for (let i = 1; i <= K; i++) {
    const oi = (i - 1) * (DIM + 1);
    for (let j = i; j <= K; j++) {
      const aij = w * a[i * (K + 1) + j];
      if (aij === 0) continue;
      const oj = (j - 1) * (DIM + 1);
      const r0 = oi * P + oj;
      const r1 = r0 + P;
      const r2 = r1 + P;
      if (i === j) {
        h[r0] += aij * p00; h[r0 + 1] += aij * p01; h[r0 + 2] += aij * p02;
        h[r1 + 1] += aij * p11; h[r1 + 2] += aij * p12;
        h[r2 + 2] += aij * p22;
      } else {
        h[r0] += aij * p00; h[r0 + 1] += aij * p01; h[r0 + 2] += aij * p02;
        h[r1] += aij * p01; h[r1 + 1] += aij * p11; h[r1 + 2] += aij * p12;
        h[r2] += aij * p02; h[r2 + 1] += aij * p12; h[r2 + 2] += aij * p22;
      }
    }
  }
}

/** Copy the upper triangle of a row-major P×P matrix into its lower triangle. */
export function symmetrize(h: Float64Array, P: number): Float64Array {
  for (let r = 1; r < P; r++) for (let c = 0; c < r; c++) h[r * P + c] = h[c * P + r];
  return h;
}

/** Gauss–Hermite rule for E over N(0, 1) by Golub–Welsch: nodes and weights (summing to 1). */
export function gaussHermite(n: number): { nodes: Float64Array; weights: Float64Array } {
  // Jacobi matrix of the probabilists' Hermite polynomials: off-diagonal √i
  const j = new Float64Array(n * n);
  for (let i = 1; i < n; i++) j[i * n + i - 1] = j[(i - 1) * n + i] = Math.sqrt(i);
  const { values, vectors } = symmetricEigen(j, n, 1e-15);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) weights[i] = vectors[i] ** 2; // first row of the eigenvector matrix
  const total = weights.reduce((s, w) => s + w, 0);
  return { nodes: values, weights: weights.map((w) => w / total) };
}

/** Per-observation expected information E_x[Jᵀ I J] under Y and Z, by quadrature over each class's Gaussian. */
export function expectedInformation(prob: Problem, nodes: number): { y: Float64Array; z: Float64Array } {
  const { K } = prob;
  const P = K * (DIM + 1);
  const gh = gaussHermite(nodes);
  const y = new Float64Array(P * P);
  const z = new Float64Array(P * P);
  const p = new Float64Array(K + 1);
  const groups = lesionVsRest(K + 1, 0);
  for (let c = 0; c <= K; c++) {
    for (let a = 0; a < nodes; a++) {
      for (let b = 0; b < nodes; b++) {
        const w = prob.priors[c] * gh.weights[a] * gh.weights[b];
        if (w < 1e-300) continue;
        const x0 = prob.means[c][0] + gh.nodes[a];
        const x1 = prob.means[c][1] + gh.nodes[b];
        probabilities(prob.theta, K, x0, x1, p);
        addSandwich(y, P, K, fisherY(p, K + 1), w, x0, x1);
        addSandwich(z, P, K, fisherZ(p, groups), w, x0, x1);
      }
    }
  }
  return { y: symmetrize(y, P), z: symmetrize(z, P) };
}

/**
 * Average predicted sampling variance of the fitted logits, per observation:
 * (1/K) Σ_k E_x[φ(x)ᵀ Σ_kk φ(x)] with Σ = I⁻¹ the per-observation inverse information and
 * φ = (1, x); for a training set of n the variance is this divided by n. E_x[φφᵀ] is exact for the
 * Gaussian mixture (E[x] = Σ π_c μ_c, E[xxᵀ] = Σ π_c (μ_c μ_cᵀ + I)).
 */
export function logitVariancePerObservation(prob: Problem, information: Float64Array): number {
  const { K } = prob;
  const P = K * (DIM + 1);
  const m = new Float64Array(9);
  for (let c = 0; c <= K; c++) {
    const [a, b] = prob.means[c];
    const phi = [1, a, b];
    for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) m[r * 3 + q] += prob.priors[c] * (phi[r] * phi[q] + (r === q && r > 0 ? 1 : 0));
  }
  const inv = inverseSpd(information, P);
  let total = 0;
  for (let k = 0; k < K; k++) {
    const o = k * (DIM + 1);
    for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) total += inv[(o + r) * P + o + q] * m[q * 3 + r];
  }
  return total / K;
}

export interface Dataset {
  x: Float64Array; // [n, 2]
  y: Int32Array;
}

export function sampleDataset(prob: Problem, n: number, rng: Random): Dataset {
  const x = new Float64Array(n * DIM);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.categorical(prob.priors);
    y[i] = c;
    x[i * DIM] = prob.means[c][0] + rng.normal();
    x[i * DIM + 1] = prob.means[c][1] + rng.normal();
  }
  return { x, y };
}

/** Log-likelihood, score and information (observed, or expected as fallback) of one fit type at θ. */
export function evaluate(theta: Float64Array, data: Dataset, K: number, coarse: boolean, wantExpected: boolean): { ll: number; grad: Float64Array; info: Float64Array } {
  const P = K * (DIM + 1);
  const n = data.y.length;
  const p = new Float64Array(K + 1);
  const grad = new Float64Array(P);
  const info = new Float64Array(P * P);
  const a = new Float64Array((K + 1) * (K + 1));
  const s = new Float64Array(K + 1);
  let ll = 0;
  for (let i = 0; i < n; i++) {
    const x0 = data.x[i * DIM];
    const x1 = data.x[i * DIM + 1];
    probabilities(theta, K, x0, x1, p);
    const yi = data.y[i];
    const pB = 1 - p[0];
    const lesion = yi === 0;
    // score at the logits: m − p, with m = e_y (Y) or the outcome's within-group distribution (Z)
    if (!coarse || lesion) {
      ll += Math.log(p[yi]);
      for (let k = 0; k <= K; k++) s[k] = (k === yi ? 1 : 0) - p[k];
    } else {
      ll += Math.log(pB);
      for (let k = 0; k <= K; k++) s[k] = (k === 0 ? 0 : p[k] / pB) - p[k];
    }
    for (let k = 1; k <= K; k++) {
      const o = (k - 1) * (DIM + 1);
      grad[o] += s[k];
      grad[o + 1] += s[k] * x0;
      grad[o + 2] += s[k] * x1;
    }
    // information at the logits: I_Y (observed = expected for Y); for Z observed = I_Y − [z = B] C_q, expected = I_Z
    for (let r = 0; r <= K; r++) for (let c = 0; c <= K; c++) a[r * (K + 1) + c] = (r === c ? p[r] : 0) - p[r] * p[c];
    if (coarse) {
      if (wantExpected) {
        // I_Z = I_Y − p_B (diag(q) − q qᵀ)
        for (let r = 1; r <= K; r++) for (let c = 1; c <= K; c++) a[r * (K + 1) + c] -= (r === c ? p[r] : 0) - (p[r] * p[c]) / pB;
      } else if (!lesion) {
        for (let r = 1; r <= K; r++) for (let c = 1; c <= K; c++) a[r * (K + 1) + c] -= ((r === c ? p[r] : 0) - (p[r] * p[c]) / pB) / pB;
      }
    }
    addSandwich(info, P, K, a, 1, x0, x1);
  }
  return { ll, grad, info: symmetrize(info, P) };
}

export function logLikelihood(theta: Float64Array, data: Dataset, K: number, coarse: boolean): number {
  const p = new Float64Array(K + 1);
  let ll = 0;
  for (let i = 0; i < data.y.length; i++) {
    probabilities(theta, K, data.x[i * DIM], data.x[i * DIM + 1], p);
    ll += Math.log(coarse ? (data.y[i] === 0 ? p[0] : 1 - p[0]) : p[data.y[i]]);
  }
  return ll;
}

/**
 * Newton-decrement threshold for convergence. The decrement δ = gᵀ H⁻¹ g equals (θ − θ̂)ᵀ H (θ − θ̂)
 * to second order, and H is the inverse of the MLE's covariance, so √δ is the distance to the
 * optimum in standard deviations of the estimate: 1e-12 means within 1e-6 SD, whatever n is
 * (an absolute log-likelihood threshold is not: at large n rounding of the log-likelihood, ~1e-16 n,
 * stalls the line search before it is met).
 */
const NEWTON_DECREMENT_TOL = 1e-12;
/** Below this decrement (1e-4 SD) the last step is a full Newton step without a line search. */
const NEWTON_STALL_TOL = 1e-8;

/**
 * Maximum-likelihood fit by damped Newton; null when it does not converge in 200 iterations, when
 * the information is not positive definite under both the observed and the expected form (the
 * iterate ran off to where the likelihood is flat: the MLE is not determined by this training set),
 * or when the iterate leaves any sensible range.
 */
export function fit(start: Float64Array, data: Dataset, K: number, coarse: boolean): { theta: Float64Array; iterations: number } | null {
  const P = K * (DIM + 1);
  let theta = Float64Array.from(start);
  for (let it = 1; it <= 200; it++) {
    let ev = evaluate(theta, data, K, coarse, false);
    let l: Float64Array;
    try {
      l = cholesky(ev.info, P);
    } catch {
      ev = evaluate(theta, data, K, coarse, true);
      try {
        l = cholesky(ev.info, P);
      } catch {
        return null;
      }
    }
    const step = choleskySolve(l, P, ev.grad);
    let decrement = 0;
    for (let i = 0; i < P; i++) decrement += step[i] * ev.grad[i];
    if (!Number.isFinite(decrement)) return null;
    if (decrement < NEWTON_DECREMENT_TOL) return { theta, iterations: it };
    // Within 1e-4 SD of the optimum the quadratic model is exact to rounding, and a line search
    // would compare log-likelihoods that differ by less than their own rounding error: take the
    // full Newton step (it lands within ~1e-8 SD) and stop.
    if (decrement < NEWTON_STALL_TOL) return { theta: theta.map((v, i) => v + step[i]), iterations: it };
    let t = 1;
    let moved = false;
    for (let half = 0; half < 40 && !moved; half++) {
      const cand = theta.map((v, i) => v + t * step[i]);
      if (logLikelihood(cand, data, K, coarse) >= ev.ll) {
        theta = cand;
        moved = true;
      }
      t /= 2;
    }
    if (!moved) return null;
    if (theta.some((v) => !(Math.abs(v) < 1e6))) return null;
  }
  return null;
}

export function lesionProbabilityGradient(theta: Float64Array, K: number, x0: number, x1: number): { value: number; grad: Float64Array } {
  const p = new Float64Array(K + 1);
  probabilities(theta, K, x0, x1, p);
  const grad = new Float64Array(K * (DIM + 1));
  for (let k = 1; k <= K; k++) {
    const o = (k - 1) * (DIM + 1);
    const d = -p[0] * p[k]; // ∂p_L/∂η_k
    grad[o] = d;
    grad[o + 1] = d * x0;
    grad[o + 2] = d * x1;
  }
  return { value: p[0], grad };
}
