/**
 * Sliding-window inference over whole volumes (nnU-Net style): tiles of the
 * training patch size with a configurable overlap, softmax probabilities
 * weighted by a Gaussian importance map (σ = patch/8 per axis, so tile
 * centres count more than tile borders), normalised by the summed weights.
 * A 2D model runs slice by slice along z.
 */
import * as tf from '@tensorflow/tfjs';
import { Vec3 } from '../core/volume';
import { SegmentationModel } from '../model/model';
import { patch3 } from './sampler';

export interface SlidingWindowOptions {
  /** Model patch size: [H, W] (2D model) or [D, H, W] (3D model). */
  patchSize: number[];
  /** Fraction of a tile shared with its neighbour along each axis, in [0, 1). Default 0.5. */
  overlap?: number;
  /** Tiles per forward pass. Default {@link defaultTileBatch} of the patch. */
  batchSize?: number;
}

/** Voxels per forward pass that the default tile batch aims at (e.g. 32 tiles of 64×64). */
export const TILE_BATCH_VOXELS = 131072;

/**
 * Tiles per forward pass by default: as many as fit {@link TILE_BATCH_VOXELS}, at least 4. Each
 * tile is normalised and predicted on its own (instance norm), so the batch changes the result
 * only by float32 rounding in the backend's kernels (test/train/inference.test.ts: ≤ 1e-5) and
 * otherwise only speed: on wasm, 32 slices of 64×64 per pass predicted a 64×64×32 case 2.6× faster
 * than 4 per pass (410 vs 1070 ms, 2 threads, an 8/16/32 U-Net; identical probabilities there).
 */
export function defaultTileBatch(patchSize: readonly number[]): number {
  const voxels = patchSize.reduce((a, b) => a * b, 1);
  return Math.max(4, Math.floor(TILE_BATCH_VOXELS / voxels));
}

/** Tile corners along one axis of size n for tiles of size p and the given overlap. */
export function tilePositions(n: number, p: number, overlap: number): number[] {
  if (n <= p) return [0];
  const step = Math.max(1, Math.floor(p * (1 - overlap)));
  const count = Math.ceil((n - p) / step) + 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.round((i * (n - p)) / (count - 1)));
  return out;
}

/** Gaussian importance map over a [D, H, W] tile, maximum 1 (σ = size/8 per axis; axes of size 1 are flat). */
export function gaussianImportance(patch: [number, number, number]): Float32Array {
  const axes = patch.map((p) => {
    const w = new Float64Array(p);
    const sigma = p / 8;
    const c = (p - 1) / 2;
    for (let i = 0; i < p; i++) w[i] = p === 1 ? 1 : Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    return w;
  });
  const [pd, ph, pw] = patch;
  const out = new Float32Array(pd * ph * pw);
  let max = 0;
  for (let z = 0; z < pd; z++)
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++) {
        const v = axes[0][z] * axes[1][y] * axes[2][x];
        out[(z * ph + y) * pw + x] = v;
        if (v > max) max = v;
      }
  for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i] / max, 1e-6);
  return out;
}

type Corner = [number, number, number];

/** Tile corners [z, y, x] in z-major order; a 2D model gets every slice along z. */
function tileCorners(dims: Vec3, patch: Corner, spatialDims: number, overlap: number): Corner[] {
  const [nx, ny, nz] = dims;
  const [pd, ph, pw] = patch;
  const zs = spatialDims === 2 ? Array.from({ length: nz }, (_, i) => i) : tilePositions(nz, pd, overlap);
  const corners: Corner[] = [];
  for (const z of zs) for (const y of tilePositions(ny, ph, overlap)) for (const x of tilePositions(nx, pw, overlap)) corners.push([z, y, x]);
  return corners;
}

/** The tiles at `group` as one channels-last input batch; voxels beyond the volume stay 0. */
function gatherTiles(group: Corner[], channels: Float32Array[], dims: Vec3, patch: Corner): Float32Array {
  const [nx, ny, nz] = dims;
  const [pd, ph, pw] = patch;
  const per = pd * ph * pw;
  const nc = channels.length;
  const input = new Float32Array(group.length * per * nc);
  group.forEach(([z0, y0, x0], b) => {
    for (let dz = 0; dz < pd; dz++) {
      const z = z0 + dz;
      if (z >= nz) continue;
      for (let dy = 0; dy < ph; dy++) {
        const y = y0 + dy;
        if (y >= ny) continue;
        for (let dx = 0; dx < pw; dx++) {
          const x = x0 + dx;
          if (x >= nx) continue;
          const src = x + nx * (y + ny * z);
          const dst = b * per + (dz * ph + dy) * pw + dx;
          for (let c = 0; c < nc; c++) input[dst * nc + c] = channels[c][src];
        }
      }
    }
  });
  return input;
}

