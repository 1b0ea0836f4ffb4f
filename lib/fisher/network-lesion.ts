/**
 * Lesion-functional Fisher of a network: for a lesion functional g(θ) of the
 * network's outputs on given images — ψ at a voxel, the mean ψ over a lesion,
 * the predicted lesion volume — the Cramér–Rao quantity ∇gᵀ (F + λI)⁻¹ ∇g under
 * F_Y (multiclass labels) and F_Z (lesion vs rest) at the same θ
 * (./lesion-functional.ts). Since F_Y ⪰ F_Z, the Y value is never larger: the
 * finding is the ratio Z / Y, how much the background labels constrain the
 * lesion through the weights the lesion output shares with the background
 * outputs (at one voxel the split adds no information about ψ:
 * ./lesion-coordinates.ts).
 *
 * Two ways to get it:
 *  - exact: the dense exact Fisher (./network-exact.ts) and a Cholesky solve — tiny networks;
 *  - matrix-free: conjugate gradients on exact-Fisher (generalised Gauss–Newton)
 *    vector products F v = (1/N) Σ_n J_nᵀ I_n (J_n v), where I_n is the closed form at
 *    the logits (I_Y or I_Z, in float64) and J_nᵀ(·) is one backward pass. J_n v is
 *    exact by default: tfjs has no forward mode, but ⟨J_nᵀu, v⟩ is linear in u, so its
 *    gradient with respect to u — a backward pass through the backward pass — is J_n v
 *    (lib/backend/second-order adds the convolution filter gradient's own gradient,
 *    which tfjs lacks). Measured against dense references in float32: 7e-8 relative on
 *    the product of a tiny tanh MLP (test/fisher/lesion-functional.test.ts), ≤ 1e-5 on
 *    J v of an instance-norm leaky-ReLU U-Net against its dense Jacobian
 *    (test/fisher/jvp-unet.test.ts), so CG can be driven to residuals of 1e-6. The older
 *    central differences of the logits (jvp 'central-difference', step × ‖θ‖ / ‖v‖,
 *    default 1e-4) are ~4e-4 accurate on the MLP and ~7e-4 on such a U-Net, worse both
 *    ways of the step (kinks and curvature above, float32 rounding below): with them CG
 *    stalls near a residual of 1e-3 to 1e-1 and the bounds it gives are not converged.
 */
import * as tf from '@tensorflow/tfjs';
import { classToGroup } from './closed-form';
import { pencilSummary, PencilSummary, projectedFromProducts } from './invariants';
import { conjugateGradient, ConjugateGradientResult, ConjugateGradientState, dampedInverseQuadratic } from './lesion-functional';
import { countImages, FisherBatch, FisherModel, Likelihood, parameterLayout, ParameterBlock } from './network';
import { exactFisher } from './network-exact';
import { monteCarloFisher } from './network-monte-carlo';
import { Random } from '../core/random';
import { registerSecondOrderGradients } from '../backend/second-order';

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Which lesion functional. */
export type LesionFunctionalKind = 'voxel' | 'lesion-mean' | 'volume';

/**
 * g(θ) = Σ_i w_i f(η_i) over every voxel i of every image of the batches (batch
 * order, then voxel order), with f = ψ = η_L − logsumexp(η_B) or f = p_L.
 */
export interface LesionFunctional {
  kind: LesionFunctionalKind;
  quantity: 'psi' | 'probability';
  /** One weight per voxel of all images together. */
  weights: Float32Array;
  /** What g is, in words. */
  description: string;
}

/** ψ at one voxel (flat index over all images' voxels). */
export function voxelFunctional(totalVoxels: number, index: number, where = `voxel ${index}`): LesionFunctional {
  if (!Number.isInteger(index) || index < 0 || index >= totalVoxels) throw new Error(`voxelFunctional: index must be in [0, ${totalVoxels - 1}], got ${index}`);
  const weights = new Float32Array(totalVoxels);
  weights[index] = 1;
  return { kind: 'voxel', quantity: 'psi', weights, description: `ψ = η_L − logsumexp(η_B) at ${where}` };
}

