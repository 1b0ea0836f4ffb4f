/**
 * Three synthetic conditions of the embedded generator, each testing one
 * mechanism (docs/dataset-conditions.md, written before any training on them):
 *
 * - `mechanism-positive`: lesions grow only in host A, look-alike blobs
 *   ("mimics", drawn from the lesions' own size, contrast, texture and edge
 *   distributions) only in host B. A and B are two aux classes of the BackSplit
 *   label map, pairs of organs of the same shape and size; at `hostSeparability` 0
 *   they have the same intensity too, so only where they sit (B flanks the spine,
 *   A lies in front) tells them apart. Mimic voxels are labelled host B: the
 *   split names the anatomy, never the mimics.
 * - `null`: the same anatomy and appearance, no mimics, lesion centres uniform
 *   over the body: the split says nothing about where lesions are not.
 * - `current`: today's embedded dataset (lib/data/synthetic.ts), unchanged.
 *
 * Every frozen parameter of the two new conditions is in CONDITION_DEFAULTS; the
 * lesion, blur, bias and gain parameters are SYNTHETIC_DEFAULTS' (docs/dataset.md).
 * Same options + same seed → identical bytes (all randomness through
 * lib/core/random.ts, one named stream per purpose). Case c uses the same case
 * seed in every condition, and the streams are arranged so that the anatomy,
 * texture, bias and noise of case c are the same in null and mechanism-positive,
 * lesion i has the same size and contrast in both (only its place differs), and
 * the lesions do not change with mimicDensity (mimic i is the same at every
 * density that has at least i + 1 mimics).
 */
import { Random } from '../core/random';
import { affineFromSpacing, makeVolume, Vec3 } from '../core/volume';
import { generateSyntheticDataset, SYNTHETIC_DEFAULTS, SyntheticCase, SyntheticLesionInfo } from './synthetic';
import {
  emptyLesionField,
  LesionField,
  paintBigVessel,
  paintBody,
  paintEllipsoid,
  paintSoftLesion,
  paintSpine,
  randomVoxelWhere,
  renderImage,
  sampleLesionVolumeMl,
  ShapeWarps,
  shapeWarps,
  SpinePosition,
  TissueAppearance,
} from './synthetic-paint';

/** The synthetic conditions, by name. */
export const SYNTHETIC_CONDITIONS = ['mechanism-positive', 'null', 'current'] as const;
/** One synthetic condition. */
export type SyntheticCondition = (typeof SYNTHETIC_CONDITIONS)[number];
/** The knobs of the new conditions. */
export type ConditionKnob = 'mimicDensity' | 'hostSeparability' | 'noise';

/** Aux class names of the conditions' anatomy, in id order (class 1 first). */
export const CONDITION_AUX_NAMES = ['body_wall', 'host_a', 'host_b', 'vessel', 'bone'] as const;
/** Aux ids of the conditions' anatomy (0 = outside the body, unlabelled). */
export const COND = { outside: 0, body_wall: 1, host_a: 2, host_b: 3, vessel: 4, bone: 5 } as const;

/**
 * Fewer background sub-classes for the protocol's K axis (docs/protocol.md, "The freeze"): the
 * classes K keeps, by name in new id order, and for each class of {@link CONDITION_AUX_NAMES} the
 * new id it becomes. K = 5 is the conditions' own anatomy; K = 3 keeps host A and host B and merges
 * body wall, vessel and bone; K = 2 keeps host A against everything else (host B included); K = 1
 * is the whole body as one class. Other K have no merge rule.
 */
