/**
 * Fisher information of a segmentation network with respect to its weights,
 * under the multiclass likelihood (labels Y) and the coarsened likelihood
 * (labels Z, e.g. lesion vs rest) of the same network at the same weights.
 *
 * The network is seen only through a generic interface — a function from an
 * input batch to channels-last logits [N, ...spatial, K] and the list of
 * variables to differentiate — so any tfjs model (a tf.LayersModel, a function
 * closing over tf.Variables) can be measured. Three kinds of "Fisher" are kept
 * apart (Kunstner et al. 2019; docs/BACKSPLIT.md):
 *  - exact (expected) Fisher, dense, by one backward pass per voxel and logit
 *    (the Jacobian) and the closed form at the logits — reference for tiny models;
 *  - Monte-Carlo Fisher, labels sampled per voxel from the model (seeded): an
 *    unbiased estimate of trace, diagonal, per-variable trace and vᵀFv;
 *  - empirical Fisher, gradients at the observed labels: NOT an estimate of the
 *    Fisher, reported only for contrast.
 *
 * Normalisation: F = (1/N) Σ_n Σ_voxels J_{n,v}ᵀ I_{n,v} J_{n,v}, i.e. the
 * Fisher of one whole image (voxels are conditionally independent given the
 * image), averaged over the N images given. tfjs has no vmap, so per-example
 * gradients are one backward pass per image (a loop over batch-1 slices inside
 * tf.tidy); gradients are reduced on the device and accumulated in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { performance } from 'perf_hooks';
import { ClassGroups, classToGroup, fisherY, fisherZ } from './closed-form';
import { Random } from '../core/random';

/** Input batch [N, ...] → channels-last logits [N, ...spatial, K]. */
export type LogitsFn = (x: tf.Tensor) => tf.Tensor;

/**
 * What the estimators need to know about a network. The logits function must be
 * deterministic (inference mode: no dropout, no training-mode batch norm, whose
 * per-example gradients are ill-defined).
 */
export interface FisherModel {
  logits: LogitsFn;
  /** The weights θ the Fisher is taken with respect to (unique names). */
  variables: tf.Variable[];
  /** The coarsening that defines Z (e.g. lesionVsRest(K, lesionClass)). */
  groups: ClassGroups;
}

/** Which likelihood of the same network: multiclass labels Y or coarsened labels Z. */
export type Likelihood = 'y' | 'z';

/** A batch of input images, with observed class labels where an estimator needs them. */
export interface FisherBatch {
  x: tf.Tensor;
  /** Observed class indices [N, ...spatial] (flattened Int32Array or an int tensor); needed by empiricalFisher and gradientNoise. */
  labels?: Int32Array | tf.Tensor;
}