/** The mean ψ over the voxels where mask ≠ 0 (e.g. a reference lesion). */
export function lesionMeanFunctional(mask: ArrayLike<number>, where = 'the masked voxels'): LesionFunctional {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) count++;
  if (count === 0) throw new Error(`lesionMeanFunctional: the mask of ${where} has no voxels`);
  const weights = Float32Array.from(mask, (m) => (m !== 0 ? 1 / count : 0));
  return { kind: 'lesion-mean', quantity: 'psi', weights, description: `mean ψ = η_L − logsumexp(η_B) over ${count} voxels (${where})` };
}

/** The predicted lesion volume Σ_i p_L,i × voxelVolume over all voxels. */
export function volumeFunctional(totalVoxels: number, voxelVolume = 1, unit = 'voxels'): LesionFunctional {
  return {
    kind: 'volume',
    quantity: 'probability',
    weights: new Float32Array(totalVoxels).fill(voxelVolume),
    description: `predicted lesion volume Σ p_L over ${totalVoxels} voxels, in ${unit}`,
  };
}

function checkFunctional(model: FisherModel, batches: FisherBatch[], g: LesionFunctional): { K: number; lesion: number; background: number[] } {
  const K = model.groups.numClasses;
  const [background, lesionGroup] = model.groups.groups;
  if (model.groups.groups.length !== 2 || lesionGroup.length !== 1) throw new Error('lesion functional: the class groups must be lesion vs rest (lesionVsRest: [background classes], [lesion])');
  const voxels = batches.reduce((s, b) => s + b.x.shape.slice(0, -1).reduce((a, d) => a * d, 1), 0);
  if (g.weights.length !== voxels) throw new Error(`lesion functional: ${g.weights.length} weights for ${voxels} voxels of the images given`);
  return { K, lesion: lesionGroup[0], background };
}

/**
 * Columns `idx` of a [N, K] matrix, as a product with a 0/1 selection matrix: exact, and its
 * gradient is a MatMul on every backend (tf.gather's gradient needs UnsortedSegmentSum, which
 * the wasm backend of tfjs 4.22 does not have).
 */
function selectColumns(m: tf.Tensor2D, idx: number[]): tf.Tensor2D {
  const K = m.shape[1];
  const select = new Float32Array(K * idx.length);
  idx.forEach((k, j) => (select[k * idx.length + j] = 1));
  return tf.matMul(m, tf.tensor2d(select, [K, idx.length]));
}

/** f(η) per voxel of logits [.., K] (ψ or p_L), flattened. */
function voxelQuantity(logits: tf.Tensor, quantity: LesionFunctional['quantity'], lesion: number, background: number[]): tf.Tensor1D {
  const K = logits.shape[logits.rank - 1];
  const flat = logits.reshape([-1, K]) as tf.Tensor2D;
  if (quantity === 'probability') return selectColumns(tf.softmax(flat), [lesion]).reshape([-1]);
  const lesionLogit = selectColumns(flat, [lesion]).reshape([-1]);
  return tf.sub(lesionLogit, tf.logSumExp(selectColumns(flat, background), 1)) as tf.Tensor1D;
}

/** g(θ) and ∇g (flat, float64, in variable order), one backward pass per batch. */
export async function functionalGradient(model: FisherModel, batches: FisherBatch[], g: LesionFunctional): Promise<{ value: number; gradient: Float64Array }> {
  const { lesion, background } = checkFunctional(model, batches, g);
  const layout = parameterLayout(model.variables);
  const P = layout.reduce((s, b) => s + b.size, 0);
  const gradient = new Float64Array(P);
  let value = 0;
  let offset = 0;
  for (const batch of batches) {
    const voxels = batch.x.size / batch.x.shape[batch.x.rank - 1];
    const w = g.weights.subarray(offset, offset + voxels);
    offset += voxels;
    const { v, flat } = tf.tidy(() => {
      const wT = tf.tensor1d(w);
      const { value: val, grads } = tf.variableGrads(() => tf.sum(tf.mul(voxelQuantity(model.logits(batch.x), g.quantity, lesion, background), wT)) as tf.Scalar, model.variables);
      return {
        v: val,
        flat: tf.concat(layout.map((b) => {
          if (!grads[b.name]) throw new Error(`lesion functional: no gradient for variable '${b.name}' (is it used by the logits function?)`);
          return grads[b.name].reshape([-1]);
        })),
      };
    });
    value += (await v.data())[0];
    const data = await flat.data();
    for (let i = 0; i < P; i++) gradient[i] += data[i];
    v.dispose();
    flat.dispose();
  }
  return { value, gradient };
}

