/**
 * Painting and rendering primitives shared by the synthetic generators
 * (lib/data/synthetic.ts: the embedded dataset; lib/data/synthetic-conditions.ts:
 * the mechanism-positive and null conditions): warped ellipsoids, tubes, soft
 * lesion-like blobs, the body wall and spine, the big vessel, and the image
 * formation (texture, blend, blur, bias, noise, gain). Each takes its random
 * stream as an argument and draws from it in a fixed order, so a generator that
 * calls them in the same order gives the same bytes.
 */
import type { Vec3 } from '../core/volume';
import { Random } from '../core/random';
import { gaussianBlur3d, smoothNoiseField } from './fields';

/** Mean intensity and texture amplitude (relative sd of a fine smooth field) per tissue. */
export interface TissueAppearance {
  mean: number;
  texture: number;
}

/** Paint a warped ellipsoid: voxels with Σ((x-c)/a)² + warp·field < 1 get `label` (where allowed). */
export function paintEllipsoid(
  labels: Uint8Array,
  dims: Vec3,
  centre: Vec3,
  semi: Vec3,
  label: number,
  field: Float32Array | null,
  warp: number,
  allowed?: (current: number) => boolean,
): number {
  const [nx, ny] = dims;
  const lo = centre.map((c, a) => Math.max(0, Math.floor(c - semi[a] * 1.6 - 1)));
  const hi = centre.map((c, a) => Math.min(dims[a] - 1, Math.ceil(c + semi[a] * 1.6 + 1)));
  let painted = 0;
  for (let k = lo[2]; k <= hi[2]; k++) {
    const dz = (k - centre[2]) / semi[2];
    for (let j = lo[1]; j <= hi[1]; j++) {
      const dy = (j - centre[1]) / semi[1];
      for (let i = lo[0]; i <= hi[0]; i++) {
        const dx = (i - centre[0]) / semi[0];
        const p = i + nx * (j + ny * k);
        const f = dx * dx + dy * dy + dz * dz + (field ? warp * field[p] : 0);
        if (f < 1 && (!allowed || allowed(labels[p]))) {
          labels[p] = label;
          painted++;
        }
      }
    }
  }
  return painted;
}

/** Stamp balls of radius r along a smooth random curve (a vessel). */
export function paintTube(
  labels: Uint8Array,
  dims: Vec3,
  start: Vec3,
  direction: Vec3,
  lengthVoxels: number,
  radius: [number, number],
  rng: Random,
  label: number,
  allowed: (current: number) => boolean,
  curvature: number,
): void {
  const [nx, ny, nz] = dims;
  let p: Vec3 = [...start] as Vec3;
  let d: Vec3 = normalise(direction);
  const steps = Math.ceil(lengthVoxels / 0.5);
  for (let s = 0; s < steps; s++) {
    const r = radius[0] + (radius[1] - radius[0]) * (1 - s / steps); // tapers
    const rr = r * r;
    const R = Math.ceil(r);
    const ci = Math.round(p[0]);
    const cj = Math.round(p[1]);
    const ck = Math.round(p[2]);
    for (let k = ck - R; k <= ck + R; k++) {
      if (k < 0 || k >= nz) continue;
      for (let j = cj - R; j <= cj + R; j++) {
        if (j < 0 || j >= ny) continue;
        for (let i = ci - R; i <= ci + R; i++) {
          if (i < 0 || i >= nx) continue;
          const dx = i - p[0];
          const dy = j - p[1];
          const dz = k - p[2];
          if (dx * dx + dy * dy + dz * dz <= rr) {
            const q = i + nx * (j + ny * k);
            if (allowed(labels[q])) labels[q] = label;
          }
        }
      }
    }
    d = normalise([d[0] + curvature * rng.normal(), d[1] + curvature * rng.normal(), d[2] + curvature * rng.normal()]);
    p = [p[0] + 0.5 * d[0], p[1] + 0.5 * d[1], p[2] + 0.5 * d[2]];
  }
}