/** Add the tiles' importance-weighted probabilities (voxel-major, k per voxel) into `acc` (class-major) and the weights into `wsum`. */
function scatterTiles(
  group: Corner[],
  probs: Float32Array,
  importance: Float32Array,
  dims: Vec3,
  patch: Corner,
  acc: Float32Array,
  wsum: Float32Array,
): void {
  const [nx, ny, nz] = dims;
  const [pd, ph, pw] = patch;
  const per = pd * ph * pw;
  const nvox = wsum.length;
  const k = acc.length / nvox;
  group.forEach(([z0, y0, x0], b) => {
    for (let dz = 0; dz < pd; dz++) {
      const z = z0 + dz;
      if (z >= nz) continue;
      for (let dy = 0; dy < ph; dy++) {
        const y = y0 + dy;
        if (y >= ny) continue;
        for (let dx = 0; dx < pw; dx++) {
          const x = x0 + dx;
          if (x >= nx) continue;
          const t = (dz * ph + dy) * pw + dx;
          const w = importance[t];
          const v = x + nx * (y + ny * z);
          wsum[v] += w;
          const p0 = (b * per + t) * k;
          for (let c = 0; c < k; c++) acc[c * nvox + v] += w * probs[p0 + c];
        }
      }
    }
  });
}

/**
 * Per-class probabilities for a whole volume.
 * @param model a trained model (2D or 3D)
 * @param channels z-scored image channels, x fastest, all of `dims`
 * @param dims [nx, ny, nz]
 * @returns class-major probabilities: probs[k·N + voxel], N = nx·ny·nz
 */
export async function slidingWindowProbabilities(
  model: SegmentationModel,
  channels: Float32Array[],
  dims: Vec3,
  opts: SlidingWindowOptions,
): Promise<Float32Array> {
  const cfg = model.config;
  if (opts.patchSize.length !== cfg.spatialDims) {
    throw new Error(`slidingWindowProbabilities: patch size [${opts.patchSize}] does not fit a ${cfg.spatialDims}D model`);
  }
  if (channels.length !== cfg.inChannels) throw new Error(`slidingWindowProbabilities: ${channels.length} channels given, the model takes ${cfg.inChannels}`);
  const [nx, ny, nz] = dims;
  const nvox = nx * ny * nz;
  channels.forEach((c, i) => {
    if (c.length !== nvox) throw new Error(`slidingWindowProbabilities: channel ${i} has ${c.length} voxels, dims ${dims.join('x')} need ${nvox}`);
  });
  const overlap = opts.overlap ?? 0.5;
  const tileBatch = opts.batchSize ?? defaultTileBatch(opts.patchSize);
  const patch = patch3(opts.patchSize);
  const [pd, ph, pw] = patch;
  const k = cfg.numClasses;
  const nc = channels.length;
  const importance = gaussianImportance(patch);
  const acc = new Float32Array(k * nvox);
  const wsum = new Float32Array(nvox);
  const corners = tileCorners(dims, patch, cfg.spatialDims, overlap);
  for (let start = 0; start < corners.length; start += tileBatch) {
    const group = corners.slice(start, start + tileBatch);
    const input = gatherTiles(group, channels, dims, patch);
    const shape = cfg.spatialDims === 2 ? [group.length, ph, pw, nc] : [group.length, pd, ph, pw, nc];
    const probsT = tf.tidy(() => {
      const logits = model.apply(tf.tensor(input, shape, 'float32'), false) as tf.Tensor;
      return tf.softmax(tf.reshape(logits, [-1, k]));
    });
    const probs = (await probsT.data()) as Float32Array;
    probsT.dispose();
    scatterTiles(group, probs, importance, dims, patch, acc, wsum);
  }
  for (let v = 0; v < nvox; v++) {
    const w = wsum[v];
    for (let c = 0; c < k; c++) acc[c * nvox + v] /= w;
  }
  return acc;
}

/** Arg-max class per voxel of class-major probabilities. */
export function argmaxClasses(probs: Float32Array, numClasses: number): Uint8Array {
  const nvox = probs.length / numClasses;
  const out = new Uint8Array(nvox);
  for (let v = 0; v < nvox; v++) {
    let best = 0;
    let bestP = probs[v];
    for (let c = 1; c < numClasses; c++) {
      const p = probs[c * nvox + v];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    out[v] = best;
  }
  return out;
}
