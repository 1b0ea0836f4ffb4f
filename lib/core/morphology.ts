/**
 * Morphology on 3D grids (x-fastest: voxel (i, j, k) at i + nx·(j + ny·k)): binary
 * erosion and dilation, label boundaries, and connected components. The neighbourhood
 * is always given explicitly: 6 (faces), 18 (faces and edges) or 26 (faces, edges
 * and corners). Voxels outside the grid are background.
 *
 * Components are found by the classic two-pass algorithm with union-find: the first
 * raster pass gives each foreground voxel a provisional label taken from its already
 * visited neighbours of the same value and records equivalences in a disjoint-set
 * forest; the second pass replaces each label by its set's final id. Final ids are
 * 1..count in order of each component's first voxel in x-fastest raster order (the
 * order lesion lists are reported in); 0 is background.
 */
import { Vec3, voxelCount, mapToUint8 } from './volume';

/** Face (6), face+edge (18) or full (26) neighbourhood. */
export type Connectivity = 6 | 18 | 26;

function checkConnectivity(connectivity: number, where: string): void {
  if (connectivity !== 6 && connectivity !== 18 && connectivity !== 26) {
    throw new RangeError(`${where}: connectivity must be 6, 18 or 26, got ${connectivity}`);
  }
}

/** Neighbour offsets [di, dj, dk] of a connectivity, dk slowest, then dj, then di. */
export function neighbourOffsets(connectivity: Connectivity): Vec3[] {
  checkConnectivity(connectivity, 'neighbourOffsets');
  const out: Vec3[] = [];
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const m = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (m === 0) continue;
        if (connectivity === 6 && m !== 1) continue;
        if (connectivity === 18 && m > 2) continue;
        out.push([di, dj, dk]);
      }
  return out;
}

/**
 * Binary erosion: a voxel stays set when it and all its neighbours are set.
 * Voxels outside the grid count as unset (so the border erodes).
 * @param mask 0/nonzero values
 * @param iterations number of erosions
 */
