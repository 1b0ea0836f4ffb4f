/**
 * The data/training seam: a training config's dataset loaded through the
 * dataset registry (lib/data) with the validation cases split off, the class
 * layout of a run, and SegmentationCases turned into what training needs —
 * image channels z-scored over all voxels (lib/core zscore) and the target class
 * map of the chosen mode, plus the
 * list of lesion voxels used for foreground oversampling (the lesion only —
 * auxiliary classes never count as foreground).
 *
 * Class maps come from lib/labels, by the arm's labels (lib/train/arms.ts):
 * binary → 0 background, 1 lesion (on a K+2 head: K+1 lesion, 1..K never a
 * target); BackSplit → 0 unlabelled background, 1..K auxiliary groups, K+1
 * lesion (the lesion wins where a case's aux map and lesion mask overlap); a
 * placebo → 1..K placebo regions covering the background, K+1 lesion.
 */
import { SegmentationCase } from '../core/types';
import { Vec3 } from '../core/volume';
import { zscore } from '../core/zscore';
import { loadDataset } from '../data/registry';
import { labelsForCase, placeboLabelsForCase, wideBinaryLabelsForCase } from '../labels/case';
import { ArmName, armDefinition } from './arms';
import { TrainConfig } from './config';

export interface TrainingData {
  trainCases: SegmentationCase[];
  valCases: SegmentationCase[];
  /** Provenance for meta.json. */
  info: Record<string, unknown>;
}

/**
 * Load the cases a config names (lib/data registry) and split off the validation cases:
 * the last `validation.cases` cases in dataset order, so the split is the same for every mode and seed.
 * @param config resolved training config
 * @param baseDir folder that relative dataset paths are relative to (default cwd)
 */
export function loadTrainingData(config: TrainConfig, baseDir = process.cwd()): TrainingData {
  const { cases, info } = loadDataset(config.dataset, baseDir);
  const nVal = config.validation.cases;
  if (nVal >= cases.length) {
    throw new Error(`dataset: validation.cases is ${nVal} but the dataset has only ${cases.length} case(s); at least one must remain for training`);
  }
  return { trainCases: cases.slice(0, cases.length - nVal), valCases: cases.slice(cases.length - nVal), info };
}

/** Class layout of a training run. */
export interface ClassLayout {
  /** The arm (lib/train/arms.ts), the run config's `mode`. */
  mode: ArmName;
  numClasses: number;
  lesionClass: number;
  classNames: string[];
  /** Placebo-voronoi arms only: the seed the cells are drawn from (the run's seed). */
  labelSeed?: number;
}

/** A case ready for patch sampling. */
export interface PreparedCase {
  id: string;
  /** [nx, ny, nz]; voxel (i, j, k) at i + nx·(j + ny·k). */
  dims: Vec3;
  spacing: Vec3;
  /** z-scored image channels. */
  channels: Float32Array[];
  /** Target class map of the mode. */
  target: Uint8Array;
  /** Binary lesion mask (for validation Dice). */
  lesion: Uint8Array;
  /** Voxel indices of lesion voxels. */
  lesionVoxels: Int32Array;
}

/**
 * The class layout for an arm and dataset. For a K+2 head the auxiliary group names, and so K,
 * are taken from the cases' aux maps (all cases must agree on them), also for the arms whose
 * labels do not use the maps (binary-wide, the placebos): K is the dataset's anatomical K.
 * @param opts.seed the run's seed: placebo-voronoi draws its cells from it (required there, unused elsewhere)
 */
export function classLayout(mode: ArmName, cases: SegmentationCase[], opts: { seed?: number } = {}): ClassLayout {
  const arm = armDefinition(mode);
  if (arm.head === '2') return { mode, numClasses: 2, lesionClass: 1, classNames: ['background', 'lesion'] };
  const auxNames = datasetAuxNames(cases, mode);
  const k = auxNames.length;
  const middle = arm.labels === 'backsplit' ? auxNames
    : arm.labels === 'binary' ? auxNames.map((_, i) => `unused${i + 1}`)
      : auxNames.map((_, i) => `${arm.labels === 'placebo-voronoi' ? 'voronoi' : 'quantile'}${i + 1}`);
  const layout: ClassLayout = { mode, numClasses: k + 2, lesionClass: k + 1, classNames: ['background', ...middle, 'lesion'] };
  if (arm.labels === 'placebo-voronoi') {
    if (opts.seed === undefined || !Number.isInteger(opts.seed)) throw new Error(`classLayout: arm '${mode}' draws its Voronoi cells from the run's seed; pass an integer seed, got ${opts.seed}`);
    layout.labelSeed = opts.seed;
  }
  return layout;
}

