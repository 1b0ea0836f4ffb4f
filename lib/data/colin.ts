/**
 * Optional semi-synthetic brain dataset on real anatomy, without any download:
 * when Debian's `mricron-data` package is installed, its Colin27 T1 template
 * (`ch2.nii.gz`, 181×217×181 at 1 mm), the brain-extracted copy on the same
 * grid (`ch2bet.nii.gz`, used as the brain mask) and the AAL atlas on the same
 * grid (`aal.nii.gz`) give one real head with real atlas labels. Seeded MS-like
 * white-matter lesions are inserted into it, and each case gets its own
 * intensity perturbation (gain, gamma, bias field, noise), so cases differ in
 * lesions and appearance but share the anatomy (one subject).
 *
 * Auxiliary classes (see docs/dataset.md, "Semi-synthetic brain set"): AAL
 * regions grouped by lib/labels/specs/aal_groups.json, intersected with
 * three tissue classes clustered on the T1 inside the brain mask (lib/labels
 * clusterTissues), because AAL regions are not tissue-exact (they include
 * underlying white matter) and AAL has no white matter or CSF labels.
 *
 * Only label maps on the T1's own grid are used (checked with assertSameGrid):
 * the HarvardOxford / JHU files of the package are on the FSL MNI152 grid
 * (182×218×182), not Colin's, and would need registration.
 *
 * Cases are cropped to the brain box and resampled (default 2 mm: ~72×90×76
 * voxels, small enough to train on CPU). Same options + same seed → identical
 * bytes.
 */
import { existsSync } from 'fs';
import * as path from 'path';
import { readNifti } from '../io/nifti';
import { assertSameGrid } from '../core/grid';
import { dilate, erode, labelComponents } from '../core/morphology';
import { Random } from '../core/random';
import type { SegmentationCase } from '../core/types';
import { makeVolume, Vec3, Volume, mapToUint8 } from '../core/volume';
import { cropOrPad, nonzeroBoundingBox, resampleToSpacing, VoxelBox } from '../io/ops';
import { applyGroupSpec, loadGroupSpec, specsDirectory } from '../labels/spec';
import { clusterTissues } from '../labels/tissue';
import { smoothNoiseField } from './fields';

/** Where Debian's mricron-data installs its templates. */
export const MRICRON_TEMPLATES_DIR = '/usr/share/mricron/templates';
/** Environment variable that overrides the templates folder (e.g. a copy of the files elsewhere). */
export const MRICRON_DIR_ENV = 'BACKSPLIT_MRICRON_DIR';
/** The files this module reads, all on the Colin27 1 mm grid (181×217×181). */
export const COLIN_FILES = { t1: 'ch2.nii.gz', brain: 'ch2bet.nii.gz', atlas: 'aal.nii.gz' } as const;
/** The message returned / thrown when the package is missing. */
export const COLIN_SKIP_MESSAGE = 'skipped: install mricron-data (sudo apt-get install mricron-data)';
/** The AAL grouping spec shipped with lib/labels. */
export const AAL_GROUPS_SPEC_FILE = 'aal_groups.json';

/**
 * Auxiliary class names, class 1 first. 'grey_matter_other' = grey-matter voxels
 * (by intensity) that AAL leaves unlabelled (mostly brainstem/midbrain edges and
 * sulcal partial volume).
 */
export const COLIN_AUX_NAMES = [
  'csf',
  'white_matter',
  'frontal',
  'parietal',
  'temporal',
  'occipital',
  'limbic_insula',
  'deep_grey',
  'cerebellum',
  'grey_matter_other',
] as const;
/** Aux ids by name (0 = outside the brain mask, unlabelled). */
export const COLIN_AUX: Readonly<Record<(typeof COLIN_AUX_NAMES)[number], number>> = Object.freeze(
  Object.fromEntries(COLIN_AUX_NAMES.map((n, i) => [n, i + 1])) as Record<(typeof COLIN_AUX_NAMES)[number], number>,
);

/** Thrown by the generator when mricron-data (or one of its files) is missing. */
export class ColinUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ColinUnavailableError';
  }
}

