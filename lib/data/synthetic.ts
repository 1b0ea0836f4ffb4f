/**
 * The embedded default dataset: a seeded procedural generator of small 3D
 * "abdomen-like" volumes with several anatomical structures, lesions of many
 * sizes (most under 1 mL) and lesion mimics, plus ground-truth auxiliary labels.
 *
 * Everything the study trains on by default comes from here, so the parameters
 * are fixed in SYNTHETIC_DEFAULTS and documented in docs/dataset.md. They were
 * chosen for realism of the *task* (overlapping intensities, mimics, partial
 * volume, noise, bias field, many tiny lesions), not to favour either the binary
 * or the BackSplit arm; nothing in the generator looks at a model.
 *
 * Same options + same seed → identical bytes (all randomness goes through
 * lib/core/random.ts; only deterministic float arithmetic is used).
 */
import { createHash } from 'crypto';
import { affineFromSpacing, makeVolume, Vec3, Volume } from '../core/volume';
import { Random } from '../core/random';
import {
  emptyLesionField,
  LesionField,
  paintBigVessel,
  paintBody,
  paintEllipsoid,
  paintSoftLesion,
  paintSpine,
  paintTube,
  randomVoxelWithLabel,
  renderImage,
  sampleLesionVolumeMl,
  ShapeWarps,
  shapeWarps,
  SpinePosition,
  TissueAppearance,
} from './synthetic-paint';
import { writeMsdDataset } from './msd-write';
import type { SegmentationCase } from '../core/types';

/** Auxiliary class names of the synthetic anatomy, in id order (class 1 first). */
export const SYNTHETIC_AUX_NAMES = ['body_wall', 'organ', 'kidney', 'vessel', 'cyst', 'bone'] as const;
/** Auxiliary ids (0 = outside the body, unlabelled). */
export const SYNTH = { outside: 0, body_wall: 1, organ: 2, kidney: 3, vessel: 4, cyst: 5, bone: 6 } as const;

/** Parameters of the generator. Defaults are fixed and documented in docs/dataset.md. */
export interface SyntheticOptions {
  /** Grid size [nx, ny, nz]. */
  size: Vec3;
  /** Voxel size in mm. */
  spacingMm: Vec3;
  /** Appearance of each tissue (keys of SYNTH except lesion). */
  appearance: Record<'outside' | 'body_wall' | 'organ' | 'kidney' | 'vessel' | 'cyst' | 'bone', TissueAppearance>;
  /** Lesion count per case = minLesions + Poisson(extraLesionsMean). */
  minLesions: number;
  extraLesionsMean: number;
  /** Lesion volume mixture: [probability, minMl, maxMl] components, log-uniform within each. */
  lesionVolumeMixture: Array<[number, number, number]>;
  /** Where lesions grow: probability per host tissue. */
  lesionHostWeights: { organ: number; kidney: number; body_wall: number };
  /** Lesion contrast relative to the host tissue mean: hyper-intense range, hypo-intense range and hypo probability. */
  lesionHyperDelta: [number, number];
  lesionHypoDelta: [number, number];
  lesionHypoProbability: number;
  /** Relative texture (heterogeneity) of lesions. */
  lesionTexture: number;
  /** Width of the lesion's soft edge in voxels (partial volume of the lesion itself). */
  lesionEdgeVoxels: number;
  /** Vessels inside the organ (count range, radius range in voxels) and the big vessel radius range. */
  organVessels: [number, number];
  organVesselRadius: [number, number];
  bigVesselRadius: [number, number];
  /** Cysts (count range, radius range in voxels). */
  cysts: [number, number];
  cystRadius: [number, number];
  /** Partial-volume blur sigma in voxels. */
  blurSigmaVoxels: number;
  /** Multiplicative bias field: exp(amplitude * smooth field). */
  biasAmplitude: number;
  /** Gaussian noise sd range (per case), in intensity units. */
  noiseSd: [number, number];
  /** Global per-case gain range. */
  gain: [number, number];
}

/**
 * The fixed default parameters of the embedded dataset. Do not tune these after
 * looking at binary-vs-BackSplit results; if they change, record why in
 * docs/dataset.md.
 */
