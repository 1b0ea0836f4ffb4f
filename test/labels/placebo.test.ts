/**
 * Placebo splits of the background on hand-made volumes: Voronoi cells deterministic per
 * stream and per case, K regions covering exactly the background (never the lesion), cells
 * that are nearest-seed regions in millimetres; quantile bands ordered by intensity, equal
 * values in one band, by-hand cut points; and the case-level labels in BackSplit form.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/core/random';
import { makeVolume, Vec3 } from '../../lib/core/volume';
import type { SegmentationCase } from '../../lib/core/types';
import { quantilePlacebo, voronoiCells, voronoiPlacebo } from '../../lib/labels/placebo';
import { labelsForCase, placeboLabelsForCase } from '../../lib/labels/case';

/** A 12×10×4 grid (1×1×2 mm) with a 3×3×2 lesion block. */
function lesionBlock(): ReturnType<typeof makeVolume<Uint8Array>> {
  const dims: Vec3 = [12, 10, 4];
  const d = new Uint8Array(12 * 10 * 4);
  for (let z = 1; z < 3; z++) for (let y = 4; y < 7; y++) for (let x = 5; x < 8; x++) d[x + 12 * (y + 10 * z)] = 1;
  return makeVolume(d, dims, [1, 1, 2]);
}

function regionSizes(map: Uint8Array, k: number): number[] {
  const n = new Array<number>(k + 1).fill(0);
  for (const v of map) n[v]++;
  return n;
}