export function erode(mask: ArrayLike<number>, dims: Vec3, iterations: number, connectivity: Connectivity): Uint8Array {
  let cur = mapToUint8(mask, (v) => (v ? 1 : 0));
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
 * Binary dilation: a voxel becomes set when it or any neighbour is set, `iterations`
 * times; voxels outside the grid are background. With 18-connectivity this matches
 * `scipy.ndimage.binary_dilation(mask, generate_binary_structure(3, 2), iterations)`.
 * Works on the growing front only, so the cost scales with the dilated volume, not the grid.
 * @param mask non-zero = foreground, x fastest
 * @param iterations number of dilation steps (>= 0)
 */
export function dilate(mask: ArrayLike<number>, dims: Vec3, iterations: number, connectivity: Connectivity): Uint8Array {
  const [nx, ny, nz] = dims;
  const n = voxelCount(dims);
  const out = new Uint8Array(n);
  let front: number[] = [];
  for (let v = 0; v < n; v++) {
    if (mask[v]) {
      out[v] = 1;
      front.push(v);
    }
  }
  // Per offset, the grid-boundary conditions it needs (bits: i−, i+, j−, j+, k−, k+).
  const offs = neighbourOffsets(connectivity);
  const offset = offs.map(([di, dj, dk]) => di + nx * (dj + ny * dk));
  const need = offs.map(([di, dj, dk]) => (di < 0 ? 1 : 0) | (di > 0 ? 2 : 0) | (dj < 0 ? 4 : 0) | (dj > 0 ? 8 : 0) | (dk < 0 ? 16 : 0) | (dk > 0 ? 32 : 0));
  const sxy = nx * ny;
  for (let it = 0; it < iterations && front.length > 0; it++) {
    const nextFront: number[] = [];
    for (let f = 0; f < front.length; f++) {
      const v = front[f];
      const k = Math.floor(v / sxy);
      const rem = v - k * sxy;
      const j = Math.floor(rem / nx);
      const i = rem - j * nx;
      const avail =
        (i > 0 ? 1 : 0) | (i < nx - 1 ? 2 : 0) | (j > 0 ? 4 : 0) | (j < ny - 1 ? 8 : 0) | (k > 0 ? 16 : 0) | (k < nz - 1 ? 32 : 0);
      for (let t = 0; t < offset.length; t++) {
        if ((need[t] & avail) !== need[t]) continue;
        const w = v + offset[t];
        if (!out[w]) {
          out[w] = 1;
          nextFront.push(w);
        }
      }
    }
    front = nextFront;
  }
  return out;
}

/** Voxels whose label differs from at least one in-grid neighbour (the grid edge does not count). */
export function labelBoundary(labels: ArrayLike<number>, dims: Vec3, connectivity: Connectivity): Uint8Array {
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

/** Result of {@link labelComponents}. */
export interface ComponentLabels {
  /** component id per voxel (0 = background), x fastest */
  labels: Int32Array;
  /** number of components */
  count: number;
  /** voxels per component; sizes[0] is unused (0) */
  sizes: Int32Array;
  /** the voxel value of each component; classOf[0] is unused (0) */
  classOf: number[];
}

// Bits telling which neighbour directions stay inside the grid for a voxel.
const I_MINUS = 1, I_PLUS = 2, J_MINUS = 4, J_PLUS = 8, K_MINUS = 16;

/** Neighbours visited before the current voxel in raster order, with their offsets and grid-edge needs. */
function previousNeighbours(connectivity: Connectivity, nx: number, ny: number): { offset: Int32Array; need: Int32Array } {
  const before = neighbourOffsets(connectivity).filter(([di, dj, dk]) => dk < 0 || (dk === 0 && (dj < 0 || (dj === 0 && di < 0))));
  const offset = new Int32Array(before.length);
  const need = new Int32Array(before.length);
  before.forEach(([di, dj, dk], t) => {
    offset[t] = di + nx * (dj + ny * dk);
    need[t] = (di < 0 ? I_MINUS : 0) | (di > 0 ? I_PLUS : 0) | (dj < 0 ? J_MINUS : 0) | (dj > 0 ? J_PLUS : 0) | (dk < 0 ? K_MINUS : 0);
  });
  return { offset, need };
}

/**
 * Label connected components: voxels connect to neighbours holding the same non-zero
 * value, so a binary mask gives its foreground components and a label map gives
 * same-label components (binarise first to join touching labels). 0 and NaN are background.
 * @param values voxel values, x fastest
 * @param dims [nx, ny, nz]
 * @param connectivity 6, 18 or 26 (26: voxels touching by a face, edge or corner)
 * @example
 * const { count } = labelComponents(new Uint8Array([1, 0, 1]), [3, 1, 1], 26); // 2
 */
export function labelComponents(values: ArrayLike<number>, dims: Vec3, connectivity: Connectivity): ComponentLabels {
  checkConnectivity(connectivity, 'labelComponents');
  const [nx, ny, nz] = dims;
  const n = voxelCount(dims);
  if (values.length !== n) {
    throw new RangeError(`labelComponents: mask has ${values.length} voxels, dims ${dims.join('x')} need ${n}`);
  }
  const { offset, need } = previousNeighbours(connectivity, nx, ny);
  const m = offset.length;

  let foreground = 0;
  for (let v = 0; v < n; v++) if (values[v]) foreground++;
  const labels = new Int32Array(n);
  // parent[l] for provisional labels 1..next-1; roots are the smallest label of their set.
  const parent = new Int32Array(foreground + 1);
  let next = 1;

  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]]; // path halving
      x = parent[x];
    }
    return x;
  };

  for (let k = 0; k < nz; k++) {
    const kBits = k > 0 ? K_MINUS : 0;
    for (let j = 0; j < ny; j++) {
      const jkBits = kBits | (j > 0 ? J_MINUS : 0) | (j < ny - 1 ? J_PLUS : 0);
      const row = nx * (j + ny * k);
      for (let i = 0; i < nx; i++) {
        const v = row + i;
        const value = values[v];
        if (!value) continue;
        const avail = jkBits | (i > 0 ? I_MINUS : 0) | (i < nx - 1 ? I_PLUS : 0);
        let label = 0;
        for (let t = 0; t < m; t++) {
          if ((need[t] & avail) !== need[t]) continue;
          const w = v + offset[t];
          const other = labels[w];
          if (other === 0 || values[w] !== value) continue;
          if (label === 0) {
            label = other;
          } else if (other !== label) {
            const ra = find(label);
            const rb = find(other);
            if (ra < rb) parent[rb] = ra;
            else if (rb < ra) parent[ra] = rb;
          }
        }
        if (label === 0) {
          label = next++;
          parent[label] = label;
        }
        labels[v] = label;
      }
    }
  }

  // Second pass: provisional label → final consecutive id (first-appearance order).
  const finalId = new Int32Array(next);
  const classOf = [0];
  let count = 0;
  for (let v = 0; v < n; v++) {
    const l = labels[v];
    if (l === 0) continue;
    const root = find(l);
    let id = finalId[root];
    if (id === 0) {
      id = ++count;
      finalId[root] = id;
      classOf.push(values[v]);
    }
    labels[v] = id;
  }
  const sizes = new Int32Array(count + 1);
  for (let v = 0; v < n; v++) sizes[labels[v]]++;
  sizes[0] = 0;
  return { labels, count, sizes, classOf };
}
