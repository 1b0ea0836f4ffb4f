/**
 * The binary arm of the Cramér–Rao simulation as binary training is practised:
 * a 2-logit (lesion vs background) head fitted by cross-entropy to the
 * coarsened labels Z, instead of the (K+1)-class latent-class model fitted to Z
 * (lib/fisher/cramer-rao.ts, which is the theorem's comparison).
 *
 * A softmax over two logits depends only on their difference, so the head is the
 * logistic model P(Z = lesion | x) = σ(βᵀφ(x)). On the simulation's linear
 * features (1, x) a lesion surrounded by background cannot be separated at all;
 * the head here gets quadratic features φ(x) = (1, x₀, x₁, x₀², x₀x₁, x₁²), the
 * smallest polynomial head that can enclose the lesion. It is still misspecified
 * (the true lesion log-odds −log Σ_k exp η_k(x) is not quadratic), so the fit
 * converges to the Kullback–Leibler projection β* (found here by Newton on the
 * log-likelihood's expectation by Gauss–Hermite quadrature), its p_L(x*) has a
 * bias, and its covariance is the sandwich A⁻¹ B A⁻¹ / n with
 *   A = E[σ(1 − σ) φφᵀ]   (expected Hessian, = the model's own Fisher),
 *   B = E[(Z − σ)² φφᵀ]   (variance of the score under the true P(Z | x)),
 * not the model-based A⁻¹ / n (equal only when the model is right, A = B).
 * The log-likelihood is concave: the fit starts at β* and converges from anywhere.
 */
import { cholesky, choleskySolve, inverseSpd } from './linalg';
import { Dataset, DIM, gaussHermite, Problem, probabilities } from './cramer-rao-model';

/** Number of quadratic features φ(x). */
export const TWO_LOGIT_FEATURES = 6;

function features(x0: number, x1: number, out: Float64Array): void {
  out[0] = 1;
  out[1] = x0;
  out[2] = x1;
  out[3] = x0 * x0;
  out[4] = x0 * x1;
  out[5] = x1 * x1;
}

function sigmoid(s: number): number {
  return s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
}

/** p_L(x) = σ(βᵀφ(x)) of the 2-logit head and its gradient w.r.t. β. */
export function twoLogitProbability(beta: ArrayLike<number>, x0: number, x1: number): { value: number; grad: Float64Array } {
  const phi = new Float64Array(TWO_LOGIT_FEATURES);
  features(x0, x1, phi);
  let s = 0;
  for (let j = 0; j < TWO_LOGIT_FEATURES; j++) s += beta[j] * phi[j];
  const p = sigmoid(s);
  return { value: p, grad: phi.map((f) => p * (1 - p) * f) };
}

/** Σ over weighted points of the score (zbar − σ) φ, the Hessian −σ(1 − σ) φφᵀ and the score variance E(Z − σ)² φφᵀ. */
interface Moments {
  score: Float64Array;
  a: Float64Array;
  b: Float64Array;
}

function accumulate(m: Moments, beta: ArrayLike<number>, x0: number, x1: number, zbar: number, w: number, phi: Float64Array): void {
  const F = TWO_LOGIT_FEATURES;
  features(x0, x1, phi);
  let s = 0;
  for (let j = 0; j < F; j++) s += beta[j] * phi[j];
  const p = sigmoid(s);
  const h = p * (1 - p);
  // E[(Z − σ)²] with P(Z = 1) = zbar
  const v = zbar * (1 - p) ** 2 + (1 - zbar) * p * p;
  for (let i = 0; i < F; i++) {
    m.score[i] += w * (zbar - p) * phi[i];
    for (let j = 0; j < F; j++) {
      m.a[i * F + j] += w * h * phi[i] * phi[j];
      m.b[i * F + j] += w * v * phi[i] * phi[j];
    }
  }
}

