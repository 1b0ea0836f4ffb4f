/**
 * Squared-gradient accumulation for the gradient-based Fisher estimators
 * (Monte-Carlo and empirical): one backward pass per image and label draw,
 * reduced on the device to per-variable squared norms and directional products,
 * summed in float64 with the label-sampling standard errors.
 */
import * as tf from '@tensorflow/tfjs';
import { FisherEstimate, FisherModel, Likelihood, ParameterBlock, VariableTrace, setLogLikelihood } from './network';

/** Running sums for one likelihood: per image, per sample quantities. */
export class Accumulator {
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
export async function accumulateGradient(
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