/** Result of colinAvailable. */
export interface ColinAvailability {
  ok: boolean;
  /** '' when ok, else the skip message with the folder and the missing files. */
  reason: string;
  /** The folder that was checked. */
  dir: string;
  /** Missing file names (empty when ok). */
  missing: string[];
}

/** The templates folder: the argument, else $BACKSPLIT_MRICRON_DIR, else /usr/share/mricron/templates. */
export function colinDataDir(dir?: string): string {
  return dir ?? process.env[MRICRON_DIR_ENV] ?? MRICRON_TEMPLATES_DIR;
}

/**
 * Whether the Colin27 files of mricron-data are present.
 * @example
 * const a = colinAvailable();
 * if (!a.ok) console.log(a.reason); // "skipped: install mricron-data (sudo apt-get install mricron-data); ..."
 * @param dir templates folder (default: see colinDataDir)
 */
export function colinAvailable(dir?: string): ColinAvailability {
  const d = colinDataDir(dir);
  const missing = Object.values(COLIN_FILES).filter((f) => !existsSync(path.join(d, f)));
  if (missing.length === 0) return { ok: true, reason: '', dir: d, missing };
  return { ok: false, reason: `${COLIN_SKIP_MESSAGE}; missing in ${d}: ${missing.join(', ')}`, dir: d, missing };
}

/** Generator parameters. Fixed defaults in COLIN_DEFAULTS, documented in docs/dataset.md. */
export interface ColinOptions {
  /** Lesion count per case = minLesions + Poisson(extraLesionsMean). */
  minLesions: number;
  extraLesionsMean: number;
  /** Lesion volume mixture: [probability, minMl, maxMl], log-uniform within each component. */
  lesionVolumeMixture: Array<[number, number, number]>;
  /** Probability that a lesion centre is drawn next to CSF (periventricular / juxta-sulcal) rather than anywhere in white matter. */
  periventricularProbability: number;
  /** Probability that a lesion is T1-hypointense (else hyperintense). */
  hypoProbability: number;
  /**
   * Lesion mean = wm − u·(wm − gm) for hypo lesions and wm + u·(wm − gm) for hyper lesions,
   * u drawn uniformly from these ranges (wm, gm: tissue means of the T1).
   */
  hypoContrast: [number, number];
  hyperContrast: [number, number];
  /** Relative texture (heterogeneity) of lesion intensity. */
  lesionTexture: number;
  /** Width of the lesion's soft (partial-volume) edge in mm. */
  lesionEdgeMm: number;
  /** Per-case global gain range (image is first normalised so white matter ≈ 1). */
  gain: [number, number];
  /** Per-case gamma range (contrast change, applied to the normalised image). */
  gamma: [number, number];
  /** Multiplicative bias field exp(amplitude · smooth field); the field's lattice spacing in mm. */
  biasAmplitude: [number, number];
  biasCellMm: number;
  /** Gaussian noise sd range (normalised units). */
  noiseSd: [number, number];
}

/** The fixed default parameters. Do not tune after looking at binary-vs-BackSplit results. */
export const COLIN_DEFAULTS: Readonly<ColinOptions> = Object.freeze<ColinOptions>({
  minLesions: 3,
  extraLesionsMean: 7,
  lesionVolumeMixture: [
    [0.6, 0.03, 0.3],
    [0.3, 0.3, 1.5],
    [0.1, 1.5, 8],
  ],
  periventricularProbability: 0.5,
  hypoProbability: 0.7,
  hypoContrast: [0.5, 1.5],
  hyperContrast: [0.3, 0.8],
  lesionTexture: 0.05,
  lesionEdgeMm: 1.2,
  gain: [0.9, 1.1],
  gamma: [0.85, 1.15],
  biasAmplitude: [0.05, 0.15],
  biasCellMm: 60,
  noiseSd: [0.02, 0.05],
});

