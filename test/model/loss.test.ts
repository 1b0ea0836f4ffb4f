/**
 * Losses against values computed by hand in plain JavaScript: cross-entropy
 * (plain and class-weighted), soft Dice over foreground classes, deep
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

function manualDice(batch: boolean): number {
  const p = softmaxRows(logitsArr);
  const smooth = 1e-5;
  const groups = batch ? [[0, 1, 2, 3, 4, 5, 6, 7]] : [[0, 1, 2, 3], [4, 5, 6, 7]];
  let total = 0;
  let n = 0;
  for (const g of groups) {
    for (const k of [1, 2]) {
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

  it('is near zero for confident correct logits', () => {
    const onehot = tf.oneHot(labels(), 3).mul(40).sub(20);
    expect(segmentationLoss(onehot, labels(), { kind: 'dice-ce' }).dataSync()[0]).toBeLessThan(1e-6);
  });

  it('rejects mismatched labels and bad class weights', () => {
    expect(() => segmentationLoss(logits(), tf.zeros([2, 2, 3], 'int32'), { kind: 'ce' })).toThrow(/does not match logits/);
    expect(() => validateLossConfig({ kind: 'ce', classWeights: [1, 2] }, 3)).toThrow(/must list 3 numbers/);
    expect(() => validateLossConfig({ kind: 'ce', classWeights: [0, 0, 0] }, 3)).toThrow(/not all zero/);
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