/** How the two solves went. */
export type LesionSolver =
  | { method: 'dense Cholesky of the exact Fisher' }
  | {
      method: 'conjugate gradients on exact-Fisher vector products (exact JVP by double backward + backward pass)' | 'conjugate gradients on exact-Fisher vector products (central-difference JVP + backward pass)';
      tolerance: number;
      maxIterations: number;
      /** the central-difference step (null for the exact JVP) */
      differenceStep: number | null;
      iterations: Record<'Y' | 'Z', number>;
      relativeResidual: Record<'Y' | 'Z', number>;
      converged: Record<'Y' | 'Z', boolean>;
      stopReason: Record<'Y' | 'Z', ConjugateGradientResult['stopReason']>;
      quadraticTolerance: number;
    };

/** The Cramér–Rao quantity of a lesion functional under both likelihoods. */
export interface LesionFunctionalResult {
  functional: string;
  kind: LesionFunctionalKind;
  /** g(θ). */
  value: number;
  /** ∇gᵀ (F_Y + λI)⁻¹ ∇g: asymptotic variance of ĝ per image of data, multiclass labels. */
  Y: number;
  /** ∇gᵀ (F_Z + λI)⁻¹ ∇g: the same with lesion-vs-rest labels. */
  Z: number;
  /** Z / Y (≥ 1 up to solver error): how many times more images binary training would need for the same variance of g. */
  ratio: number;
  lambda: number;
  /** How λ was chosen. */
  lambdaRule: string;
  numParams: number;
  numExamples: number;
  gradientNorm: number;
  solver: LesionSolver;
  /** Generalised eigenvalues of (F_Y, F_Z) on a subspace, when asked for. */
  pencil?: PencilSummary;
  /**
   * For the matrix-free solve with λ > 0: what the unfinished CG guarantees (exact arithmetic): Y and Z
   * each between CG's value (Gauss) and the Gauss–Radau upper bound with node λ (the damped Fisher's
   * eigenvalues are ≥ λ), and the ratio Z / Y between the ratios of those ends.
   */
  bounds?: { Y: [number, number]; Z: [number, number]; ratio: [number, number] };
}

/** Damping: an absolute λ, or `damping` × tr(F_Y)/P (default damping 1e-4). */
export interface DampingOptions {
  lambda?: number;
  damping?: number;
}

function resolveLambda(opts: DampingOptions, traceY: number, P: number, traceHow: string): { lambda: number; lambdaRule: string } {
  if (opts.lambda !== undefined) {
    if (!(opts.lambda >= 0)) throw new Error(`lesion functional: lambda must be >= 0, got ${opts.lambda}`);
    return { lambda: opts.lambda, lambdaRule: 'given' };
  }
  const damping = opts.damping ?? 1e-4;
  if (!(damping > 0)) throw new Error(`lesion functional: damping must be > 0, got ${damping}`);
  return { lambda: (damping * traceY) / P, lambdaRule: `${damping} × tr(F_Y) / P, tr(F_Y) = ${traceY.toPrecision(6)} (${traceHow}), P = ${P}` };
}

/**
 * Exact version, for tiny networks: dense F_Y and F_Z (exactFisher) and Cholesky solves.
 * @param opts lambda or damping (1e-4 × tr(F_Y)/P), pencil (also the generalised eigenvalues of (F_Y, F_Z) on the range of F_Z)
 */
export async function lesionFunctionalExact(
  model: FisherModel,
  batches: FisherBatch[],
  g: LesionFunctional,
  opts: DampingOptions & { maxParams?: number } = {},
): Promise<LesionFunctionalResult & { gradient: Float64Array; fisher: Record<Likelihood, Float64Array> }> {
  checkFunctional(model, batches, g);
  const { value, gradient } = await functionalGradient(model, batches, g);
  const ex = await exactFisher(model, batches, { maxParams: opts.maxParams });
  const P = ex.y.numParams;
  const { lambda, lambdaRule } = resolveLambda(opts, ex.y.trace, P, 'exact');
  const Y = dampedInverseQuadratic(ex.y.matrix, P, gradient, lambda);
  const Z = dampedInverseQuadratic(ex.z.matrix, P, gradient, lambda);
  return {
    functional: g.description,
    kind: g.kind,
    value,
    Y,
    Z,
    ratio: Z / Y,
    lambda,
    lambdaRule,
    numParams: P,
    numExamples: ex.y.numExamples,
    gradientNorm: norm(gradient),
    solver: { method: 'dense Cholesky of the exact Fisher' },
    gradient,
    fisher: { y: ex.y.matrix, z: ex.z.matrix },
  };
}

