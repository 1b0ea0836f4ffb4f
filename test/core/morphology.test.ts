/**
 * lib/core morphology: erosion/dilation counts, label boundaries, the 18-neighbour
 * dilation used by BraTS-style lesion matching, and connected components checked
 * against independent flood fills (binary masks and same-label components) on
 * random volumes, with the raster-order numbering that lesion lists rely on.
 */
import { describe, expect, it } from 'vitest';
import { Connectivity, dilate, erode, labelBoundary, labelComponents, neighbourOffsets } from '../../lib/core/morphology';
import type { Vec3 } from '../../lib/core/volume';
import { uniformSource, maskFrom, CUBE_DIMS, at, cube, count } from './helpers';

const dims = CUBE_DIMS;

describe('erosion, dilation, boundaries (7³ grid)', () => {
  it('erosion/dilation exact counts', () => {
    expect(count(erode(cube(), dims, 1, 6), 1)).toBe(1);
    expect(count(erode(cube(), dims, 1, 26), 1)).toBe(1);
    const one = new Uint8Array(343);
    one[at(3, 3, 3)] = 1;
    expect(count(dilate(one, dims, 1, 6), 1)).toBe(7);
    expect(count(dilate(one, dims, 1, 26), 1)).toBe(27);
    expect(count(dilate(one, dims, 2, 6), 1)).toBe(25);
  });
  it('components and boundary', () => {
    const a = cube();
    a[at(0, 0, 0)] = 1;
    a[at(5, 5, 5)] = 1; // touches the cube's corner (4,4,4) only diagonally
    expect(labelComponents(a, dims, 26).count).toBe(2);
    expect(labelComponents(a, dims, 6).count).toBe(3);
    expect(count(labelBoundary(cube(), dims, 6), 1)).toBe(26 + 54); // 26 cube voxels + 54 face neighbours outside
  });
});

describe('dilation', () => {
  it('dilates with the 18-neighbourhood (no corners)', () => {
    const d3: Vec3 = [3, 3, 3];
    const one = dilate(maskFrom(d3, [[1, 1, 1]]), d3, 1, 18);
    expect(one.reduce((a, b) => a + b, 0)).toBe(19);
    expect(one[0]).toBe(0); // corner (0,0,0) is not an 18-neighbour
    expect(dilate(maskFrom(d3, [[1, 1, 1]]), d3, 2, 18).reduce((a, b) => a + b, 0)).toBe(27);
  });

  it('equals repeated full-grid dilation for 6, 18 and 26 on random masks', () => {
    const rand = uniformSource(5);
    const d: Vec3 = [9, 7, 6];
    const [nx, ny, nz] = d;
    for (const conn of [6, 18, 26] as Connectivity[]) {
      const mask = new Uint8Array(nx * ny * nz);
      for (let v = 0; v < mask.length; v++) mask[v] = rand() < 0.05 ? 1 : 0;
      let ref = Uint8Array.from(mask);
      for (let it = 1; it <= 3; it++) {
        const next = Uint8Array.from(ref);
        for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
          if (!ref[i + nx * (j + ny * k)]) continue;
          for (const [a, b, c] of neighbourOffsets(conn)) {
            const x = i + a, y = j + b, z = k + c;
            if (x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz) next[x + nx * (y + ny * z)] = 1;
          }
        }
        ref = next;
        expect(Array.from(dilate(mask, d, it, conn))).toEqual(Array.from(ref));
      }
    }
  });

  it('rejects other connectivities', () => {
    expect(() => dilate(new Uint8Array(1), [1, 1, 1], 1, 4 as Connectivity)).toThrow(/6, 18 or 26/);
    expect(() => erode(new Uint8Array(1), [1, 1, 1], 1, 8 as Connectivity)).toThrow(/6, 18 or 26/);
  });
});

/** Flood fill with an explicit neighbourhood: an independent labelling. */
function floodFillLabels(mask: ArrayLike<number>, dims: Vec3, conn: Connectivity): Int32Array {
  const [nx, ny, nz] = dims;
  const labels = new Int32Array(mask.length);
  const offs: Vec3[] = [];
  for (let c = -1; c <= 1; c++) for (let b = -1; b <= 1; b++) for (let a = -1; a <= 1; a++) {
    const o = Math.abs(a) + Math.abs(b) + Math.abs(c);
    if (o > 0 && (conn === 26 || (conn === 18 && o <= 2) || (conn === 6 && o === 1))) offs.push([a, b, c]);
  }
  let next = 0;
  for (let v = 0; v < mask.length; v++) {
    if (!mask[v] || labels[v]) continue;
    labels[v] = ++next;
    const stack = [v];
    while (stack.length) {
      const u = stack.pop()!;
      const i = u % nx, j = Math.floor(u / nx) % ny, k = Math.floor(u / (nx * ny));
      for (const [a, b, c] of offs) {
        const x = i + a, y = j + b, z = k + c;
        if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) continue;
        const w = x + nx * (y + ny * z);
        if (mask[w] === mask[v] && !labels[w]) {
          labels[w] = next;
          stack.push(w);
        }
      }
    }
  }
  return labels;
}

