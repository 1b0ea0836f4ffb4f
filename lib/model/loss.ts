/**
 * Segmentation losses: nnU-Net's soft Dice over the foreground classes plus
 * cross-entropy, the lesion-anchored variant (soft Dice of the lesion channel
 * only plus cross-entropy over all classes), or cross-entropy alone; optional
 * class weights; deep supervision weighting.
 *
 * Inputs are logits [N, ...spatial, K] and an integer class map [N, ...spatial]
 * (one-hot encoded inside). All work happens on [N, voxels, K] views (rank ≤ 3).
 */
import * as tf from '@tensorflow/tfjs';

/** The loss kinds, in the order error messages list them. */
export const LOSS_KINDS = ['dice-ce', 'lesion-dice-ce', 'ce'] as const;
export type LossKind = (typeof LOSS_KINDS)[number];

export interface LossConfig {
  /**
   * 'dice-ce' (nnU-Net default): CE + 1 − mean soft Dice over the foreground classes 1..K−1.
   * 'lesion-dice-ce': CE over all K classes + 1 − soft Dice of the lesion channel alone, the
   * lesion being the last class (K−1). The lesion's Dice term weighs 1 whatever K is, as in a
   * binary run; with dice-ce and K−2 auxiliary classes it weighs 1/(K−1). On a 2-class head
   * the two kinds are the same loss.
   * 'ce': cross-entropy alone.
   */
  kind: LossKind;
  /** Per-class weights (length K); default all 1. Weighted CE is normalised by Σ w_y (as PyTorch); lesion-dice-ce weights its CE only. */
  classWeights?: number[];
  /** Dice over the whole batch (nnU-Net 'batch dice') or per example then averaged. Default true. */
  batchDice?: boolean;
  /** Smoothing added to Dice numerator and denominator. Default 1e-5 (nnU-Net). */
  smooth?: number;
}

/** Validate a loss config against the number of classes; throws with the field name. */
export function validateLossConfig(cfg: LossConfig, numClasses: number): void {
  if (!(LOSS_KINDS as readonly string[]).includes(cfg.kind)) {
    throw new Error(`loss: kind must be ${LOSS_KINDS.map((k) => `'${k}'`).join(', ')}, got '${cfg.kind}'`);
  }
  if (cfg.classWeights !== undefined) {
    if (!Array.isArray(cfg.classWeights) || cfg.classWeights.length !== numClasses) {
      throw new Error(`loss: classWeights must list ${numClasses} numbers (one per class), got ${JSON.stringify(cfg.classWeights)}`);
    }
    if (!cfg.classWeights.every((w) => typeof w === 'number' && w >= 0 && Number.isFinite(w)) || !cfg.classWeights.some((w) => w > 0)) {
      throw new Error(`loss: classWeights must be finite, non-negative and not all zero, got ${JSON.stringify(cfg.classWeights)}`);
    }
  }
}

/**
 * Loss for one output: CE, plus 1 − mean soft Dice over classes 1..K−1 (dice-ce) or 1 − soft
 * Dice of class K−1 (lesion-dice-ce).
 * @param logits [N, ...spatial, K]
 * @param labels integer class map [N, ...spatial] (int32), values in [0, K)
 * @returns scalar loss
 */