/** out += I u at one voxel: I_Y u = p ⊙ u − p (pᵀu); I_Z u = Σ_g p_g d_g (d_gᵀ u), d_g = m_g − p. */
function logitFisherTimes(p: ArrayLike<number>, o: number, K: number, groupOf: Int32Array | null, numGroups: number, u: ArrayLike<number>, out: Float32Array): void {
  if (groupOf === null) {
    let pu = 0;
    for (let k = 0; k < K; k++) pu += p[o + k] * u[o + k];
    for (let k = 0; k < K; k++) out[o + k] = p[o + k] * (u[o + k] - pu);
    return;
  }
  let pu = 0;
  for (let k = 0; k < K; k++) pu += p[o + k] * u[o + k];
  const pg = new Float64Array(numGroups);
  const mu = new Float64Array(numGroups); // Σ_{k∈g} p_k u_k
  for (let k = 0; k < K; k++) {
    pg[groupOf[k]] += p[o + k];
    mu[groupOf[k]] += p[o + k] * u[o + k];
  }
  // d_gᵀu = mu_g / p_g − pᵀu; (I_Z u)_k = Σ_g p_g (d_gᵀu) (1[k∈g] p_k / p_g − p_k)
  const c = new Float64Array(numGroups);
  let sum = 0;
  for (let g = 0; g < numGroups; g++) {
    c[g] = pg[g] > 0 ? mu[g] / pg[g] - pu : 0;
    sum += pg[g] * c[g];
  }
  for (let k = 0; k < K; k++) out[o + k] = p[o + k] * (c[groupOf[k]] - sum);
}

/**
 * v ↦ F v for the exact Fisher of the model under one likelihood, averaged over
 * the images: two forward passes at θ ± εv (central differences give J v, with
 * ε = step·‖θ‖/‖v‖), the closed-form I at the logits, one backward pass for Jᵀ(·).
 * The variables are restored after each product.
 */
export async function fisherVectorProduct(model: FisherModel, batches: FisherBatch[], likelihood: Likelihood, step = 1e-4, jvp: JvpMethod = 'exact'): Promise<(v: Float64Array) => Promise<Float64Array>> {
  const layout = parameterLayout(model.variables);
  const P = layout.reduce((s, b) => s + b.size, 0);
  const theta = new Float64Array(P);
  for (const [i, b] of layout.entries()) theta.set(await model.variables[i].data(), b.offset);
  const thetaNorm = norm(theta) || 1;
  const K = model.groups.numClasses;
  const groupOf = likelihood === 'y' ? null : classToGroup(model.groups);
  const probs: Float32Array[] = [];
  const logitShapes: number[][] = [];
  for (const batch of batches) {
    const p = tf.tidy(() => tf.softmax(model.logits(batch.x)));
    probs.push((await p.data()) as Float32Array);
    logitShapes.push(p.shape);
    p.dispose();
  }
  const total = countImages(batches);
  return async (v: Float64Array): Promise<Float64Array> => {
    const vNorm = norm(v);
    const out = new Float64Array(P);
    if (vNorm === 0) return out;
    let jvs: Float32Array[];
    if (jvp === 'exact') {
      jvs = await logitsJvpExact(model, layout, batches, logitShapes, v);
    } else {
      const eps = (step * thetaNorm) / vNorm;
      const plus = await logitsAt(model, layout, batches, theta, v, eps);
      const minus = await logitsAt(model, layout, batches, theta, v, -eps);
      jvs = plus.map((p, n) => p.map((a, i) => (a - minus[n][i]) / (2 * eps)));
    }
    for (const [n, batch] of batches.entries()) {
      const jv = jvs[n];
      const w = new Float32Array(jv.length);
      for (let o = 0; o < jv.length; o += K) logitFisherTimes(probs[n], o, K, groupOf, model.groups.groups.length, jv, w);
      const flat = tf.tidy(() => {
        const wT = tf.tensor(w);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.logits(batch.x).reshape([-1]), wT)) as tf.Scalar, model.variables);
        return tf.concat(layout.map((b) => grads[b.name].reshape([-1])));
      });
      const data = await flat.data();
      flat.dispose();
      for (let i = 0; i < P; i++) out[i] += data[i] / total;
    }
    return out;
  };
}