/** Where one variable sits in the flattened parameter vector. */
export interface ParameterBlock {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Trace of the diagonal block of one variable (one "layer"). */
export interface VariableTrace {
  name: string;
  shape: number[];
  size: number;
  trace: number;
  /** Monte-Carlo standard error of `trace` (Monte-Carlo estimates only). */
  stdError?: number;
}

/** A Fisher estimate under one likelihood. */
export interface FisherEstimate {
  kind: 'exact' | 'monte-carlo' | 'empirical';
  likelihood: Likelihood;
  /** Images averaged over. */
  numExamples: number;
  /** Label samples per image (1 for empirical, 0 for exact). */
  samplesPerExample: number;
  numParams: number;
  trace: number;
  /** Monte-Carlo standard error of `trace` (label sampling only; the images are fixed). */
  traceStdError?: number;
  perVariable: VariableTrace[];
  /** diag(F), flattened in `variables` order (when requested / for exact). */
  diagonal?: Float64Array;
  /** vᵀ F v for each requested direction. */
  directional?: number[];
  directionalStdError?: number[];
  /** Present on empirical estimates: they are not Fisher estimates. */
  warning?: string;
}

/** The exact Fisher: a dense P×P matrix besides the summaries. */
export interface ExactFisher extends FisherEstimate {
  kind: 'exact';
  /** Row-major P×P, float64. */
  matrix: Float64Array;
}

/** Called after each image with (images done, images in total). */
export type ProgressFn = (done: number, total: number) => void;

/** Options shared by the gradient-based estimators. */
export interface EstimatorOptions {
  /** Also return diag(F) (a float64 vector of all parameters). Default false. */
  diagonal?: boolean;
  /** Directions v (one tensor per variable, same shapes) for vᵀFv. */
  directions?: tf.Tensor[][];
  onProgress?: ProgressFn;
}

/** Options of monteCarloFisher. */
export interface MonteCarloOptions extends EstimatorOptions {
  /** Label samples per image. Default 1. */
  samples?: number;
  /** Seed of the label sampler. Default 0. */
  seed?: number;
  /** Which likelihoods; both are computed from the same sampled Y (Z = group(Y)). Default ['y', 'z']. */
  likelihoods?: Likelihood[];
}

/** Lay out the variables as one flat parameter vector. */
export function parameterLayout(variables: tf.Variable[]): ParameterBlock[] {
  const seen = new Set<string>();
  let offset = 0;
  return variables.map((v) => {
    if (seen.has(v.name)) throw new Error(`parameterLayout: variable name '${v.name}' occurs twice; gradients are keyed by name`);
    seen.add(v.name);
    const block = { name: v.name, shape: v.shape.slice(), offset, size: v.size };
    offset += v.size;
    return block;
  });
}

/** The tf.Variables behind a tf.LayersModel's trainable weights. */
export function layersModelVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) throw new Error(`layersModelVariables: weight '${w.name}' is not backed by a tf.Variable`);
    return v;
  });
}

interface LogitsInfo {
  voxels: number;
  classes: number;
}

function checkLogits(logits: tf.Tensor, groups: ClassGroups, fn: string): LogitsInfo {
  if (logits.rank < 2) throw new Error(`${fn}: logits must be [N, ...spatial, K], got shape [${logits.shape}]`);
  const K = logits.shape[logits.rank - 1];
  if (K !== groups.numClasses) throw new Error(`${fn}: logits have ${K} classes, class groups expect ${groups.numClasses}`);
  if (logits.shape[0] !== 1) throw new Error(`${fn}: expected logits of one image (batch 1), got batch ${logits.shape[0]}`);
  return { voxels: logits.size / K, classes: K };
}

/**
 * Σ_voxels log P(outcome | x): the outcome at each voxel is the set of classes
 * with mask 1 (one class for Y, a whole group for Z), so
 * log P = logsumexp(η over the set) − logsumexp(η). Masks are [1, ...spatial, K].
 */
function setLogLikelihood(logits: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const flat = logits.reshape([-1, logits.shape[logits.rank - 1]]);
  const m = mask.reshape(flat.shape);
  const masked = tf.where(m.greater(0), flat, tf.fill(flat.shape, -1e30));
  return tf.sum(tf.sub(tf.logSumExp(masked, -1), tf.logSumExp(flat, -1)));
}

/** One-hot (Y) or group-indicator (Z) masks for per-voxel labels. */
function outcomeMask(labels: ArrayLike<number>, K: number, groupOf: Int32Array | null): Float32Array {
  const V = labels.length;
  const mask = new Float32Array(V * K);
  for (let v = 0; v < V; v++) {
    const y = labels[v];
    if (groupOf === null) mask[v * K + y] = 1;
    else for (let k = 0; k < K; k++) if (groupOf[k] === groupOf[y]) mask[v * K + k] = 1;
  }
  return mask;
}

function checkDirections(directions: tf.Tensor[][] | undefined, layout: ParameterBlock[]): void {
  (directions ?? []).forEach((dir, d) => {
    if (dir.length !== layout.length) throw new Error(`direction ${d}: expected ${layout.length} tensors (one per variable), got ${dir.length}`);
    dir.forEach((t, i) => {
      if (t.size !== layout[i].size) throw new Error(`direction ${d}, variable '${layout[i].name}': expected shape [${layout[i].shape}], got [${t.shape}]`);
    });
  });
}

