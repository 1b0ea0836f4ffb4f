/**
 * Cropping a case to its body/brain bounding box, so training and inference
 * do not spend time on empty air. The box is taken over the foreground: every
 * labelled aux and lesion voxel, plus the voxels where any channel is foreground.
 * Channel foreground by default: values different from the channel's fill value
 * (its most frequent exact value, when that covers ≥ 5% of the grid, as the zero
 * background of a skull-stripped or padded image does), else values above the
 * channel minimum. With `threshold`, foreground = value > threshold (for CT pass
 * e.g. -500 HU so air is excluded).
 */
import { cropOrPad, nonzeroBoundingBox, VoxelBox } from '../io/ops';
import { makeVolume, Vec3 } from '../core/volume';
import type { SegmentationCase } from '../core/types';

export interface CropOptions {
  /** Voxels added on each side (default 4). */
  margin?: number;
  /** Foreground threshold per channel (one for all, or one per channel). Default: fill-value rule (module comment). */
  threshold?: number | number[];
}

/** The most frequent exact value when it covers at least 5% of the voxels (counted on a strided sample), else null. */
export function fillValue(data: ArrayLike<number>): number | null {
  const stride = Math.max(1, Math.floor(data.length / 200000));
  const counts = new Map<number, number>();
  let n = 0;
  for (let p = 0; p < data.length; p += stride, n++) counts.set(data[p], (counts.get(data[p]) ?? 0) + 1);
  let best: number | null = null;
  let bestCount = 0;
  for (const [v, k] of counts) if (k > bestCount) {
    best = v;
    bestCount = k;
  }
  return bestCount >= 0.05 * n ? best : null;
}

/** The foreground bounding box of a case (start inclusive, end exclusive), or null when nothing is foreground. */
export function foregroundBox(c: SegmentationCase, options: CropOptions = {}): VoxelBox | null {
  const margin = options.margin ?? 4;
  const ref = c.lesion;
  const tests = c.channels.map((ch, i): ((v: number) => boolean) => {
    const t = options.threshold;
    if (Array.isArray(t)) return (v) => v > t[i];
    if (typeof t === 'number') return (v) => v > t;
    const fill = fillValue(ch.data);
    if (fill !== null) return (v) => v !== fill;
    let m = Infinity;
    for (let p = 0; p < ch.data.length; p++) if (ch.data[p] < m) m = ch.data[p];
    return (v) => v > m;
  });
  const n = c.lesion.data.length;
  const foreground = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    let fg = c.lesion.data[p] !== 0 || (c.aux ? c.aux.data[p] !== 0 : false);
    for (let ch = 0; !fg && ch < c.channels.length; ch++) if (tests[ch](c.channels[ch].data[p])) fg = true;
    foreground[p] = fg ? 1 : 0;
  }
  return nonzeroBoundingBox(makeVolume(foreground, ref.dims, ref.spacing, ref.affine), margin);
}

/**
 * Crop every volume of a case to a box (default: its foreground box). Affines are
 * shifted so world coordinates are kept. A case with no foreground is returned as is.
 * @returns the cropped case and the box used (in the input's voxel indices)
 */
export function cropCase(c: SegmentationCase, options: CropOptions & { box?: VoxelBox } = {}): { case: SegmentationCase; box: VoxelBox } {
  const box = options.box ?? foregroundBox(c, options) ?? { start: [0, 0, 0] as Vec3, end: [...c.lesion.dims] as Vec3 };
  const out: SegmentationCase = {
    ...c,
    channels: c.channels.map((v) => cropOrPad(v, box)),
    lesion: cropOrPad(c.lesion, box),
  };
  if (c.aux) out.aux = cropOrPad(c.aux, box);
  return { case: out, box };
}

/** Paste a cropped volume's values back into a zero volume of the original grid (e.g. a prediction). */
export function uncropLabels(cropped: Uint8Array, box: VoxelBox, originalDims: Vec3, spacing: Vec3, affine?: number[][]) {
  const [nx, ny] = originalDims;
  const sx = box.end[0] - box.start[0];
  const sy = box.end[1] - box.start[1];
  const sz = box.end[2] - box.start[2];
  if (cropped.length !== sx * sy * sz) throw new RangeError(`uncropLabels: ${cropped.length} voxels, box needs ${sx * sy * sz}`);
  const out = new Uint8Array(originalDims[0] * originalDims[1] * originalDims[2]);
  for (let k = 0; k < sz; k++)
    for (let j = 0; j < sy; j++) {
      const src = sx * (j + sy * k);
      const dst = box.start[0] + nx * (box.start[1] + j + ny * (box.start[2] + k));
      out.set(cropped.subarray(src, src + sx), dst);
    }
  return makeVolume(out, originalDims, spacing, affine);
}