export const SYNTHETIC_DEFAULTS: Readonly<SyntheticOptions> = Object.freeze<SyntheticOptions>({
  size: [64, 64, 32] as Vec3,
  spacingMm: [1.5, 1.5, 1.5] as Vec3,
  appearance: {
    outside: { mean: 0.04, texture: 0 },
    body_wall: { mean: 0.36, texture: 0.12 },
    organ: { mean: 0.5, texture: 0.06 },
    kidney: { mean: 0.61, texture: 0.07 },
    vessel: { mean: 0.78, texture: 0.05 },
    cyst: { mean: 0.8, texture: 0.02 },
    bone: { mean: 0.7, texture: 0.16 },
  },
  minLesions: 1,
  extraLesionsMean: 5,
  lesionVolumeMixture: [
    [0.7, 0.02, 0.5],
    [0.22, 0.5, 3],
    [0.08, 3, 15],
  ],
  lesionHostWeights: { organ: 0.6, kidney: 0.2, body_wall: 0.2 },
  lesionHyperDelta: [0.16, 0.32],
  lesionHypoDelta: [-0.22, -0.12],
  lesionHypoProbability: 0.15,
  lesionTexture: 0.08,
  lesionEdgeVoxels: 0.6,
  organVessels: [3, 7],
  organVesselRadius: [0.7, 1.6],
  bigVesselRadius: [2.2, 3.2],
  cysts: [1, 5],
  cystRadius: [1.2, 3.2],
  blurSigmaVoxels: 0.6,
  biasAmplitude: 0.12,
  noiseSd: [0.03, 0.05],
  gain: [0.9, 1.1],
});

/** One generated lesion, for statistics and tests. */
export interface SyntheticLesionInfo {
  /** The tissue (aux class name) at the lesion's centre: organ, kidney or body_wall here; any class of the anatomy in lib/data/synthetic-conditions.ts. */
  host: string;
  centre: Vec3;
  targetMl: number;
  hyper: boolean;
}

/** A synthetic case: a SegmentationCase plus what the generator knows about it. */
export interface SyntheticCase extends SegmentationCase {
  lesionsPlanned: SyntheticLesionInfo[];
  seed: number;
}

/** Options of generateSyntheticDataset. */
export interface SyntheticDatasetOptions extends Partial<SyntheticOptions> {
  /** Dataset seed (default 0). */
  seed?: number;
  /** Number of cases (default 24). */
  cases?: number;
  /** Case id prefix (default 'synth'). */
  idPrefix?: string;
}

function mergeOptions(opts: Partial<SyntheticOptions>): SyntheticOptions {
  const o: SyntheticOptions = {
    ...(SYNTHETIC_DEFAULTS as SyntheticOptions),
    ...opts,
    appearance: { ...SYNTHETIC_DEFAULTS.appearance, ...(opts.appearance ?? {}) },
    lesionHostWeights: { ...SYNTHETIC_DEFAULTS.lesionHostWeights, ...(opts.lesionHostWeights ?? {}) },
  };
  const [nx, ny, nz] = o.size;
  if (![nx, ny, nz].every((n) => Number.isInteger(n) && n >= 8)) {
    throw new RangeError(`synthetic: size must be integers ≥ 8, got ${o.size.join('x')}`);
  }
  if (!o.spacingMm.every((s) => s > 0)) throw new RangeError(`synthetic: spacingMm must be > 0, got ${o.spacingMm.join(',')}`);
  const mix = o.lesionVolumeMixture.reduce((s, c) => s + c[0], 0);
  if (!(mix > 0)) throw new RangeError('synthetic: lesionVolumeMixture probabilities sum to zero');
  return o;
}

/**
 * Body wall, organ, kidneys and spine into `labels`, drawing from the shapes stream.
 * Returns the spine's position in the axial plane (the big vessel runs in front of it).
 */
function paintAnatomy(labels: Uint8Array, dims: Vec3, warps: ShapeWarps, shapeRng: Random): SpinePosition {
  const [nx, ny, nz] = dims;
  paintBody(labels, dims, warps, shapeRng, SYNTH.body_wall);

  // organ: a large warped ellipsoid on one side, inside the body
  const inBody = (v: number) => v !== SYNTH.outside;
  const organCentre: Vec3 = [nx * shapeRng.range(0.36, 0.46), ny * shapeRng.range(0.4, 0.5), nz * shapeRng.range(0.42, 0.58)];
  paintEllipsoid(labels, dims, organCentre, [nx * shapeRng.range(0.24, 0.3), ny * shapeRng.range(0.19, 0.25), nz * shapeRng.range(0.38, 0.5)], SYNTH.organ, warps.organ, 0.35, inBody);

  // kidneys: two smaller ellipsoids, posterior, either side of the spine
  const kidneyY = ny * shapeRng.range(0.62, 0.68);
  for (const side of [-1, 1]) {
    const kc: Vec3 = [nx / 2 + side * nx * shapeRng.range(0.22, 0.27), kidneyY + shapeRng.range(-2, 2), nz * shapeRng.range(0.4, 0.6)];
    paintEllipsoid(labels, dims, kc, [nx * shapeRng.range(0.06, 0.08), ny * shapeRng.range(0.08, 0.1), nz * shapeRng.range(0.25, 0.33)], SYNTH.kidney, warps.organ, 0.25, inBody);
  }
  return paintSpine(labels, dims, warps, shapeRng, SYNTH);
}