export function segmentationLoss(logits: tf.Tensor, labels: tf.Tensor, cfg: LossConfig): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[logits.rank - 1];
    const n = logits.shape[0];
    if (labels.rank !== logits.rank - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) {
      throw new Error(`segmentationLoss: labels shape [${labels.shape}] does not match logits [${logits.shape}] without the class axis`);
    }
    const flatLogits = tf.reshape(logits, [-1, k]) as tf.Tensor2D;
    // one-hot by float arithmetic (labels are exact small integers): on WebGPU the int32
    // result of tf.oneHot, even cast to float32, breaks later transposing reductions
    const lab = tf.reshape(tf.cast(labels, 'float32'), [-1, 1]);
    const onehot = tf.sub(1, tf.minimum(1, tf.abs(tf.sub(lab, tf.reshape(tf.range(0, k, 1, 'float32'), [1, k]))))) as tf.Tensor2D;
    const logp = tf.logSoftmax(flatLogits);
    let ce: tf.Scalar;
    if (cfg.classWeights) {
      const w = tf.tensor1d(cfg.classWeights);
      const perVoxelW = tf.sum(tf.mul(onehot, w), 1);
      const nll = tf.neg(tf.sum(tf.mul(onehot, logp), 1));
      ce = tf.div(tf.sum(tf.mul(perVoxelW, nll)), tf.maximum(tf.sum(perVoxelW), 1e-12)) as tf.Scalar;
    } else {
      ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
    }
    if (cfg.kind === 'ce' || k < 2) return ce;
    const smooth = cfg.smooth ?? 1e-5;
    const probs = tf.softmax(flatLogits);
    const batchDice = cfg.batchDice ?? true;
    const shape = batchDice ? [1, -1, k] : [n, -1, k];
    const p3 = tf.reshape(probs, shape);
    const y3 = tf.reshape(onehot, shape);
    const inter = tf.sum(tf.mul(p3, y3), 1); // [B, K]
    const denom = tf.add(tf.sum(p3, 1), tf.sum(y3, 1));
    const dice = tf.div(tf.add(tf.mul(inter, 2), smooth), tf.add(denom, smooth)); // [B, K]
    if (cfg.kind === 'lesion-dice-ce') return tf.add(ce, tf.sub(1, tf.mean(tf.slice(dice, [0, k - 1], [-1, 1])))) as tf.Scalar;
    const fg = tf.slice(dice, [0, 1], [-1, k - 1]);
    let meanDice: tf.Scalar;
    if (cfg.classWeights) {
      const w = tf.tensor1d(cfg.classWeights.slice(1));
      const total = cfg.classWeights.slice(1).reduce((a, b) => a + b, 0);
      meanDice = total > 0 ? (tf.div(tf.mean(tf.sum(tf.mul(fg, w), 1)), total) as tf.Scalar) : tf.scalar(1);
    } else {
      meanDice = tf.mean(fg) as tf.Scalar;
    }
    return tf.add(ce, tf.sub(1, meanDice)) as tf.Scalar;
  });
}

/**
 * Deep-supervision weights as nnU-Net: 1/2^i per output (highest resolution first), normalised.
 * @param outputs number of outputs
 */
export function deepSupervisionWeights(outputs: number): number[] {
  const w = Array.from({ length: outputs }, (_, i) => 1 / 2 ** i);
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/**
 * Nearest-neighbour 2^level downsampling of a label map [N, ...spatial] (every 2^level-th voxel).
 * The slice runs on float32: tfjs-backend-wasm 4.22's StridedSlice returns int32 input as
 * float32-typed raw bits (class 2 becomes 2.8e-45).
 */
export function downsampleLabels(labels: tf.Tensor, level: number): tf.Tensor {
  if (level === 0) return labels;
  const f = 2 ** level;
  return tf.tidy(() => {
    const begin = new Array(labels.rank).fill(0);
    const strides = [1, ...new Array(labels.rank - 1).fill(f)];
    return tf.cast(tf.stridedSlice(tf.cast(labels, 'float32'), begin, labels.shape.slice(), strides), 'int32');
  });
}

/**
 * Loss over one or several (deep supervision) outputs. Each lower output sees the
 * labels subsampled to its resolution.
 */
export function totalLoss(outputs: tf.Tensor | tf.Tensor[], labels: tf.Tensor, cfg: LossConfig): tf.Scalar {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  if (outs.length === 1) return segmentationLoss(outs[0], labels, cfg);
  return tf.tidy(() => {
    const w = deepSupervisionWeights(outs.length);
    const full = outs[0].shape[1] as number;
    let total: tf.Scalar = tf.scalar(0);
    outs.forEach((o, i) => {
      const level = Math.round(Math.log2(full / (o.shape[1] as number)));
      total = tf.add(total, tf.mul(segmentationLoss(o, downsampleLabels(labels, level), cfg), w[i])) as tf.Scalar;
    });
    return total;
  });
}