function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Pick a random voxel (at least `margin` from the grid's faces) whose label passes `where`, or null after 5000 tries. */
export function randomVoxelWhere(labels: Uint8Array, dims: Vec3, where: (label: number) => boolean, rng: Random, margin = 2): Vec3 | null {
  const [nx, ny, nz] = dims;
  for (let t = 0; t < 5000; t++) {
    const i = margin + rng.int(nx - 2 * margin);
    const j = margin + rng.int(ny - 2 * margin);
    const k = margin + rng.int(Math.max(1, nz - 2 * margin));
    if (where(labels[i + nx * (j + ny * k)])) return [i, j, k];
  }
  return null;
}

/** Pick a random voxel whose label is `label`, or null after many tries. */
export function randomVoxelWithLabel(labels: Uint8Array, dims: Vec3, label: number, rng: Random, margin = 2): Vec3 | null {
  return randomVoxelWhere(labels, dims, (v) => v === label, rng, margin);
}

/** A lesion volume in mL from a mixture of [probability, minMl, maxMl] components, log-uniform within each. */
export function sampleLesionVolumeMl(mixture: ReadonlyArray<[number, number, number]>, rng: Random): number {
  const c = mixture[rng.weightedIndex(mixture.map((m) => m[0]))];
  return rng.logUniform(c[1], c[2]);
}

/** Smooth warp fields of the anatomy: coarse (body), medium (organs), fine (spine, lesion outlines). */
export interface ShapeWarps {
  body: Float32Array;
  organ: Float32Array;
  fine: Float32Array;
}

/** The three warp fields, drawn from the shapes stream (body, organ, fine — in that order). */
export function shapeWarps(dims: Vec3, shapeRng: Random): ShapeWarps {
  return {
    body: smoothNoiseField(dims, 14, shapeRng),
    organ: smoothNoiseField(dims, 9, shapeRng),
    fine: smoothNoiseField(dims, 3.5, shapeRng),
  };
}

/** The body: a warped elliptic cylinder that fills most of the field of view, painted as `label`. */
export function paintBody(labels: Uint8Array, dims: Vec3, warps: ShapeWarps, shapeRng: Random, label: number): void {
  const [nx, ny, nz] = dims;
  const cx = nx / 2 + shapeRng.range(-2, 2);
  const cy = ny / 2 + shapeRng.range(-2, 2);
  paintEllipsoid(labels, dims, [cx, cy, nz / 2], [nx * shapeRng.range(0.4, 0.46), ny * shapeRng.range(0.34, 0.42), nz * 3], label, warps.body, 0.12);
}

/** Position of the spine in the axial plane (the big vessel runs in front of it). */
export interface SpinePosition {
  spineX: number;
  spineY: number;
}

/** The spine: vertebral bodies along z with disc gaps, painted as `bone` inside the body (label ≠ `outside`). */
export function paintSpine(labels: Uint8Array, dims: Vec3, warps: ShapeWarps, shapeRng: Random, ids: { outside: number; bone: number }): SpinePosition {
  const [nx, ny, nz] = dims;
  const inBody = (v: number) => v !== ids.outside;
  const spineX = nx / 2 + shapeRng.range(-1, 1);
  const spineY = ny * shapeRng.range(0.74, 0.78);
  const period = shapeRng.range(7, 9);
  const phase = shapeRng.range(0, period);
  for (let k = 0; k < nz; k++) {
    const disc = (k + phase) % period < 1.3;
    if (disc) continue;
    paintEllipsoid(labels, dims, [spineX, spineY, k], [nx * 0.085, ny * 0.07, 0.75], ids.bone, warps.fine, 0.15, inBody);
  }
  return { spineX, spineY };
}

/** The big (aorta-like) vessel in front of the spine along z, radius drawn from `radius`, painted as `vessel` (not outside, not over bone). */
export function paintBigVessel(
  labels: Uint8Array,
  dims: Vec3,
  radius: readonly [number, number],
  spine: SpinePosition,
  vRng: Random,
  ids: { outside: number; bone: number; vessel: number },
): void {
  const [nx, ny, nz] = dims;
  const bigR = vRng.range(radius[0], radius[1]);
  const allowed = (v: number) => v !== ids.outside && v !== ids.bone;
  paintTube(labels, dims, [spine.spineX + nx * 0.06, spine.spineY - ny * 0.13, -2], [0, 0, 1], nz + 6, [bigR, bigR], vRng, ids.vessel, allowed, 0.03);
}

/** Soft lesion membership (0..1) per voxel and the lesion mean intensity where it is > 0. */
export interface LesionField {
  weight: Float32Array;
  value: Float32Array;
}

/** An empty LesionField of n voxels. */
export function emptyLesionField(n: number): LesionField {
  return { weight: new Float32Array(n), value: new Float32Array(n) };
}

/**
 * One warped ellipsoidal lesion-like blob with a logistic edge of `edge` voxels into `field`,
 * only at voxels whose label passes `allowed` (clipped there); where blobs overlap the larger
 * membership wins.
 */
export function paintSoftLesion(
  field: LesionField,
  labels: Uint8Array,
  dims: Vec3,
  centre: Vec3,
  semi: Vec3,
  shape: { warp: number; warpFine: Float32Array; edge: number; mean: number },
  allowed: (label: number) => boolean,
): void {
  const [nx, ny] = dims;
  const { warp, warpFine, edge, mean } = shape;
  const lo = centre.map((c, a) => Math.max(0, Math.floor(c - semi[a] * 1.8 - 2)));
  const hi = centre.map((c, a) => Math.min(dims[a] - 1, Math.ceil(c + semi[a] * 1.8 + 2)));
  const rMean = (semi[0] + semi[1] + semi[2]) / 3;
  for (let k = lo[2]; k <= hi[2]; k++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      for (let i = lo[0]; i <= hi[0]; i++) {
        const p = i + nx * (j + ny * k);
        if (!allowed(labels[p])) continue;
        const dx = (i - centre[0]) / semi[0];
        const dy = (j - centre[1]) / semi[1];
        const dz = (k - centre[2]) / semi[2];
        const f = Math.sqrt(Math.max(0, dx * dx + dy * dy + dz * dz + warp * warpFine[p]));
        // signed distance to the boundary in voxels (approximately)
        const sd = (1 - f) * rMean;
        const w = 1 / (1 + Math.exp(-sd / (edge / 2.2)));
        if (w > field.weight[p]) {
          field.weight[p] = w;
          field.value[p] = mean;
        }
      }
    }
  }
}

