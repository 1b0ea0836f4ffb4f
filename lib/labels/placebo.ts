/**
 * Placebo splits of the background: K regions that carry no anatomy, for the
 * control arms of the study (docs/protocol.md, "Arms"). Both return an
 * auxiliary map in the form of a case's `aux`: 0 on every lesion voxel and
 * 1..K on every other voxel, so the K regions cover exactly the background.
 * Fed to buildBackSplitLabels, the lesion becomes class K+1 as in BackSplit.
 *
 * - `voronoiPlacebo`: K random Voronoi cells. K distinct seed points are drawn
 *   among the background voxels; every voxel goes to its nearest seed point in
 *   millimetres (ties to the lower cell). The cells follow nothing in the image,
 *   so a network cannot predict them from it. Every cell holds at least its
 *   seed point.
 * - `quantilePlacebo`: K intensity bands. The cut points are the background's
 *   empirical j/K quantiles q_j (the value at rank ⌊j·n/K⌋ of the n sorted
 *   background intensities, j = 1..K−1); a voxel of intensity v goes to band
 *   1 + #{j : v ≥ q_j}. The bands are a function of intensity alone (equal values
 *   share a band) and ordered: every value of band r is below every value of
 *   band r+1. Without ties each band holds ⌊n/K⌋ or ⌈n/K⌉ voxels; where many
 *   voxels share one value (an image padded with zeros) a band can be empty.
 */
import { Random } from '../core/random';
import { makeVolume, Volume, VoxelArray } from '../core/volume';
import { assertSameGrid } from '../core/grid';

function checkK(k: number, fn: string): void {
  if (!Number.isInteger(k) || k < 1 || k > 254) throw new RangeError(`${fn}: k must be an integer in 1..254, got ${k}`);
}

/** Indices of the voxels where the lesion mask is 0. */
function backgroundVoxels(lesion: Volume<VoxelArray>): Int32Array {
  const d = lesion.data;
  let n = 0;
  for (let p = 0; p < d.length; p++) if (d[p] === 0) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let p = 0; p < d.length; p++) if (d[p] === 0) out[n++] = p;
  return out;
}

/**
 * K random Voronoi cells over the background (0 on lesion voxels, 1..K elsewhere).
 * @param lesion lesion mask (nonzero = lesion); its grid is the output's
 * @param k number of cells
 * @param rng the stream the seed points are drawn from (consumed)
 * @throws RangeError when the background has fewer than k voxels
 * @example voronoiPlacebo(c.lesion, 6, new Random(0).fork(`placebo-voronoi/${c.id}`))
 */
export function voronoiPlacebo(lesion: Volume<VoxelArray>, k: number, rng: Random): Volume<Uint8Array> {
  checkK(k, 'voronoiPlacebo');
  const bg = backgroundVoxels(lesion);
  if (bg.length < k) throw new RangeError(`voronoiPlacebo: ${k} cells need at least ${k} background voxels, the mask has ${bg.length}`);
  const seeds: number[] = [];
  while (seeds.length < k) {
    const v = bg[rng.int(bg.length)];
    if (!seeds.includes(v)) seeds.push(v);
  }
  return voronoiCells(lesion, seeds);
}

/**
 * The Voronoi cells of given seed voxels over the background: cell c+1 holds the background
 * voxels nearest (in millimetres, by the mask's spacing) to seedVoxels[c], ties to the lower
 * cell; lesion voxels are 0.
 * @param seedVoxels voxel indices (x fastest) of the cells' seed points
 */
export function voronoiCells(lesion: Volume<VoxelArray>, seedVoxels: readonly number[]): Volume<Uint8Array> {
  checkK(seedVoxels.length, 'voronoiCells');
  const [nx, ny] = lesion.dims;
  const [sx, sy, sz] = lesion.spacing;
  const n = lesion.data.length;
  const bad = seedVoxels.find((v) => !Number.isInteger(v) || v < 0 || v >= n);
  if (bad !== undefined) throw new RangeError(`voronoiCells: seed voxel ${bad} is outside the grid of ${n} voxels`);
  const mm = (v: number) => [(v % nx) * sx, (Math.floor(v / nx) % ny) * sy, Math.floor(v / (nx * ny)) * sz];
  const seeds = seedVoxels.map(mm);
  const out = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    if (lesion.data[v] !== 0) continue;
    const [x, y, z] = mm(v);
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < seeds.length; c++) {
      const d = (x - seeds[c][0]) ** 2 + (y - seeds[c][1]) ** 2 + (z - seeds[c][2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    out[v] = best + 1;
  }
  return makeVolume(out, lesion.dims, lesion.spacing, lesion.affine);
}

/**
 * K intensity bands of the background (0 on lesion voxels, 1..K elsewhere, 1 the darkest).
 * @param image intensities on the lesion's grid (non-finite values are an error)
 * @param lesion lesion mask (nonzero = lesion)
 * @param k number of bands
 * @example quantilePlacebo(c.channels[0], c.lesion, 6)
 */
export function quantilePlacebo(image: Volume<VoxelArray>, lesion: Volume<VoxelArray>, k: number): Volume<Uint8Array> {
  checkK(k, 'quantilePlacebo');
  assertSameGrid(lesion, image, ['the lesion mask', 'the image']);
  const bg = backgroundVoxels(lesion);
  const values = Float64Array.from(bg, (p) => image.data[p]);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`quantilePlacebo: the image has a non-finite value (${values[bad]}) at voxel ${bg[bad]}`);
  const out = new Uint8Array(lesion.data.length);
  if (bg.length === 0) return makeVolume(out, lesion.dims, lesion.spacing, lesion.affine);
  const sorted = values.slice().sort();
  const cuts = Array.from({ length: k - 1 }, (_, j) => sorted[Math.floor(((j + 1) * sorted.length) / k)]);
  bg.forEach((p, i) => {
    let band = 1;
    while (band <= cuts.length && values[i] >= cuts[band - 1]) band++;
    out[p] = band;
  });
  return makeVolume(out, lesion.dims, lesion.spacing, lesion.affine);
}
