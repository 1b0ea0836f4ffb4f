/**
 * Patch sampling with lesion oversampling.
 *
 * A 2D model trains on axial slices (patch [H, W] from one z), a 3D model on
 * [D, H, W] patches; both are handled as 3D patches of depth 1 or D. A share
 * of every batch (`foregroundFraction`) is forced to contain a lesion voxel:
 * the patch is centred on a lesion voxel drawn uniformly from the case's lesion
 * voxels (clipped to the volume). "Foreground" is the lesion alone: auxiliary
 * classes of a BackSplit map never attract the oversampled patches, so both
 * modes see exactly the same patches for the same seed.
 *
 * Sampling is a pure function of (cases, config, random stream): the trainer
 * derives the stream from (seed, step), so resuming needs no sampler state
 * beyond the step.
 */
import { Random } from '../core/random';
import { PreparedCase } from './prepare';

/** Where one patch came from. */
export interface PatchOrigin {
  caseIndex: number;
  /** Patch corner [z, y, x] in voxels (may be negative when the volume is smaller than the patch). */
  origin: [number, number, number];
  /** Whether this item was forced to contain a lesion voxel. */
  forced: boolean;
}

/** A sampled batch, channels last. */
export interface PatchBatch {
  /** [B, D, H, W, C] flattened (D = 1 for 2D). */
  images: Float32Array;
  /** [B, D, H, W] flattened class indices. */
  labels: Int32Array;
  /** Patch size [D, H, W]. */
  patch: [number, number, number];
  channels: number;
  batchSize: number;
  origins: PatchOrigin[];
}

/** Patch size as [D, H, W] from a config patch size ([H, W] → depth 1). */
export function patch3(patchSize: number[]): [number, number, number] {
  return patchSize.length === 2 ? [1, patchSize[0], patchSize[1]] : [patchSize[0], patchSize[1], patchSize[2]];
}

/** Corner of a patch of size p along an axis of size n centred at c, clipped so that it stays inside where possible. */
function clipOrigin(centre: number, p: number, n: number): number {
  const lo = Math.min(0, n - p);
  const hi = Math.max(0, n - p);
  return Math.max(lo, Math.min(hi, centre - Math.floor(p / 2)));
}

/** Uniform corner along an axis. */
function randomOrigin(rng: Random, p: number, n: number): number {
  const lo = Math.min(0, n - p);
  const hi = Math.max(0, n - p);
  return lo + rng.int(hi - lo + 1);
}

/**
 * Number of items of a batch forced to contain lesion: ⌊B·f⌋ plus one more with
 * probability equal to the fractional part (so B = 1 still oversamples).
 */
export function forcedCount(batchSize: number, fraction: number, rng: Random): number {
  const exact = batchSize * fraction;
  const base = Math.floor(exact);
  return Math.min(batchSize, base + (rng.uniform() < exact - base ? 1 : 0));
}

/**
 * Choose patch origins for one batch.
 * @param cases prepared training cases
 * @param patch patch size [D, H, W]
 * @param batchSize items per batch
 * @param foregroundFraction share of items forced to contain a lesion voxel
 * @param rng random stream (consumed)
 */
export function samplePatchOrigins(
  cases: PreparedCase[],
  patch: [number, number, number],
  batchSize: number,
  foregroundFraction: number,
  rng: Random,
): PatchOrigin[] {
  if (cases.length === 0) throw new Error('samplePatchOrigins: no training cases');
  const withLesion = cases.map((c, i) => (c.lesionVoxels.length > 0 ? i : -1)).filter((i) => i >= 0);
  const nForced = forcedCount(batchSize, foregroundFraction, rng);
  const out: PatchOrigin[] = [];
  for (let b = 0; b < batchSize; b++) {
    const forced = b >= batchSize - nForced && withLesion.length > 0;
    const caseIndex = forced ? withLesion[rng.int(withLesion.length)] : rng.int(cases.length);
    const c = cases[caseIndex];
    const [nx, ny, nz] = c.dims;
    let origin: [number, number, number];
    if (forced) {
      const v = c.lesionVoxels[rng.int(c.lesionVoxels.length)];
      const x = v % nx;
      const y = Math.floor(v / nx) % ny;
      const z = Math.floor(v / (nx * ny));
      origin = [clipOrigin(z, patch[0], nz), clipOrigin(y, patch[1], ny), clipOrigin(x, patch[2], nx)];
    } else {
      origin = [randomOrigin(rng, patch[0], nz), randomOrigin(rng, patch[1], ny), randomOrigin(rng, patch[2], nx)];
    }
    out.push({ caseIndex, origin, forced });
  }
  return out;
}

/**
 * Copy the patches at `origins` into a batch (zero image / class 0 outside the volume).
 */
export function extractBatch(cases: PreparedCase[], origins: PatchOrigin[], patch: [number, number, number]): PatchBatch {
  const [pd, ph, pw] = patch;
  const nc = cases[0].channels.length;
  const per = pd * ph * pw;
  const images = new Float32Array(origins.length * per * nc);
  const labels = new Int32Array(origins.length * per);
  origins.forEach((o, b) => {
    const c = cases[o.caseIndex];
    if (c.channels.length !== nc) throw new Error(`extractBatch: case '${c.id}' has ${c.channels.length} channels, expected ${nc}`);
    const [nx, ny, nz] = c.dims;
    const [z0, y0, x0] = o.origin;
    for (let dz = 0; dz < pd; dz++) {
      const z = z0 + dz;
      if (z < 0 || z >= nz) continue;
      for (let dy = 0; dy < ph; dy++) {
        const y = y0 + dy;
        if (y < 0 || y >= ny) continue;
        const rowOut = b * per + (dz * ph + dy) * pw;
        const rowIn = nx * (y + ny * z);
        for (let dx = 0; dx < pw; dx++) {
          const x = x0 + dx;
          if (x < 0 || x >= nx) continue;
          const src = rowIn + x;
          labels[rowOut + dx] = c.target[src];
          for (let ch = 0; ch < nc; ch++) images[(rowOut + dx) * nc + ch] = c.channels[ch][src];
        }
      }
    }
  });
  return { images, labels, patch: [pd, ph, pw], channels: nc, batchSize: origins.length, origins };
}

/** Sample and extract one batch. */
export function sampleBatch(
  cases: PreparedCase[],
  patch: [number, number, number],
  batchSize: number,
  foregroundFraction: number,
  rng: Random,
): PatchBatch {
  return extractBatch(cases, samplePatchOrigins(cases, patch, batchSize, foregroundFraction, rng), patch);
}