/** The shared anatomy on the output grid (computed once per folder and spacing, then cached). */
export interface ColinAnatomy {
  /** T1 normalised so the white-matter mean is 1 (outside the brain kept: skull, scalp). */
  t1: Volume<Float32Array>;
  /** Brain mask (0/1) from ch2bet. */
  brain: Volume<Uint8Array>;
  /** Aux class map, ids 1..COLIN_AUX_NAMES.length, 0 outside the brain. */
  aux: Volume<Uint8Array>;
  auxNames: string[];
  /** Normalised tissue means of the T1 (clusterTissues, 3 classes in the brain mask). */
  tissueMeans: { csf: number; grey: number; white: number };
  /** Crop box in the 1 mm grid (start inclusive, end exclusive). */
  box: VoxelBox;
  spacingMm: Vec3;
  /** The files read. */
  files: { t1: string; brain: string; atlas: string; spec: string };
}

/** One inserted lesion, as planned (its final voxels may merge with a neighbour). */
export interface ColinLesionInfo {
  centre: Vec3;
  targetMl: number;
  hyper: boolean;
  site: 'periventricular' | 'white_matter';
}

/** A generated case: a SegmentationCase plus what the generator knows about it. */
export interface ColinCase extends SegmentationCase {
  seed: number;
  lesionsPlanned: ColinLesionInfo[];
}

/** Options of generateColinDataset. */
export interface ColinDatasetOptions extends Partial<ColinOptions> {
  /** Dataset seed (default 0). */
  seed?: number;
  /** Number of cases (default 16). */
  cases?: number;
  /** Output spacing in mm, one number for isotropic (default 2; 1 keeps the native grid). */
  spacingMm?: number | Vec3;
  /** Templates folder (default: see colinDataDir). */
  dataDir?: string;
  /** Case id prefix (default 'colin'). */
  idPrefix?: string;
}

const anatomyCache = new Map<string, ColinAnatomy>();

function toVec3(s: number | Vec3): Vec3 {
  const v = (typeof s === 'number' ? [s, s, s] : [...s]) as Vec3;
  if (!v.every((x) => Number.isFinite(x) && x > 0)) throw new RangeError(`colin: spacingMm must be positive, got ${v.join(',')}`);
  return v;
}

/**
 * Load (and cache) the Colin27 anatomy on the output grid: read T1, brain and AAL,
 * check they share one grid, crop to the brain box (+4 mm), resample (T1 linear,
 * labels nearest), cluster tissues and build the aux map.
 * @param spacingMm output spacing (default 2 mm)
 * @param dir templates folder (default: see colinDataDir)
 * @throws ColinUnavailableError when the package is missing; GridMismatchError if a file is on another grid
 */