/** Running sums for one likelihood: per image, per sample quantities. */
class Accumulator {
  readonly traceSum: Float64Array; // per variable, over everything
  readonly dirSum: Float64Array;
  readonly diag: Float64Array | null;
  // per-image sums and sums of squares, to get the label-sampling error
  private readonly imgVar: Float64Array; // per variable, Σ_n var_n / S (within-image)
  private readonly imgDirVar: Float64Array;
  private readonly curSum: Float64Array;
  private readonly curSq: Float64Array;
  private readonly curTot: Float64Array; // [sum, sumSq] of the total trace
  private readonly curDir: Float64Array;
  private readonly curDirSq: Float64Array;
  private totVar = 0;
  private curCount = 0;
  private pooled: number[][] = []; // (S = 1) per-image values [total, ...perVar, ...dirs]
  images = 0;
  draws = 0;

  constructor(private readonly layout: ParameterBlock[], private readonly numDirs: number, wantDiag: boolean) {
    const nv = layout.length;
    this.traceSum = new Float64Array(nv);
    this.dirSum = new Float64Array(numDirs);
    this.imgVar = new Float64Array(nv);
    this.imgDirVar = new Float64Array(numDirs);
    this.curSum = new Float64Array(nv);
    this.curSq = new Float64Array(nv);
    this.curTot = new Float64Array(2);
    this.curDir = new Float64Array(numDirs);
    this.curDirSq = new Float64Array(numDirs);
    const P = layout.reduce((s, b) => s + b.size, 0);
    this.diag = wantDiag ? new Float64Array(P) : null;
  }

  add(perVarSq: ArrayLike<number>, dirs: ArrayLike<number>): void {
    let tot = 0;
    for (let i = 0; i < this.layout.length; i++) {
      this.traceSum[i] += perVarSq[i];
      this.curSum[i] += perVarSq[i];
      this.curSq[i] += perVarSq[i] * perVarSq[i];
      tot += perVarSq[i];
    }
    this.curTot[0] += tot;
    this.curTot[1] += tot * tot;
    for (let d = 0; d < this.numDirs; d++) {
      const q = dirs[d] * dirs[d];
      this.dirSum[d] += q;
      this.curDir[d] += q;
      this.curDirSq[d] += q * q;
    }
    this.curCount++;
    this.draws++;
  }

  addDiagonal(offset: number, grad: ArrayLike<number>): void {
    if (!this.diag) return;
    for (let i = 0; i < grad.length; i++) this.diag[offset + i] += grad[i] * grad[i];
  }

  endImage(): void {
    const S = this.curCount;
    const varOfMean = (sum: number, sq: number): number => (S > 1 ? Math.max(sq - (sum * sum) / S, 0) / (S - 1) / S : 0);
    if (S > 1) {
      for (let i = 0; i < this.layout.length; i++) this.imgVar[i] += varOfMean(this.curSum[i], this.curSq[i]);
      for (let d = 0; d < this.numDirs; d++) this.imgDirVar[d] += varOfMean(this.curDir[d], this.curDirSq[d]);
      this.totVar += varOfMean(this.curTot[0], this.curTot[1]);
    } else {
      this.pooled.push([this.curTot[0], ...Array.from(this.curSum), ...Array.from(this.curDir)]);
    }
    this.curSum.fill(0);
    this.curSq.fill(0);
    this.curTot.fill(0);
    this.curDir.fill(0);
    this.curDirSq.fill(0);
    this.curCount = 0;
    this.images++;
  }

  /**
   * Standard errors of the image-averaged estimates. With S ≥ 2 samples per
   * image, from the within-image spread: SE² = Σ_n Var_n/S / N². With S = 1,
   * from the spread across images (which also contains the between-image
   * variation, so it is conservative).
   */
  private stdErrors(): { total: number; perVar: number[]; dirs: number[] } {
    const N = this.images;
    const nv = this.layout.length;
    if (this.pooled.length === 0) {
      return {
        total: Math.sqrt(this.totVar) / N,
        perVar: Array.from(this.imgVar, (v) => Math.sqrt(v) / N),
        dirs: Array.from(this.imgDirVar, (v) => Math.sqrt(v) / N),
      };
    }
    const cols = 1 + nv + this.numDirs;
    const se = new Array<number>(cols).fill(0);
    const M = this.pooled.length;
    for (let c = 0; c < cols; c++) {
      const mean = this.pooled.reduce((s, r) => s + r[c], 0) / M;
      const v = M > 1 ? this.pooled.reduce((s, r) => s + (r[c] - mean) ** 2, 0) / (M - 1) : NaN;
      se[c] = Math.sqrt(v / M);
    }
    return { total: se[0], perVar: se.slice(1, 1 + nv), dirs: se.slice(1 + nv) };
  }

