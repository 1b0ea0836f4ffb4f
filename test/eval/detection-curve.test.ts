/** Detection curves over runs: per-run curves by size subset, and the operating-point table. */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import { makeVolume } from '../../lib/core/volume';
import { detectionCurve, detectionCurvesOfRun, detectionCurvesOverRuns, formatDetectionOperatingPoints } from '../../lib/eval';

const dims: Vec3 = [12, 6, 6];
const at = (i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

/** A 27-voxel lesion at p = big, a 1-voxel lesion at p = 0.2, a false-positive voxel at p = 0.4. */
function makeCase(id: string, big = 0.9) {
  const ref = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const prob = new Float32Array(ref.length);
  for (let k = 1; k <= 3; k++) for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) {
    ref[at(i, j, k)] = 1;
    prob[at(i, j, k)] = big;
  }
  ref[at(8, 1, 1)] = 1;
  prob[at(8, 1, 1)] = 0.2;
  prob[at(10, 4, 4)] = 0.4;
  return { caseId: id, probability: makeVolume(prob, dims, [1, 1, 1]), ref: makeVolume(ref, dims, [1, 1, 1]) };
}

const subsets = [{ name: 'all' }, { name: 'small', maxVolumeMl: 0.01 }, { name: 'huge', minVolumeMl: 1 }];

describe('detectionCurvesOfRun / detectionCurvesOverRuns', () => {
  it('gives one curve per subset, matching detectionCurve, with the 0.5 point highlighted', () => {
    const run = { mode: 'binary', seed: 0, cases: [makeCase('a'), makeCase('b')] };
    const [all, small, huge] = detectionCurvesOfRun(run, [0.1, 0.3, 0.5], subsets);
    const direct = detectionCurve(run.cases, [0.1, 0.3, 0.5]);
    expect(all.points).toEqual(direct.map((p) => ({ threshold: p.threshold, fpPerCase: p.fpPerCase, sensitivity: p.sensitivity })));
    expect(all.highlight).toEqual({ threshold: 0.5, fpPerCase: 0, sensitivity: 0.5 });
    expect(small.points.map((p) => p.sensitivity)).toEqual([1, 0, 0]);
    expect(huge.points).toEqual([]); // no reference lesion ≥ 1 mL: every point dropped
    expect(huge.highlight).toBeUndefined();
    expect([all.mode, all.seed, small.subset]).toEqual(['binary', 0, 'small']);
  });

  it('groups curves by subset in run order, and marks another threshold on request', () => {
    const runs = [
      { mode: 'binary', seed: 0, cases: [makeCase('a')] },
      { mode: 'backsplit', seed: 0, cases: [makeCase('a', 0.35)] },
    ];
    const curves = detectionCurvesOverRuns(runs, [0.3, 0.5], subsets.slice(0, 2), { highlightThreshold: 0.3 });
    expect(curves).toHaveLength(2);
    expect(curves[0].map((c) => c.mode)).toEqual(['binary', 'backsplit']);
    expect(curves[0][1].points.map((p) => p.sensitivity)).toEqual([0.5, 0]);
    expect(curves[0][1].highlight).toEqual({ threshold: 0.3, fpPerCase: 1, sensitivity: 0.5 });
  });

  it('formats the operating points, one row per run', () => {
    const runs = [{ mode: 'binary', seed: 0, cases: [makeCase('a')] }, { mode: 'backsplit', cases: [makeCase('a', 0.35)] }];
    const lines = formatDetectionOperatingPoints(detectionCurvesOverRuns(runs, [0.5], subsets.slice(0, 2))).split('\n');
    expect(lines[0]).toMatch(/^arm\s+seed\s+sensitivity @ t=0\.5 \(all\)\s+FP\/case @ t=0\.5\s+sensitivity @ t=0\.5 \(small\)$/);
    expect(lines[2].split(/\s+/)).toEqual(['binary', '0', '0.500', '0.00', '0.000']);
    expect(lines[3].split(/\s+/)).toEqual(['backsplit', '0.000', '0.00', '0.000']);
    expect(() => formatDetectionOperatingPoints([])).toThrow(/no subsets/);
  });
});