export function loadColinAnatomy(spacingMm: number | Vec3 = 2, dir?: string): ColinAnatomy {
  const target = toVec3(spacingMm);
  const avail = colinAvailable(dir);
  if (!avail.ok) throw new ColinUnavailableError(avail.reason);
  const key = `${avail.dir}|${target.join(',')}`;
  const cached = anatomyCache.get(key);
  if (cached) return cached;

  const files = {
    t1: path.join(avail.dir, COLIN_FILES.t1),
    brain: path.join(avail.dir, COLIN_FILES.brain),
    atlas: path.join(avail.dir, COLIN_FILES.atlas),
    spec: path.join(specsDirectory(), AAL_GROUPS_SPEC_FILE),
  };
  const t1Full = readNifti(files.t1).volume;
  const brainFull = readNifti(files.brain).volume;
  const atlasFull = readNifti(files.atlas).volume;
  assertSameGrid(t1Full, brainFull, [files.t1, files.brain]);
  assertSameGrid(t1Full, atlasFull, [files.t1, files.atlas]);

  const mask1 = makeVolume(mapToUint8(brainFull.data, (v) => (v > 0 ? 1 : 0)), brainFull.dims, brainFull.spacing, brainFull.affine);
  const marginVox = [0, 1, 2].map((a) => Math.ceil(4 / t1Full.spacing[a])) as Vec3;
  const box = nonzeroBoundingBox(mask1, marginVox);
  if (!box) throw new Error(`colin: brain mask ${files.brain} is empty`);
  const native = target.every((t, a) => Math.abs(t - t1Full.spacing[a]) < 1e-6);
  const t1c = cropOrPad(t1Full, box);
  const maskc = cropOrPad(mask1, box);
  const atlasc = cropOrPad(atlasFull, box);
  const t1r = native ? t1c : resampleToSpacing(t1c, target, 'linear');
  const brain = (native ? maskc : resampleToSpacing(maskc, target, 'nearest')) as Volume<Uint8Array>;
  const atlas = native ? atlasc : resampleToSpacing(atlasc, target, 'nearest');
  assertSameGrid(t1r, atlas, [`${files.t1} (resampled)`, `${files.atlas} (resampled)`]);

  // tissue classes on the T1 inside the brain (1 csf, 2 grey, 3 white: sorted dark to bright)
  const tissue = clusterTissues([t1r], { classes: 3, mask: brain, seed: 0, names: ['csf', 'grey_matter', 'white_matter'] });
  const wmRaw = tissue.means[2][0];
  if (!(wmRaw > 0)) throw new Error(`colin: white-matter mean of ${files.t1} is ${wmRaw}, expected > 0`);
  const t1 = new Float32Array(t1r.data.length);
  for (let p = 0; p < t1.length; p++) t1[p] = t1r.data[p] / wmRaw;

  const spec = loadGroupSpec(files.spec);
  const groups = applyGroupSpec(atlas, spec, files.atlas);
  const groupId = (name: string): number => {
    const i = groups.groupNames.indexOf(name);
    if (i < 0) throw new Error(`colin: spec ${files.spec} has no group '${name}' (groups: ${groups.groupNames.join(', ')})`);
    return i + 1;
  };
  // spec group id → aux id (spec groups share names with COLIN_AUX_NAMES)
  const specToAux = new Uint8Array(groups.groupNames.length + 1);
  for (const name of groups.groupNames) {
    const auxId = (COLIN_AUX as Record<string, number>)[name];
    if (!auxId) throw new Error(`colin: spec group '${name}' of ${files.spec} is not one of ${COLIN_AUX_NAMES.join(', ')}`);
    specToAux[groupId(name)] = auxId;
  }
  const deepGrey = groupId('deep_grey');
  const cerebellum = groupId('cerebellum');
  const t = tissue.labels.data;
  const g = groups.volume.data;
  const aux = new Uint8Array(t.length);
  for (let p = 0; p < aux.length; p++) {
    if (!brain.data[p]) continue;
    if (t[p] === 1) aux[p] = COLIN_AUX.csf;
    else if (g[p] === deepGrey || g[p] === cerebellum) aux[p] = specToAux[g[p]];
    else if (t[p] === 3) aux[p] = COLIN_AUX.white_matter;
    else aux[p] = g[p] ? specToAux[g[p]] : COLIN_AUX.grey_matter_other;
  }
  const grid = (d: Float32Array | Uint8Array) => makeVolume(d, t1r.dims, t1r.spacing, t1r.affine);
  const anatomy: ColinAnatomy = {
    t1: grid(t1) as Volume<Float32Array>,
    brain: grid(Uint8Array.from(brain.data)) as Volume<Uint8Array>,
    aux: grid(aux) as Volume<Uint8Array>,
    auxNames: [...COLIN_AUX_NAMES],
    tissueMeans: { csf: tissue.means[0][0] / wmRaw, grey: tissue.means[1][0] / wmRaw, white: 1 },
    box,
    spacingMm: [...t1r.spacing] as Vec3,
    files,
  };
  anatomyCache.set(key, anatomy);
  return anatomy;
}

function mergeOptions(opts: Partial<ColinOptions>): ColinOptions {
  const o: ColinOptions = { ...(COLIN_DEFAULTS as ColinOptions), ...opts };
  if (!(o.lesionVolumeMixture.reduce((s, c) => s + c[0], 0) > 0)) throw new RangeError('colin: lesionVolumeMixture probabilities sum to zero');
  if (!(o.minLesions >= 1) || !Number.isInteger(o.minLesions)) throw new RangeError(`colin: minLesions must be an integer ≥ 1, got ${o.minLesions}`);
  return o;
}

