/**
 * Smooth random fields and separable filters on 3D grids, used by the synthetic
 * dataset generator (shapes, texture, bias field, partial-volume blur). All
 * arrays are x-fastest like Volume data.
 */
import type { Vec3 } from '../core/volume';
import { Random } from '../core/random';

/** C1-continuous interpolation weight (smoothstep). */
function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/**
 * Smooth random field with unit standard deviation: N(0,1) values on a coarse
 * lattice every `cellVoxels` voxels, interpolated with smoothstep-weighted
 * trilinear interpolation, then standardised to mean 0 / sd 1 over the grid.
 * @param dims grid size
 * @param cellVoxels lattice spacing in voxels (larger = smoother); > 0
 * @param rng random stream (consumed)
 */
export function smoothNoiseField(dims: Vec3, cellVoxels: number, rng: Random): Float32Array {
  if (!(cellVoxels > 0)) throw new RangeError(`smoothNoiseField: cellVoxels must be > 0, got ${cellVoxels}`);
  const [nx, ny, nz] = dims;
  const lx = Math.ceil(nx / cellVoxels) + 2;
  const ly = Math.ceil(ny / cellVoxels) + 2;
  const lz = Math.ceil(nz / cellVoxels) + 2;
  const lattice = new Float64Array(lx * ly * lz);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.normal();
  // random sub-cell offset so that lattice nodes do not always sit on voxel 0
  const ox = rng.uniform();
  const oy = rng.uniform();
  const oz = rng.uniform();
  const out = new Float32Array(nx * ny * nz);
  // precompute per-axis indices and weights
  const axis = (n: number, o: number) => {
    const idx = new Int32Array(n);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = i / cellVoxels + o;
      const f = Math.floor(u);
      idx[i] = f;
      w[i] = smooth(u - f);
    }
    return { idx, w };
  };
  const ax = axis(nx, ox);
  const ay = axis(ny, oy);
  const az = axis(nz, oz);
  let p = 0;
  for (let k = 0; k < nz; k++) {
    const z0 = az.idx[k];
    const wz = az.w[k];
    for (let j = 0; j < ny; j++) {
      const y0 = ay.idx[j];
      const wy = ay.w[j];
      const b00 = (z0 * ly + y0) * lx;
      const b01 = (z0 * ly + y0 + 1) * lx;
      const b10 = ((z0 + 1) * ly + y0) * lx;
      const b11 = ((z0 + 1) * ly + y0 + 1) * lx;
      for (let i = 0; i < nx; i++, p++) {
        const x0 = ax.idx[i];
        const wx = ax.w[i];
        const c00 = lattice[b00 + x0] * (1 - wx) + lattice[b00 + x0 + 1] * wx;
        const c01 = lattice[b01 + x0] * (1 - wx) + lattice[b01 + x0 + 1] * wx;
        const c10 = lattice[b10 + x0] * (1 - wx) + lattice[b10 + x0 + 1] * wx;
        const c11 = lattice[b11 + x0] * (1 - wx) + lattice[b11 + x0 + 1] * wx;
        const c0 = c00 * (1 - wy) + c01 * wy;
        const c1 = c10 * (1 - wy) + c11 * wy;
        out[p] = c0 * (1 - wz) + c1 * wz;
      }
    }
  }
  standardise(out);
  return out;
}

/** In place: subtract the mean and divide by the standard deviation (if > 0). */
export function standardise(a: Float32Array): void {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - mean) * (a[i] - mean);
  const sd = Math.sqrt(v / a.length);
  const inv = sd > 0 ? 1 / sd : 1;
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - mean) * inv;
}

/** Normalised 1D Gaussian kernel with radius ceil(3σ). */
function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    s += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/**
 * Separable Gaussian blur with edge clamping (replicate border).
 * @param data x-fastest values (not modified)
 * @param dims grid size
 * @param sigmaVoxels standard deviation per axis in voxels; 0 skips an axis
 */
export function gaussianBlur3d(data: Float32Array, dims: Vec3, sigmaVoxels: Vec3): Float32Array {
  const [nx, ny, nz] = dims;
  let src = Float32Array.from(data);
  let dst = new Float32Array(src.length);
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  for (let axis = 0; axis < 3; axis++) {
    const sigma = sigmaVoxels[axis];
    if (!(sigma > 0)) continue;
    const k = gaussianKernel(sigma);
    const r = (k.length - 1) / 2;
    const n = sizes[axis];
    const stride = strides[axis];
    const line = new Float64Array(n);
    // iterate over all lines along this axis
    const total = nx * ny * nz;
    for (let start = 0; start < total; start++) {
      // a line starts where the coordinate along `axis` is 0
      const coord = Math.floor(start / stride) % n;
      if (coord !== 0) continue;
      for (let t = 0; t < n; t++) line[t] = src[start + t * stride];
      for (let t = 0; t < n; t++) {
        let acc = 0;
        for (let q = -r; q <= r; q++) {
          let u = t + q;
          if (u < 0) u = 0;
          else if (u >= n) u = n - 1;
          acc += k[q + r] * line[u];
        }
        dst[start + t * stride] = acc;
      }
    }
    const tmp = src;
    src = dst;
    dst = tmp;
  }
  return src;
}