export const CONDITION_CLASS_MERGES: Readonly<Record<number, { names: readonly string[]; newId: Readonly<Record<(typeof CONDITION_AUX_NAMES)[number], number>> }>> = Object.freeze({
  5: { names: [...CONDITION_AUX_NAMES], newId: { body_wall: 1, host_a: 2, host_b: 3, vessel: 4, bone: 5 } },
  3: { names: ['host_a', 'host_b', 'wall_vessel_bone'], newId: { body_wall: 3, host_a: 1, host_b: 2, vessel: 3, bone: 3 } },
  2: { names: ['host_a', 'not_host_a'], newId: { body_wall: 2, host_a: 1, host_b: 2, vessel: 2, bone: 2 } },
  1: { names: ['body'], newId: { body_wall: 1, host_a: 1, host_b: 1, vessel: 1, bone: 1 } },
});

type Range = readonly [number, number];

/**
 * The frozen parameters of the mechanism-positive and null conditions (the one place they
 * live; docs/dataset-conditions.md lists them). Ranges are per-case uniform draws; positions
 * and semi-axes are fractions of the grid [nx, ny, nz].
 */
export const CONDITION_DEFAULTS = Object.freeze({
  /** Knob defaults: mean mimics per case, host B mean − host A mean, additive noise sd. */
  knobs: Object.freeze({ mimicDensity: 6, hostSeparability: 0, noise: 0.04 }) as Readonly<Record<ConditionKnob, number>>,
  /** Allowed knob values (inclusive). */
  knobRange: Object.freeze({ mimicDensity: [0, 50], hostSeparability: [0, 0.3], noise: [0, 0.2] }) as Readonly<Record<ConditionKnob, Range>>,
  /** The knobs each condition takes. */
  knobsOf: Object.freeze({ 'mechanism-positive': ['mimicDensity', 'hostSeparability', 'noise'], null: ['hostSeparability', 'noise'], current: [] }) as Readonly<
    Record<SyntheticCondition, readonly ConditionKnob[]>
  >,
  /** Hosts A and B: mean intensity hostMean ∓ hostSeparability / 2, the same texture and warp. */
  hostMean: 0.5,
  hostTexture: 0.06,
  hostWarp: 0.25,
  /**
   * Host A: a pair of organs in front (centres nx/2 ± offsetX·nx at centreY·ny); host B: the same
   * pair behind, either side of the spine. Every piece has semi-axes drawn from hostPieceSemi, so A
   * and B have the same shape and size and differ only by where they sit (B flanks the spine and
   * the big vessel).
   */
  hostA: { offsetX: [0.21, 0.235] as Range, centreY: [0.29, 0.32] as Range, centreZ: [0.45, 0.55] as Range },
  hostB: { offsetX: [0.235, 0.255] as Range, centreY: [0.65, 0.68] as Range, centreZ: [0.45, 0.55] as Range },
  hostPieceSemi: [[0.115, 0.135], [0.14, 0.16], [0.38, 0.46]] as readonly Range[],
  /** The big vessel and the spine are dark (flow void, cortical bone), outside every blob's intensity range. */
  vessel: { mean: 0.08, texture: 0.05 } as TissueAppearance,
  bone: { mean: 0.08, texture: 0.16 } as TissueAppearance,
  /** Per-case additive noise sd = noise × a uniform draw from this range. */
  noiseSpread: [0.75, 1.25] as Range,
});

/** A condition and its knobs as given (absent knobs take CONDITION_DEFAULTS.knobs). */
export type ConditionOptions = {
  condition?: SyntheticCondition;
  mimicDensity?: number;
  hostSeparability?: number;
  noise?: number;
};

/** A new condition with every knob filled. */
export type ResolvedCondition = { condition: 'mechanism-positive' | 'null' } & Record<ConditionKnob, number>;

/**
 * The first problem of a condition and its knobs, as a message naming `<prefix>.<field>`, or
 * null when there is none. Checked: the condition's name, that each knob given applies to the
 * condition, and that it is a number in its range (CONDITION_DEFAULTS.knobRange).
 */
