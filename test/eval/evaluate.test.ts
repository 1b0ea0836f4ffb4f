/**
 * evaluateSegmentation / evaluateCases: option validation, grid checks with
 * named inputs, and that the combined result agrees with the individual metrics.
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import { affineFromSpacing, makeVolume } from '../../lib/core/volume';
import {
  EvalCaseInput,
  evaluateCases,
  evaluateSegmentation,
  lesionWiseMetrics,
  overlapMetrics,
  resolveEvaluationOptions,
  surfaceMetrics,
  toEvalJson,
} from '../../lib/eval';

const dims: Vec3 = [12, 10, 8];
const spacing: Vec3 = [0.9, 1.1, 2];

function blob(lo: Vec3, hi: Vec3): Float32Array {
  const d = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let k = lo[2]; k <= hi[2]; k++) for (let j = lo[1]; j <= hi[1]; j++) for (let i = lo[0]; i <= hi[0]; i++) d[i + dims[0] * (j + dims[1] * k)] = 0.7;
  return d;
}

describe('evaluateSegmentation', () => {
  it('combines overlap, surface, lesion and bin results consistently', () => {
    const pred = makeVolume(blob([2, 2, 2], [6, 6, 4]), dims, spacing);
    const ref = makeVolume(blob([3, 2, 2], [7, 5, 5]), dims, spacing);
    const e = evaluateSegmentation(pred, ref, { toleranceMm: 1.5, connectivity: 18 });
    const p = Uint8Array.from(pred.data, (x) => (x ? 1 : 0));
    const r = Uint8Array.from(ref.data, (x) => (x ? 1 : 0));
    expect(e.overlap).toEqual(overlapMetrics(p, r));
    expect(e.surface).toEqual(surfaceMetrics(p, r, { dims, spacing }, { toleranceMm: 1.5 }));
    expect(e.lesions).toEqual(lesionWiseMetrics(p, r, { dims, spacing }, { connectivity: 18 }));
    expect(e.bins.reduce((a, b) => a + b.n, 0)).toBe(e.lesions.reference.length);
    expect(e.options).toEqual({ toleranceMm: 1.5, connectivity: 18, binEdgesMl: [0.1, 1, 10], dilationVoxels: 0, percentile: 95 });
    const j = toEvalJson(e);
    expect(j.hd95_mm).toBe(e.surface.hd95Mm);
    expect(j.lesions.per_lesion).toHaveLength(1);
  });

  it('reports null distances in the JSON when a mask is empty', () => {
    const empty = makeVolume(new Float32Array(dims[0] * dims[1] * dims[2]), dims, spacing);
    const ref = makeVolume(blob([3, 2, 2], [4, 3, 3]), dims, spacing);
    const j = toEvalJson(evaluateSegmentation(empty, ref));
    expect(j).toMatchObject({ dice: 0, hd95_mm: null, assd_mm: null, nsd: 0, lesions: { tp: 0, fp: 0, fn: 1, f1: 0 } });
    const none = toEvalJson(evaluateSegmentation(empty, empty));
    expect(none).toMatchObject({ dice: 1, iou: 1, precision: 1, recall: 1, hd95_mm: null, nsd: 1, lesions: { tp: 0, fp: 0, fn: 0, f1: 1, per_lesion: [] } });
  });

  it('names both inputs on grid mismatches (dims, spacing, affine)', () => {
    const a = makeVolume(blob([1, 1, 1], [2, 2, 2]), dims, spacing);
    const shifted = makeVolume(a.data, dims, spacing, affineFromSpacing(spacing, [5, 0, 0]));
    expect(() => evaluateSegmentation(a, shifted, {}, { pred: 'p.nii', ref: 'r.nii' })).toThrow(/grid mismatch: p.nii and r.nii have different affines/);
    const b = makeVolume(a.data, dims, [0.9, 1.1, 2.5]);
    expect(() => evaluateSegmentation(a, b, {}, { pred: 'p.nii', ref: 'r.nii' })).toThrow(/p.nii has spacing \[0.9, 1.1, 2\] mm but r.nii has spacing \[0.9, 1.1, 2.5\] mm/);
    const c = { data: new Uint8Array(5), dims, spacing };
    expect(() => evaluateSegmentation(c, c, {}, { pred: 'p.nii' })).toThrow(/p.nii: 5 voxels do not fill dims 12x10x8/);
  });

  it('validates options once', () => {
    expect(() => resolveEvaluationOptions({ toleranceMm: NaN })).toThrow(/toleranceMm/);
    expect(() => resolveEvaluationOptions({ connectivity: 4 as 6 })).toThrow(/connectivity must be 6, 18 or 26, got 4/);
    expect(() => resolveEvaluationOptions({ dilationVoxels: 0.5 })).toThrow(/dilationVoxels/);
    expect(() => resolveEvaluationOptions({ percentile: 101 })).toThrow(/percentile/);
    expect(() => resolveEvaluationOptions({ binEdgesMl: [5, 1] })).toThrow(/increase strictly/);
  });
});

describe('evaluateCases', () => {
  it('accepts async iterables and names the case in grid errors', async () => {
    const ref = makeVolume(blob([3, 2, 2], [7, 5, 5]), dims, spacing);
    async function* inputs(): AsyncGenerator<EvalCaseInput> {
      yield { caseId: 'c1', model: 'binary', seed: 1, pred: ref, ref };
      yield { caseId: 'c2', model: 'binary', pred: makeVolume(new Float32Array(10 * 10 * 8), [10, 10, 8], spacing), ref };
    }
    await expect(evaluateCases(inputs())).rejects.toThrow(/case c2 \(binary\) prediction has dims 10x10x8 but case c2 \(binary\) reference has dims 12x10x8/);
    const results: string[] = [];
    await evaluateCases(
      (async function* () {
        yield { caseId: 'c1', model: 'backsplit', seed: 3, pred: ref, ref };
      })(),
      {},
      (r) => results.push(`${r.caseId}/${r.model}/${r.seed}/${r.evaluation.overlap.dice}`),
    );
    expect(results).toEqual(['c1/backsplit/3/1']);
  });
});
