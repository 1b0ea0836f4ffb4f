/**
 * Collapsing BackSplit predictions back to a binary lesion mask. At test time
 * only the lesion output matters; there are two reasonable rules and the
 * evaluation compares them:
 *
 * - `argmaxIsLesion`: the voxel is lesion when the lesion class is the argmax
 *   over all K classes (ties go to the lowest class id, like numpy.argmax).
 * - `lesionBeatsBackgroundSum`: the voxel is lesion when p_lesion > Σ_{k≠lesion} p_k,
 *   i.e. the lesion wins against the *coarsened* background (p_B in BACKSPLIT.md);
 *   with normalised probabilities this is p_lesion > 0.5.
 *
 * Every voxel the sum rule calls lesion is also lesion under argmax (if p_L
 * exceeds the sum of the others it exceeds each of them), so the argmax rule is
 * the more liberal one; they differ where the background mass is split, e.g.
 * p = (0.3, 0.3, 0.4) with lesion last: argmax says lesion, the sum rule does not.
 *
 * Probability layouts accepted:
 * - voxel-major (channels-last, as a tfjs [.., K] output flattens): one
 *   Float32Array of length N*K with p(voxel v, class k) at v*K + k;
 * - per-class: an array of K Float32Arrays of length N (class-major).
 * Inputs need not be normalised (logits are NOT accepted for the sum rule:
 * pass softmax probabilities).
 */

export type ProbabilityInput = Float32Array | Float64Array | Array<Float32Array | Float64Array>;

export interface CollapseOptions {
  /** Number of classes K (required for voxel-major input; inferred for per-class input). */
  numClasses?: number;
  /** Lesion class id (default K-1, the last class, as buildBackSplitLabels produces). */
  lesionClass?: number;
}

/** The two collapse rules by name. */
export type CollapseRule = 'argmaxIsLesion' | 'lesionBeatsBackgroundSum';
export const COLLAPSE_RULES: readonly CollapseRule[] = ['argmaxIsLesion', 'lesionBeatsBackgroundSum'];

interface Accessor {
  n: number;
  k: number;
  lesion: number;
  get: (v: number, c: number) => number;
}

function accessor(probs: ProbabilityInput, opts: CollapseOptions, fn: string): Accessor {
  if (Array.isArray(probs)) {
    const k = probs.length;
    if (k < 2) throw new RangeError(`${fn}: need at least 2 classes, got ${k}`);
    if (opts.numClasses !== undefined && opts.numClasses !== k) throw new RangeError(`${fn}: numClasses ${opts.numClasses} but ${k} per-class arrays`);
    const n = probs[0].length;
    probs.forEach((a, i) => {
      if (a.length !== n) throw new RangeError(`${fn}: class ${i} has ${a.length} voxels, class 0 has ${n}`);
    });
    const lesion = opts.lesionClass ?? k - 1;
    if (!(Number.isInteger(lesion) && lesion >= 0 && lesion < k)) throw new RangeError(`${fn}: lesionClass ${lesion} out of range 0..${k - 1}`);
    return { n, k, lesion, get: (v, c) => probs[c][v] };
  }
  const k = opts.numClasses;
  if (k === undefined || !Number.isInteger(k) || k < 2) throw new RangeError(`${fn}: voxel-major input needs numClasses ≥ 2, got ${k}`);
  if (probs.length % k !== 0) throw new RangeError(`${fn}: length ${probs.length} is not a multiple of numClasses ${k}`);
  const lesion = opts.lesionClass ?? k - 1;
  if (!(Number.isInteger(lesion) && lesion >= 0 && lesion < k)) throw new RangeError(`${fn}: lesionClass ${lesion} out of range 0..${k - 1}`);
  return { n: probs.length / k, k, lesion, get: (v, c) => probs[v * k + c] };
}

/**
 * Binary lesion mask: lesion where the lesion class is the argmax (first maximum wins ties).
 * @example argmaxIsLesion(new Float32Array([0.3, 0.3, 0.4]), { numClasses: 3 }) // Uint8Array [1]
 */
export function argmaxIsLesion(probs: ProbabilityInput, opts: CollapseOptions = {}): Uint8Array {
  const a = accessor(probs, opts, 'argmaxIsLesion');
  const out = new Uint8Array(a.n);
  for (let v = 0; v < a.n; v++) {
    let best = 0;
    let bestP = a.get(v, 0);
    for (let c = 1; c < a.k; c++) {
      const p = a.get(v, c);
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    out[v] = best === a.lesion ? 1 : 0;
  }
  return out;
}

/**
 * Binary lesion mask: lesion where p_lesion > Σ_{k≠lesion} p_k (strictly).
 * @example lesionBeatsBackgroundSum(new Float32Array([0.3, 0.3, 0.4]), { numClasses: 3 }) // Uint8Array [0]
 */
export function lesionBeatsBackgroundSum(probs: ProbabilityInput, opts: CollapseOptions = {}): Uint8Array {
  const a = accessor(probs, opts, 'lesionBeatsBackgroundSum');
  const out = new Uint8Array(a.n);
  if (Array.isArray(probs)) {
    // per-class arrays: the same sums in the same class order (float64), one class at a time
    const bg = new Float64Array(a.n);
    for (let c = 0; c < a.k; c++) {
      if (c === a.lesion) continue;
      const pc = probs[c];
      for (let v = 0; v < a.n; v++) bg[v] += pc[v];
    }
    const pl = probs[a.lesion];
    for (let v = 0; v < a.n; v++) out[v] = pl[v] > bg[v] ? 1 : 0;
    return out;
  }
  for (let v = 0; v < a.n; v++) {
    let bg = 0;
    for (let c = 0; c < a.k; c++) if (c !== a.lesion) bg += a.get(v, c);
    out[v] = a.get(v, a.lesion) > bg ? 1 : 0;
  }
  return out;
}

/** Apply a collapse rule by name. */
export function collapseToBinary(probs: ProbabilityInput, rule: CollapseRule, opts: CollapseOptions = {}): Uint8Array {
  if (rule === 'argmaxIsLesion') return argmaxIsLesion(probs, opts);
  if (rule === 'lesionBeatsBackgroundSum') return lesionBeatsBackgroundSum(probs, opts);
  throw new RangeError(`collapseToBinary: unknown rule '${rule}' (expected ${COLLAPSE_RULES.join(' or ')})`);
}

/**
 * The lesion probability map every arm is scored on (the FROC of the primary endpoint,
 * docs/protocol.md): the softmax lesion channel p_L, whatever the number of classes — the
 * lesion output of a binary (2-class) head and of a BackSplit (K+2-class) head alike. On
 * normalised probabilities `lesionBeatsBackgroundSum` is exactly p_L > 0.5 of this map
 * (p_L > Σ others = 1 − p_L); the argmax rule is not a threshold of it.
 * @returns p_L per voxel, as float32
 * @example lesionProbabilityMap(new Float32Array([0.2, 0.8, 0.6, 0.4]), { numClasses: 2 }) // [0.8, 0.4]
 */
export function lesionProbabilityMap(probs: ProbabilityInput, opts: CollapseOptions = {}): Float32Array {
  const a = accessor(probs, opts, 'lesionProbabilityMap');
  if (Array.isArray(probs)) return Float32Array.from(probs[a.lesion]);
  const out = new Float32Array(a.n);
  for (let v = 0; v < a.n; v++) out[v] = a.get(v, a.lesion);
  return out;
}
