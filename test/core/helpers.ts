/** Small volumes and seeded draws shared by the morphology, label-noise and metric tests. */
import { Random } from '../../lib/core/random';
import type { Vec3 } from '../../lib/core/volume';

/** Uniform [0, 1) draws from the project's seeded generator. */
export function uniformSource(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.uniform();
}

/** A 0/1 mask of `dims` with the listed voxels set (x fastest). */
export function maskFrom(dims: Vec3, voxels: Array<[number, number, number]>): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (const [i, j, k] of voxels) m[i + dims[0] * (j + dims[1] * k)] = 1;
  return m;
}

/** The 7³ grid of the cube tests. */
export const CUBE_DIMS: Vec3 = [7, 7, 7];
/** Voxel index of (i, j, k) on the 7³ grid. */
export const at = (i: number, j: number, k: number) => i + 7 * (j + 7 * k);

/** 3x3x3 cube of label 1 centred at (3,3,3) on the 7³ grid. */
export function cube(): Uint8Array {
  const a = new Uint8Array(343);
  for (let k = 2; k <= 4; k++) for (let j = 2; j <= 4; j++) for (let i = 2; i <= 4; i++) a[at(i, j, k)] = 1;
  return a;
}

/** How many entries of `a` equal `v`. */
export const count = (a: ArrayLike<number>, v: number) => Array.from(a).filter((x) => x === v).length;
