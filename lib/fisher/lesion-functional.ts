/**
 * The Cramér–Rao quantity of a lesion functional g(θ) (ψ at a voxel, the mean ψ
 * over a lesion, the predicted lesion volume): ∇gᵀ (F + λI)⁻¹ ∇g, the
 * asymptotic variance of the maximum-likelihood estimate of g from one image's
 * worth of data (divide by n for n images), under F = F_Y and F = F_Z at the
 * same θ. Network Fisher matrices are singular (overparameterised networks,
 * the softmax shift), hence the damping λ ≥ 0, the same for both so that
 * F_Y ⪰ F_Z keeps the Y value never larger. When ∇g lies in the range of F
 * (g built from voxels the Fisher was measured on: ∇g = Σ_v J_vᵀ w_v), the
 * damped value rises to the pseudo-inverse value ∇gᵀ F⁺ ∇g as λ → 0.
 *
 * Two solvers: dense (Cholesky, tiny networks) and conjugate gradients on
 * matrix-vector products (real networks), which states its tolerance, the
 * iterations it took and the residual it reached.
 */
import { cholesky, choleskySolve } from './linalg';

/**
 * ∇gᵀ (F + λI)⁻¹ ∇g for a dense row-major P×P F (Cholesky).
 * @example dampedInverseQuadratic([2, 0, 0, 4], 2, [1, 1], 0) // 0.75
 */
export function dampedInverseQuadratic(f: ArrayLike<number>, P: number, grad: ArrayLike<number>, lambda: number): number {
  if (f.length !== P * P || grad.length !== P) throw new Error(`dampedInverseQuadratic: expected a ${P}×${P} matrix and a gradient of length ${P}, got ${f.length} and ${grad.length} entries`);
  if (!(lambda >= 0)) throw new Error(`dampedInverseQuadratic: lambda must be >= 0, got ${lambda}`);
  const a = Float64Array.from(f);
  for (let i = 0; i < P; i++) a[i * P + i] += lambda;
  let l: Float64Array;
  try {
    l = cholesky(a, P);
  } catch (e) {
    throw new Error(`dampedInverseQuadratic: F + ${lambda}·I is not positive definite; use a damping lambda > 0 (${(e as Error).message})`, { cause: e });
  }
  const x = choleskySolve(l, P, grad);
  let s = 0;
  for (let i = 0; i < P; i++) s += grad[i] * x[i];
  return s;
}

/** Stopping rule and damping of {@link conjugateGradient}. */
export interface ConjugateGradientOptions {
  /** λ ≥ 0 added to the operator: solves (A + λI) x = b. */
  lambda: number;
  /** Stop when ‖b − (A + λI) x‖ ≤ tolerance · ‖b‖ (default 1e-4). */
  tolerance?: number;
  /** At most this many iterations, i.e. products with A (default 200). */
  maxIterations?: number;
  /**
   * Also stop when bᵀx rose by less than this fraction over the last 10 iterations (default 1e-5).
   * With inexact products (finite differences) the residual stalls at the products' error
   * while bᵀx has long converged: this rule ends such runs.
   */
  quadraticTolerance?: number;
  /**
   * A number μ with 0 < μ ≤ the smallest eigenvalue of A + λI, for the upper bound on bᵀ(A + λI)⁻¹b
   * (default λ, valid for any positive semi-definite A; none when λ = 0 and μ is not given).
   */
  smallestEigenvalueBound?: number;
  /**
   * Also stop when the bounds agree to this relative width, (upper − lower) / lower ≤ bracketTolerance
   * (default 0: never; needs μ). The quadratic is then known to that accuracy whatever the residual.
   */
  bracketTolerance?: number;
  /** Called after every iteration with where CG stands (bᵀx, the upper bound when there is one, the residual). */
  onIterate?: (state: ConjugateGradientState) => void;
}

/** Where CG stands after an iteration. */
export interface ConjugateGradientState {
  iteration: number;
  /** bᵀx: a lower bound on bᵀ(A + λI)⁻¹b. */
  quadratic: number;
  /** The Gauss–Radau upper bound (NaN without μ). */
  upper: number;
  relativeResidual: number;
}