/** The dataset's auxiliary class names 1..K (from the cases' aux maps and names). */
function datasetAuxNames(cases: SegmentationCase[], mode: ArmName): string[] {
  const what = mode === 'backsplit' ? 'BackSplit mode needs' : `arm '${mode}' needs (K is the dataset's number of auxiliary classes)`;
  let names: string[] | undefined;
  let maxAux = 0;
  for (const c of cases) {
    if (!c.aux) throw new Error(`classLayout: case '${c.id}' has no auxiliary label map, which ${what}`);
    const d = c.aux.data;
    for (let i = 0; i < d.length; i++) if (d[i] > maxAux) maxAux = d[i];
    if (c.auxNames) {
      if (names && names.join('|') !== c.auxNames.join('|')) {
        throw new Error(`classLayout: case '${c.id}' has auxiliary classes [${c.auxNames}] but earlier cases have [${names}]`);
      }
      names = c.auxNames;
    }
  }
  const k = Math.max(maxAux, names ? names.length : 0);
  if (k === 0) throw new Error(`classLayout: ${mode === 'backsplit' ? 'BackSplit mode' : `arm '${mode}'`} needs at least one auxiliary class, the aux maps are empty`);
  const auxNames = Array.from({ length: k }, (_, i) => (names && names[i]) || `aux${i + 1}`);
  const clash = auxNames.find((n, i) => n === 'background' || n === 'lesion' || auxNames.indexOf(n) !== i);
  if (clash) throw new Error(`classLayout: auxiliary class names [${auxNames}] must be distinct and not 'background' or 'lesion' ('${clash}')`);
  return auxNames;
}

/** Prepare one case for the class layout (checks that all volumes share the grid). */
export function prepareCase(c: SegmentationCase, layout: ClassLayout): PreparedCase {
  if (c.channels.length === 0) throw new Error(`prepareCase: case '${c.id}' has no image channels`);
  const dims = c.channels[0].dims;
  const same = (d: Vec3) => d[0] === dims[0] && d[1] === dims[1] && d[2] === dims[2];
  c.channels.forEach((ch, i) => {
    if (!same(ch.dims)) throw new Error(`prepareCase: case '${c.id}' channel ${i} has dims ${ch.dims} but channel 0 has ${dims}`);
  });
  if (!same(c.lesion.dims)) throw new Error(`prepareCase: case '${c.id}' lesion mask dims ${c.lesion.dims} differ from image dims ${dims}`);
  if (armDefinition(layout.mode).labels === 'backsplit') {
    if (!c.aux) throw new Error(`prepareCase: case '${c.id}' has no auxiliary label map, which BackSplit mode needs`);
    if (!same(c.aux.dims)) throw new Error(`prepareCase: case '${c.id}' aux map dims ${c.aux.dims} differ from image dims ${dims}`);
  }
  const target = caseTarget(c, layout);
  const n = target.length;
  const lesion = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) if (target[i] === layout.lesionClass) count++;
  const lesionVoxels = new Int32Array(count);
  count = 0;
  for (let i = 0; i < n; i++) {
    if (target[i] === layout.lesionClass) {
      lesion[i] = 1;
      lesionVoxels[count++] = i;
    }
  }
  return {
    id: c.id,
    dims: [...dims] as Vec3,
    spacing: [...c.channels[0].spacing] as Vec3,
    channels: c.channels.map((ch) => zscore(ch.data)),
    target,
    lesion,
    lesionVoxels,
  };
}

/** The case's class map in the layout's class ids, built by lib/labels for the arm's labels. */
function caseTarget(c: SegmentationCase, layout: ClassLayout): Uint8Array {
  const labels = armDefinition(layout.mode).labels;
  const k = layout.numClasses - 2;
  let t: ReturnType<typeof labelsForCase>;
  try {
    if (labels === 'binary') t = k > 0 ? wideBinaryLabelsForCase(c, k) : labelsForCase(c, 'binary');
    else if (labels === 'backsplit') t = labelsForCase(c, 'backsplit', layout.classNames.slice(1, layout.lesionClass));
    else {
      if (labels === 'placebo-voronoi' && layout.labelSeed === undefined) throw new Error(`the layout of arm '${layout.mode}' has no labelSeed to draw its Voronoi cells from`);
      t = placeboLabelsForCase(c, labels, k, layout.labelSeed ?? 0);
    }
  } catch (err) {
    throw new Error(`prepareCase: case '${c.id}': ${(err as Error).message}`, { cause: err });
  }
  if (t.numClasses !== layout.numClasses || t.lesionClass !== layout.lesionClass) {
    throw new Error(`prepareCase: case '${c.id}' gives ${t.numClasses} classes (lesion ${t.lesionClass}), the layout has ${layout.numClasses} (lesion ${layout.lesionClass})`);
  }
  return t.labels.data;
}

/**
 * The reference of a case's predicted auxiliary classes for an arm whose labels split the
 * background: its aux map and names for BackSplit labels, the placebo regions (the arm's target
 * with lesion voxels 0) for a placebo; null for binary labels.
 */
export function auxReference(c: SegmentationCase, layout: ClassLayout): { data: Uint8Array; classes: { id: number; name: string }[] } | null {
  const labels = armDefinition(layout.mode).labels;
  if (labels === 'binary') return null;
  if (labels === 'backsplit') return c.aux ? { data: c.aux.data, classes: (c.auxNames || []).map((name, k) => ({ id: k + 1, name })) } : null;
  const data = caseTarget(c, layout).map((v) => (v === layout.lesionClass ? 0 : v));
  return { data, classes: layout.classNames.slice(1, layout.lesionClass).map((name, k) => ({ id: k + 1, name })) };
}
