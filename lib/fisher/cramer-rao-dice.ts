/**
 * Dice + cross-entropy training in the Cramér–Rao simulation: the BackSplit model
 * (K + 1 classes, linear logits, lib/fisher/cramer-rao-model.ts) fitted by the
 * loss the project trains with (lib/model/loss.ts: CE + 1 − mean soft Dice over
 * the foreground classes, batch Dice), with the whole training set as the batch:
 *   L_n(θ) = −(1/n) Σ_i log p_{y_i}(x_i) + 1 − (1/|C|) Σ_{c∈C} 2 A_c / (B_c + D_c),
 *   A_c = mean_i p_ic 1[y_i = c],  B_c = mean_i p_ic,  D_c = mean_i 1[y_i = c].
 * C is every class but background sub-class 1, which plays nnU-Net's background
 * class 0 (no Dice term). The Dice smoothing (1e-5 per batch) is left out.
 *
 * This is an M-estimator, not a maximum-likelihood estimate: it converges to the
 * θ* where the population gradient vanishes (not the true θ: Dice biases it), and
 * its covariance is the sandwich A⁻¹ Σ_ψ A⁻¹ / n, with A the Jacobian of the
 * population gradient at θ* (by central differences of the quadrature gradient)
 * and Σ_ψ the variance of one observation's influence on the gradient, which is a
 * smooth function of sample means (delta method): for T_c = 2∇A_c/S_c − 2A_c∇B_c/S_c²,
 * S_c = B_c + D_c, one observation moves T_c by
 *   2 δ∇A/S − 2∇A δS/S² − 2 δA ∇B/S² − 2A δ∇B/S² + 4A∇B δS/S³,
 * with δ(·) its deviation from the population mean. Expectations over x are
 * exact Gauss–Hermite sums per class, as in the information of the MLE.
 */
import { choleskySolve, cholesky, inverseSpd } from './linalg';
import { Dataset, DIM, gaussHermite, Problem, probabilities } from './cramer-rao-model';

/** Per-observation pieces at (x, y): p, ∇p_c (for every class), the score ∇log p_y. */
function pieces(theta: ArrayLike<number>, K: number, x0: number, x1: number, p: Float64Array, grad: Float64Array): void {
  // grad: row c (0..K) of length P = K(DIM+1): ∂p_c/∂θ_{k,j} = p_c (δ_ck − p_k) φ_j, φ = (1, x0, x1)
  probabilities(theta, K, x0, x1, p);
  const P = K * (DIM + 1);
  const phi = [1, x0, x1];
  for (let c = 0; c <= K; c++) {
    for (let k = 1; k <= K; k++) {
      const d = p[c] * ((c === k ? 1 : 0) - p[k]);
      for (let j = 0; j <= DIM; j++) grad[c * P + (k - 1) * (DIM + 1) + j] = d * phi[j];
    }
  }
}

/** The Dice classes: every class but background sub-class 1. */
function diceClasses(K: number): number[] {
  return [0, ...Array.from({ length: K - 1 }, (_, i) => i + 2)];
}

/** Weighted means over observations (x, y, w) of the pieces the gradient is a function of. */
interface Means {
  score: Float64Array; // E[∇log p_y]
  gradA: Float64Array[]; // per Dice class: E[1[y=c] ∇p_c]
  gradB: Float64Array[]; // E[∇p_c]
  a: number[];
  b: number[];
  d: number[];
}

type Observations = (visit: (x0: number, x1: number, y: number, w: number) => void) => void;

function means(theta: ArrayLike<number>, K: number, obs: Observations): Means {
  const P = K * (DIM + 1);
  const C = diceClasses(K);
  const m: Means = { score: new Float64Array(P), gradA: C.map(() => new Float64Array(P)), gradB: C.map(() => new Float64Array(P)), a: C.map(() => 0), b: C.map(() => 0), d: C.map(() => 0) };
  const p = new Float64Array(K + 1);
  const g = new Float64Array((K + 1) * P);
  obs((x0, x1, y, w) => {
    pieces(theta, K, x0, x1, p, g);
    for (let i = 0; i < P; i++) m.score[i] += (w * g[y * P + i]) / p[y];
    C.forEach((c, ci) => {
      const hit = y === c ? 1 : 0;
      for (let i = 0; i < P; i++) {
        m.gradB[ci][i] += w * g[c * P + i];
        if (hit) m.gradA[ci][i] += w * g[c * P + i];
      }
      m.a[ci] += w * hit * p[c];
      m.b[ci] += w * p[c];
      m.d[ci] += w * hit;
    });
  });
  return m;
}

