/**
 * Surface-distance metrics between a predicted and a reference binary mask:
 * HD95, normalised surface distance (NSD, "surface Dice") at a tolerance τ,
 * and the average symmetric surface distance (ASSD).
 *
 * Conventions (docs/metrics.md states them next to each metric):
 * - surface voxels = foreground voxels with at least one of their 6 face
 *   neighbours outside the mask; the image border counts as outside;
 * - distance from a surface voxel to the other mask's surface = exact
 *   Euclidean distance in mm between voxel centres (anisotropic spacing), from
 *   the linear-time distance transform in ./distance;
 * - percentiles use linear interpolation between order statistics, exactly
 *   numpy's default `np.percentile(x, q)` (method 'linear');
 * - HD95 = max(P95(pred→ref), P95(ref→pred)); null when either mask is empty;
 * - NSD(τ) = (#pred-surface voxels with d ≤ τ + #ref-surface voxels with d ≤ τ)
 *   / (#pred-surface + #ref-surface); 1 when both masks are empty, 0 when
 *   exactly one is;
 * - ASSD = mean of all pred→ref and ref→pred distances pooled together; null
 *   when either mask is empty.
 */
import { checkGrid, Grid } from '../core/grid';
import { Vec3, voxelCount } from '../core/volume';
import { squaredDistanceTransform } from './distance';
import { boundingBoxOfMasks, cropMask } from './mask';

/**
 * Surface voxels of a binary mask: foreground voxels with at least one
 * 6-neighbour that is background or outside the grid.
 * @param mask 0/1 mask, x fastest
 * @param dims [nx, ny, nz]
 * @returns 0/1 mask of the surface voxels
 * @example surfaceMask(new Uint8Array([1, 1, 1]), [3, 1, 1]) // all three: y and z neighbours are outside
 */
export function surfaceMask(mask: ArrayLike<number>, dims: Vec3): Uint8Array {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const out = new Uint8Array(voxelCount(dims));
  for (let k = 0; k < nz; k++) {
    const kEdge = k === 0 || k === nz - 1;
    for (let j = 0; j < ny; j++) {
      const jEdge = j === 0 || j === ny - 1;
      const row = nx * (j + ny * k);
      for (let i = 0; i < nx; i++) {
        const v = row + i;
        if (!mask[v]) continue;
        if (
          kEdge || jEdge || i === 0 || i === nx - 1 ||
          !mask[v - 1] || !mask[v + 1] || !mask[v - nx] || !mask[v + nx] || !mask[v - sxy] || !mask[v + sxy]
        ) {
          out[v] = 1;
        }
      }
    }
  }
  return out;
}