  result(kind: FisherEstimate['kind'], likelihood: Likelihood, samples: number, withErrors: boolean): FisherEstimate {
    const N = this.images;
    const S = samples;
    const norm = 1 / (N * S);
    const se = withErrors ? this.stdErrors() : null;
    const perVariable: VariableTrace[] = this.layout.map((b, i) => ({
      name: b.name,
      shape: b.shape,
      size: b.size,
      trace: this.traceSum[i] * norm,
      ...(se ? { stdError: se.perVar[i] } : {}),
    }));
    const est: FisherEstimate = {
      kind,
      likelihood,
      numExamples: N,
      samplesPerExample: S,
      numParams: this.layout.reduce((s, b) => s + b.size, 0),
      trace: perVariable.reduce((s, v) => s + v.trace, 0),
      perVariable,
    };
    if (se) est.traceStdError = se.total;
    if (this.diag) est.diagonal = this.diag.map((d) => d * norm);
    if (this.numDirs > 0) {
      est.directional = Array.from(this.dirSum, (d) => d * norm);
      if (se) est.directionalStdError = se.dirs;
    }
    return est;
  }
}

/**
 * Gradient of Σ_voxels log P(outcome set | x1) for one image, reduced on the
 * device to per-variable squared norms and directional dot products; the raw
 * gradients are read back only when the diagonal is wanted.
 */
async function accumulateGradient(
  model: FisherModel,
  x1: tf.Tensor,
  mask: Float32Array,
  layout: ParameterBlock[],
  directions: tf.Tensor[][],
  acc: Accumulator,
): Promise<void> {
  const { stats, grads } = tf.tidy(() => {
    const maskT = tf.tensor(mask);
    const { grads: named } = tf.variableGrads(() => {
      const logits = model.logits(x1);
      return setLogLikelihood(logits, maskT.reshape(logits.shape));
    }, model.variables);
    const g = layout.map((b) => {
      const t = named[b.name];
      if (!t) throw new Error(`Fisher: no gradient for variable '${b.name}' (is it used by the logits function?)`);
      return t;
    });
    const parts: tf.Scalar[] = g.map((t) => tf.sum(tf.square(t)));
    for (const dir of directions) parts.push(tf.addN(g.map((t, i) => tf.sum(tf.mul(t, dir[i].reshape(t.shape))))) as tf.Scalar);
    return { stats: tf.stack(parts), grads: acc.diag ? g.map((t) => tf.keep(t)) : [] };
  });
  const values = await stats.data();
  stats.dispose();
  acc.add(values.subarray(0, layout.length), values.subarray(layout.length));
  for (let i = 0; i < grads.length; i++) {
    acc.addDiagonal(layout[i].offset, await grads[i].data());
    grads[i].dispose();
  }
}

function countImages(batches: FisherBatch[]): number {
  return batches.reduce((s, b) => s + b.x.shape[0], 0);
}

async function imageProbabilities(model: FisherModel, x1: tf.Tensor, fn: string): Promise<{ probs: Float32Array; info: LogitsInfo }> {
  const p = tf.tidy(() => {
    const logits = model.logits(x1);
    checkLogits(logits, model.groups, fn);
    return tf.softmax(logits);
  });
  const probs = (await p.data()) as Float32Array;
  const info = { voxels: p.size / p.shape[p.rank - 1], classes: p.shape[p.rank - 1] };
  p.dispose();
  return { probs, info };
}

