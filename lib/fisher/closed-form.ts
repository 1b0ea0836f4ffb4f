/**
 * Closed-form Fisher information of a per-voxel softmax with respect to its
 * logits, for the multiclass likelihood (labels Y) and for a coarsened
 * likelihood (labels Z = group(Y), e.g. lesion vs the rest), and the gap
 * between them.
 *
 * With probabilities p over K classes and a partition of the classes into
 * groups g with mass p_g and within-group distribution m_g (p restricted to g,
 * renormalised):
 *   I_Y   = diag(p) − p pᵀ
 *   I_Z   = Σ_g p_g (m_g − p)(m_g − p)ᵀ
 *   I_Y − I_Z = Σ_g p_g (diag(m_g) − m_g m_gᵀ) = E_Z[I_{Y|Z}]  ⪰ 0
 * For lesion-vs-rest this is the BackSplit gap p_B (diag(q) − q qᵀ) of
 * docs/BACKSPLIT.md. All arrays are channels-last: entry (v, k) of a
 * probability map is p[v*K + k]; matrices are [V, K, K] row-major.
 */

/** A partition of the K model classes into the outcomes of a coarsened label. */
export interface ClassGroups {
  numClasses: number;
  /** groups[g] lists the class indices whose union is coarse outcome g; a partition of 0..K-1. */
  groups: number[][];
  /** Optional names of the coarse outcomes, e.g. ['background', 'lesion']. */
  names?: string[];
}

/**
 * The BackSplit coarsening: outcome 0 = background B (every class except the
 * lesion), outcome 1 = lesion, so Z = 1[Y = lesionClass].
 * @example lesionVsRest(5, 4) // {numClasses: 5, groups: [[0,1,2,3],[4]]}
 */
export function lesionVsRest(numClasses: number, lesionClass: number): ClassGroups {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`lesionVsRest: numClasses must be an integer >= 2, got ${numClasses}`);
  }
  if (!Number.isInteger(lesionClass) || lesionClass < 0 || lesionClass >= numClasses) {
    throw new Error(`lesionVsRest: lesionClass must be in [0, ${numClasses - 1}], got ${lesionClass}`);
  }
  const background: number[] = [];
  for (let k = 0; k < numClasses; k++) if (k !== lesionClass) background.push(k);
  return { numClasses, groups: [background, [lesionClass]], names: ['background', 'lesion'] };
}

/**
 * Check that `groups` partitions 0..K-1 and return the class → group map.
 * Throws naming the offending class.
 */
export function classToGroup(groups: ClassGroups): Int32Array {
  const K = groups.numClasses;
  const map = new Int32Array(K).fill(-1);
  groups.groups.forEach((members, g) => {
    if (members.length === 0) throw new Error(`ClassGroups: group ${g} is empty`);
    for (const k of members) {
      if (!Number.isInteger(k) || k < 0 || k >= K) throw new Error(`ClassGroups: class ${k} in group ${g} is outside [0, ${K - 1}]`);
      if (map[k] >= 0) throw new Error(`ClassGroups: class ${k} is in groups ${map[k]} and ${g}`);
      map[k] = g;
    }
  });
  for (let k = 0; k < K; k++) if (map[k] < 0) throw new Error(`ClassGroups: class ${k} is in no group`);
  return map;
}

function voxelCount(p: ArrayLike<number>, K: number, fn: string): number {
  if (!Number.isInteger(K) || K < 1) throw new Error(`${fn}: numClasses must be a positive integer, got ${K}`);
  if (p.length % K !== 0) throw new Error(`${fn}: probability array length ${p.length} is not a multiple of K=${K}`);
  return p.length / K;
}

