/**
 * Binary and label morphology on 3D grids (x-fastest): erosion, dilation,
 * connected components and boundary detection. Used by noisy-label simulation
 * and by dataset cropping. Neighbourhoods: 6 (faces) or 26 (faces, edges, corners).
 */
import type { Vec3 } from '../io/volume';

export type Connectivity = 6 | 26;

/** Neighbour offsets [di, dj, dk] of a connectivity. */
export function neighbourOffsets(connectivity: Connectivity): Vec3[] {
  const out: Vec3[] = [];
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const m = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (m === 0) continue;
        if (connectivity === 6 && m !== 1) continue;
        out.push([di, dj, dk]);
      }
  return out;
}

/**
 * Binary erosion: a voxel stays set when it and all its neighbours are set.
 * Voxels outside the grid count as unset (so the border erodes).
 * @param mask 0/nonzero values
 * @param iterations number of erosions (default 1)
 */
export function erode(mask: ArrayLike<number>, dims: Vec3, iterations = 1, connectivity: Connectivity = 6): Uint8Array {
  let cur = Uint8Array.from(mask as ArrayLike<number>, (v) => (v ? 1 : 0));
  const offs = neighbourOffsets(connectivity);
  const [nx, ny, nz] = dims;
  for (let it = 0; it < iterations; it++) {
    const next = new Uint8Array(cur.length);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const p = i + nx * (j + ny * k);
          if (!cur[p]) continue;
          let keep = 1;
          for (const [di, dj, dk] of offs) {
            const a = i + di;
            const b = j + dj;
            const c = k + dk;
            if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz || !cur[a + nx * (b + ny * c)]) {
              keep = 0;
              break;
            }
          }
          next[p] = keep;
        }
    cur = next;
  }
  return cur;
}

/**
 * Binary dilation: a voxel becomes set when it or any neighbour is set.
 * @param iterations number of dilations (default 1)
 */
export function dilate(mask: ArrayLike<number>, dims: Vec3, iterations = 1, connectivity: Connectivity = 6): Uint8Array {
  let cur = Uint8Array.from(mask as ArrayLike<number>, (v) => (v ? 1 : 0));
  const offs = neighbourOffsets(connectivity);
  const [nx, ny, nz] = dims;
  for (let it = 0; it < iterations; it++) {
    const next = Uint8Array.from(cur);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const p = i + nx * (j + ny * k);
          if (!cur[p]) continue;
          for (const [di, dj, dk] of offs) {
            const a = i + di;
            const b = j + dj;
            const c = k + dk;
            if (a >= 0 && b >= 0 && c >= 0 && a < nx && b < ny && c < nz) next[a + nx * (b + ny * c)] = 1;
          }
        }
    cur = next;
  }
  return cur;
}

/** Result of labelComponents: component id per voxel (0 = unset, 1..count), and sizes (index = id). */
export interface Components {
  labels: Int32Array;
  count: number;
  /** sizes[id] voxels; sizes[0] = 0. */
  sizes: number[];
}

/** Same-label connected components: voxels connect only to neighbours of the same nonzero label. */
export function labelComponents(labels: ArrayLike<number>, dims: Vec3, connectivity: Connectivity = 6): Components & { classOf: number[] } {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const comp = new Int32Array(n);
  const offs = neighbourOffsets(connectivity);
  const queue = new Int32Array(n);
  const sizes = [0];
  const classOf = [0];
  let count = 0;
  for (let s = 0; s < n; s++) {
    const lab = labels[s];
    if (!lab || comp[s]) continue;
    count++;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    comp[s] = count;
    while (head < tail) {
      const p = queue[head++];
      const i = p % nx;
      const j = Math.floor(p / nx) % ny;
      const k = Math.floor(p / (nx * ny));
      for (const [di, dj, dk] of offs) {
        const a = i + di;
        const b = j + dj;
        const c = k + dk;
        if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
        const q = a + nx * (b + ny * c);
        if (labels[q] === lab && !comp[q]) {
          comp[q] = count;
          queue[tail++] = q;
        }
      }
    }
    sizes.push(tail);
    classOf.push(lab);
  }
  return { labels: comp, count, sizes, classOf };
}

/** Voxels whose label differs from at least one in-grid neighbour (the grid edge does not count). */
export function labelBoundary(labels: ArrayLike<number>, dims: Vec3, connectivity: Connectivity = 6): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(nx * ny * nz);
  const offs = neighbourOffsets(connectivity);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const p = i + nx * (j + ny * k);
        for (const [di, dj, dk] of offs) {
          const a = i + di;
          const b = j + dj;
          const c = k + dk;
          if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
          if (labels[a + nx * (b + ny * c)] !== labels[p]) {
            out[p] = 1;
            break;
          }
        }
      }
  return out;
}