/**
 * Monte-Carlo Fisher: for each image, `samples` label maps Y are drawn per
 * voxel from the model's own softmax (seeded), Z = group(Y), and the squared
 * gradient of Σ_voxels log p(label) estimates the per-image Fisher without
 * bias (trace, per-variable trace, diagonal, vᵀFv). Both likelihoods use the
 * same draws, so their difference has less noise than either.
 * @example
 * const model = { logits: (x) => net.apply(x) as tf.Tensor, variables: layersModelVariables(net), groups: lesionVsRest(5, 4) };
 * const { y, z } = await monteCarloFisher(model, [{ x }], { samples: 4, seed: 1 });
 * console.log(y!.trace, '±', y!.traceStdError, 'vs', z!.trace);
 * @param model the network (logits function, variables, class groups)
 * @param batches input batches [N, ...]; labels are not used
 * @param opts samples (default 1), seed (default 0), likelihoods (default both), diagonal, directions, onProgress
 * @returns one estimate per requested likelihood, keyed 'y' / 'z'
 */
export async function monteCarloFisher(
  model: FisherModel,
  batches: FisherBatch[],
  opts: MonteCarloOptions = {},
): Promise<Partial<Record<Likelihood, FisherEstimate>>> {
  const samples = opts.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`monteCarloFisher: samples must be a positive integer, got ${samples}`);
  const likelihoods = opts.likelihoods ?? ['y', 'z'];
  const layout = parameterLayout(model.variables);
  const directions = opts.directions ?? [];
  checkDirections(directions, layout);
  const groupOf = classToGroup(model.groups);
  const rng = new Random(opts.seed ?? 0);
  const accs = new Map<Likelihood, Accumulator>(likelihoods.map((l) => [l, new Accumulator(layout, directions.length, !!opts.diagonal)]));
  const total = countImages(batches);
  let done = 0;
  for (const batch of batches) {
    for (let n = 0; n < batch.x.shape[0]; n++) {
      const x1 = tf.tidy(() => sliceImage(batch.x, n));
      try {
        const { probs, info } = await imageProbabilities(model, x1, 'monteCarloFisher');
        const K = info.classes;
        const labels = new Int32Array(info.voxels);
        for (let s = 0; s < samples; s++) {
          for (let v = 0; v < info.voxels; v++) labels[v] = rng.categorical(probs, v * K, K);
          for (const [lik, acc] of accs) {
            await accumulateGradient(model, x1, outcomeMask(labels, K, lik === 'y' ? null : groupOf), layout, directions, acc);
          }
        }
      } finally {
        x1.dispose();
      }
      for (const acc of accs.values()) acc.endImage();
      opts.onProgress?.(++done, total);
    }
  }
  const out: Partial<Record<Likelihood, FisherEstimate>> = {};
  for (const [lik, acc] of accs) out[lik] = acc.result('monte-carlo', lik, samples, true);
  return out;
}

async function labelsOf(batch: FisherBatch, fn: string): Promise<Int32Array> {
  if (!batch.labels) throw new Error(`${fn}: batch has no observed labels`);
  if (batch.labels instanceof Int32Array) return batch.labels;
  const data = await batch.labels.data();
  return Int32Array.from(data as ArrayLike<number>);
}

/**
 * Empirical "Fisher": squared gradients of Σ_voxels log p(observed label).
 * This is NOT an estimate of the Fisher information (Kunstner et al. 2019): it
 * uses the data's labels instead of the model's, and differs from F whenever
 * the model is not the data distribution. Reported for contrast only; the
 * result carries a `warning` saying so.
 * @param batches inputs with observed class labels [N, ...spatial] (class indices of the model's K classes)
 * @param opts likelihoods (default both; Z uses the coarsened observed labels), diagonal, directions, onProgress
 */
