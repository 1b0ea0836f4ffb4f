/**
 * The lesion-candidate FROC of the primary endpoint on hand-made cases whose points are computed
 * by hand below: candidates, scores, ties, size ranges, empty references, no candidates, case
 * weights, and the same map scored identically whichever arm's softmax it came from.
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import { makeVolume } from '../../lib/core/volume';
import { detectionCurve, frocCase, frocCurve, frocEvaluator, lesionWiseMetrics, partialAuc, sensitivityAtFpRate } from '../../lib/eval';
import { lesionBeatsBackgroundSum, lesionProbabilityMap } from '../../lib/labels';
import { Random } from '../../lib/core/random';

// One slice, 10 × 3 voxels of 5 mm: a voxel is 0.125 mL; with 26-connectivity in one slice,
// voxels touching by an edge or a corner are connected.
const dims: Vec3 = [10, 3, 1];
const spacing: Vec3 = [5, 5, 5];
const at = (i: number, j: number) => i + dims[0] * j;
const T = 0.1; // candidate threshold

function makeCase(caseId: string, lesions: Array<[number, number]>, probs: Array<[number, number, number]>) {
  const ref = new Uint8Array(30);
  const prob = new Float32Array(30);
  for (const [i, j] of lesions) ref[at(i, j)] = 1;
  for (const [i, j, p] of probs) prob[at(i, j)] = p;
  return { caseId, probability: makeVolume(prob, dims, spacing), ref: makeVolume(ref, dims, spacing) };
}

const L2: Array<[number, number]> = [];
for (let j = 0; j <= 1; j++) for (let i = 4; i <= 7; i++) L2.push([i, j]);

/**
 * Case A. Reference: L1 = {(1,0)} (0.125 mL, small) and L2 = 4×2 voxels at i 4–7, j 0–1 (1 mL, not
 * small: the range is [0, 1)). Map: (0,0) 0.3 and (1,0) 0.6 → candidate C1 = both voxels, score
 * 0.6, overlaps L1 (TP); L2 all 0.2 but (5,0) 0.9 → C2, score 0.9 (its max), TP; (9,2) 0.7 → C3,
 * FP (two voxels from L2); (2,2) 0.05 is below T, no candidate.
 */
const caseA = () => makeCase('A', [[1, 0], ...L2], [[0, 0, 0.3], [1, 0, 0.6], ...L2.map(([i, j]): [number, number, number] => [i, j, i === 5 && j === 0 ? 0.9 : 0.2]), [9, 2, 0.7], [2, 2, 0.05]]);
/** Case B: no reference lesion; two isolated FP candidates with scores `first` and 0.4. */
const caseB = (first = 0.8) => makeCase('B', [], [[0, 0, first], [5, 2, 0.4]]);
/** Case C: one small lesion at (3,1), the whole map at 0.05 < T: no candidate, the lesion is missed. */
const caseC = () => makeCase('C', [[3, 1]], Array.from({ length: 30 }, (_, v): [number, number, number] => [v % 10, Math.floor(v / 10), 0.05]));

const SMALL = { maxVolumeMl: 1 };

describe('frocCase: candidates, scores, matching', () => {
  it('scores each candidate by its maximum probability and matches by overlap', () => {
    const a = frocCase(caseA(), { candidateThreshold: T });
    expect(a.falsePositiveScores.map((s) => +s.toFixed(6))).toEqual([0.7]);
    expect(a.lesions.map((l) => ({ volumeMl: l.volumeMl, score: l.score === null ? null : +l.score.toFixed(6) }))).toEqual([
      { volumeMl: 0.125, score: 0.6 },
      { volumeMl: 1, score: 0.9 },
    ]);
    expect(frocCase(caseB(), { candidateThreshold: T }).lesions).toEqual([]);
    const c = frocCase(caseC(), { candidateThreshold: T });
    expect(c).toEqual({ caseId: 'C', falsePositiveScores: [], lesions: [{ volumeMl: 0.125, score: null }], candidates: { threshold: T, connectivity: 26, dilationVoxels: 0 } });
  });

  it('a higher candidate threshold drops candidates; dilation matching turns a touching FP into a TP', () => {
    expect(frocCase(caseA(), { candidateThreshold: 0.65 }).lesions.map((l) => l.score !== null)).toEqual([false, true]);
    // a candidate at (3,0) touches L2 at (4,0) without overlapping it
    const touching = makeCase('D', L2, [[3, 0, 0.5], ...L2.map(([i, j]): [number, number, number] => [i, j, 0])]);
    expect(frocCase(touching, { candidateThreshold: T }).falsePositiveScores).toEqual([0.5]);
    expect(frocCase(touching, { candidateThreshold: T, dilationVoxels: 1 }).falsePositiveScores).toEqual([]);
  });

  it('lesionWiseMetrics gives each predicted component the maximum score over its voxels, NaN skipped', () => {
    const pred = new Uint8Array(30);
    const scores = new Float32Array(30).fill(NaN);
    [[0, 0, 0.2], [1, 0, 0.7], [1, 1, NaN], [6, 2, NaN]].forEach(([i, j, p]) => {
      pred[at(i, j)] = 1;
      scores[at(i, j)] = p;
    });
    const m = lesionWiseMetrics(pred, new Uint8Array(30), { dims, spacing }, { scores });
    expect(m.predicted.map((p) => p.maxScore)).toEqual([expect.closeTo(0.7, 6), NaN]);
    expect(lesionWiseMetrics(pred, new Uint8Array(30), { dims, spacing }).predicted[0].maxScore).toBeUndefined();
    expect(() => lesionWiseMetrics(pred, new Uint8Array(30), { dims, spacing }, { scores: new Float32Array(3) })).toThrow(/scores/);
  });

  it('refuses a mismatched grid (naming the case) and a non-finite threshold', () => {
    const bad = { ...caseA(), ref: makeVolume(new Uint8Array(30), [10, 3, 1], [5, 5, 4]) };
    expect(() => frocCase(bad, { candidateThreshold: T })).toThrow(/case A/);
    expect(() => frocCase(caseA(), { candidateThreshold: NaN })).toThrow(/candidateThreshold/);
  });
});