/** Indices where `mask` is set. */
function indicesOf(mask: ArrayLike<number>): Int32Array {
  let n = 0;
  for (let p = 0; p < mask.length; p++) if (mask[p]) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let p = 0; p < mask.length; p++) if (mask[p]) out[n++] = p;
  return out;
}

/** Lesion-centre candidates of an anatomy: core white matter, and the part of it next to CSF. */
const siteCache = new WeakMap<ColinAnatomy, { white: Int32Array; periventricular: Int32Array }>();
function lesionSites(a: ColinAnatomy): { white: Int32Array; periventricular: Int32Array } {
  const hit = siteCache.get(a);
  if (hit) return hit;
  const dims = a.aux.dims;
  const wm = mapToUint8(a.aux.data, (v) => (v === COLIN_AUX.white_matter ? 1 : 0));
  const core = erode(wm, dims, 1, 6);
  const csf = mapToUint8(a.aux.data, (v) => (v === COLIN_AUX.csf ? 1 : 0));
  const nearCsf = dilate(csf, dims, Math.max(1, Math.round(3 / Math.min(...a.spacingMm))), 6);
  const pv = new Uint8Array(wm.length);
  for (let p = 0; p < pv.length; p++) pv[p] = core[p] && nearCsf[p] ? 1 : 0;
  const out = { white: indicesOf(core), periventricular: indicesOf(pv) };
  if (out.white.length === 0) throw new Error('colin: no core white-matter voxels to host lesions');
  siteCache.set(a, out);
  return out;
}

/** Soft lesion membership (0..1) per voxel and the lesion mean intensity where it is > 0. */
interface LesionField {
  weight: Float32Array;
  value: Float32Array;
}

/**
 * One warped ovoid lesion around voxel index `p0` with a logistic edge of `lesionEdgeMm`,
 * grown in white matter only (the shape follows its boundary); where lesions overlap the
 * larger membership wins, and the centre voxel always belongs to the lesion.
 */
function paintWhiteMatterLesion(
  field: LesionField,
  anatomy: ColinAnatomy,
  p0: number,
  centre: Vec3,
  semiMm: Vec3,
  shape: { warp: Float32Array; warpAmount: number; edgeMm: number; mean: number },
): void {
  const dims = anatomy.t1.dims;
  const [nx, ny] = dims;
  const sp = anatomy.spacingMm;
  const aux = anatomy.aux.data;
  const { weight, value } = field;
  const { warp, warpAmount, mean } = shape;
  const semi = semiMm.map((s, a) => s / sp[a]) as Vec3;
  const rMm = (semiMm[0] + semiMm[1] + semiMm[2]) / 3;
  const edgeScale = shape.edgeMm / 2.2;
  const lo = centre.map((c, a) => Math.max(0, Math.floor(c - semi[a] * 1.8 - 2)));
  const hi = centre.map((c, a) => Math.min(dims[a] - 1, Math.ceil(c + semi[a] * 1.8 + 2)));
  for (let k = lo[2]; k <= hi[2]; k++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      for (let i = lo[0]; i <= hi[0]; i++) {
        const p = i + nx * (j + ny * k);
        // lesions grow in white matter only (the shape follows its boundary)
        if (aux[p] !== COLIN_AUX.white_matter) continue;
        const dx = (i - centre[0]) / semi[0];
        const dy = (j - centre[1]) / semi[1];
        const dz = (k - centre[2]) / semi[2];
        const f = Math.sqrt(Math.max(0, dx * dx + dy * dy + dz * dz + warpAmount * warp[p]));
        const w = 1 / (1 + Math.exp(-((1 - f) * rMm) / edgeScale));
        if (w > weight[p]) {
          weight[p] = w;
          value[p] = mean;
        }
      }
    }
  }
  // the centre voxel always belongs to the lesion, so no planned lesion vanishes at coarse spacing
  if (weight[p0] <= 0.5) {
    weight[p0] = 0.75;
    value[p0] = mean;
  }
}