export async function empiricalFisher(
  model: FisherModel,
  batches: FisherBatch[],
  opts: EstimatorOptions & { likelihoods?: Likelihood[] } = {},
): Promise<Partial<Record<Likelihood, FisherEstimate>>> {
  const likelihoods = opts.likelihoods ?? ['y', 'z'];
  const layout = parameterLayout(model.variables);
  const directions = opts.directions ?? [];
  checkDirections(directions, layout);
  const groupOf = classToGroup(model.groups);
  const K = model.groups.numClasses;
  const accs = new Map<Likelihood, Accumulator>(likelihoods.map((l) => [l, new Accumulator(layout, directions.length, !!opts.diagonal)]));
  const total = countImages(batches);
  let done = 0;
  for (const [b, batch] of batches.entries()) {
    const labels = await labelsOf(batch, 'empiricalFisher');
    const N = batch.x.shape[0];
    if (labels.length % N !== 0) throw new Error(`empiricalFisher: batch ${b} has ${labels.length} labels for ${N} images`);
    const V = labels.length / N;
    for (let n = 0; n < N; n++) {
      const own = labels.subarray(n * V, (n + 1) * V);
      for (let v = 0; v < V; v++) {
        if (!(own[v] >= 0 && own[v] < K)) throw new Error(`empiricalFisher: batch ${b} image ${n} voxel ${v} has label ${own[v]}, expected 0..${K - 1}`);
      }
      const x1 = tf.tidy(() => sliceImage(batch.x, n));
      try {
        for (const [lik, acc] of accs) {
          await accumulateGradient(model, x1, outcomeMask(own, K, lik === 'y' ? null : groupOf), layout, directions, acc);
          acc.endImage();
        }
      } finally {
        x1.dispose();
      }
      opts.onProgress?.(++done, total);
    }
  }
  const out: Partial<Record<Likelihood, FisherEstimate>> = {};
  for (const [lik, acc] of accs) {
    out[lik] = {
      ...acc.result('empirical', lik, 1, false),
      warning: 'empirical Fisher (gradients at observed labels): not an estimate of the Fisher information',
    };
  }
  return out;
}

function sliceImage(x: tf.Tensor, n: number): tf.Tensor {
  const begin = x.shape.map((_, i) => (i === 0 ? n : 0));
  const size = x.shape.map((s, i) => (i === 0 ? 1 : s));
  return tf.slice(x, begin, size);
}

/**
 * Exact (expected) Fisher as a dense P×P float64 matrix under both
 * likelihoods: per image and voxel, the Jacobian J of the K logits w.r.t. all
 * parameters (K backward passes per voxel) and F += Jᵀ I J with I = I_Y or I_Z
 * from the closed form. Cost N·V·K backward passes and P² memory: a reference
 * for tiny models only.
 * @param opts directions (vᵀFv), onProgress, maxParams (refuse larger models; default 4096)
 */
export async function exactFisher(
  model: FisherModel,
  batches: FisherBatch[],
  opts: { directions?: tf.Tensor[][]; onProgress?: ProgressFn; maxParams?: number } = {},
): Promise<Record<Likelihood, ExactFisher>> {
  const layout = parameterLayout(model.variables);
  const P = layout.reduce((s, b) => s + b.size, 0);
  const maxParams = opts.maxParams ?? 4096;
  if (P > maxParams) throw new Error(`exactFisher: ${P} parameters exceed maxParams=${maxParams}; use monteCarloFisher`);
  checkDirections(opts.directions, layout);
  const K = model.groups.numClasses;
  const mats = { y: new Float64Array(P * P), z: new Float64Array(P * P) };
  const total = countImages(batches);
  let done = 0;
  const jac = new Float64Array(K * P);
  const ij = new Float64Array(K * P);
  for (const batch of batches) {
    for (let n = 0; n < batch.x.shape[0]; n++) {
      const x1 = tf.tidy(() => sliceImage(batch.x, n));
      try {
        const { probs, info } = await imageProbabilities(model, x1, 'exactFisher');
        const iy = fisherY(probs, K);
        const iz = fisherZ(probs, model.groups);
        for (let v = 0; v < info.voxels; v++) {
          for (let k = 0; k < K; k++) {
            const grads = tf.tidy(() => {
              const { grads: named } = tf.variableGrads(() => {
                const flat = model.logits(x1).reshape([-1]);
                return flat.slice([v * K + k], [1]).sum() as tf.Scalar;
              }, model.variables);
              return tf.concat(layout.map((b) => {
                const g = named[b.name];
                if (!g) throw new Error(`exactFisher: no gradient for variable '${b.name}'`);
                return g.reshape([-1]);
              }));
            });
            jac.set(await grads.data(), k * P);
            grads.dispose();
          }
          for (const [key, info2] of [['y', iy], ['z', iz]] as const) {
            // ij = I_v J (K×P); F += Jᵀ ij
            const o = v * K * K;
            ij.fill(0);
            for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) {
              const w = info2[o + a * K + b];
              if (w === 0) continue;
              for (let c = 0; c < P; c++) ij[a * P + c] += w * jac[b * P + c];
            }
            const m = mats[key];
            for (let a = 0; a < K; a++) {
              for (let r = 0; r < P; r++) {
                const jr = jac[a * P + r];
                if (jr === 0) continue;
                const row = r * P;
                for (let c = 0; c < P; c++) m[row + c] += jr * ij[a * P + c];
              }
            }
          }
        }
      } finally {
        x1.dispose();
      }
      opts.onProgress?.(++done, total);
    }
  }
  let dirVecs: Float64Array[] = [];
  if (opts.directions && opts.directions.length > 0) {
    dirVecs = await Promise.all(opts.directions.map(async (dir) => {
      const flat = new Float64Array(P);
      for (let i = 0; i < dir.length; i++) flat.set(await dir[i].data(), layout[i].offset);
      return flat;
    }));
  }
  const summarise = (lik: Likelihood, m: Float64Array): ExactFisher => {
    for (let i = 0; i < P * P; i++) m[i] /= total;
    const diagonal = new Float64Array(P);
    for (let i = 0; i < P; i++) diagonal[i] = m[i * P + i];
    const perVariable = layout.map((b) => ({
      name: b.name,
      shape: b.shape,
      size: b.size,
      trace: diagonal.subarray(b.offset, b.offset + b.size).reduce((s, d) => s + d, 0),
    }));
    const est: ExactFisher = {
      kind: 'exact',
      likelihood: lik,
      numExamples: total,
      samplesPerExample: 0,
      numParams: P,
      trace: diagonal.reduce((s, d) => s + d, 0),
      perVariable,
      diagonal,
      matrix: m,
    };
    if (dirVecs.length > 0) {
      est.directional = dirVecs.map((d) => {
        let s = 0;
        for (let i = 0; i < P; i++) {
          let r = 0;
          for (let j = 0; j < P; j++) r += m[i * P + j] * d[j];
          s += d[i] * r;
        }
        return s;
      });
    }
    return est;
  };
  return { y: summarise('y', mats.y), z: summarise('z', mats.z) };
}

