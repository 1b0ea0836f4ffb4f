/**
 * Connected-component labelling of 3D binary masks (6-, 18- or 26-connectivity)
 * by the classic two-pass algorithm with union-find: the first raster pass
 * gives each foreground voxel a provisional label taken from its already
 * visited neighbours and records label equivalences in a disjoint-set forest;
 * the second pass replaces each label by its set's final id. Linear in the
 * number of voxels (up to the near-constant union-find factor).
 *
 * Final ids are 1..count in order of each component's first voxel in x-fastest
 * raster order; 0 is background.
 */
import type { Vec3 } from '../io/volume';
import { gridSize } from './mask';

/** Face (6), face+edge (18) or full (26) neighbourhood. */
export type Connectivity = 6 | 18 | 26;

/** Result of {@link labelComponents}. */
export interface ComponentLabels {
  /** component id per voxel (0 = background), x fastest */
  labels: Int32Array;
  /** number of components */
  count: number;
  /** voxels per component; sizes[0] is unused (0) */
  sizes: Int32Array;
}

// Bits telling which neighbour directions stay inside the grid for a voxel.
const I_MINUS = 1, I_PLUS = 2, J_MINUS = 4, J_PLUS = 8, K_MINUS = 16;

/** Neighbours visited before the current voxel in raster order, for a connectivity. */
function previousNeighbours(connectivity: Connectivity): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let dk = -1; dk <= 0; dk++) {
    for (let dj = -1; dj <= 1; dj++) {
      for (let di = -1; di <= 1; di++) {
        // Visited before (i, j, k) in x-fastest order:
        const before = dk < 0 || (dk === 0 && (dj < 0 || (dj === 0 && di < 0)));
        if (!before) continue;
        const order = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (connectivity === 6 && order > 1) continue;
        if (connectivity === 18 && order > 2) continue;
        out.push([di, dj, dk]);
      }
    }
  }
  return out;
}

/**
 * Label the connected components of a binary mask.
 * @param mask voxel values (non-zero = foreground), x fastest
 * @param dims [nx, ny, nz]
 * @param connectivity 6, 18 or 26 (default 26: voxels touching by a face, edge or corner)
 * @example
 * const { count } = labelComponents(new Uint8Array([1, 0, 1]), [3, 1, 1]); // 2
 */
export function labelComponents(mask: ArrayLike<number>, dims: Vec3, connectivity: Connectivity = 26): ComponentLabels {
  if (connectivity !== 6 && connectivity !== 18 && connectivity !== 26) {
    throw new RangeError(`labelComponents: connectivity must be 6, 18 or 26, got ${connectivity}`);
  }
  const [nx, ny, nz] = dims;
  const n = gridSize(dims);
  if (mask.length !== n) {
    throw new RangeError(`labelComponents: mask has ${mask.length} voxels, dims ${dims.join('x')} need ${n}`);
  }
  const neighbours = previousNeighbours(connectivity);
  const m = neighbours.length;
  const offset = new Int32Array(m);
  const need = new Int32Array(m);
  for (let t = 0; t < m; t++) {
    const [di, dj, dk] = neighbours[t];
    offset[t] = di + nx * (dj + ny * dk);
    need[t] =
      (di < 0 ? I_MINUS : 0) | (di > 0 ? I_PLUS : 0) | (dj < 0 ? J_MINUS : 0) | (dj > 0 ? J_PLUS : 0) | (dk < 0 ? K_MINUS : 0);
  }

  let foreground = 0;
  for (let v = 0; v < n; v++) if (mask[v]) foreground++;
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
        if (!mask[v]) continue;
        const avail = jkBits | (i > 0 ? I_MINUS : 0) | (i < nx - 1 ? I_PLUS : 0);
        let label = 0;
        for (let t = 0; t < m; t++) {
          if ((need[t] & avail) !== need[t]) continue;
          const other = labels[v + offset[t]];
          if (other === 0) continue;
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
  let count = 0;
  for (let v = 0; v < n; v++) {
    const l = labels[v];
    if (l === 0) continue;
    const root = find(l);
    let id = finalId[root];
    if (id === 0) {
      id = ++count;
      finalId[root] = id;
    }
    labels[v] = id;
  }
  const sizes = new Int32Array(count + 1);
  for (let v = 0; v < n; v++) sizes[labels[v]]++;
  sizes[0] = 0;
  return { labels, count, sizes };
}