/** Expected moments over the population (true P(Z = lesion | x) = p_L(x) of the problem), by quadrature. */
function populationMoments(prob: Problem, beta: ArrayLike<number>, nodes: number): Moments {
  const F = TWO_LOGIT_FEATURES;
  const m = { score: new Float64Array(F), a: new Float64Array(F * F), b: new Float64Array(F * F) };
  const gh = gaussHermite(nodes);
  const p = new Float64Array(prob.K + 1);
  const phi = new Float64Array(F);
  for (let c = 0; c <= prob.K; c++) {
    for (let i = 0; i < nodes; i++) {
      for (let j = 0; j < nodes; j++) {
        const w = prob.priors[c] * gh.weights[i] * gh.weights[j];
        if (w < 1e-300) continue;
        const x0 = prob.means[c][0] + gh.nodes[i];
        const x1 = prob.means[c][1] + gh.nodes[j];
        probabilities(prob.theta, prob.K, x0, x1, p);
        accumulate(m, beta, x0, x1, p[0], w, phi);
      }
    }
  }
  return m;
}

function newtonStep(m: Moments, beta: Float64Array): Float64Array {
  const step = choleskySolve(cholesky(m.a, TWO_LOGIT_FEATURES), TWO_LOGIT_FEATURES, m.score);
  return beta.map((b, i) => b + step[i]);
}

/** The 2-logit head's population limit β*, its sandwich and model-based covariances per observation. */
export interface TwoLogitLimit {
  beta: Float64Array;
  /** A⁻¹ B A⁻¹ (per observation; divide by n). */
  sandwich: Float64Array;
  /** A⁻¹, what the covariance would be if the head were the true model. */
  modelBased: Float64Array;
  /** ‖E[score]‖ at β* (≈ 0: β* is the KL projection). */
  scoreNorm: number;
}

/**
 * β* = argmax E[log P(Z | x; β)] over the population, by Newton on the quadrature
 * expectation (concave), with A and B at β*.
 */
export function twoLogitLimit(prob: Problem, nodes = 40): TwoLogitLimit {
  let beta = new Float64Array(TWO_LOGIT_FEATURES);
  for (let it = 0; it < 100; it++) {
    const m = populationMoments(prob, beta, nodes);
    const next = newtonStep(m, beta);
    const moved = Math.max(...next.map((b, i) => Math.abs(b - beta[i])));
    beta = next;
    if (moved < 1e-13 * (1 + Math.max(...beta.map(Math.abs)))) break;
  }
  const m = populationMoments(prob, beta, nodes);
  const F = TWO_LOGIT_FEATURES;
  const aInv = inverseSpd(m.a, F);
  const sandwich = new Float64Array(F * F);
  for (let i = 0; i < F; i++) for (let j = 0; j < F; j++) {
    let s = 0;
    for (let k = 0; k < F; k++) for (let l = 0; l < F; l++) s += aInv[i * F + k] * m.b[k * F + l] * aInv[l * F + j];
    sandwich[i * F + j] = s;
  }
  return { beta, sandwich, modelBased: aInv, scoreNorm: Math.hypot(...m.score) };
}

/** Cross-entropy (maximum-likelihood) fit of the 2-logit head to a training set's Z = 1[Y = lesion], by Newton from `start`; null if it does not converge. */
export function fitTwoLogit(start: ArrayLike<number>, data: Dataset): Float64Array | null {
  const F = TWO_LOGIT_FEATURES;
  let beta = Float64Array.from(start);
  const phi = new Float64Array(F);
  for (let it = 0; it < 50; it++) {
    const m = { score: new Float64Array(F), a: new Float64Array(F * F), b: new Float64Array(F * F) };
    for (let i = 0; i < data.y.length; i++) accumulate(m, beta, data.x[i * DIM], data.x[i * DIM + 1], data.y[i] === 0 ? 1 : 0, 1, phi);
    let next: Float64Array;
    try {
      next = newtonStep(m, beta);
    } catch {
      return null;
    }
    // Newton decrement scoreᵀ A⁻¹ score: the distance to the optimum in standard deviations, squared
    const decrement = next.reduce((s, b, i) => s + (b - beta[i]) * m.score[i], 0);
    beta = next;
    if (!beta.every((b) => Math.abs(b) < 1e6)) return null;
    if (decrement < 1e-12) return beta;
  }
  return null;
}
