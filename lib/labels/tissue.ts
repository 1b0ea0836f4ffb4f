/**
 * Tissue classes by clustering intensities inside a mask — auxiliary labels
 * "inferred automatically" when no anatomy labels exist (e.g. CSF / grey / white
 * matter from a brain-extracted T1). Seeded k-means (k-means++ initialisation)
 * or a diagonal Gaussian mixture fitted by EM from the k-means result, on one or
 * more channels. Classes are sorted by their mean on the first channel (dark to
 * bright), so ids are stable across runs and cases: on T1, 1 = CSF, 2 = GM, 3 = WM.
 */
import { assertSameGrid } from '../core/grid';
import { makeVolume, Volume, VoxelArray } from '../core/volume';
import { Random } from '../core/random';

export interface TissueClusterOptions {
  /** Number of classes (default 3). */
  classes?: number;
  /** Voxels to cluster: nonzero voxels of this mask (default: voxels where any channel is nonzero). */
  mask?: Volume<VoxelArray>;
  /** 'kmeans' (default) or 'gmm' (EM on a diagonal Gaussian mixture, initialised by k-means). */
  method?: 'kmeans' | 'gmm';
  /** Seed of the initialisation and sub-sampling (default 0). */
  seed?: number;
  /** Iteration cap (default 100). */
  maxIterations?: number;
  /** Fit on at most this many mask voxels, drawn by the seed (default 200000); all mask voxels are labelled. */
  sampleSize?: number;
  /** Class names (default tissue_1..n, dark to bright). */
  names?: string[];
}

export interface TissueClusterResult {
  /** 0 outside the mask, 1..n inside (sorted by first-channel mean, ascending). */
  labels: Volume<Uint8Array>;
  names: string[];
  /** Class means in the original intensity units, [class][channel]. */
  means: number[][];
  /** Mixture weights (gmm) or voxel fractions of the fitted sample (kmeans). */
  weights: number[];
  /** Voxels per class over the whole mask. */
  counts: number[];
  iterations: number;
  converged: boolean;
  method: 'kmeans' | 'gmm';
}

/**
 * Cluster voxel intensities into tissue classes.
 * @example
 * const { labels, names } = clusterTissues([t1], { classes: 3, names: ['csf', 'grey_matter', 'white_matter'] });
 * @param channels one or more images on the same grid
 * @param options see TissueClusterOptions
 */
export function clusterTissues(channels: Volume<VoxelArray>[], options: TissueClusterOptions = {}): TissueClusterResult {
  const { classes: k = 3, method = 'kmeans', seed = 0, maxIterations = 100, sampleSize = 200000 } = options;
  if (channels.length === 0) throw new RangeError('clusterTissues: need at least one channel');
  if (!Number.isInteger(k) || k < 1 || k > 254) throw new RangeError(`clusterTissues: classes must be an integer in 1..254, got ${k}`);
  if (method !== 'kmeans' && method !== 'gmm') throw new RangeError(`clusterTissues: method must be 'kmeans' or 'gmm', got ${method}`);
  const names = options.names ?? Array.from({ length: k }, (_, i) => `tissue_${i + 1}`);
  if (names.length !== k) throw new RangeError(`clusterTissues: ${names.length} names for ${k} classes`);
  const ref = channels[0];
  channels.forEach((c, i) => assertSameGrid(ref, c, ['channel 0', `channel ${i}`]));
  if (options.mask) assertSameGrid(ref, options.mask, ['channel 0', 'the mask']);
  const m = channels.length;
  const idx = maskVoxels(channels, options.mask);
  if (idx.length < k) throw new RangeError(`clusterTissues: only ${idx.length} voxels in the mask for ${k} classes`);
  const { mu, sd } = channelStandardisation(channels, idx);
  const feature = (p: number, c: number) => (channels[c].data[p] - mu[c]) / sd[c];
  const rng = new Random(seed);
  const { X, S } = sampleFeatures(idx, sampleSize, m, feature, rng);
  const centres = kmeansPlusPlus(X, S, m, k, rng);
  const lloyd = lloydIterations(X, S, m, k, centres, maxIterations);
  let { iterations, converged } = lloyd;
  let weights = new Float64Array(k);
  for (let s = 0; s < S; s++) weights[lloyd.assign[s]]++;
  for (let j = 0; j < k; j++) weights[j] /= S;
  let variances: Float64Array | null = null;
  if (method === 'gmm') {
    const fit = fitDiagonalGmm(X, S, m, k, centres, lloyd.assign, maxIterations);
    weights = fit.weights;
    variances = fit.variances;
    iterations = fit.iterations;
    converged = fit.converged;
  }
  // sort classes by first-channel mean
  const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => centres[a * m] - centres[b * m] || a - b);
  const rank = new Int32Array(k);
  order.forEach((j, r) => (rank[j] = r));
  const { out, counts } = labelMaskVoxels(idx, ref.data.length, m, k, feature, { centres, weights, variances }, rank);
  const means = order.map((j) => Array.from({ length: m }, (_, c) => centres[j * m + c] * sd[c] + mu[c]));
  return {
    labels: makeVolume(out, ref.dims, ref.spacing, ref.affine),
    names,
    means,
    weights: order.map((j) => weights[j]),
    counts,
    iterations,
    converged,
    method,
  };
}