const round = (points: { threshold: number; fpPerCase: number; sensitivity: number }[]) =>
  points.map((p) => [+p.threshold.toFixed(6), +p.fpPerCase.toFixed(12), +p.sensitivity.toFixed(12)]);

describe('frocCurve: pooled points and operating points', () => {
  const cases = () => [caseA(), caseB(), caseC()].map((c) => frocCase(c, { candidateThreshold: T }));

  it('lesions < 1 mL: hand-computed points, sensitivities at 0.5/1/2/4 FP per case, pAUC', () => {
    // small lesions: A.L1 (score 0.6) and C's (never detected) → 2; FP scores 0.7 (A), 0.8 and 0.4 (B); 3 cases
    const curve = frocCurve(cases(), SMALL)!;
    expect(curve.lesions).toBe(2);
    expect(curve.cases).toBe(3);
    expect(round(curve.points)).toEqual([[0.8, 1 / 3, 0], [0.7, 2 / 3, 0], [0.6, 2 / 3, 0.5], [0.4, 1, 0.5]].map((p) => p.map((x) => +x.toFixed(12))));
    expect([0.5, 1, 2, 4].map((r) => sensitivityAtFpRate(curve.points, r))).toEqual([0, 0.5, 0.5, 0.5]);
    // step function: 0 on [0, 2/3), 0.5 on [2/3, r]
    expect(partialAuc(curve.points, 1)).toBeCloseTo(0.5 * (1 / 3), 12);
    expect(partialAuc(curve.points, 4)).toBeCloseTo((0.5 * (4 - 2 / 3)) / 4, 12);
  });

  it('all lesions and lesions ≥ 1 mL: only lesions in the range enter, false positives always do', () => {
    const all = frocCurve(cases())!;
    // L2 (0.9) joins: sensitivity 1/3 at 0 FP
    expect(round(all.points)).toEqual([[0.9, 0, 1 / 3], [0.8, 1 / 3, 1 / 3], [0.7, 2 / 3, 1 / 3], [0.6, 2 / 3, 2 / 3], [0.4, 1, 2 / 3]].map((p) => p.map((x) => +x.toFixed(12))));
    expect(partialAuc(all.points, 1)).toBeCloseTo((1 / 3) * (2 / 3) + (2 / 3) * (1 / 3), 12);
    const large = frocCurve(cases(), { minVolumeMl: 1 })!;
    expect(large.lesions).toBe(1); // exactly 1 mL is in [1, ∞)
    expect(round(large.points)).toEqual([[0.9, 0, 1], [0.8, 1 / 3, 1], [0.7, 2 / 3, 1], [0.4, 1, 1]].map((p) => p.map((x) => +x.toFixed(12))));
    expect(partialAuc(large.points, 4)).toBe(1);
  });

  it('ties: events with equal scores enter together, as one point', () => {
    // B's first FP moved to 0.6, the score of A.L1
    const tied = [caseA(), caseB(0.6), caseC()].map((c) => frocCase(c, { candidateThreshold: T }));
    const curve = frocCurve(tied, SMALL)!;
    expect(round(curve.points)).toEqual([[0.7, 1 / 3, 0], [0.6, 2 / 3, 0.5], [0.4, 1, 0.5]].map((p) => p.map((x) => +x.toFixed(12))));
    expect(sensitivityAtFpRate(curve.points, 0.5)).toBe(0);
    expect(sensitivityAtFpRate(curve.points, 2 / 3)).toBe(0.5); // exactly at the rate counts
  });

  it('empty reference gives no curve; no candidates give sensitivity 0 everywhere', () => {
    expect(frocCurve([frocCase(caseB(), { candidateThreshold: T })])).toBeNull();
    expect(frocCurve(cases(), { minVolumeMl: 5 })).toBeNull();
    const none = frocCurve([frocCase(caseC(), { candidateThreshold: T })])!;
    expect(none.points).toEqual([]);
    expect(sensitivityAtFpRate(none.points, 1)).toBe(0);
    expect(partialAuc(none.points, 4)).toBe(0);
  });

  it('case weights equal repeating cases (a bootstrap resample)', () => {
    const [a, b, c] = cases();
    const weighted = frocEvaluator([a, b, c], SMALL).curve(Float64Array.from([2, 0, 1]))!;
    expect(weighted).toEqual(frocCurve([a, a, c], SMALL));
    const once = frocEvaluator([a, b, c], SMALL);
    for (const r of [0.5, 1, 4]) {
      expect(once.partialAuc([2, 0, 1], r)).toBe(partialAuc(weighted.points, r));
      expect(once.sensitivityAtFpRate([2, 0, 1], r)).toBe(sensitivityAtFpRate(weighted.points, r));
    }
    expect(() => once.partialAuc([1, 1, 1], 0)).toThrow(/maxRate/);
    expect(frocEvaluator([b], SMALL).curve([1])).toBeNull();
    expect(() => frocEvaluator([a, b], SMALL).curve([1])).toThrow(/2 cases/);
    expect(() => frocEvaluator([a], SMALL).curve([0])).toThrow(/sum to 0/);
    expect(() => frocEvaluator([], SMALL)).toThrow(/no cases/);
    expect(() => frocEvaluator([a], { minVolumeMl: 1, maxVolumeMl: 1 })).toThrow(/below/);
  });

  it('agrees with the threshold-sweep detection curve when every candidate is flat', () => {
    // flat candidates: one probability per component, so {p ≥ t} keeps whole candidates
    const flat = [
      makeCase('F1', [[1, 0], [8, 2]], [[0, 0, 0.6], [1, 0, 0.6], [5, 1, 0.3], [8, 2, 0.45]]),
      makeCase('F2', [[2, 2]], [[2, 2, 0.25], [7, 0, 0.8], [8, 0, 0.8], [4, 2, 0.3]]),
    ];
    const curve = frocCurve(flat.map((c) => frocCase(c, { candidateThreshold: T })))!;
    const sweep = detectionCurve(flat, curve.points.map((p) => p.threshold));
    expect(curve.points.map((p) => [p.fpPerCase, p.sensitivity])).toEqual(sweep.map((p) => [p.fpPerCase, p.sensitivity]));
  });

  it('operating points refuse a non-positive rate', () => {
    expect(() => sensitivityAtFpRate([], 0)).toThrow(/rate/);
    expect(() => partialAuc([], -1)).toThrow(/maxRate/);
  });
});

