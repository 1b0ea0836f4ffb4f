/**
 * lib/eval against the independent numpy/scipy reference in
 * test/fixtures/eval/eval_reference.json (written by
 * data-scripts/fixtures/make_eval_fixtures.py): distances to 1e-6 mm, counts exactly.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { Connectivity, labelComponents } from '../../lib/core/morphology';
import type { Vec3 } from '../../lib/core/volume';
import {
  lesionWiseMetrics,
  overlapMetrics,
  perClassDice,
  smallLesionBins,
  squaredDistanceTransform,
  surfaceMetrics,
  wilcoxonSignedRank,
} from '../../lib/eval';

interface FixtureCase {
  name: string;
  dims: Vec3;
  spacing: Vec3;
  pred_rle: number[];
  ref_rle: number[];
  expected: any;
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'eval', 'eval_reference.json'), 'utf8'),
);

function fromRle(rle: number[], dims: Vec3): Uint8Array {
  const out = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let r = 0; r < rle.length; r += 2) out.fill(1, rle[r], rle[r] + rle[r + 1]);
  return out;
}

const DIST_TOL = 1e-6;

function expectClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(DIST_TOL);
}

describe('reference fixtures (scipy)', () => {
  it('holds the expected cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of fixture.cases as FixtureCase[]) {
    describe(c.name, () => {
      const pred = fromRle(c.pred_rle, c.dims);
      const ref = fromRle(c.ref_rle, c.dims);
      const grid = { dims: c.dims, spacing: c.spacing };
      const exp = c.expected;

      it('overlap metrics', () => {
        const o = overlapMetrics(pred, ref);
        expect(o.tpVoxels).toBe(exp.overlap.tp_voxels);
        expect(o.predVoxels).toBe(exp.overlap.pred_voxels);
        expect(o.refVoxels).toBe(exp.overlap.ref_voxels);
        for (const k of ['dice', 'iou', 'precision', 'recall'] as const) {
          expect(o[k], k).toBeCloseTo(exp.overlap[k], 12);
        }
      });

      it('surface metrics (HD95, NSD at several tolerances, ASSD)', () => {
        (fixture.tolerances_mm as number[]).forEach((tol, t) => {
          const s = surfaceMetrics(pred, ref, grid, { toleranceMm: tol });
          expect(s.predSurfaceVoxels).toBe(exp.surface.pred_surface_voxels);
          expect(s.refSurfaceVoxels).toBe(exp.surface.ref_surface_voxels);
          expect(s.nsd, `nsd at ${tol} mm`).toBeCloseTo(exp.surface.nsd[t], 12);
          expectClose(s.hd95Mm, exp.surface.hd95_mm, 'hd95');
          expectClose(s.hd95PredToRefMm, exp.surface.hd95_pred_to_ref_mm, 'hd95 pred→ref');
          expectClose(s.hd95RefToPredMm, exp.surface.hd95_ref_to_pred_mm, 'hd95 ref→pred');
          expectClose(s.hausdorffMm, exp.surface.hausdorff_mm, 'hausdorff');
          expectClose(s.assdMm, exp.surface.assd_mm, 'assd');
          expectClose(s.meanPredToRefMm, exp.surface.mean_pred_to_ref_mm, 'mean pred→ref');
          expectClose(s.meanRefToPredMm, exp.surface.mean_ref_to_pred_mm, 'mean ref→pred');
        });
      });

      it('connected components of the reference at 6/18/26 connectivity', () => {
        for (const conn of [6, 18, 26] as Connectivity[]) {
          const cc = labelComponents(ref, c.dims, conn);
          const sizes = Array.from(cc.sizes.subarray(1)).sort((a, b) => a - b);
          expect(cc.count, `count at ${conn}`).toBe(exp.components_ref[String(conn)].count);
          expect(sizes, `sizes at ${conn}`).toEqual(exp.components_ref[String(conn)].sizes);
        }
      });

      for (const [key, e] of Object.entries<any>(exp.lesions)) {
        it(`lesion-wise metrics ${key}`, () => {
          const [, conn, dil] = /^c(\d+)-d(\d+)$/.exec(key)!.map(Number);
          const m = lesionWiseMetrics(pred, ref, grid, { connectivity: conn as Connectivity, dilationVoxels: dil });
          expect([m.tp, m.fp, m.fn]).toEqual([e.tp, e.fp, e.fn]);
          expect(m.predicted.length).toBe(e.pred_components);
          expect(m.f1).toBeCloseTo(e.f1, 12);
          const per = m.reference
            .map((l) => ({ voxels: l.voxels, dice: l.dice, detected: l.detected, merged: l.mergedComponents, volumeMl: l.volumeMl }))
            .sort((a, b) => a.voxels - b.voxels || a.dice - b.dice);
          expect(per.length).toBe(e.per_lesion.length);
          per.forEach((l, i) => {
            const r = e.per_lesion[i];
            expect(l.voxels).toBe(r.voxels);
            expect(l.detected).toBe(r.detected);
            expect(l.merged).toBe(r.merged);
            expect(l.dice).toBeCloseTo(r.dice, 12);
            expect(l.volumeMl).toBeCloseTo(r.volume_ml, 12);
          });
          const bins = smallLesionBins(m.reference, fixture.bin_edges_ml);
          expect(bins.map((b) => [b.n, b.detected])).toEqual(e.bins.map((b: any) => [b.n, b.detected]));
          bins.forEach((b, i) => {
            if (e.bins[i].mean_dice === null) expect(b.meanDice).toBeNull();
            else expect(b.meanDice).toBeCloseTo(e.bins[i].mean_dice, 12);
          });
        });
      }
    });
  }

  it('distance transform matches scipy distance_transform_edt(sampling=...) voxel by voxel', () => {
    const e = fixture.edt;
    const feat = fromRle(e.features_rle, e.dims);
    const d2 = squaredDistanceTransform(feat, e.dims, e.spacing);
    expect(d2.length).toBe(e.distances_mm.length);
    let worst = 0;
    for (let v = 0; v < d2.length; v++) worst = Math.max(worst, Math.abs(Math.sqrt(d2[v]) - e.distances_mm[v]));
    expect(worst).toBeLessThanOrEqual(DIST_TOL);
  });

  it('per-class Dice matches numpy', () => {
    const m = fixture.multiclass;
    const classes = m.classes.map((c: any) => ({ id: c.id, name: `c${c.id}` }));
    const report = perClassDice(m.pred, m.ref, classes);
    report.classes.forEach((c, i) => {
      expect(c.present).toBe(m.classes[i].present);
      expect(c.dice).toBeCloseTo(m.classes[i].dice, 12);
    });
  });

  for (const w of fixture.wilcoxon) {
    it(`Wilcoxon signed-rank (@stdlib) matches scipy.stats.wilcoxon: ${w.name}`, () => {
      const { result } = wilcoxonSignedRank(w.differences);
      expect(result).not.toBeNull();
      expect(result!.statistic).toBeCloseTo(w.statistic_positive_ranks, 9);
      expect(result!.pValue).toBeCloseTo(w.p_value, 9);
    });
  }
});