export function conditionOptionsProblem(o: Record<string, unknown>, prefix: string): string | null {
  const condition = o.condition === undefined ? 'current' : o.condition;
  if (!SYNTHETIC_CONDITIONS.includes(condition as SyntheticCondition)) {
    return `'${prefix}.condition' must be one of ${SYNTHETIC_CONDITIONS.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(o.condition)}`;
  }
  const takes = CONDITION_DEFAULTS.knobsOf[condition as SyntheticCondition];
  for (const knob of Object.keys(CONDITION_DEFAULTS.knobs) as ConditionKnob[]) {
    const v = o[knob];
    if (v === undefined) continue;
    if (!takes.includes(knob)) {
      const what = takes.length ? `it takes ${takes.join(', ')}` : 'it takes no knobs';
      return `'${prefix}.${knob}' does not apply to condition '${condition}' (${what})`;
    }
    const [lo, hi] = CONDITION_DEFAULTS.knobRange[knob];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) return `'${prefix}.${knob}' must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`;
  }
  return null;
}

/**
 * Check a condition and fill its knobs' defaults; null for `current` (or no condition).
 * @throws RangeError naming `<prefix>.<field>` (see conditionOptionsProblem)
 */
export function resolveCondition(o: ConditionOptions, prefix = 'synthetic'): ResolvedCondition | null {
  const why = conditionOptionsProblem(o, prefix);
  if (why) throw new RangeError(why);
  if (o.condition === undefined || o.condition === 'current') return null;
  const out = { condition: o.condition } as ResolvedCondition;
  for (const knob of CONDITION_DEFAULTS.knobsOf[o.condition]) out[knob] = o[knob] ?? CONDITION_DEFAULTS.knobs[knob];
  if (o.condition === 'null') out.mimicDensity = 0;
  return out;
}

/** A generated case of a new condition plus what training never sees: the mimics' mask and plan. */
export interface ConditionCase {
  case: SyntheticCase;
  /** 1 where a mimic is (its soft membership > 0.5, like the lesion mask); all 0 in null. */
  mimic: Uint8Array;
  mimicsPlanned: SyntheticLesionInfo[];
}

/** Options of generateConditionDataset / generateConditionTruth. */
export type ConditionDatasetOptions = ConditionOptions & {
  /** Dataset seed (default 0). */
  seed?: number;
  /** Number of cases (default 24). */
  cases?: number;
  /** Case id prefix (default 'synth', the same in every condition so splits pair up). */
  idPrefix?: string;
};

/** The host A pair, the host B pair and the spine into `labels` (after the body wall), drawing from the shapes stream. */
function paintHostAnatomy(labels: Uint8Array, dims: Vec3, warps: ShapeWarps, shapeRng: Random): SpinePosition {
  const [nx, ny, nz] = dims;
  const g = CONDITION_DEFAULTS;
  const r = (range: Range) => shapeRng.range(range[0], range[1]);
  paintBody(labels, dims, warps, shapeRng, COND.body_wall);
  const hosts = [
    { label: COND.host_a, place: g.hostA, allowed: (v: number) => v !== COND.outside },
    { label: COND.host_b, place: g.hostB, allowed: (v: number) => v === COND.body_wall },
  ];
  for (const { label, place, allowed } of hosts) {
    const y = ny * r(place.centreY);
    for (const side of [-1, 1]) {
      const centre: Vec3 = [nx / 2 + side * nx * r(place.offsetX), y + shapeRng.range(-1.5, 1.5), nz * r(place.centreZ)];
      const semi: Vec3 = [nx * r(g.hostPieceSemi[0]), ny * r(g.hostPieceSemi[1]), nz * r(g.hostPieceSemi[2])];
      paintEllipsoid(labels, dims, centre, semi, label, warps.organ, g.hostWarp, allowed);
    }
  }
  return paintSpine(labels, dims, warps, shapeRng, COND);
}

