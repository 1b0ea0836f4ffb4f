/**
 * Cramér–Rao in action: a simulation that shows the Fisher-information gap of
 * BackSplit as a variance gap of fitted models.
 *
 * Data: a lesion class and K background sub-classes, each a 2-D Gaussian
 * feature cloud N(μ_c, σ²I) (lesion at the origin, background sub-classes on a
 * circle around it), class priors π. The class posterior is then exactly a
 * multinomial logistic model with linear logits; with the lesion as reference
 * class, η_k(x) = c_k + d_kᵀx for each background sub-class k — the
 * lesion-vs-sub-class decision parameters θ = (c_k, d_k)_k.
 *
 * The same model is fitted by maximum likelihood to many resampled training
 * sets in two ways, exactly the comparison of the theorem (same model, same
 * parameters, two likelihoods):
 *  - BackSplit training: the multiclass likelihood of the labels Y;
 *  - binary training: the coarsened likelihood of Z = 1[Y = lesion] (the
 *    lesion-vs-rest labels), P(Z = lesion | x) = 1 / (1 + Σ_k exp η_k(x)).
 * A 2-class *linear* logistic model is not used for the binary arm: a lesion
 * surrounded by background has a non-linear lesion-vs-rest boundary, so that
 * model would be misspecified and its variance would mix information with bias.
 *
 * Both fits are Newton iterations (observed information, falling back to the
 * expected information when the coarsened likelihood's Hessian is not
 * negative definite) with step halving, in float64, started at the true
 * parameters (the coarsened likelihood is not concave and is invariant to
 * permuting sub-classes: starting at the truth selects the consistent root).
 * The asymptotic covariance of each MLE is (n I)⁻¹, with the per-observation
 * information I = E_x[Jᵀ I_logits(x) J] from the closed forms (I_Y or I_Z) and
 * the expectation over x computed by Gauss–Hermite quadrature (Golub–Welsch).
 * The delta method turns it into the predicted variance of the lesion
 * probability p_L(x*) at fixed test points.
 */
import { fisherY, fisherZ, lesionVsRest } from './closed-form';
import { bilinear, cholesky, choleskySolve, inverseSpd, symmetricEigen } from './linalg';
import { Random } from '../data/random';

/** Settings of the simulation; every field has a default. */
export interface CramerRaoConfig {
  /** Background sub-classes K (default 3). */
  backgroundClasses?: number;
  /** Distance of the sub-class means from the lesion mean, in units of σ (default 2.5). */
  separation?: number;
  /** Prior probability of the lesion class; the rest is shared equally (default 0.25). */
  lesionPrior?: number;
  /** Training-set size n per replicate (default 1000). */
  trainSize?: number;
  /** Number of resampled training sets R (default 300). */
  replicates?: number;
  /** Fixed test points x* (default: four points from the lesion centre to the boundary). */
  testPoints?: [number, number][];
  /** Bootstrap resamples for the Monte-Carlo error of the variance ratios (default 1000). */
  bootstrap?: number;
  /** Gauss–Hermite nodes per dimension for the expected information (default 40). */
  quadratureNodes?: number;
  seed?: number;
}

/** Empirical and predicted variance of one estimated quantity under both trainings. */
export interface VarianceComparison {
  label: string;
  /** True value of the quantity. */
  truth: number;
  empiricalVariance: { binary: number; backsplit: number };
  /** Delta-method prediction ∇ψᵀ (n I)⁻¹ ∇ψ. */
  predictedVariance: { binary: number; backsplit: number };
  /** Var(binary) / Var(BackSplit). */
  empiricalRatio: number;
  predictedRatio: number;
  /** Bootstrap standard error (over replicates) of log(empiricalRatio). */
  logRatioStdError: number;
  /** (log empirical − log predicted) / logRatioStdError. */
  zScore: number;
}

export interface CramerRaoResult {
  config: Required<Omit<CramerRaoConfig, 'testPoints'>> & { testPoints: [number, number][] };
  /** θ* = (c_1, d_1x, d_1y, c_2, ...). */
  trueParameters: number[];
  parameterNames: string[];
  /** Per-observation expected information, row-major P×P. */
  informationY: Float64Array;
  informationZ: Float64Array;
  /** trace and smallest eigenvalue of I_Y − I_Z (≥ 0 by the theorem). */
  traceY: number;
  traceZ: number;
  minEigenvalueGap: number;
  /** Lesion probability at each test point. */
  lesionProbability: VarianceComparison[];
  /** The decision parameters θ. */
  parameters: VarianceComparison[];
  /** Fits that did not converge (excluded; expected 0). */
  failedFits: { binary: number; backsplit: number };
  meanIterations: { binary: number; backsplit: number };
  seconds: number;
}

const DIM = 2;

interface Problem {
  K: number; // background sub-classes; classes are 0 = lesion, 1..K
  means: number[][];
  priors: number[];
  theta: Float64Array;
}