/** Time per image of the per-example loop against one batched gradient step. */
export interface PerExampleCost {
  backend: string;
  images: number;
  /** One gradient of the summed log-likelihood over the whole batch. */
  batchedMs: number;
  /** The loop of batch-1 gradients over the same images. */
  perExampleLoopMs: number;
  msPerExample: number;
  /** perExampleLoopMs / batchedMs. */
  ratio: number;
}

/**
 * Measure what per-example gradients cost: the loop over batch-1 slices (as
 * the estimators run it) against one batched gradient of the same summed loss,
 * both at labels sampled once from the model. Median of `repeats` runs after
 * one warm-up each.
 */
export async function measurePerExampleCost(model: FisherModel, batch: FisherBatch, repeats = 3): Promise<PerExampleCost> {
  const N = batch.x.shape[0];
  const K = model.groups.numClasses;
  const maskT = tf.tidy(() => {
    const logits = model.logits(batch.x);
    return tf.oneHot(tf.argMax(logits, -1), K).cast('float32');
  });
  const timeIt = async (fn: () => Promise<void>): Promise<number> => {
    await fn();
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  const step = async (x: tf.Tensor, mask: tf.Tensor): Promise<void> => {
    const norm = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const logits = model.logits(x);
        return setLogLikelihood(logits, mask.reshape(logits.shape));
      }, model.variables);
      return tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))));
    });
    await norm.data();
    norm.dispose();
  };
  try {
    const batchedMs = await timeIt(() => step(batch.x, maskT));
    const perExampleLoopMs = await timeIt(async () => {
      for (let n = 0; n < N; n++) {
        const x1 = tf.tidy(() => sliceImage(batch.x, n));
        const m1 = tf.tidy(() => sliceImage(maskT, n));
        try {
          await step(x1, m1);
        } finally {
          x1.dispose();
          m1.dispose();
        }
      }
    });
    return { backend: tf.getBackend(), images: N, batchedMs, perExampleLoopMs, msPerExample: perExampleLoopMs / N, ratio: perExampleLoopMs / batchedMs };
  } finally {
    maskT.dispose();
  }
}