/**
 * The q-th percentile of `sorted` (ascending) with linear interpolation
 * between the closest ranks: position h = (q/100)·(n − 1), value
 * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). Same as numpy's default
 * `np.percentile(x, q)`.
 * @param sorted values in ascending order (at least one)
 * @param q percentile in [0, 100]
 * @example percentileOfSorted([1, 2, 3, 4], 95) // 3.85
 */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentileOfSorted: no values');
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentileOfSorted: q must be in [0, 100], got ${q}`);
  const h = (q / 100) * (n - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  // Interpolate from the nearer end, as numpy does, so t = 1 gives b exactly.
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Directed surface distances between two non-empty masks. */
export interface SurfaceDistances {
  /** distance (mm) from each predicted surface voxel to the nearest reference surface voxel */
  predToRef: Float64Array;
  /** distance (mm) from each reference surface voxel to the nearest predicted surface voxel */
  refToPred: Float64Array;
}

/**
 * Distances between the surfaces of two masks on the same grid, or null when
 * either mask is empty (distances are undefined then).
 *
 * Work is cropped to the bounding box of the union of both masks: every
 * surface voxel and every query lies inside it, and neighbours outside it are
 * background, so cropping changes neither the surfaces nor the distances.
 */
export function surfaceDistances(pred: Uint8Array, ref: Uint8Array, grid: Grid): SurfaceDistances | null {
  checkGrid(grid, pred.length, 'surfaceDistances (prediction)');
  checkGrid(grid, ref.length, 'surfaceDistances (reference)');
  const box = boundingBoxOfMasks([pred, ref], grid.dims);
  if (!box) return null;
  const cp = cropMask(pred, grid.dims, box);
  const cr = cropMask(ref, grid.dims, box);
  const dims = cp.dims;
  const predSurface = surfaceMask(cp.mask, dims);
  const refSurface = surfaceMask(cr.mask, dims);
  const predIdx = indicesOf(predSurface);
  const refIdx = indicesOf(refSurface);
  if (predIdx.length === 0 || refIdx.length === 0) return null;

  const buffer = new Float64Array(predSurface.length);
  const toRef = squaredDistanceTransform(refSurface, dims, grid.spacing, buffer, predSurface);
  const predToRef = new Float64Array(predIdx.length);
  for (let s = 0; s < predIdx.length; s++) predToRef[s] = Math.sqrt(toRef[predIdx[s]]);
  const toPred = squaredDistanceTransform(predSurface, dims, grid.spacing, buffer, refSurface);
  const refToPred = new Float64Array(refIdx.length);
  for (let s = 0; s < refIdx.length; s++) refToPred[s] = Math.sqrt(toPred[refIdx[s]]);
  return { predToRef, refToPred };
}

function indicesOf(mask: Uint8Array): Int32Array {
  let count = 0;
  for (let v = 0; v < mask.length; v++) if (mask[v]) count++;
  const idx = new Int32Array(count);
  let c = 0;
  for (let v = 0; v < mask.length; v++) if (mask[v]) idx[c++] = v;
  return idx;
}

/** Surface metrics of one prediction against one reference. */
export interface SurfaceMetrics {
  /** max of the two directed 95th percentiles, mm; null when either mask is empty */
  hd95Mm: number | null;
  /** P95 of predicted-surface → reference-surface distances, mm */
  hd95PredToRefMm: number | null;
  /** P95 of reference-surface → predicted-surface distances, mm */
  hd95RefToPredMm: number | null;
  /** Hausdorff distance (max of both directions), mm */
  hausdorffMm: number | null;
  /** normalised surface distance at `toleranceMm`; 1 when both empty, 0 when one is */
  nsd: number;
  /** the tolerance τ used for NSD, mm */
  toleranceMm: number;
  /** average symmetric surface distance (all distances of both directions pooled), mm */
  assdMm: number | null;
  /** mean predicted → reference surface distance, mm */
  meanPredToRefMm: number | null;
  /** mean reference → predicted surface distance, mm */
  meanRefToPredMm: number | null;
  predSurfaceVoxels: number;
  refSurfaceVoxels: number;
}

/** Options for {@link surfaceMetrics}. */
export interface SurfaceOptions {
  /** NSD tolerance τ in mm (default 1) */
  toleranceMm?: number;
  /** percentile for the robust Hausdorff distance (default 95) */
  percentile?: number;
}

/**
 * HD95, NSD(τ), ASSD and the directed variants for two binary masks.
 * @param pred predicted mask (0/1), x fastest
 * @param ref reference mask (0/1), same grid
 * @param grid dims and spacing (mm)
 * @param options `toleranceMm` (default 1), `percentile` (default 95)
 * @example
 * const m = surfaceMetrics(pred, ref, { dims: [64, 64, 32], spacing: [1, 1, 2] }, { toleranceMm: 2 });
 */
export function surfaceMetrics(pred: Uint8Array, ref: Uint8Array, grid: Grid, options: SurfaceOptions = {}): SurfaceMetrics {
  const toleranceMm = options.toleranceMm ?? 1;
  const percentile = options.percentile ?? 95;
  if (!(toleranceMm >= 0) || !Number.isFinite(toleranceMm)) {
    throw new RangeError(`surfaceMetrics: toleranceMm must be a finite number >= 0, got ${toleranceMm}`);
  }
  const dist = surfaceDistances(pred, ref, grid);
  if (!dist) {
    const predEmpty = !hasAny(pred);
    const refEmpty = !hasAny(ref);
    return {
      hd95Mm: null,
      hd95PredToRefMm: null,
      hd95RefToPredMm: null,
      hausdorffMm: null,
      nsd: predEmpty && refEmpty ? 1 : 0,
      toleranceMm,
      assdMm: null,
      meanPredToRefMm: null,
      meanRefToPredMm: null,
      predSurfaceVoxels: predEmpty ? 0 : countOnes(surfaceMask(pred, grid.dims)),
      refSurfaceVoxels: refEmpty ? 0 : countOnes(surfaceMask(ref, grid.dims)),
    };
  }
  return metricsFromDistances(dist, toleranceMm, percentile);
}

/** Surface metrics from already computed directed distances (both non-empty). */
export function metricsFromDistances(dist: SurfaceDistances, toleranceMm = 1, percentile = 95): SurfaceMetrics {
  const a = Float64Array.from(dist.predToRef).sort();
  const b = Float64Array.from(dist.refToPred).sort();
  const pa = percentileOfSorted(a, percentile);
  const pb = percentileOfSorted(b, percentile);
  let sumA = 0, sumB = 0, within = 0;
  for (let s = 0; s < a.length; s++) {
    sumA += a[s];
    if (a[s] <= toleranceMm) within++;
  }
  for (let s = 0; s < b.length; s++) {
    sumB += b[s];
    if (b[s] <= toleranceMm) within++;
  }
  return {
    hd95Mm: Math.max(pa, pb),
    hd95PredToRefMm: pa,
    hd95RefToPredMm: pb,
    hausdorffMm: Math.max(a[a.length - 1], b[b.length - 1]),
    nsd: within / (a.length + b.length),
    toleranceMm,
    assdMm: (sumA + sumB) / (a.length + b.length),
    meanPredToRefMm: sumA / a.length,
    meanRefToPredMm: sumB / b.length,
    predSurfaceVoxels: a.length,
    refSurfaceVoxels: b.length,
  };
}

function hasAny(mask: Uint8Array): boolean {
  for (let v = 0; v < mask.length; v++) if (mask[v]) return true;
  return false;
}

function countOnes(mask: Uint8Array): number {
  let c = 0;
  for (let v = 0; v < mask.length; v++) c += mask[v] ? 1 : 0;
  return c;
}