/** ∇L from the means: −score − (1/|C|) Σ_c (2∇A_c/S_c − 2A_c∇B_c/S_c²). */
function gradientFromMeans(m: Means): Float64Array {
  const P = m.score.length;
  const g = m.score.map((v) => -v);
  const nc = m.a.length;
  for (let c = 0; c < nc; c++) {
    const S = m.b[c] + m.d[c];
    for (let i = 0; i < P; i++) g[i] -= (2 * m.gradA[c][i] / S - (2 * m.a[c] * m.gradB[c][i]) / (S * S)) / nc;
  }
  return g;
}

/** Observations of a dataset, weight 1/n each. */
function sampleObservations(data: Dataset): Observations {
  const n = data.y.length;
  return (visit) => {
    for (let i = 0; i < n; i++) visit(data.x[i * DIM], data.x[i * DIM + 1], data.y[i], 1 / n);
  };
}

/** The population as weighted quadrature points: class c, x = μ_c + Gauss–Hermite node, weight π_c w_a w_b. */
function populationObservations(prob: Problem, nodes: number): Observations {
  const gh = gaussHermite(nodes);
  return (visit) => {
    for (let c = 0; c <= prob.K; c++) {
      for (let i = 0; i < nodes; i++) for (let j = 0; j < nodes; j++) {
        const w = prob.priors[c] * gh.weights[i] * gh.weights[j];
        if (w >= 1e-300) visit(prob.means[c][0] + gh.nodes[i], prob.means[c][1] + gh.nodes[j], c, w);
      }
    }
  };
}

/** ∇L_n(θ) of the Dice + CE loss on a training set (exported for its finite-difference test). */
export function diceCeGradient(theta: ArrayLike<number>, K: number, data: Dataset): Float64Array {
  return gradientFromMeans(means(theta, K, sampleObservations(data)));
}

/** L_n(θ) itself, for that test. */
export function diceCeLoss(theta: ArrayLike<number>, K: number, data: Dataset): number {
  const n = data.y.length;
  const C = diceClasses(K);
  const p = new Float64Array(K + 1);
  let ce = 0;
  const a = C.map(() => 0);
  const b = C.map(() => 0);
  const d = C.map(() => 0);
  for (let i = 0; i < n; i++) {
    probabilities(theta, K, data.x[i * DIM], data.x[i * DIM + 1], p);
    ce -= Math.log(p[data.y[i]]) / n;
    C.forEach((c, ci) => {
      a[ci] += (data.y[i] === c ? p[c] : 0) / n;
      b[ci] += p[c] / n;
      d[ci] += (data.y[i] === c ? 1 : 0) / n;
    });
  }
  return ce + 1 - C.reduce((s, _, ci) => s + (2 * a[ci]) / (b[ci] + d[ci]), 0) / C.length;
}

/** The Dice + CE estimator's limit θ*, the Jacobian A of the population gradient there, and its sandwich covariance per observation. */
export interface DiceCeLimit {
  theta: Float64Array;
  /** A⁻¹ Σ_ψ A⁻¹ (divide by n). */
  sandwich: Float64Array;
  /** A⁻¹ (for the fixed-Hessian fits of the replicates). */
  inverseJacobian: Float64Array;
  gradientNorm: number;
}

function populationJacobian(theta: Float64Array, K: number, obs: Observations): Float64Array {
  const P = theta.length;
  const a = new Float64Array(P * P);
  const h = 1e-5;
  for (let j = 0; j < P; j++) {
    const up = Float64Array.from(theta);
    const down = Float64Array.from(theta);
    up[j] += h;
    down[j] -= h;
    const gu = gradientFromMeans(means(up, K, obs));
    const gd = gradientFromMeans(means(down, K, obs));
    for (let i = 0; i < P; i++) a[i * P + j] = (gu[i] - gd[i]) / (2 * h);
  }
  for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) a[i * P + j] = a[j * P + i] = 0.5 * (a[i * P + j] + a[j * P + i]);
  return a;
}