/** Voxel indices in the mask: its nonzero voxels, or where any channel is nonzero without a mask. */
function maskVoxels(channels: Volume<VoxelArray>[], mask: Volume<VoxelArray> | undefined): number[] {
  const n = channels[0].data.length;
  const m = channels.length;
  const idx: number[] = [];
  for (let p = 0; p < n; p++) {
    let inside: boolean;
    if (mask) inside = mask.data[p] !== 0;
    else {
      inside = false;
      for (let c = 0; c < m; c++) if (channels[c].data[p] !== 0) inside = true;
    }
    if (inside) idx.push(p);
  }
  return idx;
}

/** Mean and standard deviation (1 when 0) of each channel over the mask, so channels weigh equally. */
function channelStandardisation(channels: Volume<VoxelArray>[], idx: number[]): { mu: Float64Array; sd: Float64Array } {
  const m = channels.length;
  const mu = new Float64Array(m);
  const sd = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    const d = channels[c].data;
    let s = 0;
    for (const p of idx) s += d[p];
    mu[c] = s / idx.length;
    let v = 0;
    for (const p of idx) v += (d[p] - mu[c]) ** 2;
    sd[c] = Math.sqrt(v / idx.length) || 1;
  }
  return { mu, sd };
}

/** Standardised features [S × m] of the fitted voxels: all mask voxels, or `sampleSize` drawn with replacement. */
function sampleFeatures(
  idx: number[],
  sampleSize: number,
  m: number,
  feature: (p: number, c: number) => number,
  rng: Random,
): { X: Float64Array; S: number } {
  let sample = idx;
  if (idx.length > sampleSize) {
    sample = [];
    for (let s = 0; s < sampleSize; s++) sample.push(idx[rng.int(idx.length)]);
  }
  const S = sample.length;
  const X = new Float64Array(S * m);
  for (let s = 0; s < S; s++) for (let c = 0; c < m; c++) X[s * m + c] = feature(sample[s], c);
  return { X, S };
}

/** k-means++ initial centres [k × m]: each next centre drawn with probability ∝ squared distance. */
function kmeansPlusPlus(X: Float64Array, S: number, m: number, k: number, rng: Random): Float64Array {
  const centres = new Float64Array(k * m);
  const first = rng.int(S);
  for (let c = 0; c < m; c++) centres[c] = X[first * m + c];
  const d2 = new Float64Array(S).fill(Infinity);
  for (let j = 1; j < k; j++) {
    for (let s = 0; s < S; s++) {
      let dd = 0;
      for (let c = 0; c < m; c++) dd += (X[s * m + c] - centres[(j - 1) * m + c]) ** 2;
      if (dd < d2[s]) d2[s] = dd;
    }
    let total = 0;
    for (let s = 0; s < S; s++) total += d2[s];
    const pickIdx = total > 0 ? rng.weightedIndex(d2) : rng.int(S);
    for (let c = 0; c < m; c++) centres[j * m + c] = X[pickIdx * m + c];
  }
  return centres;
}

/** Lloyd's k-means iterations until no assignment changes; updates `centres` in place. */
function lloydIterations(
  X: Float64Array,
  S: number,
  m: number,
  k: number,
  centres: Float64Array,
  maxIterations: number,
): { assign: Int32Array; iterations: number; converged: boolean } {
  const assign = new Int32Array(S);
  let iterations = 0;
  let converged = false;
  for (let it = 0; it < maxIterations; it++) {
    iterations = it + 1;
    let changed = 0;
    for (let s = 0; s < S; s++) {
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < k; j++) {
        let dd = 0;
        for (let c = 0; c < m; c++) dd += (X[s * m + c] - centres[j * m + c]) ** 2;
        if (dd < bestD) {
          bestD = dd;
          best = j;
        }
      }
      if (assign[s] !== best || it === 0) changed++;
      assign[s] = best;
    }
    const sums = new Float64Array(k * m);
    const cnt = new Float64Array(k);
    for (let s = 0; s < S; s++) {
      cnt[assign[s]]++;
      for (let c = 0; c < m; c++) sums[assign[s] * m + c] += X[s * m + c];
    }
    for (let j = 0; j < k; j++) if (cnt[j] > 0) for (let c = 0; c < m; c++) centres[j * m + c] = sums[j * m + c] / cnt[j];
    if (changed === 0) {
      converged = true;
      break;
    }
  }
  return { assign, iterations, converged };
}

