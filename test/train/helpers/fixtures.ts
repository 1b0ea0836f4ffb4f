/**
 * Tiny in-memory SegmentationCases for training tests: a 16×16×4 grid with a
 * bright 2×2×1 lesion, a large auxiliary region ("organ", class 1) far from
 * the lesion and a small second auxiliary class ("vessel", class 2).
 */
import { SegmentationCase } from '../../../lib/core/types';
import { Random } from '../../../lib/core/random';
import { makeVolume, Vec3 } from '../../../lib/core/volume';

export function tinyCase(seed: number, dims: Vec3 = [16, 16, 4], withLesion = true): SegmentationCase {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const rng = new Random(seed);
  const img = new Float32Array(n);
  const lesion = new Uint8Array(n);
  const aux = new Uint8Array(n);
  const lx = 2 + rng.int(4);
  const ly = 2 + rng.int(4);
  const lz = rng.int(nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        img[i] = rng.normal(0, 0.1);
        if (x >= nx / 2 && y >= ny / 2) {
          aux[i] = 1; // big organ in the far quadrant
          img[i] += 0.5;
        }
        if (x === nx - 1 && y < 4) {
          aux[i] = 2;
          img[i] += 0.8;
        }
        if (withLesion && z === lz && x >= lx && x < lx + 2 && y >= ly && y < ly + 2) {
          lesion[i] = 1;
          img[i] += 1.5;
        }
      }
  return {
    id: `tiny${seed}`,
    channels: [makeVolume(img, dims, [1, 1, 1])],
    channelNames: ['img'],
    lesion: makeVolume(lesion, dims, [1, 1, 1]),
    aux: makeVolume(aux, dims, [1, 1, 1]),
    auxNames: ['organ', 'vessel'],
  };
}

export function tinyCases(count: number, seed = 0): SegmentationCase[] {
  return Array.from({ length: count }, (_, i) => tinyCase(seed * 1000 + i));
}