/** The big vessel in front of the spine and thin tortuous organ vessels, drawing from the vessels stream. */
function paintVessels(labels: Uint8Array, dims: Vec3, o: SyntheticOptions, spine: SpinePosition, vRng: Random): void {
  paintBigVessel(labels, dims, o.bigVesselRadius, spine, vRng, SYNTH);
  // organ vessels: thin tortuous tubes that start inside the organ
  const nVessels = o.organVessels[0] + vRng.int(o.organVessels[1] - o.organVessels[0] + 1);
  for (let v = 0; v < nVessels; v++) {
    const start = randomVoxelWithLabel(labels, dims, SYNTH.organ, vRng);
    if (!start) break;
    const dir: Vec3 = [vRng.normal(), vRng.normal(), vRng.normal()];
    const r0 = vRng.range(o.organVesselRadius[0], o.organVesselRadius[1]);
    paintTube(labels, dims, start, dir, vRng.range(14, 40), [Math.max(0.6, r0 * 0.6), r0], vRng, SYNTH.vessel, (c) => c === SYNTH.organ || c === SYNTH.vessel, 0.12);
  }
}

/** Cysts: round, sharp, homogeneous, bright — the main lesion mimics; drawing from the cysts stream. */
function paintCysts(labels: Uint8Array, dims: Vec3, o: SyntheticOptions, cRng: Random): void {
  const nCysts = o.cysts[0] + cRng.int(o.cysts[1] - o.cysts[0] + 1);
  for (let c = 0; c < nCysts; c++) {
    const host = [SYNTH.organ, SYNTH.kidney, SYNTH.body_wall][cRng.weightedIndex([0.6, 0.25, 0.15])];
    const centre = randomVoxelWithLabel(labels, dims, host, cRng, 4);
    if (!centre) continue;
    const r = cRng.range(o.cystRadius[0], o.cystRadius[1]);
    paintEllipsoid(labels, dims, centre, [r, r * cRng.range(0.85, 1.15), r * cRng.range(0.85, 1.15)], SYNTH.cyst, null, 0, (v) => v === host || v === SYNTH.cyst);
  }
}

/** Lesions: irregular blobs in tissue-dependent places, soft edges, heterogeneous; drawing from the lesions stream. */
function placeLesions(
  labels: Uint8Array,
  dims: Vec3,
  o: SyntheticOptions,
  warpFine: Float32Array,
  lRng: Random,
): { field: LesionField; planned: SyntheticLesionInfo[] } {
  const voxelMm3 = o.spacingMm[0] * o.spacingMm[1] * o.spacingMm[2];
  const field = emptyLesionField(labels.length);
  const nLesions = o.minLesions + lRng.poisson(o.extraLesionsMean);
  const hosts: Array<'organ' | 'kidney' | 'body_wall'> = ['organ', 'kidney', 'body_wall'];
  const inBody = (v: number) => v !== SYNTH.outside;
  const planned: SyntheticLesionInfo[] = [];
  for (let l = 0; l < nLesions; l++) {
    const host = hosts[lRng.weightedIndex(hosts.map((h) => o.lesionHostWeights[h]))];
    const centre = randomVoxelWithLabel(labels, dims, SYNTH[host], lRng, 3);
    if (!centre) continue;
    const targetMl = sampleLesionVolumeMl(o.lesionVolumeMixture, lRng);
    const radiusVox = Math.cbrt((3 * targetMl * 1000) / (4 * Math.PI * voxelMm3));
    const semi: Vec3 = [radiusVox * lRng.range(0.75, 1.3), radiusVox * lRng.range(0.75, 1.3), radiusVox * lRng.range(0.75, 1.3)];
    const hyper = !lRng.bernoulli(o.lesionHypoProbability);
    const delta = hyper ? lRng.range(o.lesionHyperDelta[0], o.lesionHyperDelta[1]) : lRng.range(o.lesionHypoDelta[0], o.lesionHypoDelta[1]);
    const mean = o.appearance[host].mean + delta;
    const warp = radiusVox > 2 ? 0.35 : 0.15;
    paintSoftLesion(field, labels, dims, centre, semi, { warp, warpFine, edge: o.lesionEdgeVoxels, mean }, inBody);
    planned.push({ host, centre, targetMl, hyper });
  }
  return { field, planned };
}