/**
 * How J v (the logits' derivative along v) is computed: 'exact' differentiates the
 * vector–Jacobian product ⟨Jᵀu, v⟩ with respect to u (it is linear in u, so its gradient is
 * J v), a second backward pass through the first (lib/backend/second-order adds the one
 * second-order gradient tfjs lacks); 'central-difference' evaluates the logits at θ ± εv.
 */
export type JvpMethod = 'exact' | 'central-difference';

/**
 * J v for every batch by the double-backward rule of {@link JvpMethod} 'exact', in float32.
 * @param logitShapes the shape of each batch's logits (known to the caller, so no forward pass is spent on it)
 */
export async function logitsJvpExact(model: FisherModel, layout: ParameterBlock[], batches: FisherBatch[], logitShapes: number[][], v: Float64Array): Promise<Float32Array[]> {
  registerSecondOrderGradients();
  const vT = layout.map((b) => tf.tensor(Float32Array.from(v.subarray(b.offset, b.offset + b.size)), b.shape));
  try {
    const out: Float32Array[] = [];
    for (const [n, batch] of batches.entries()) {
      const jv = tf.tidy(() => {
        const along = (u: tf.Tensor): tf.Scalar => {
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.logits(batch.x), u)) as tf.Scalar, model.variables);
          return tf.addN(layout.map((b, i) => tf.sum(tf.mul(grads[b.name], vT[i])))) as tf.Scalar;
        };
        return tf.grad(along)(tf.zeros(logitShapes[n]));
      });
      out.push((await jv.data()) as Float32Array);
      jv.dispose();
    }
    return out;
  } finally {
    tf.dispose(vT);
  }
}

/** Logits of every batch at θ + eps·v (float32 variables), restoring θ afterwards. */
async function logitsAt(model: FisherModel, layout: ParameterBlock[], batches: FisherBatch[], theta: Float64Array, v: Float64Array, eps: number): Promise<Float32Array[]> {
  const saved = model.variables.map((x) => x.clone());
  try {
    layout.forEach((b, i) => {
      const shifted = new Float32Array(b.size);
      for (let j = 0; j < b.size; j++) shifted[j] = theta[b.offset + j] + eps * v[b.offset + j];
      tf.tidy(() => model.variables[i].assign(tf.tensor(shifted, b.shape)));
    });
    const out: Float32Array[] = [];
    for (const batch of batches) {
      const l = tf.tidy(() => model.logits(batch.x));
      out.push((await l.data()) as Float32Array);
      l.dispose();
    }
    return out;
  } finally {
    model.variables.forEach((x, i) => x.assign(saved[i]));
    saved.forEach((s) => s.dispose());
  }
}

/** Options of {@link lesionFunctionalMatrixFree}. */
export interface MatrixFreeOptions extends DampingOptions {
  /** CG stops at ‖r‖ ≤ tolerance·‖∇g‖ (default 1e-3: the products themselves are ~1e-4 accurate). */
  tolerance?: number;
  /** CG iterations at most, per likelihood (default 100). */
  maxIterations?: number;
  /** CG also stops when its Gauss / Gauss–Radau bounds agree to this relative width (default 0: never). */
  bracketTolerance?: number;
  /** CG also stops when ∇gᵀx changed by less than this, relatively, over 10 iterations (default 1e-5). */
  quadraticTolerance?: number;
  /** How J v is computed (default 'exact'; see {@link JvpMethod}). */
  jvp?: JvpMethod;
  /** Central-difference step relative to ‖θ‖ (default 1e-4; only with jvp 'central-difference'). */
  step?: number;
  /** Seed of the Monte-Carlo trace behind the default λ and of the random subspace (default 0). */
  seed?: number;
  /** Also the generalised eigenvalues of (F_Y, F_Z) on span{∇g, r − 1 random directions} (default 0: none). */
  subspaceDimension?: number;
  /** Called after each Fisher-vector product of the CG solves with (likelihood, products so far, where CG stands). */
  onIteration?: (likelihood: 'Y' | 'Z', iteration: number, state: ConjugateGradientState) => void;
}