describe('one rule for every arm: the softmax lesion channel', () => {
  /** A (K+2)-class softmax, per class, whose lesion channel (last) is `p` and whose background mass is split at random. */
  function backsplitSoftmax(p: Float32Array, classes: number, rng: Random): Float32Array[] {
    const out = Array.from({ length: classes }, () => new Float32Array(p.length));
    for (let v = 0; v < p.length; v++) {
      const parts = Array.from({ length: classes - 1 }, () => rng.uniform() + 0.01);
      const sum = parts.reduce((x, y) => x + y, 0);
      parts.forEach((q, k) => (out[k][v] = ((1 - p[v]) * q) / sum));
      out[classes - 1][v] = p[v];
    }
    return out;
  }

  it('a binary and a BackSplit head with the same lesion channel give the same FROC', () => {
    const a = caseA();
    const p = a.probability.data as Float32Array;
    const binary = [Float32Array.from(p, (x) => 1 - x), p];
    const backsplit = backsplitSoftmax(p, 5, new Random(1));
    const mapBinary = lesionProbabilityMap(binary);
    const mapBacksplit = lesionProbabilityMap(backsplit);
    expect(mapBacksplit).toEqual(mapBinary);
    const score = (map: Float32Array) => frocCase({ ...a, probability: makeVolume(map, dims, spacing) }, { candidateThreshold: T });
    expect(score(mapBacksplit)).toEqual(score(mapBinary));
    // voxel-major layout of the same softmax gives the same map
    const voxelMajor = new Float32Array(30 * 5);
    backsplit.forEach((ch, k) => ch.forEach((x, v) => (voxelMajor[v * 5 + k] = x)));
    expect(lesionProbabilityMap(voxelMajor, { numClasses: 5 })).toEqual(mapBacksplit);
  });

  it('thresholding the map above 0.5 is the lesionBeatsBackgroundSum collapse', () => {
    const rng = new Random(7);
    const p = Float32Array.from({ length: 400 }, () => {
      const x = rng.uniform();
      return Math.abs(x - 0.5) < 1e-3 ? 0.3 : x; // keep clear of the boundary (float32 sums)
    });
    const softmax = backsplitSoftmax(p, 4, rng);
    const fromMap = Uint8Array.from(lesionProbabilityMap(softmax), (x) => (x > 0.5 ? 1 : 0));
    expect(fromMap).toEqual(lesionBeatsBackgroundSum(softmax));
  });
});