/** The image-formation parameters renderImage uses (fields of SyntheticOptions). */
export interface ImageFormation {
  lesionTexture: number;
  blurSigmaVoxels: number;
  biasAmplitude: number;
  noiseSd: readonly [number, number];
  gain: readonly [number, number];
}

/**
 * Intensities: tissue means with texture, lesions blended in, blur, bias, noise; drawing from the intensity stream.
 * @param appearanceById appearance of each label value (index = label)
 */
export function renderImage(labels: Uint8Array, lesions: LesionField, dims: Vec3, appearanceById: readonly TissueAppearance[], o: ImageFormation, iRng: Random): Float32Array {
  const n = labels.length;
  const texture = smoothNoiseField(dims, 2.5, iRng);
  const texture2 = smoothNoiseField(dims, 1.5, iRng);
  const bias = smoothNoiseField(dims, 40, iRng);
  const clean = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const a = appearanceById[labels[p]];
    let v = a.mean * (1 + a.texture * texture[p]);
    const w = lesions.weight[p];
    if (w > 0.01) v = (1 - w) * v + w * lesions.value[p] * (1 + o.lesionTexture * texture2[p]);
    clean[p] = v;
  }
  const s = o.blurSigmaVoxels;
  const blurred = s > 0 ? gaussianBlur3d(clean, dims, [s, s, s]) : clean;
  const noiseSd = iRng.range(o.noiseSd[0], o.noiseSd[1]);
  const gain = iRng.range(o.gain[0], o.gain[1]);
  const image = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    image[p] = gain * (blurred[p] * Math.exp(o.biasAmplitude * bias[p]) + iRng.normal(0, noiseSd));
  }
  return image;
}
