/**
 * Simulated interactive / automatic-tool label noise on auxiliary label maps,
 * to study how robust BackSplit is to imperfect background labels (the paper
 * uses noisy and interactively drawn labels). Primitives: per-class erosion /
 * dilation, boundary jitter, dropped structures (connected components set to
 * unlabelled) and merged classes (a class relabelled as its most frequent
 * neighbouring class). `simulateNoisyLabels` combines them under one noise
 * level in [0, 1]; everything is seeded.
 */
import { makeVolume, Vec3, Volume, mapToUint8 } from '../core/volume';
import { Random } from '../core/random';
import { dilate, labelBoundary, labelComponents, neighbourOffsets } from '../core/morphology';

/**
 * Erode one class by `iterations` voxels (6-connectivity); removed voxels become `fill` (default 0).
 * The grid edge does not erode (only voxels of other labels do).
 */
export function erodeClass(labels: Uint8Array, dims: Vec3, cls: number, iterations = 1, fill = 0): Uint8Array {
  const [nx, ny, nz] = dims;
  // pad-free erosion where out-of-grid counts as inside: erode the complement's dilation
  const notCls = mapToUint8(labels, (v) => (v === cls ? 0 : 1));
  const grown = dilate(notCls, dims, iterations, 6);
  const out = Uint8Array.from(labels);
  for (let p = 0; p < nx * ny * nz; p++) if (labels[p] === cls && grown[p]) out[p] = fill;
  return out;
}

/**
 * Dilate one class by `iterations` voxels (6-connectivity) into voxels whose label is in `into`
 * (default: any label other than the class).
 */
export function dilateClass(labels: Uint8Array, dims: Vec3, cls: number, iterations = 1, into?: (label: number) => boolean): Uint8Array {
  const mask = mapToUint8(labels, (v) => (v === cls ? 1 : 0));
  const grown = dilate(mask, dims, iterations, 6);
  const out = Uint8Array.from(labels);
  for (let p = 0; p < out.length; p++) if (grown[p] && out[p] !== cls && (!into || into(out[p]))) out[p] = cls;
  return out;
}

/**
 * Boundary jitter: each voxel on a label boundary (6-neighbourhood) takes the label of a
 * random 6-neighbour with probability `probability`. Decisions are made on the input map
 * (simultaneous update). Returns the new map and the number of voxels changed.
 */
export function jitterBoundary(labels: Uint8Array, dims: Vec3, probability: number, rng: Random): { labels: Uint8Array; changed: number } {
  const [nx, ny, nz] = dims;
  const boundary = labelBoundary(labels, dims, 6);
  const offs = neighbourOffsets(6);
  const out = Uint8Array.from(labels);
  let changed = 0;
  for (let p = 0; p < out.length; p++) {
    if (!boundary[p]) continue;
    if (!rng.bernoulli(probability)) continue;
    const i = p % nx;
    const j = Math.floor(p / nx) % ny;
    const k = Math.floor(p / (nx * ny));
    const [di, dj, dk] = offs[rng.int(6)];
    const a = i + di;
    const b = j + dj;
    const c = k + dk;
    if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
    const v = labels[a + nx * (b + ny * c)];
    if (v !== out[p]) {
      out[p] = v;
      changed++;
    }
  }
  return { labels: out, changed };
}

/**
 * Drop structures: each same-label 6-connected component is set to 0 with probability
 * `probability`. Returns the new map and the dropped components as [class, voxels].
 */
export function dropComponents(labels: Uint8Array, dims: Vec3, probability: number, rng: Random): { labels: Uint8Array; dropped: Array<[number, number]> } {
  const comps = labelComponents(labels, dims, 6);
  const drop = new Uint8Array(comps.count + 1);
  const dropped: Array<[number, number]> = [];
  for (let c = 1; c <= comps.count; c++) {
    if (rng.bernoulli(probability)) {
      drop[c] = 1;
      dropped.push([comps.classOf[c], comps.sizes[c]]);
    }
  }
  const out = Uint8Array.from(labels);
  for (let p = 0; p < out.length; p++) if (drop[comps.labels[p]]) out[p] = 0;
  return { labels: out, dropped };
}

/**
 * Merge a class into its most frequent nonzero 6-neighbour class (ties: lowest id).
 * Returns the new map and the target class (null when the class touches no other nonzero class).
 */