/** Row-wise softmax of channels-last logits [V, K], in float64 with max-shift. */
export function softmaxRows(logits: ArrayLike<number>, numClasses: number): Float64Array {
  const K = numClasses;
  const V = voxelCount(logits, K, 'softmaxRows');
  const out = new Float64Array(V * K);
  for (let v = 0; v < V; v++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[v * K + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(logits[v * K + k] - max);
      out[v * K + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) out[v * K + k] /= sum;
  }
  return out;
}

/** Coarse-outcome probabilities p_g = Σ_{k∈g} p_k, as [V, G]. */
export function coarsenProbabilities(p: ArrayLike<number>, groups: ClassGroups): Float64Array {
  const K = groups.numClasses;
  const map = classToGroup(groups);
  const G = groups.groups.length;
  const V = voxelCount(p, K, 'coarsenProbabilities');
  const out = new Float64Array(V * G);
  for (let v = 0; v < V; v++) for (let k = 0; k < K; k++) out[v * G + map[k]] += p[v * K + k];
  return out;
}

/** Multiclass Fisher w.r.t. the logits, I_Y = diag(p) − p pᵀ, per voxel: [V, K, K]. */
export function fisherY(p: ArrayLike<number>, numClasses: number): Float64Array {
  const K = numClasses;
  const V = voxelCount(p, K, 'fisherY');
  const out = new Float64Array(V * K * K);
  for (let v = 0; v < V; v++) {
    const o = v * K * K;
    for (let i = 0; i < K; i++) {
      const pi = p[v * K + i];
      for (let j = 0; j < K; j++) out[o + i * K + j] = -pi * p[v * K + j];
      out[o + i * K + i] += pi;
    }
  }
  return out;
}

/**
 * Coarsened Fisher w.r.t. the logits, I_Z = Σ_g p_g (m_g − p)(m_g − p)ᵀ, per
 * voxel: [V, K, K]. For lesionVsRest this is
 * p_L (e_L − p)(e_L − p)ᵀ + p_B (q − p)(q − p)ᵀ.
 */
export function fisherZ(p: ArrayLike<number>, groups: ClassGroups): Float64Array {
  const K = groups.numClasses;
  const map = classToGroup(groups);
  const G = groups.groups.length;
  const V = voxelCount(p, K, 'fisherZ');
  const out = new Float64Array(V * K * K);
  const pg = new Float64Array(G);
  const d = new Float64Array(K);
  for (let v = 0; v < V; v++) {
    pg.fill(0);
    for (let k = 0; k < K; k++) pg[map[k]] += p[v * K + k];
    const o = v * K * K;
    for (let g = 0; g < G; g++) {
      if (!(pg[g] > 0)) continue;
      for (let k = 0; k < K; k++) d[k] = (map[k] === g ? p[v * K + k] / pg[g] : 0) - p[v * K + k];
      for (let i = 0; i < K; i++) {
        const w = pg[g] * d[i];
        for (let j = 0; j < K; j++) out[o + i * K + j] += w * d[j];
      }
    }
  }
  return out;
}

/**
 * The gap I_Y − I_Z = Σ_g p_g (diag(m_g) − m_g m_gᵀ) per voxel: [V, K, K].
 * For lesionVsRest: p_B (diag(q) − q qᵀ), q = p on B renormalised.
 */
export function fisherGap(p: ArrayLike<number>, groups: ClassGroups): Float64Array {
  const K = groups.numClasses;
  const map = classToGroup(groups);
  const G = groups.groups.length;
  const V = voxelCount(p, K, 'fisherGap');
  const out = new Float64Array(V * K * K);
  const pg = new Float64Array(G);
  for (let v = 0; v < V; v++) {
    pg.fill(0);
    for (let k = 0; k < K; k++) pg[map[k]] += p[v * K + k];
    const o = v * K * K;
    for (let i = 0; i < K; i++) {
      const g = map[i];
      if (!(pg[g] > 0)) continue;
      const pi = p[v * K + i];
      // p_g (δ_ij m_i − m_i m_j) = δ_ij p_i − p_i p_j / p_g, within the group only
      for (const j of groups.groups[g]) out[o + i * K + j] = -(pi * p[v * K + j]) / pg[g];
      out[o + i * K + i] += pi;
    }
  }
  return out;
}

/** Per-voxel traces of I_Y, I_Z and the gap, e.g. for heat maps. */
export interface FisherTraceMaps {
  y: Float64Array;
  z: Float64Array;
  gap: Float64Array;
}

/**
 * Per-voxel traces from a channels-last probability map [V, K] (a softmax
 * output read from a network is fine; it is used as given):
 *   tr I_Y = 1 − Σ_k p_k²,  tr gap = 1 − Σ_g Σ_{k∈g} p_k² / p_g,  tr I_Z = tr I_Y − tr gap.
 * (The formulas use Σ_k p_k = 1.)
 */
export function fisherTraceMaps(p: ArrayLike<number>, groups: ClassGroups): FisherTraceMaps {
  const K = groups.numClasses;
  const map = classToGroup(groups);
  const G = groups.groups.length;
  const V = voxelCount(p, K, 'fisherTraceMaps');
  const y = new Float64Array(V);
  const z = new Float64Array(V);
  const gap = new Float64Array(V);
  const pg = new Float64Array(G);
  const sq = new Float64Array(G);
  for (let v = 0; v < V; v++) {
    pg.fill(0);
    sq.fill(0);
    let sumSq = 0;
    for (let k = 0; k < K; k++) {
      const pk = p[v * K + k];
      pg[map[k]] += pk;
      sq[map[k]] += pk * pk;
      sumSq += pk * pk;
    }
    let within = 0;
    for (let g = 0; g < G; g++) if (pg[g] > 0) within += sq[g] / pg[g];
    y[v] = 1 - sumSq;
    gap[v] = 1 - within;
    z[v] = within - sumSq;
  }
  return { y, z, gap };
}

/** Sums over voxels of the per-voxel traces. */
export function fisherTraceTotals(p: ArrayLike<number>, groups: ClassGroups): { y: number; z: number; gap: number } {
  const maps = fisherTraceMaps(p, groups);
  const sum = (a: Float64Array): number => a.reduce((s, x) => s + x, 0);
  return { y: sum(maps.y), z: sum(maps.z), gap: sum(maps.gap) };
}

/** Traces over a grid of lesion probabilities (columns) and background splits (rows). */
export interface GapSurface {
  lesionProbabilities: number[];
  backgroundSplits: number[][];
  y: number[][];
  z: number[][];
  gap: number[][];
}

/**
 * Traces of I_Y, I_Z and the gap at p = (p_L, (1 − p_L)·q) for every lesion
 * probability p_L and every background split q (a distribution over the
 * background sub-classes), for plotting how the gap depends on p_L and on how
 * the background mass is spread: tr gap = (1 − p_L)(1 − Σ q²).
 * @example gapSurface([0.1, 0.5], [[1, 0], [0.5, 0.5]]).gap // [[0, 0], [0.45, 0.25]]
 */
export function gapSurface(lesionProbabilities: number[], backgroundSplits: number[][]): GapSurface {
  const rows = backgroundSplits.map((q, r) => {
    const sum = q.reduce((s, v) => s + v, 0);
    if (q.length === 0 || q.some((v) => !(v >= 0)) || Math.abs(sum - 1) > 1e-9) {
      throw new Error(`gapSurface: background split ${r} must be a probability vector, got [${q}]`);
    }
    const K = q.length + 1;
    const p = new Float64Array(lesionProbabilities.length * K);
    lesionProbabilities.forEach((pl, c) => {
      if (!(pl >= 0 && pl <= 1)) throw new Error(`gapSurface: lesion probability ${c} must be in [0, 1], got ${pl}`);
      p[c * K] = pl;
      q.forEach((v, k) => (p[c * K + 1 + k] = (1 - pl) * v));
    });
    return fisherTraceMaps(p, lesionVsRest(K, 0));
  });
  return {
    lesionProbabilities: lesionProbabilities.slice(),
    backgroundSplits: backgroundSplits.map((q) => q.slice()),
    y: rows.map((m) => Array.from(m.y)),
    z: rows.map((m) => Array.from(m.z)),
    gap: rows.map((m) => Array.from(m.gap)),
  };
}