describe('connected components', () => {
  it('separates diagonal contacts by connectivity', () => {
    const dims: Vec3 = [3, 3, 3];
    const corner = maskFrom(dims, [[0, 0, 0], [1, 1, 1]]);
    const edge = maskFrom(dims, [[0, 0, 0], [1, 1, 0]]);
    expect(labelComponents(corner, dims, 26).count).toBe(1);
    expect(labelComponents(corner, dims, 18).count).toBe(2);
    expect(labelComponents(edge, dims, 18).count).toBe(1);
    expect(labelComponents(edge, dims, 6).count).toBe(2);
  });

  it('merges provisional labels (U shapes) and numbers components in raster order', () => {
    // j=0: 1 0 1 0 1 ; j=1: 1 0 1 0 1 ; j=2: 1 1 1 1 1  → one component; plus a lone voxel in slice k=2.
    const dims: Vec3 = [5, 3, 3];
    const vox: Array<[number, number, number]> = [];
    for (let j = 0; j < 2; j++) for (const i of [0, 2, 4]) vox.push([i, j, 0]);
    for (let i = 0; i < 5; i++) vox.push([i, 2, 0]);
    vox.push([4, 0, 2]);
    const cc = labelComponents(maskFrom(dims, vox), dims, 6);
    expect(cc.count).toBe(2);
    expect(Array.from(cc.sizes)).toEqual([0, 11, 1]);
    expect(cc.labels[0]).toBe(1);
    expect(cc.labels[4 + 5 * 3 * 2]).toBe(2);
  });

  it('matches an independent flood fill on random volumes for 6, 18 and 26', () => {
    const rand = uniformSource(17);
    const dims: Vec3 = [15, 12, 10];
    for (const density of [0.15, 0.3, 0.5]) {
      const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
      for (let v = 0; v < mask.length; v++) mask[v] = rand() < density ? 1 : 0;
      for (const conn of [6, 18, 26] as Connectivity[]) {
        const ours = labelComponents(mask, dims, conn);
        const ref = floodFillLabels(mask, dims, conn);
        // Both number components by first voxel in raster order, so labels agree exactly.
        expect(Array.from(ours.labels)).toEqual(Array.from(ref));
      }
    }
  });

  it('rejects other connectivities', () => {
    expect(() => labelComponents(new Uint8Array(1), [1, 1, 1], 8 as Connectivity)).toThrow(/6, 18 or 26/);
  });
});

describe('same-label components', () => {
  it('joins only neighbours of equal value and reports each component value', () => {
    const d: Vec3 = [4, 1, 1];
    const cc = labelComponents(Uint8Array.from([2, 2, 3, 0]), d, 6);
    expect(cc.count).toBe(2);
    expect(Array.from(cc.labels)).toEqual([1, 1, 2, 0]);
    expect(Array.from(cc.sizes)).toEqual([0, 2, 1]);
    expect(cc.classOf).toEqual([0, 2, 3]);
    expect(labelComponents(Float32Array.from([NaN, 1, 1, 0]), d, 26).count).toBe(1);
  });

  it('matches an independent flood fill on random label maps for 6, 18 and 26', () => {
    const rand = uniformSource(23);
    const d: Vec3 = [13, 11, 9];
    const labels = new Uint8Array(d[0] * d[1] * d[2]);
    for (let v = 0; v < labels.length; v++) labels[v] = Math.floor(rand() * 4);
    for (const conn of [6, 18, 26] as Connectivity[]) {
      const ours = labelComponents(labels, d, conn);
      const ref = floodFillLabels(labels, d, conn);
      expect(Array.from(ours.labels)).toEqual(Array.from(ref));
      for (let v = 0; v < labels.length; v++) if (labels[v]) expect(ours.classOf[ours.labels[v]]).toBe(labels[v]);
    }
  });
});