/** Σ_ψ = E[ψ ψᵀ] of one observation's influence on the gradient (see the file header), by quadrature. */
function influenceCovariance(theta: Float64Array, K: number, obs: Observations, m: Means): Float64Array {
  const P = theta.length;
  const C = diceClasses(K);
  const nc = C.length;
  const sigma = new Float64Array(P * P);
  const p = new Float64Array(K + 1);
  const g = new Float64Array((K + 1) * P);
  const psi = new Float64Array(P);
  obs((x0, x1, y, w) => {
    pieces(theta, K, x0, x1, p, g);
    for (let i = 0; i < P; i++) psi[i] = -(g[y * P + i] / p[y] - m.score[i]);
    C.forEach((c, ci) => {
      const hit = y === c ? 1 : 0;
      const S = m.b[ci] + m.d[ci];
      const A = m.a[ci];
      const dS = p[c] + hit - S;
      const dA = hit * p[c] - A;
      for (let i = 0; i < P; i++) {
        const dGradA = hit * g[c * P + i] - m.gradA[ci][i];
        const dGradB = g[c * P + i] - m.gradB[ci][i];
        const dT = (2 * dGradA) / S - (2 * m.gradA[ci][i] * dS) / S ** 2 - (2 * dA * m.gradB[ci][i]) / S ** 2 - (2 * A * dGradB) / S ** 2 + (4 * A * m.gradB[ci][i] * dS) / S ** 3;
        psi[i] -= dT / nc;
      }
    });
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) sigma[i * P + j] += w * psi[i] * psi[j];
  });
  return sigma;
}

/** θ* of Dice + CE by Newton on the quadrature gradient (from the true θ), and its sandwich covariance. */
export function diceCeLimit(prob: Problem, nodes = 40): DiceCeLimit {
  const obs = populationObservations(prob, nodes);
  const P = prob.theta.length;
  let theta = Float64Array.from(prob.theta);
  let a = populationJacobian(theta, prob.K, obs);
  for (let it = 0; it < 50; it++) {
    const g = gradientFromMeans(means(theta, prob.K, obs));
    const step = choleskySolve(cholesky(a, P), P, g);
    theta = theta.map((t, i) => t - step[i]);
    if (Math.max(...step.map(Math.abs)) < 1e-12) break;
    if (it % 5 === 4) a = populationJacobian(theta, prob.K, obs);
  }
  a = populationJacobian(theta, prob.K, obs);
  const m = means(theta, prob.K, obs);
  const sigma = influenceCovariance(theta, prob.K, obs, m);
  const aInv = inverseSpd(a, P);
  const sandwich = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
    let s = 0;
    for (let k = 0; k < P; k++) for (let l = 0; l < P; l++) s += aInv[i * P + k] * sigma[k * P + l] * aInv[l * P + j];
    sandwich[i * P + j] = s;
  }
  return { theta, sandwich, inverseJacobian: aInv, gradientNorm: Math.hypot(...gradientFromMeans(m)) };
}

/**
 * Dice + CE fit of one training set: θ ← θ − A⁻¹ ∇L_n(θ) from θ*, with the population
 * Jacobian A fixed (the sample one differs by O(1/√n), so this converges linearly
 * and fast); null when it does not settle within 100 steps.
 */
export function fitDiceCe(limit: DiceCeLimit, K: number, data: Dataset): Float64Array | null {
  const P = limit.theta.length;
  let theta = Float64Array.from(limit.theta);
  for (let it = 0; it < 100; it++) {
    const g = diceCeGradient(theta, K, data);
    const step = new Float64Array(P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) step[i] += limit.inverseJacobian[i * P + j] * g[j];
    theta = theta.map((t, i) => t - step[i]);
    if (!theta.every((t) => Math.abs(t) < 1e6)) return null;
    // step in units of the estimate's standard deviation, squared: gᵀA⁻¹g·n ≈ (θ − θ̂)ᵀ(nA)(θ − θ̂) ~ 1e-12
    const decrement = step.reduce((s, v, i) => s + v * g[i], 0) * data.y.length;
    if (decrement < 1e-12) return theta;
  }
  return null;
}