/** What conjugate gradients reached. */
export interface ConjugateGradientResult {
  x: Float64Array;
  /** bᵀ x: the quadratic ∇gᵀ (A + λI)⁻¹ ∇g when b = ∇g. */
  quadratic: number;
  iterations: number;
  /** ‖b − (A + λI) x‖ / ‖b‖ from the recurrence. */
  relativeResidual: number;
  /** The residual rule was met. */
  converged: boolean;
  /** Why CG stopped: the residual rule, the quadratic rule, the bounds' agreement, the iteration cap, or a direction with pᵀAp ≤ 0. */
  stopReason: 'residual' | 'quadratic' | 'bracket' | 'max-iterations' | 'null-direction';
  tolerance: number;
  quadraticTolerance: number;
  /**
   * Bounds on bᵀ(A + λI)⁻¹b at the last iterate, exact arithmetic: the lower one is CG's bᵀx (Gauss
   * quadrature), the upper one adds a bound on the A-norm of the error, ‖x* − x‖² ≤ γ̃ ‖r‖², from the
   * Gauss–Radau rule with a node at μ (Meurant & Tichý's recurrence for γ̃). Absent without μ.
   */
  bounds?: { lower: number; upper: number; mu: number };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Conjugate gradients for (A + λI) x = b with A symmetric positive semi-definite,
 * seen only through products v ↦ A v (e.g. Fisher-vector products), from x = 0.
 * In exact arithmetic bᵀx increases monotonically to bᵀ(A + λI)⁻¹b.
 * @param apply v ↦ A v (the damping is added here)
 * @param b right-hand side
 * @param opts lambda, tolerance (1e-4), maxIterations (200), quadraticTolerance (1e-5)
 */
export async function conjugateGradient(
  apply: (v: Float64Array) => Float64Array | Promise<Float64Array>,
  b: ArrayLike<number>,
  opts: ConjugateGradientOptions,
): Promise<ConjugateGradientResult> {
  const tolerance = opts.tolerance ?? 1e-4;
  const maxIterations = opts.maxIterations ?? 200;
  if (!(opts.lambda >= 0)) throw new Error(`conjugateGradient: lambda must be >= 0, got ${opts.lambda}`);
  if (!(tolerance > 0) || !Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`conjugateGradient: need tolerance > 0 and maxIterations >= 1, got ${tolerance} and ${maxIterations}`);
  const quadraticTolerance = opts.quadraticTolerance ?? 1e-5;
  const mu = opts.smallestEigenvalueBound ?? (opts.lambda > 0 ? opts.lambda : undefined);
  if (mu !== undefined && !(mu > 0)) throw new Error(`conjugateGradient: smallestEigenvalueBound must be > 0, got ${mu}`);
  // γ̃ of the Gauss–Radau bound: γ̃₀ = 1/μ, γ̃ₖ₊₁ = (γ̃ₖ − αₖ) / (μ(γ̃ₖ − αₖ) + βₖ) with CG's step αₖ and βₖ = ‖rₖ₊₁‖²/‖rₖ‖²
  let radau = mu !== undefined ? 1 / mu : NaN;
  const bracketTolerance = opts.bracketTolerance ?? 0;
  if (!(bracketTolerance >= 0)) throw new Error(`conjugateGradient: bracketTolerance must be >= 0, got ${bracketTolerance}`);
  const n = b.length;
  const x = new Float64Array(n);
  const history: number[] = [];
  let stopReason: ConjugateGradientResult['stopReason'] = 'residual';
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  const bNorm = Math.sqrt(dot(b, b));
  let rr = bNorm * bNorm;
  let iterations = 0;
  const withBounds = (quadratic: number): Pick<ConjugateGradientResult, 'bounds'> =>
    mu === undefined ? {} : { bounds: { lower: quadratic, upper: quadratic + Math.max(0, radau) * rr, mu } };
  if (bNorm === 0) return { x, quadratic: 0, iterations, relativeResidual: 0, converged: true, stopReason, tolerance, quadraticTolerance, ...withBounds(0) };
  while (Math.sqrt(rr) > tolerance * bNorm) {
    if (iterations >= maxIterations) {
      stopReason = 'max-iterations';
      break;
    }
    const ap = await apply(p);
    if (ap.length !== n) throw new Error(`conjugateGradient: the product returned ${ap.length} entries, expected ${n}`);
    for (let i = 0; i < n; i++) ap[i] += opts.lambda * p[i];
    const pap = dot(p, ap);
    iterations++;
    if (!(pap > 0)) {
      stopReason = 'null-direction'; // p in the null space of an undamped singular A: nothing more to gain
      break;
    }
    const alpha = rr / pap;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * ap[i];
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    if (mu !== undefined) radau = (radau - alpha) / (mu * (radau - alpha) + beta);
    rr = rrNew;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    history.push(dot(b, x));
    const q = history[history.length - 1];
    const upper = mu === undefined ? NaN : q + Math.max(0, radau) * rr;
    opts.onIterate?.({ iteration: iterations, quadratic: q, upper, relativeResidual: Math.sqrt(rr) / bNorm });
    if (bracketTolerance > 0 && q > 0 && (upper - q) / q <= bracketTolerance && Math.sqrt(rr) > tolerance * bNorm) {
      stopReason = 'bracket';
      break;
    }
    if (history.length > 10 && Math.abs(q - history[history.length - 11]) <= quadraticTolerance * Math.abs(q) && Math.sqrt(rr) > tolerance * bNorm) {
      stopReason = 'quadratic';
      break;
    }
  }
  const relativeResidual = Math.sqrt(rr) / bNorm;
  const quadratic = dot(b, x);
  return { x, quadratic, iterations, relativeResidual, converged: relativeResidual <= tolerance, stopReason, tolerance, quadraticTolerance, ...withBounds(quadratic) };
}