/** Lesions at white-matter or periventricular sites, drawing from the lesions stream. */
function placeColinLesions(anatomy: ColinAnatomy, o: ColinOptions, lRng: Random): { field: LesionField; planned: ColinLesionInfo[] } {
  const dims = anatomy.t1.dims;
  const [nx, ny] = dims;
  const n = anatomy.t1.data.length;
  const sp = anatomy.spacingMm;
  const sites = lesionSites(anatomy);
  const { grey, white } = anatomy.tissueMeans;
  const warp = smoothNoiseField(dims, Math.max(1.5, 3 / Math.min(...sp)), lRng.fork('warp'));
  const field: LesionField = { weight: new Float32Array(n), value: new Float32Array(n) };
  const nLesions = o.minLesions + lRng.poisson(o.extraLesionsMean);
  const planned: ColinLesionInfo[] = [];
  for (let l = 0; l < nLesions; l++) {
    const periventricular = sites.periventricular.length > 0 && lRng.bernoulli(o.periventricularProbability);
    const pool = periventricular ? sites.periventricular : sites.white;
    const p0 = pool[lRng.int(pool.length)];
    const centre: Vec3 = [p0 % nx, Math.floor(p0 / nx) % ny, Math.floor(p0 / (nx * ny))];
    const comp = o.lesionVolumeMixture[lRng.weightedIndex(o.lesionVolumeMixture.map((m) => m[0]))];
    const targetMl = lRng.logUniform(comp[1], comp[2]);
    const radiusMm = Math.cbrt((3 * targetMl * 1000) / (4 * Math.PI));
    // MS lesions are ovoid; elongation along a random axis
    const semiMm: Vec3 = [radiusMm * lRng.range(0.75, 1.3), radiusMm * lRng.range(0.75, 1.3), radiusMm * lRng.range(0.75, 1.3)];
    const hyper = !lRng.bernoulli(o.hypoProbability);
    const u = hyper ? lRng.range(o.hyperContrast[0], o.hyperContrast[1]) : lRng.range(o.hypoContrast[0], o.hypoContrast[1]);
    const mean = hyper ? white + u * (white - grey) : white - u * (white - grey);
    const warpAmount = radiusMm > 4 ? 0.35 : 0.15;
    paintWhiteMatterLesion(field, anatomy, p0, centre, semiMm, { warp, warpAmount, edgeMm: o.lesionEdgeMm, mean });
    planned.push({ centre, targetMl, hyper, site: periventricular ? 'periventricular' : 'white_matter' });
  }
  return { field, planned };
}

/**
 * The hard lesion mask (membership > 0.5). Clipping a blob to white matter can split it; the
 * pieces that hold no lesion centre (at 2 mm mostly single voxels) are dropped together with
 * their soft edge (zeroed in `field`), so the image shows no unlabelled lesion intensity.
 */
function lesionMask(field: LesionField, planned: ColinLesionInfo[], dims: Vec3): Uint8Array {
  const [nx, ny] = dims;
  const { weight } = field;
  const n = weight.length;
  const lesion = new Uint8Array(n);
  for (let p = 0; p < n; p++) lesion[p] = weight[p] > 0.5 ? 1 : 0;
  const cc = labelComponents(lesion, dims, 26);
  const keep = new Uint8Array(cc.count + 1);
  for (const l of planned) keep[cc.labels[l.centre[0] + nx * (l.centre[1] + ny * l.centre[2])]] = 1;
  for (let p = 0; p < n; p++) if (lesion[p] && !keep[cc.labels[p]]) lesion[p] = 0;
  const near = dilate(lesion, dims, 1, 26);
  for (let p = 0; p < n; p++) if (!near[p]) weight[p] = 0;
  return lesion;
}