async function subspacePencil(products: Record<Likelihood, (v: Float64Array) => Promise<Float64Array>>, gradient: Float64Array, r: number, seed: number): Promise<PencilSummary> {
  const rng = new Random(seed).fork('lesion-subspace');
  const P = gradient.length;
  const gNorm = norm(gradient);
  const basis = [gradient.map((x) => x / gNorm), ...Array.from({ length: r - 1 }, () => Float64Array.from({ length: P }, () => rng.normal() / Math.sqrt(P)))];
  const fy: Float64Array[] = [];
  const fz: Float64Array[] = [];
  for (const u of basis) {
    fy.push(await products.y(u));
    fz.push(await products.z(u));
  }
  return pencilSummary(projectedFromProducts(basis, fy), projectedFromProducts(basis, fz), r, `span of ∇g and ${r - 1} random Gaussian directions (seed ${seed}), by Fisher-vector products`);
}

/**
 * Matrix-free version, for real networks: CG on Fisher-vector products (see the
 * file header), same λ for Y and Z. Default λ = 1e-4 × tr(F_Y)/P with tr(F_Y) a
 * Monte-Carlo estimate (4 label samples per image).
 * @param opts lambda / damping, tolerance (1e-3), maxIterations (100), step (1e-4), seed, subspaceDimension, onIteration
 */
export async function lesionFunctionalMatrixFree(model: FisherModel, batches: FisherBatch[], g: LesionFunctional, opts: MatrixFreeOptions = {}): Promise<LesionFunctionalResult> {
  checkFunctional(model, batches, g);
  const { value, gradient } = await functionalGradient(model, batches, g);
  const P = gradient.length;
  let traceY = NaN;
  if (opts.lambda === undefined) traceY = (await monteCarloFisher(model, batches, { samples: 4, seed: opts.seed ?? 0, likelihoods: ['y'] })).y!.trace;
  const { lambda, lambdaRule } = resolveLambda(opts, traceY, P, 'Monte-Carlo estimate, 4 label samples per image');
  const step = opts.step ?? 1e-4;
  const jvp = opts.jvp ?? 'exact';
  const products = { y: await fisherVectorProduct(model, batches, 'y', step, jvp), z: await fisherVectorProduct(model, batches, 'z', step, jvp) };
  const tolerance = opts.tolerance ?? 1e-3;
  const maxIterations = opts.maxIterations ?? 100;
  const solve = async (lik: 'Y' | 'Z'): Promise<ConjugateGradientResult> => {
    const apply = products[lik === 'Y' ? 'y' : 'z'];
    return conjugateGradient(apply, gradient, {
      lambda,
      tolerance,
      maxIterations,
      quadraticTolerance: opts.quadraticTolerance,
      bracketTolerance: opts.bracketTolerance,
      onIterate: (state) => opts.onIteration?.(lik, state.iteration, state),
    });
  };
  const y = await solve('Y');
  const z = await solve('Z');
  const result: LesionFunctionalResult = {
    functional: g.description,
    kind: g.kind,
    value,
    Y: y.quadratic,
    Z: z.quadratic,
    ratio: z.quadratic / y.quadratic,
    lambda,
    lambdaRule,
    numParams: P,
    numExamples: countImages(batches),
    gradientNorm: norm(gradient),
    solver: {
      method: jvp === 'exact'
        ? 'conjugate gradients on exact-Fisher vector products (exact JVP by double backward + backward pass)'
        : 'conjugate gradients on exact-Fisher vector products (central-difference JVP + backward pass)',
      tolerance,
      maxIterations,
      differenceStep: jvp === 'exact' ? null : step,
      iterations: { Y: y.iterations, Z: z.iterations },
      relativeResidual: { Y: y.relativeResidual, Z: z.relativeResidual },
      converged: { Y: y.converged, Z: z.converged },
      stopReason: { Y: y.stopReason, Z: z.stopReason },
      quadraticTolerance: y.quadraticTolerance,
    },
  };
  if (y.bounds && z.bounds) {
    result.bounds = { Y: [y.bounds.lower, y.bounds.upper], Z: [z.bounds.lower, z.bounds.upper], ratio: [z.bounds.lower / y.bounds.upper, z.bounds.upper / y.bounds.lower] };
  }
  if (opts.subspaceDimension) result.pencil = await subspacePencil(products, gradient, opts.subspaceDimension, opts.seed ?? 0);
  return result;
}