/** Appearance of each aux id of the embedded anatomy (index = SYNTH id). */
function appearanceById(o: SyntheticOptions): TissueAppearance[] {
  const a = o.appearance;
  return [a.outside, a.body_wall, a.organ, a.kidney, a.vessel, a.cyst, a.bone];
}

/**
 * Generate one synthetic case.
 * @param seed case seed (a case is fully determined by seed and options)
 * @param id case id
 * @param options generator parameters (defaults: SYNTHETIC_DEFAULTS)
 */
export function generateSyntheticCase(seed: number, id: string, options: Partial<SyntheticOptions> = {}): SyntheticCase {
  const o = mergeOptions(options);
  const rng = new Random(seed);
  const dims = o.size;
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const labels = new Uint8Array(n);
  const shapeRng = rng.fork('shapes');
  const warps = shapeWarps(dims, shapeRng);
  const spine = paintAnatomy(labels, dims, warps, shapeRng);
  paintVessels(labels, dims, o, spine, rng.fork('vessels'));
  paintCysts(labels, dims, o, rng.fork('cysts'));
  const { field, planned } = placeLesions(labels, dims, o, warps.fine, rng.fork('lesions'));
  const lesion = new Uint8Array(n);
  for (let p = 0; p < n; p++) lesion[p] = field.weight[p] > 0.5 ? 1 : 0;
  const image = renderImage(labels, field, dims, appearanceById(o), o, rng.fork('intensity'));

  const affine = affineFromSpacing(o.spacingMm);
  return {
    id,
    seed,
    channels: [makeVolume(image, dims, o.spacingMm, affine)],
    channelNames: ['synthetic'],
    lesion: makeVolume(lesion, dims, o.spacingMm, affine),
    aux: makeVolume(labels, dims, o.spacingMm, affine),
    auxNames: [...SYNTHETIC_AUX_NAMES],
    lesionsPlanned: planned,
  };
}

/**
 * Generate the embedded dataset.
 *
 * @example
 * const cases = generateSyntheticDataset({ seed: 0, cases: 24 });
 * cases[0].channels[0].dims; // [64, 64, 32]
 * @param options seed (default 0), cases (default 24), idPrefix (default 'synth'),
 *   plus any SyntheticOptions override (defaults SYNTHETIC_DEFAULTS)
 */
export function generateSyntheticDataset(options: SyntheticDatasetOptions = {}): SyntheticCase[] {
  const { seed = 0, cases = 24, idPrefix = 'synth', ...rest } = options;
  if (!Number.isInteger(cases) || cases < 1) throw new RangeError(`generateSyntheticDataset: cases must be a positive integer, got ${cases}`);
  const root = new Random(seed);
  const out: SyntheticCase[] = [];
  for (let c = 0; c < cases; c++) {
    const caseSeed = root.fork(`case-${c}`).nextUint32();
    out.push(generateSyntheticCase(caseSeed, `${idPrefix}_${String(c).padStart(3, '0')}`, rest));
  }
  return out;
}

/** SHA-256 over every case's id, dims, spacing and voxel bytes (for reproducibility checks). */
export function hashCases(cases: SegmentationCase[]): string {
  const h = createHash('sha256');
  const add = (v: Volume) => {
    h.update(JSON.stringify([v.dims, v.spacing]));
    h.update(Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength));
  };
  for (const c of cases) {
    h.update(c.id);
    c.channels.forEach(add);
    add(c.lesion);
    if (c.aux) add(c.aux);
  }
  return h.digest('hex');
}

/**
 * Write the synthetic dataset as an MSD task folder (labels: 1..6 anatomy, 7 lesion).
 * Load it back with `loadMsdDataset(dir, { lesionLabels: [7] })`.
 */
export function writeSyntheticMsd(dir: string, cases: SegmentationCase[]): Record<string, unknown> {
  return writeMsdDataset(dir, cases, {
    name: 'BackSplitSynthetic',
    description: 'Embedded synthetic dataset of the BackSplit-in-TypeScript project (lib/data/synthetic.ts); see docs/dataset.md',
    lesionName: 'lesion',
  });
}