function buildProblem(K: number, separation: number, lesionPrior: number): Problem {
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
function probabilities(theta: ArrayLike<number>, K: number, x0: number, x1: number, out: Float64Array): void {
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

/** H += w Jᵀ A J for the block Jacobian of η w.r.t. θ at feature φ = (1, x). A is (K+1)², row/col 0 unused. */
function addSandwich(h: Float64Array, P: number, K: number, a: ArrayLike<number>, w: number, x0: number, x1: number): void {
  const phi = [1, x0, x1];
  for (let i = 1; i <= K; i++) {
    for (let j = 1; j <= K; j++) {
      const aij = w * a[i * (K + 1) + j];
      if (aij === 0) continue;
      const oi = (i - 1) * (DIM + 1);
      const oj = (j - 1) * (DIM + 1);
      for (let r = 0; r <= DIM; r++) for (let c = 0; c <= DIM; c++) h[(oi + r) * P + oj + c] += aij * phi[r] * phi[c];
    }
  }
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
function expectedInformation(prob: Problem, nodes: number): { y: Float64Array; z: Float64Array } {
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
  return { y, z };
}

interface Dataset {
  x: Float64Array; // [n, 2]
  y: Int32Array;
}

function sampleDataset(prob: Problem, n: number, rng: Random): Dataset {
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
function evaluate(theta: Float64Array, data: Dataset, K: number, coarse: boolean, wantExpected: boolean): { ll: number; grad: Float64Array; info: Float64Array } {
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
  return { ll, grad, info };
}

function logLikelihood(theta: Float64Array, data: Dataset, K: number, coarse: boolean): number {
  const p = new Float64Array(K + 1);
  let ll = 0;
  for (let i = 0; i < data.y.length; i++) {
    probabilities(theta, K, data.x[i * DIM], data.x[i * DIM + 1], p);
    ll += Math.log(coarse ? (data.y[i] === 0 ? p[0] : 1 - p[0]) : p[data.y[i]]);
  }
  return ll;
}

/** Maximum-likelihood fit by damped Newton; null when it does not converge in 200 iterations. */
function fit(start: Float64Array, data: Dataset, K: number, coarse: boolean): { theta: Float64Array; iterations: number } | null {
  const P = K * (DIM + 1);
  let theta = Float64Array.from(start);
  for (let it = 1; it <= 200; it++) {
    let ev = evaluate(theta, data, K, coarse, false);
    let l: Float64Array;
    try {
      l = cholesky(ev.info, P);
    } catch {
      ev = evaluate(theta, data, K, coarse, true);
      l = cholesky(ev.info, P);
    }
    const step = choleskySolve(l, P, ev.grad);
    // Newton decrement gᵀ H⁻¹ g / 2: the predicted log-likelihood gain
    let decrement = 0;
    for (let i = 0; i < P; i++) decrement += step[i] * ev.grad[i];
    if (decrement / 2 < 1e-12) return { theta, iterations: it };
    let t = 1;
    for (let half = 0; half < 40; half++) {
      const cand = theta.map((v, i) => v + t * step[i]);
      if (logLikelihood(cand, data, K, coarse) >= ev.ll) {
        theta = cand;
        break;
      }
      t /= 2;
      if (half === 39) return null;
    }
  }
  return null;
}

function lesionProbabilityGradient(theta: Float64Array, K: number, x0: number, x1: number): { value: number; grad: Float64Array } {
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

function variance(values: ArrayLike<number>, idx?: Int32Array): number {
  const R = idx ? idx.length : values.length;
  let mean = 0;
  for (let r = 0; r < R; r++) mean += values[idx ? idx[r] : r];
  mean /= R;
  let s = 0;
  for (let r = 0; r < R; r++) s += (values[idx ? idx[r] : r] - mean) ** 2;
  return s / (R - 1);
}

/**
 * Run the simulation: R resampled training sets, two fits each, empirical
 * variances against delta-method predictions from the closed-form Fisher.
 * Deterministic given the seed; a few seconds at the defaults.
 * The Monte-Carlo error of each variance ratio is a bootstrap over the
 * replicates (both fits of a replicate are resampled together, since they see
 * the same training set and so are correlated).
 */
export function runCramerRao(config: CramerRaoConfig = {}): CramerRaoResult {
  const t0 = Date.now();
  const K = config.backgroundClasses ?? 3;
  const separation = config.separation ?? 2.5;
  const lesionPrior = config.lesionPrior ?? 0.25;
  const n = config.trainSize ?? 1000;
  const R = config.replicates ?? 300;
  const B = config.bootstrap ?? 1000;
  const nodes = config.quadratureNodes ?? 40;
  const seed = config.seed ?? 1;
  if (!(K >= 2)) throw new Error(`runCramerRao: backgroundClasses must be >= 2 (with one the split carries no information), got ${K}`);
  if (!(lesionPrior > 0 && lesionPrior < 1)) throw new Error(`runCramerRao: lesionPrior must be in (0, 1), got ${lesionPrior}`);
  if (!(R >= 10)) throw new Error(`runCramerRao: replicates must be >= 10, got ${R}`);
  const prob = buildProblem(K, separation, lesionPrior);
  const testPoints: [number, number][] = config.testPoints ?? [
    [0, 0],
    [0.5 * prob.means[1][0], 0.5 * prob.means[1][1]],
    [0.6 * (prob.means[1][0] + prob.means[2][0]) / 2, 0.6 * (prob.means[1][1] + prob.means[2][1]) / 2],
    [0.7 * prob.means[2][0], 0.7 * prob.means[2][1]],
  ];
  const P = K * (DIM + 1);
  const info = expectedInformation(prob, nodes);
  const covY = inverseSpd(info.y, P).map((v) => v / n);
  const covZ = inverseSpd(info.z, P).map((v) => v / n);
  const gapEig = symmetricEigen(info.y.map((v, i) => v - info.z[i]), P).values[0];

  const rng = new Random(seed);
  const estimates = {
    binary: { probs: testPoints.map(() => new Float64Array(R)), params: Array.from({ length: P }, () => new Float64Array(R)) },
    backsplit: { probs: testPoints.map(() => new Float64Array(R)), params: Array.from({ length: P }, () => new Float64Array(R)) },
  };
  const failed = { binary: 0, backsplit: 0 };
  const iterations = { binary: 0, backsplit: 0 };
  let kept = 0;
  for (let r = 0; r < R; r++) {
    const data = sampleDataset(prob, n, rng);
    const fb = fit(prob.theta, data, K, true);
    const fy = fit(prob.theta, data, K, false);
    if (!fb) failed.binary++;
    if (!fy) failed.backsplit++;
    if (!fb || !fy) continue; // keep pairs: both arms see the same training sets
    iterations.binary += fb.iterations;
    iterations.backsplit += fy.iterations;
    for (const [arm, f] of [['binary', fb], ['backsplit', fy]] as const) {
      testPoints.forEach(([a, b], t) => (estimates[arm].probs[t][kept] = lesionProbabilityGradient(f.theta, K, a, b).value));
      for (let j = 0; j < P; j++) estimates[arm].params[j][kept] = f.theta[j];
    }
    kept++;
  }
  if (kept < 10) throw new Error(`runCramerRao: only ${kept} of ${R} replicates converged under both likelihoods`);
  const trim = (a: Float64Array): Float64Array => a.subarray(0, kept);

  const bootIdx: Int32Array[] = [];
  const brng = rng.fork('bootstrap'); // independent of how many draws the replicates used
  for (let b = 0; b < B; b++) bootIdx.push(Int32Array.from({ length: kept }, () => brng.int(kept)));
  const compare = (label: string, truth: number, zs: Float64Array, ys: Float64Array, predZ: number, predY: number): VarianceComparison => {
    const vz = variance(zs);
    const vy = variance(ys);
    const logs = bootIdx.map((idx) => Math.log(variance(zs, idx) / variance(ys, idx)));
    const mean = logs.reduce((s, v) => s + v, 0) / B;
    const se = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (B - 1));
    const empiricalRatio = vz / vy;
    const predictedRatio = predZ / predY;
    return {
      label,
      truth,
      empiricalVariance: { binary: vz, backsplit: vy },
      predictedVariance: { binary: predZ, backsplit: predY },
      empiricalRatio,
      predictedRatio,
      logRatioStdError: se,
      zScore: (Math.log(empiricalRatio) - Math.log(predictedRatio)) / se,
    };
  };
  const lesionProbability = testPoints.map(([a, b], t) => {
    const { value, grad } = lesionProbabilityGradient(prob.theta, K, a, b);
    return compare(`p_L(${a.toFixed(2)}, ${b.toFixed(2)})`, value, trim(estimates.binary.probs[t]), trim(estimates.backsplit.probs[t]), bilinear(grad, covZ, grad, P), bilinear(grad, covY, grad, P));
  });
  const parameterNames: string[] = [];
  for (let k = 1; k <= K; k++) parameterNames.push(`c_${k}`, `d_${k}x`, `d_${k}y`);
  const parameters = parameterNames.map((name, j) =>
    compare(name, prob.theta[j], trim(estimates.binary.params[j]), trim(estimates.backsplit.params[j]), covZ[j * P + j], covY[j * P + j]),
  );
  let traceY = 0;
  let traceZ = 0;
  for (let i = 0; i < P; i++) {
    traceY += info.y[i * P + i];
    traceZ += info.z[i * P + i];
  }
  return {
    config: { backgroundClasses: K, separation, lesionPrior, trainSize: n, replicates: R, bootstrap: B, quadratureNodes: nodes, seed, testPoints },
    trueParameters: Array.from(prob.theta),
    parameterNames,
    informationY: info.y,
    informationZ: info.z,
    traceY,
    traceZ,
    minEigenvalueGap: gapEig,
    lesionProbability,
    parameters,
    failedFits: failed,
    meanIterations: { binary: iterations.binary / kept, backsplit: iterations.backsplit / kept },
    seconds: (Date.now() - t0) / 1000,
  };
}