/**
 * Label every mask voxel with its class rank + 1: nearest centre (k-means), or highest
 * posterior up to a constant (GMM, when `variances` is given). Returns the label array and per-class counts.
 */
function labelMaskVoxels(
  idx: number[],
  n: number,
  m: number,
  k: number,
  feature: (p: number, c: number) => number,
  model: { centres: Float64Array; weights: Float64Array; variances: Float64Array | null },
  rank: Int32Array,
): { out: Uint8Array; counts: number[] } {
  const { centres, weights, variances } = model;
  const out = new Uint8Array(n);
  const counts = new Array<number>(k).fill(0);
  const f = new Float64Array(m);
  for (const p of idx) {
    for (let c = 0; c < m; c++) f[c] = feature(p, c);
    let best = 0;
    let bestScore = -Infinity;
    for (let j = 0; j < k; j++) {
      let score = 0;
      if (variances) {
        score = Math.log(weights[j] + 1e-300);
        for (let c = 0; c < m; c++) {
          const v = variances[j * m + c];
          score += -0.5 * Math.log(v) - (0.5 * (f[c] - centres[j * m + c]) ** 2) / v;
        }
      } else {
        for (let c = 0; c < m; c++) score -= (f[c] - centres[j * m + c]) ** 2;
      }
      if (score > bestScore) {
        bestScore = score;
        best = j;
      }
    }
    out[p] = rank[best] + 1;
    counts[rank[best]]++;
  }
  return { out, counts };
}

/** EM for a diagonal-covariance Gaussian mixture; updates `centres` in place. */
function fitDiagonalGmm(
  X: Float64Array,
  S: number,
  m: number,
  k: number,
  centres: Float64Array,
  assign: Int32Array,
  maxIterations: number,
): { weights: Float64Array; variances: Float64Array; iterations: number; converged: boolean } {
  const floor = 1e-4;
  const weights = new Float64Array(k);
  const variances = new Float64Array(k * m);
  // initialise from the hard assignment
  const cnt = new Float64Array(k);
  for (let s = 0; s < S; s++) {
    const j = assign[s];
    cnt[j]++;
    for (let c = 0; c < m; c++) variances[j * m + c] += (X[s * m + c] - centres[j * m + c]) ** 2;
  }
  for (let j = 0; j < k; j++) {
    weights[j] = Math.max(cnt[j], 1) / S;
    for (let c = 0; c < m; c++) variances[j * m + c] = Math.max(cnt[j] > 1 ? variances[j * m + c] / cnt[j] : 1, floor);
  }
  const resp = new Float64Array(k);
  let prevLl = -Infinity;
  let iterations = 0;
  let converged = false;
  for (let it = 0; it < maxIterations; it++) {
    iterations = it + 1;
    const nk = new Float64Array(k);
    const sx = new Float64Array(k * m);
    const sxx = new Float64Array(k * m);
    let ll = 0;
    for (let s = 0; s < S; s++) {
      let maxLog = -Infinity;
      for (let j = 0; j < k; j++) {
        let lp = Math.log(weights[j]);
        for (let c = 0; c < m; c++) {
          const v = variances[j * m + c];
          lp += -0.5 * Math.log(2 * Math.PI * v) - (0.5 * (X[s * m + c] - centres[j * m + c]) ** 2) / v;
        }
        resp[j] = lp;
        if (lp > maxLog) maxLog = lp;
      }
      let z = 0;
      for (let j = 0; j < k; j++) {
        resp[j] = Math.exp(resp[j] - maxLog);
        z += resp[j];
      }
      ll += maxLog + Math.log(z);
      for (let j = 0; j < k; j++) {
        const r = resp[j] / z;
        nk[j] += r;
        for (let c = 0; c < m; c++) {
          const x = X[s * m + c];
          sx[j * m + c] += r * x;
          sxx[j * m + c] += r * x * x;
        }
      }
    }
    for (let j = 0; j < k; j++) {
      const w = Math.max(nk[j], 1e-10);
      weights[j] = w / S;
      for (let c = 0; c < m; c++) {
        const mean = sx[j * m + c] / w;
        centres[j * m + c] = mean;
        variances[j * m + c] = Math.max(sxx[j * m + c] / w - mean * mean, floor);
      }
    }
    if (Math.abs(ll - prevLl) < 1e-7 * Math.abs(ll)) {
      converged = true;
      break;
    }
    prevLl = ll;
  }
  return { weights, variances, iterations, converged };
}