/** Appearance per aux id of the conditions' anatomy: hosts A and B hostSeparability apart around hostMean. */
function conditionAppearance(hostSeparability: number): TissueAppearance[] {
  const a = SYNTHETIC_DEFAULTS.appearance;
  const g = CONDITION_DEFAULTS;
  return [
    a.outside,
    a.body_wall,
    { mean: g.hostMean - hostSeparability / 2, texture: g.hostTexture },
    { mean: g.hostMean + hostSeparability / 2, texture: g.hostTexture },
    g.vessel,
    g.bone,
  ];
}

/** The smallest k with P(Poisson(mean) ≤ k) ≥ u: one uniform per count, so counts are nested across means. */
function poissonQuantile(u: number, mean: number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  while (u > cdf && k < 10 * mean + 100) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

/**
 * `count` lesion-like blobs (SYNTHETIC_DEFAULTS' lesion sizes, contrasts, warps and edge),
 * each centred on a voxel whose label passes `where` and clipped to such voxels; blob i draws
 * its place from stream `place-i` and its shape and contrast from `shape-i` of `rng`. The
 * contrast is relative to the clean mean of the tissue at the centre.
 */
function placeBlobs(labels: Uint8Array, dims: Vec3, warpFine: Float32Array, appearance: TissueAppearance[], count: number, where: (v: number) => boolean, rng: Random) {
  const o = SYNTHETIC_DEFAULTS;
  const [nx, ny] = dims;
  const voxelMm3 = o.spacingMm[0] * o.spacingMm[1] * o.spacingMm[2];
  const field = emptyLesionField(labels.length);
  const planned: SyntheticLesionInfo[] = [];
  for (let b = 0; b < count; b++) {
    const centre = randomVoxelWhere(labels, dims, where, rng.fork(`place-${b}`), 3);
    if (!centre) continue;
    const s = rng.fork(`shape-${b}`);
    const targetMl = sampleLesionVolumeMl(o.lesionVolumeMixture, s);
    const radiusVox = Math.cbrt((3 * targetMl * 1000) / (4 * Math.PI * voxelMm3));
    const semi: Vec3 = [radiusVox * s.range(0.75, 1.3), radiusVox * s.range(0.75, 1.3), radiusVox * s.range(0.75, 1.3)];
    const hyper = !s.bernoulli(o.lesionHypoProbability);
    const delta = hyper ? s.range(o.lesionHyperDelta[0], o.lesionHyperDelta[1]) : s.range(o.lesionHypoDelta[0], o.lesionHypoDelta[1]);
    const label = labels[centre[0] + nx * (centre[1] + ny * centre[2])];
    const warp = radiusVox > 2 ? 0.35 : 0.15;
    paintSoftLesion(field, labels, dims, centre, semi, { warp, warpFine, edge: o.lesionEdgeVoxels, mean: appearance[label].mean + delta }, where);
    planned.push({ host: CONDITION_AUX_NAMES[label - 1], centre, targetMl, hyper });
  }
  return { field, planned };
}

/** 1 where the soft membership is > 0.5. */
function maskOf(field: LesionField): Uint8Array {
  const m = new Uint8Array(field.weight.length);
  for (let p = 0; p < m.length; p++) m[p] = field.weight[p] > 0.5 ? 1 : 0;
  return m;
}

/** Lesions and mimics in one field for rendering (the larger membership wins; they never share a voxel in mechanism-positive). */
function combine(a: LesionField, b: LesionField): LesionField {
  const out = { weight: Float32Array.from(a.weight), value: Float32Array.from(a.value) };
  for (let p = 0; p < out.weight.length; p++) {
    if (b.weight[p] > out.weight[p]) {
      out.weight[p] = b.weight[p];
      out.value[p] = b.value[p];
    }
  }
  return out;
}

/**
 * One case of a new condition, with its mimic mask.
 * @param seed case seed (the case is fully determined by seed and condition)
 */
export function generateConditionCase(seed: number, id: string, c: ResolvedCondition): ConditionCase {
  const o = SYNTHETIC_DEFAULTS;
  const dims = o.size;
  const rng = new Random(seed);
  const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const shapeRng = rng.fork('shapes');
  const warps = shapeWarps(dims, shapeRng);
  const spine = paintHostAnatomy(labels, dims, warps, shapeRng);
  paintBigVessel(labels, dims, o.bigVesselRadius, spine, rng.fork('vessels'), COND);
  const appearance = conditionAppearance(c.hostSeparability);
  const positive = c.condition === 'mechanism-positive';
  const nLesions = o.minLesions + rng.fork('lesion-count').poisson(o.extraLesionsMean);
  const lesionWhere = positive ? (v: number) => v === COND.host_a : (v: number) => v !== COND.outside;
  const lesions = placeBlobs(labels, dims, warps.fine, appearance, nLesions, lesionWhere, rng.fork('lesions'));
  const nMimics = positive ? poissonQuantile(rng.fork('mimic-count').uniform(), c.mimicDensity) : 0;
  const mimics = placeBlobs(labels, dims, warps.fine, appearance, nMimics, (v) => v === COND.host_b, rng.fork('mimics'));
  const [lo, hi] = CONDITION_DEFAULTS.noiseSpread;
  const image = renderImage(labels, combine(lesions.field, mimics.field), dims, appearance, { ...o, noiseSd: [lo * c.noise, hi * c.noise] }, rng.fork('intensity'));
  const affine = affineFromSpacing(o.spacingMm);
  const synthetic: SyntheticCase = {
    id,
    seed,
    channels: [makeVolume(image, dims, o.spacingMm, affine)],
    channelNames: ['synthetic'],
    lesion: makeVolume(maskOf(lesions.field), dims, o.spacingMm, affine),
    aux: makeVolume(labels, dims, o.spacingMm, affine),
    auxNames: [...CONDITION_AUX_NAMES],
    lesionsPlanned: lesions.planned,
  };
  return { case: synthetic, mimic: maskOf(mimics.field), mimicsPlanned: mimics.planned };
}

/** Cases of a new condition with their mimic masks (case c's seed as in generateSyntheticDataset). */
function conditionCases(c: ResolvedCondition, seed: number, cases: number, idPrefix: string): ConditionCase[] {
  if (!Number.isInteger(cases) || cases < 1) throw new RangeError(`synthetic condition: cases must be a positive integer, got ${cases}`);
  const root = new Random(seed);
  const out: ConditionCase[] = [];
  for (let i = 0; i < cases; i++) out.push(generateConditionCase(root.fork(`case-${i}`).nextUint32(), `${idPrefix}_${String(i).padStart(3, '0')}`, c));
  return out;
}

/**
 * The embedded dataset under one condition (default `current`: exactly generateSyntheticDataset).
 *
 * @example
 * const cases = generateConditionDataset({ condition: 'mechanism-positive', mimicDensity: 12, seed: 0, cases: 24 });
 * cases[0].auxNames; // ['body_wall', 'host_a', 'host_b', 'vessel', 'bone']
 * @throws RangeError naming the field for an unknown condition, a knob the condition does not take or out of range
 */
export function generateConditionDataset(options: ConditionDatasetOptions = {}): SyntheticCase[] {
  const { seed = 0, cases = 24, idPrefix = 'synth', ...rest } = options;
  const c = resolveCondition(rest);
  if (!c) return generateSyntheticDataset({ seed, cases, idPrefix });
  return conditionCases(c, seed, cases, idPrefix).map((x) => x.case);
}

/**
 * The same cases as generateConditionDataset for a new condition, each with its mimic mask and
 * plan (for tests and statistics; training uses generateConditionDataset).
 */
export function generateConditionTruth(options: ConditionDatasetOptions & { condition: 'mechanism-positive' | 'null' }): ConditionCase[] {
  const { seed = 0, cases = 24, idPrefix = 'synth', ...rest } = options;
  return conditionCases(resolveCondition(rest)!, seed, cases, idPrefix);
}