export function mergeIntoNeighbour(labels: Uint8Array, dims: Vec3, cls: number): { labels: Uint8Array; into: number | null } {
  const [nx, ny, nz] = dims;
  const offs = neighbourOffsets(6);
  const contact = new Map<number, number>();
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const p = i + nx * (j + ny * k);
        if (labels[p] !== cls) continue;
        for (const [di, dj, dk] of offs) {
          const a = i + di;
          const b = j + dj;
          const c = k + dk;
          if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
          const v = labels[a + nx * (b + ny * c)];
          if (v !== 0 && v !== cls) contact.set(v, (contact.get(v) ?? 0) + 1);
        }
      }
  let into: number | null = null;
  let best = 0;
  for (const [v, c] of [...contact.entries()].sort((x, y) => x[0] - y[0])) {
    if (c > best) {
      best = c;
      into = v;
    }
  }
  if (into === null) return { labels: Uint8Array.from(labels), into };
  const target = into;
  return { labels: mapToUint8(labels, (v) => (v === cls ? target : v)), into };
}

export interface NoisyLabelOptions {
  /** Overall noise in [0, 1]: 0 returns the input unchanged. */
  noiseLevel: number;
  seed: number;
  /** Per-class probability of an erosion or dilation (default 0.6·noise). */
  morphProbability?: number;
  /** Erosion/dilation depth in voxels (default 1 + round(2·noise)). */
  morphIterations?: number;
  /** Per-boundary-voxel jitter probability (default 0.5·noise). */
  jitterProbability?: number;
  /** Per-component drop probability (default 0.25·noise). */
  dropProbability?: number;
  /** Per-class merge probability (default 0.15·noise). */
  mergeProbability?: number;
}

/** What simulateNoisyLabels did. */
export interface NoisyLabelReport {
  noiseLevel: number;
  seed: number;
  eroded: number[];
  dilated: number[];
  merged: Array<[number, number]>;
  droppedComponents: Array<[number, number]>;
  jitteredVoxels: number;
  /** Fraction of voxels whose label differs from the input. */
  changedFraction: number;
}

/**
 * Degrade an auxiliary label map like an imperfect tool or a hurried annotator would.
 * Order: per-class erosion/dilation (classes in increasing id), class merges, dropped
 * components, then boundary jitter. Same input + options → same output.
 * @example
 * const { labels } = simulateNoisyLabels(aux, { noiseLevel: 0.5, seed: 1 });
 */
export function simulateNoisyLabels(aux: Volume<Uint8Array>, options: NoisyLabelOptions): { labels: Volume<Uint8Array>; report: NoisyLabelReport } {
  const { noiseLevel, seed } = options;
  if (!(noiseLevel >= 0 && noiseLevel <= 1)) throw new RangeError(`simulateNoisyLabels: noiseLevel must be in [0, 1], got ${noiseLevel}`);
  const morphP = options.morphProbability ?? 0.6 * noiseLevel;
  const morphIt = options.morphIterations ?? 1 + Math.round(2 * noiseLevel);
  const jitterP = options.jitterProbability ?? 0.5 * noiseLevel;
  const dropP = options.dropProbability ?? 0.25 * noiseLevel;
  const mergeP = options.mergeProbability ?? 0.15 * noiseLevel;
  const dims = aux.dims;
  const rng = new Random(seed);
  let cur = Uint8Array.from(aux.data);
  const present = [...new Set(cur)].filter((v) => v !== 0).sort((a, b) => a - b);
  const report: NoisyLabelReport = { noiseLevel, seed, eroded: [], dilated: [], merged: [], droppedComponents: [], jitteredVoxels: 0, changedFraction: 0 };
  if (noiseLevel > 0) {
    const morphRng = rng.fork('morph');
    for (const cls of present) {
      if (!morphRng.bernoulli(morphP)) continue;
      if (morphRng.bernoulli(0.5)) {
        cur = erodeClass(cur, dims, cls, morphIt, 0);
        report.eroded.push(cls);
      } else {
        cur = dilateClass(cur, dims, cls, morphIt);
        report.dilated.push(cls);
      }
    }
    const mergeRng = rng.fork('merge');
    for (const cls of present) {
      if (!mergeRng.bernoulli(mergeP)) continue;
      const r = mergeIntoNeighbour(cur, dims, cls);
      if (r.into !== null) {
        cur = r.labels;
        report.merged.push([cls, r.into]);
      }
    }
    const d = dropComponents(cur, dims, dropP, rng.fork('drop'));
    cur = d.labels;
    report.droppedComponents = d.dropped;
    const j = jitterBoundary(cur, dims, jitterP, rng.fork('jitter'));
    cur = j.labels;
    report.jitteredVoxels = j.changed;
  }
  let diff = 0;
  for (let p = 0; p < cur.length; p++) if (cur[p] !== aux.data[p]) diff++;
  report.changedFraction = diff / cur.length;
  return { labels: makeVolume(cur, aux.dims, aux.spacing, aux.affine), report };
}

