/** Deterministic synthetic inputs shared by the plot tests. */
import { makeVolume, type Volume } from '../../lib/core/volume';
import type { CurveRun } from '../../lib/plot';

/** mulberry32: small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tiny phantom: an ellipsoid "organ" (class 1), a slab (class 2), a spherical lesion (class 3) and noise. */
export function phantom(dims: [number, number, number] = [12, 10, 8], spacing: [number, number, number] = [1, 1, 2]): {
  image: Volume<Float32Array>;
  classMap: Volume<Uint8Array>;
  lesion: Volume<Uint8Array>;
} {
  const [nx, ny, nz] = dims;
  const r = rng(7);
  const img = new Float32Array(nx * ny * nz);
  const cls = new Uint8Array(nx * ny * nz);
  const les = new Uint8Array(nx * ny * nz);
  const c = [nx / 2, ny / 2, nz / 2];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const idx = i + nx * (j + ny * k);
        const e = ((i - c[0]) / (nx * 0.35)) ** 2 + ((j - c[1]) / (ny * 0.35)) ** 2 + ((k - c[2]) / (nz * 0.4)) ** 2;
        const l = (i - c[0] - 1) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2;
        let v = 10 * r();
        if (j < ny * 0.2) {
          cls[idx] = 2;
          v += 40;
        }
        if (e < 1) {
          cls[idx] = 1;
          v += 100;
        }
        if (l <= 2.5) {
          cls[idx] = 3;
          les[idx] = 1;
          v += 150;
        }
        img[idx] = v;
      }
  return {
    image: makeVolume(img, dims, spacing),
    classMap: makeVolume(cls, dims, spacing),
    lesion: makeVolume(les, dims, spacing),
  };
}

/** Noisy rising curves for both arms and three seeds. */
export function curveRuns(): CurveRun[] {
  const out: CurveRun[] = [];
  for (const mode of ['binary', 'backsplit'] as const) {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed * 10 + (mode === 'binary' ? 0 : 1));
      const epochs = [1, 2, 3, 4, 5];
      const top = mode === 'binary' ? 0.6 : 0.7;
      out.push({ mode, seed, epochs, values: epochs.map((e) => top * (1 - Math.exp(-e / 2)) + 0.05 * (r() - 0.5)) });
    }
  }
  return out;
}
