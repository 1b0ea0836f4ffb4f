/**
 * Losses against values computed by hand in plain JavaScript: cross-entropy
 * (plain and class-weighted), soft Dice over foreground classes, the lesion-anchored
 * Dice (lesion channel only; the binary loss on a 2-class head), deep
 * supervision weights and label downsampling.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { segmentationLoss, totalLoss, deepSupervisionWeights, downsampleLabels, validateLossConfig } from '../../lib/model';
import { Random } from '../../lib/core/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function softmaxRows(logits: number[][]): number[][] {
  return logits.map((r) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

// 2 examples × 2×2 voxels, 3 classes
const rng = new Random(5);
const logitsArr = Array.from({ length: 8 }, () => [rng.normal(), rng.normal(), rng.normal()]);
const labelsArr = [0, 1, 2, 2, 0, 0, 1, 2];
const logits = () => tf.tensor(logitsArr.flat(), [2, 2, 2, 3]);
const labels = () => tf.tensor(labelsArr, [2, 2, 2], 'int32');

function manualCe(weights?: number[]): number {
  const p = softmaxRows(logitsArr);
  let num = 0;
  let den = 0;
  labelsArr.forEach((y, i) => {
    const w = weights ? weights[y] : 1;
    num += -w * Math.log(p[i][y]);
    den += w;
  });
  return num / den;
}

function manualDice(batch: boolean, classes = [1, 2]): number {
  const p = softmaxRows(logitsArr);
  const smooth = 1e-5;
  const groups = batch ? [[0, 1, 2, 3, 4, 5, 6, 7]] : [[0, 1, 2, 3], [4, 5, 6, 7]];
  let total = 0;
  let n = 0;
  for (const g of groups) {
    for (const k of classes) {
      let inter = 0;
      let sp = 0;
      let sy = 0;
      for (const i of g) {
        const y = labelsArr[i] === k ? 1 : 0;
        inter += p[i][k] * y;
        sp += p[i][k];
        sy += y;
      }
      total += (2 * inter + smooth) / (sp + sy + smooth);
      n++;
    }
  }
  return total / n;
}

describe('segmentationLoss', () => {
  it('CE only equals the mean negative log-likelihood', () => {
    expect(segmentationLoss(logits(), labels(), { kind: 'ce' }).dataSync()[0]).toBeCloseTo(manualCe(), 5);
  });

  it('class-weighted CE is normalised by the summed weights', () => {
    const w = [0.5, 2, 1];
    expect(segmentationLoss(logits(), labels(), { kind: 'ce', classWeights: w }).dataSync()[0]).toBeCloseTo(manualCe(w), 5);
  });

  it('Dice + CE = CE + 1 − mean foreground soft Dice (batch and per-example Dice)', () => {
    const batch = segmentationLoss(logits(), labels(), { kind: 'dice-ce' }).dataSync()[0];
    expect(batch).toBeCloseTo(manualCe() + 1 - manualDice(true), 5);
    const per = segmentationLoss(logits(), labels(), { kind: 'dice-ce', batchDice: false }).dataSync()[0];
    expect(per).toBeCloseTo(manualCe() + 1 - manualDice(false), 5);
    expect(Math.abs(batch - per)).toBeGreaterThan(1e-4);
  });

  it('lesion-anchored Dice + CE = CE over all classes + 1 − soft Dice of the last class alone', () => {
    const batch = segmentationLoss(logits(), labels(), { kind: 'lesion-dice-ce' }).dataSync()[0];
    expect(batch).toBeCloseTo(manualCe() + 1 - manualDice(true, [2]), 5);
    const per = segmentationLoss(logits(), labels(), { kind: 'lesion-dice-ce', batchDice: false }).dataSync()[0];
    expect(per).toBeCloseTo(manualCe() + 1 - manualDice(false, [2]), 5);
    // class weights reach the CE only
    const w = [0.5, 2, 1];
    expect(segmentationLoss(logits(), labels(), { kind: 'lesion-dice-ce', classWeights: w }).dataSync()[0]).toBeCloseTo(manualCe(w) + 1 - manualDice(true, [2]), 5);
    // and it is not the default loss on three classes
    expect(Math.abs(batch - segmentationLoss(logits(), labels(), { kind: 'dice-ce' }).dataSync()[0])).toBeGreaterThan(1e-3);
  });

  it('lesion-anchored Dice + CE on one voxel pair, by hand', () => {
    // 1 example, 2 voxels, 3 classes; logits 0 except voxel 0 class 2 = ln 2: p0 = (1/4, 1/4, 1/2), p1 = (1/3, 1/3, 1/3)
    const l = tf.tensor([0, 0, Math.log(2), 0, 0, 0], [1, 1, 2, 3]);
    const y = tf.tensor([2, 0], [1, 1, 2], 'int32');
    const ce = (-Math.log(1 / 2) - Math.log(1 / 3)) / 2;
    const s = 1e-5;
    const lesionDice = (2 * (1 / 2) + s) / (1 / 2 + 1 / 3 + 1 + s);
    expect(segmentationLoss(l, y, { kind: 'lesion-dice-ce' }).dataSync()[0]).toBeCloseTo(ce + 1 - lesionDice, 6);
    // the default loss also averages class 1's Dice into the Dice term (absent from the labels: s / (Σp + s) ≈ 0)
    const classOneDice = s / (1 / 4 + 1 / 3 + s);
    expect(segmentationLoss(l, y, { kind: 'dice-ce' }).dataSync()[0]).toBeCloseTo(ce + 1 - (lesionDice + classOneDice) / 2, 6);
  });

  it('with no auxiliary class (a 2-class head) lesion-anchored Dice + CE is the binary loss', () => {
    const r = new Random(11);
    const l2 = tf.tensor(Array.from({ length: 2 * 4 * 4 * 2 }, () => 2 * r.normal()), [2, 4, 4, 2]);
    const y2 = tf.tensor(Array.from({ length: 2 * 4 * 4 }, () => (r.uniform() < 0.3 ? 1 : 0)), [2, 4, 4], 'int32');
    for (const batchDice of [true, false]) {
      const anchored = segmentationLoss(l2, y2, { kind: 'lesion-dice-ce', batchDice }).dataSync()[0];
      const binary = segmentationLoss(l2, y2, { kind: 'dice-ce', batchDice }).dataSync()[0];
      expect(Math.abs(anchored - binary)).toBeLessThan(1e-6);
    }
  });

  it('a wider head whose extra outputs are never targets and never predicted gives the binary loss (lesion-anchored)', () => {
    // classes 1..K of a K+2 head at −60: p ≈ e^-60, so the wide head's softmax is the binary one on classes 0 and K+1
    const r = new Random(12);
    const n = 2 * 4 * 4;
    const two = Array.from({ length: n }, () => [2 * r.normal(), 2 * r.normal()]);
    const yb = Array.from({ length: n }, () => (r.uniform() < 0.3 ? 1 : 0));
    const k = 3;
    const wide = two.map(([b, les]) => [b, ...new Array(k).fill(-60), les]);
    const yWide = yb.map((v) => (v ? k + 1 : 0));
    const binary = segmentationLoss(tf.tensor(two.flat(), [2, 4, 4, 2]), tf.tensor(yb, [2, 4, 4], 'int32'), { kind: 'dice-ce' }).dataSync()[0];
    const anchored = segmentationLoss(tf.tensor(wide.flat(), [2, 4, 4, k + 2]), tf.tensor(yWide, [2, 4, 4], 'int32'), { kind: 'lesion-dice-ce' }).dataSync()[0];
    expect(Math.abs(anchored - binary)).toBeLessThan(1e-5);
    // the default loss averages the K absent classes into the Dice term; never predicted (Σp ≪ smooth) each
    // scores Dice 1, so the lesion's 1 − Dice weighs 1/(K+1): CE + (1 − D_lesion)/(K+1)
    const ce = segmentationLoss(tf.tensor(two.flat(), [2, 4, 4, 2]), tf.tensor(yb, [2, 4, 4], 'int32'), { kind: 'ce' }).dataSync()[0];
    const diluted = segmentationLoss(tf.tensor(wide.flat(), [2, 4, 4, k + 2]), tf.tensor(yWide, [2, 4, 4], 'int32'), { kind: 'dice-ce' }).dataSync()[0];
    expect(diluted).toBeCloseTo(ce + (binary - ce) / (k + 1), 5);
    expect(binary - ce).toBeGreaterThan(0.1);
  });

  it('is near zero for confident correct logits', () => {
    const onehot = tf.oneHot(labels(), 3).mul(40).sub(20);
    expect(segmentationLoss(onehot, labels(), { kind: 'dice-ce' }).dataSync()[0]).toBeLessThan(1e-6);
  });

  it('rejects mismatched labels and bad class weights', () => {
    expect(() => segmentationLoss(logits(), tf.zeros([2, 2, 3], 'int32'), { kind: 'ce' })).toThrow(/does not match logits/);
    expect(() => validateLossConfig({ kind: 'ce', classWeights: [1, 2] }, 3)).toThrow(/must list 3 numbers/);
    expect(() => validateLossConfig({ kind: 'ce', classWeights: [0, 0, 0] }, 3)).toThrow(/not all zero/);
    expect(() => validateLossConfig({ kind: 'dice' as 'ce' }, 3)).toThrow(/kind must be 'dice-ce', 'lesion-dice-ce', 'ce', got 'dice'/);
    expect(() => validateLossConfig({ kind: 'lesion-dice-ce' }, 3)).not.toThrow();
  });
});

describe('deep supervision', () => {
  it('weights halve per level and sum to one', () => {
    const w = deepSupervisionWeights(3);
    expect(w[0] / w[1]).toBeCloseTo(2);
    expect(w[1] / w[2]).toBeCloseTo(2);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it('labels are subsampled by nearest neighbour and the total is the weighted sum', () => {
    const lab = tf.tensor(Array.from({ length: 16 }, (_, i) => i % 3), [1, 4, 4], 'int32');
    const down = downsampleLabels(lab, 1);
    expect(Array.from(down.dataSync())).toEqual([0, 2, 2, 1]);
    const full = tf.randomNormal([1, 4, 4, 3], 0, 1, 'float32', 1);
    const half = tf.randomNormal([1, 2, 2, 3], 0, 1, 'float32', 2);
    const cfg = { kind: 'dice-ce' as const };
    const expected = (2 / 3) * segmentationLoss(full, lab, cfg).dataSync()[0] + (1 / 3) * segmentationLoss(half, down, cfg).dataSync()[0];
    expect(totalLoss([full, half], lab, cfg).dataSync()[0]).toBeCloseTo(expected, 5);
  });
});