describe('voronoiPlacebo', () => {
  it('covers exactly the background with K non-empty cells and leaves the lesion 0', () => {
    const lesion = lesionBlock();
    const cells = voronoiPlacebo(lesion, 5, new Random(3));
    expect(cells.dims).toEqual(lesion.dims);
    lesion.data.forEach((l, p) => {
      if (l) expect(cells.data[p]).toBe(0);
      else expect(cells.data[p]).toBeGreaterThanOrEqual(1);
    });
    const sizes = regionSizes(cells.data, 5);
    expect(sizes[0]).toBe(18);
    expect(Math.max(...cells.data)).toBe(5);
    expect(sizes.slice(1).every((s) => s > 0)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(480);
  });

  it('is the same for the same stream and differs for another one', () => {
    const lesion = lesionBlock();
    const a = voronoiPlacebo(lesion, 4, new Random(7).fork('placebo-voronoi/case_0'));
    const b = voronoiPlacebo(lesion, 4, new Random(7).fork('placebo-voronoi/case_0'));
    const c = voronoiPlacebo(lesion, 4, new Random(8).fork('placebo-voronoi/case_0'));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('gives every voxel the cell of its nearest seed point in millimetres (voronoiCells by hand)', () => {
    // 3×1×2 grid, 1 mm in x, 3 mm in z; seeds (x0, z0) = voxel 0 and (x2, z1) = voxel 5.
    // Voxel (x2, z0): 2 mm from the first seed, 3 mm from the second (in voxel steps it would be 2 vs 1).
    const lesion = makeVolume(new Uint8Array(6), [3, 1, 2], [1, 1, 3]);
    expect(Array.from(voronoiCells(lesion, [0, 5]).data)).toEqual([1, 1, 1, 2, 2, 2]);
    // ties go to the lower cell: voxel 1 is 1 mm from both seeds 0 and 2
    expect(Array.from(voronoiCells(makeVolume(new Uint8Array(3), [3, 1, 1]), [0, 2]).data)).toEqual([1, 1, 2]);
    // a lesion voxel stays 0 even when it is a seed point's neighbour
    expect(Array.from(voronoiCells(makeVolume(Uint8Array.from([0, 1, 0]), [3, 1, 1]), [2, 0]).data)).toEqual([2, 0, 1]);
    expect(() => voronoiCells(lesion, [0, 6])).toThrow(/seed voxel 6 is outside the grid of 6 voxels/);
  });

  it('draws distinct seed points among background voxels: K = all background voxels gives one voxel per cell', () => {
    const lesion = makeVolume(Uint8Array.from([0, 1, 0, 0, 1, 0]), [6, 1, 1]);
    const cells = voronoiPlacebo(lesion, 4, new Random(2)).data;
    expect(Array.from(cells).filter((v) => v > 0).sort()).toEqual([1, 2, 3, 4]);
    expect([cells[1], cells[4]]).toEqual([0, 0]);
  });

  it('refuses more cells than background voxels and a bad K', () => {
    const tiny = makeVolume(Uint8Array.from([1, 0, 0, 1]), [4, 1, 1]);
    expect(() => voronoiPlacebo(tiny, 3, new Random(0))).toThrow(/3 cells need at least 3 background voxels, the mask has 2/);
    expect(() => voronoiPlacebo(tiny, 0, new Random(0))).toThrow(/k must be an integer in 1\.\.254, got 0/);
  });
});

describe('quantilePlacebo', () => {
  it('bands the background by intensity with the cut points computed by hand', () => {
    // 8 voxels, voxel 3 is lesion; background values 7, 1, 5, 3, 8, 2, 6 (sorted 1 2 3 5 6 7 8), K = 3
    // cut points: ranks ⌊7/3⌋ = 2 and ⌊14/3⌋ = 4 → values 3 and 6; bands v < 3, 3 ≤ v < 6, v ≥ 6
    const image = makeVolume(Float32Array.from([7, 1, 5, 100, 3, 8, 2, 6]), [8, 1, 1]);
    const lesion = makeVolume(Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0]), [8, 1, 1]);
    expect(Array.from(quantilePlacebo(image, lesion, 3).data)).toEqual([3, 1, 2, 0, 2, 3, 1, 3]);
  });

  it('orders the bands: every value of band r is below every value of band r+1; equal values share a band', () => {
    const rng = new Random(4);
    const lesion = lesionBlock();
    // rounded noise: many ties
    const image = makeVolume(Float32Array.from(lesion.data, () => Math.round(rng.normal(0, 3))), lesion.dims, lesion.spacing);
    const bands = quantilePlacebo(image, lesion, 4).data;
    const byBand = new Map<number, number[]>();
    const bandOfValue = new Map<number, number>();
    bands.forEach((b, p) => {
      if (lesion.data[p]) {
        expect(b).toBe(0);
        return;
      }
      expect(b).toBeGreaterThanOrEqual(1);
      byBand.set(b, [...(byBand.get(b) ?? []), image.data[p]]);
      if (bandOfValue.has(image.data[p])) expect(bandOfValue.get(image.data[p])).toBe(b);
      bandOfValue.set(image.data[p], b);
    });
    expect([...byBand.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (let r = 1; r < 4; r++) expect(Math.max(...byBand.get(r)!)).toBeLessThan(Math.min(...byBand.get(r + 1)!));
    // without ties the bands hold ⌊n/K⌋ or ⌈n/K⌉ voxels
    const distinct = makeVolume(Float32Array.from(lesion.data, (_, p) => Math.sin(p * 12.9898) * 1000), lesion.dims, lesion.spacing);
    const sizes = regionSizes(quantilePlacebo(distinct, lesion, 4).data, 4);
    expect(sizes).toEqual([18, 115, 116, 115, 116]);
  });

  it('refuses a non-finite intensity and another grid, naming them', () => {
    const lesion = makeVolume(new Uint8Array(4), [4, 1, 1]);
    expect(() => quantilePlacebo(makeVolume(Float32Array.from([0, NaN, 1, 2]), [4, 1, 1]), lesion, 2)).toThrow(/non-finite value \(NaN\) at voxel 1/);
    expect(() => quantilePlacebo(makeVolume(new Float32Array(6), [6, 1, 1]), lesion, 2)).toThrow(/the lesion mask has dims 4x1x1 but the image has dims 6x1x1/);
  });
});

describe('placeboLabelsForCase', () => {
  const lesion = lesionBlock();
  const rng = new Random(9);
  const c: SegmentationCase = {
    id: 'case_3',
    channels: [makeVolume(Float32Array.from(lesion.data, () => rng.normal()), lesion.dims, lesion.spacing)],
    channelNames: ['t1'],
    lesion,
    aux: makeVolume(new Uint8Array(lesion.data.length).fill(1), lesion.dims, lesion.spacing),
    auxNames: ['organ'],
  };

  it('puts the lesion in class K+1 on the same voxels as the binary labels, the K regions in 1..K', () => {
    for (const kind of ['placebo-voronoi', 'placebo-quantile'] as const) {
      const t = placeboLabelsForCase(c, kind, 3, 0);
      expect([t.numClasses, t.lesionClass]).toEqual([5, 4]);
      expect(t.classes.map((k) => k.name)).toEqual(['background', ...[1, 2, 3].map((i) => `${kind.slice(8)}${i}`), 'lesion']);
      expect(t.classes[0].voxels).toBe(0);
      const binary = labelsForCase(c, 'binary').labels.data;
      t.labels.data.forEach((v, p) => expect(v === 4).toBe(binary[p] === 1));
    }
  });

  it('draws the Voronoi cells from the seed and the case id', () => {
    const cells = (seed: number, id: string) => Array.from(placeboLabelsForCase({ ...c, id }, 'placebo-voronoi', 3, seed).labels.data);
    expect(cells(0, 'case_3')).toEqual(cells(0, 'case_3'));
    expect(cells(0, 'case_3')).not.toEqual(cells(1, 'case_3'));
    expect(cells(0, 'case_3')).not.toEqual(cells(0, 'case_4'));
    expect(cells(0, 'case_3')).toEqual(Array.from(voronoiPlacebo(lesion, 3, new Random(0).fork('placebo-voronoi/case_3')).data.map((v) => (v === 0 ? 4 : v))));
  });
});