/** The T1 with lesions blended in, then gamma, gain, bias field and noise, drawing from the intensity stream. */
function renderColinImage(anatomy: ColinAnatomy, field: LesionField, o: ColinOptions, iRng: Random): Float32Array {
  const dims = anatomy.t1.dims;
  const n = anatomy.t1.data.length;
  const sp = anatomy.spacingMm;
  const texture = smoothNoiseField(dims, Math.max(1.5, 3 / Math.min(...sp)), iRng);
  const bias = smoothNoiseField(dims, o.biasCellMm / Math.min(...sp), iRng);
  const gain = iRng.range(o.gain[0], o.gain[1]);
  const gamma = iRng.range(o.gamma[0], o.gamma[1]);
  const biasAmp = iRng.range(o.biasAmplitude[0], o.biasAmplitude[1]);
  const noiseSd = iRng.range(o.noiseSd[0], o.noiseSd[1]);
  const src = anatomy.t1.data;
  const image = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let v = src[p];
    const w = field.weight[p];
    if (w > 0.01) v = (1 - w) * v + w * field.value[p] * (1 + o.lesionTexture * texture[p]);
    v = Math.pow(Math.max(0, v), gamma);
    image[p] = gain * v * Math.exp(biasAmp * bias[p]) + iRng.normal(0, noiseSd);
  }
  return image;
}

/**
 * Generate one case on a loaded anatomy.
 * @param anatomy from loadColinAnatomy
 * @param seed case seed (a case is fully determined by seed, anatomy and options)
 * @param id case id
 * @param options generator parameters (defaults: COLIN_DEFAULTS)
 */
export function generateColinCase(anatomy: ColinAnatomy, seed: number, id: string, options: Partial<ColinOptions> = {}): ColinCase {
  const o = mergeOptions(options);
  const rng = new Random(seed);
  const dims = anatomy.t1.dims;
  const { field, planned } = placeColinLesions(anatomy, o, rng.fork('lesions'));
  const lesion = lesionMask(field, planned, dims);
  const image = renderColinImage(anatomy, field, o, rng.fork('intensity'));
  const { affine, spacing } = anatomy.t1;
  return {
    id,
    seed,
    channels: [makeVolume(image, dims, spacing, affine)],
    channelNames: ['T1'],
    lesion: makeVolume(lesion, dims, spacing, affine),
    aux: makeVolume(Uint8Array.from(anatomy.aux.data), dims, spacing, affine),
    auxNames: [...anatomy.auxNames],
    lesionsPlanned: planned,
  };
}

/**
 * Generate the semi-synthetic Colin27 brain set (needs Debian's mricron-data).
 *
 * @example
 * if (colinAvailable().ok) {
 *   const cases = generateColinDataset({ seed: 0, cases: 16 }); // 2 mm, ~72×90×76 voxels each
 * }
 * @param options seed (default 0), cases (default 16), spacingMm (default 2), dataDir, idPrefix
 *   (default 'colin'), plus any ColinOptions override (defaults COLIN_DEFAULTS)
 * @throws ColinUnavailableError (message starts with COLIN_SKIP_MESSAGE) when the package is absent
 */
export function generateColinDataset(options: ColinDatasetOptions = {}): ColinCase[] {
  const { seed = 0, cases = 16, spacingMm = 2, dataDir, idPrefix = 'colin', ...rest } = options;
  if (!Number.isInteger(cases) || cases < 1) throw new RangeError(`generateColinDataset: cases must be a positive integer, got ${cases}`);
  const anatomy = loadColinAnatomy(spacingMm, dataDir);
  const root = new Random(seed);
  const out: ColinCase[] = [];
  for (let c = 0; c < cases; c++) {
    const caseSeed = root.fork(`case-${c}`).nextUint32();
    out.push(generateColinCase(anatomy, caseSeed, `${idPrefix}_${String(c).padStart(3, '0')}`, rest));
  }
  return out;
}

/** Lesion statistics of a case: 26-connected components of the lesion mask and their volumes. */
export function colinLesionVolumesMl(c: SegmentationCase): number[] {
  const cc = labelComponents(c.lesion.data, c.lesion.dims, 26);
  const ml = (c.lesion.spacing[0] * c.lesion.spacing[1] * c.lesion.spacing[2]) / 1000;
  const out: number[] = [];
  for (let i = 1; i <= cc.count; i++) out.push(cc.sizes[i] * ml);
  return out;
}
