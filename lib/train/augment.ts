/**
 * Seeded data augmentation of a sampled batch, done on the CPU arrays before
 * they become tensors (so it is identical on every backend): mirroring along
 * each spatial axis, 90° rotations in the (H, W) plane, multiplicative
 * intensity scale, additive shift and gamma (nnU-Net's recipe, applied to the
 * image only; labels follow the geometric transforms).
 */
import { Random } from '../core/random';
import { AugmentConfig } from './config';
import { PatchBatch } from './sampler';

/** What was done to one item (for tests and debugging). */
export interface AugmentRecord {
  flips: [boolean, boolean, boolean];
  rotate90: number;
  scale: number;
  shift: number;
  gamma: number;
}

/**
 * Augment every item of `batch` in place.
 * @param batch sampled batch (images and labels are overwritten)
 * @param cfg augmentation settings
 * @param rng random stream (consumed; same stream → same result)
 */
export function augmentBatch(batch: PatchBatch, cfg: AugmentConfig, rng: Random): AugmentRecord[] {
  const [pd, ph, pw] = batch.patch;
  const nc = batch.channels;
  const per = pd * ph * pw;
  const records: AugmentRecord[] = [];
  const imgTmp = new Float32Array(per * nc);
  const labTmp = new Int32Array(per);
  for (let b = 0; b < batch.batchSize; b++) {
    const flips: [boolean, boolean, boolean] = [
      pd > 1 && rng.uniform() < cfg.flipProbability,
      rng.uniform() < cfg.flipProbability,
      rng.uniform() < cfg.flipProbability,
    ];
    const rot = cfg.rotate90 && ph === pw ? rng.int(4) : 0;
    const scale = rng.uniform() < cfg.scaleProbability ? rng.range(cfg.scaleRange[0], cfg.scaleRange[1]) : 1;
    const shift = rng.uniform() < cfg.shiftProbability ? rng.normal(0, cfg.shiftSd) : 0;
    const gamma = rng.uniform() < cfg.gammaProbability ? rng.range(cfg.gammaRange[0], cfg.gammaRange[1]) : 1;
    records.push({ flips, rotate90: rot, scale, shift, gamma });

    const img = batch.images.subarray(b * per * nc, (b + 1) * per * nc);
    const lab = batch.labels.subarray(b * per, (b + 1) * per);
    if (flips[0] || flips[1] || flips[2] || rot !== 0) {
      imgTmp.set(img);
      labTmp.set(lab);
      for (let z = 0; z < pd; z++) {
        const sz = flips[0] ? pd - 1 - z : z;
        for (let y = 0; y < ph; y++) {
          for (let x = 0; x < pw; x++) {
            // rotate the output coordinate back into the source plane, then mirror
            let ry = y;
            let rx = x;
            if (rot === 1) {
              ry = x;
              rx = pw - 1 - y;
            } else if (rot === 2) {
              ry = ph - 1 - y;
              rx = pw - 1 - x;
            } else if (rot === 3) {
              ry = ph - 1 - x;
              rx = y;
            }
            const sy = flips[1] ? ph - 1 - ry : ry;
            const sx = flips[2] ? pw - 1 - rx : rx;
            const dst = (z * ph + y) * pw + x;
            const src = (sz * ph + sy) * pw + sx;
            lab[dst] = labTmp[src];
            for (let c = 0; c < nc; c++) img[dst * nc + c] = imgTmp[src * nc + c];
          }
        }
      }
    }
    if (gamma !== 1) {
      for (let c = 0; c < nc; c++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < per; i++) {
          const v = img[i * nc + c];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const range = hi - lo;
        if (range > 1e-8) {
          for (let i = 0; i < per; i++) {
            const j = i * nc + c;
            img[j] = lo + range * Math.pow((img[j] - lo) / range, gamma);
          }
        }
      }
    }
    if (scale !== 1 || shift !== 0) {
      for (let i = 0; i < img.length; i++) img[i] = img[i] * scale + shift;
    }
  }
  return records;
}
