/**
 * Turns SegmentationCases into what training needs: image channels z-scored over
 * all voxels (lib/core zscore) and the target class map of the chosen mode, plus
 * the list of lesion voxels used for foreground oversampling (the lesion only —
 * auxiliary classes never count as foreground).
 *
 * Class maps: binary → 0 background, 1 lesion; BackSplit → 0 unlabelled
 * background, 1..K auxiliary groups, K+1 lesion (the lesion wins where a case's
 * aux map and lesion mask overlap).
 */
import { LabelMode, SegmentationCase } from '../core/types';
import { Vec3 } from '../core/volume';
import { zscore } from '../core/zscore';

/** Class layout of a training run. */
export interface ClassLayout {
  mode: LabelMode;
  numClasses: number;
  lesionClass: number;
  classNames: string[];
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
 * The class layout for a mode and dataset: for BackSplit, the auxiliary group names are
 * taken from the cases (all cases must agree on them).
 */
export function classLayout(mode: LabelMode, cases: SegmentationCase[]): ClassLayout {
  if (mode === 'binary') return { mode, numClasses: 2, lesionClass: 1, classNames: ['background', 'lesion'] };
  let names: string[] | undefined;
  let maxAux = 0;
  for (const c of cases) {
    if (!c.aux) throw new Error(`classLayout: case '${c.id}' has no auxiliary label map, which BackSplit mode needs`);
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
  if (k === 0) throw new Error('classLayout: BackSplit mode needs at least one auxiliary class, the aux maps are empty');
  const auxNames = Array.from({ length: k }, (_, i) => (names && names[i]) || `aux${i + 1}`);
  return { mode, numClasses: k + 2, lesionClass: k + 1, classNames: ['background', ...auxNames, 'lesion'] };
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
  const n = c.lesion.data.length;
  const target = new Uint8Array(n);
  const lesion = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) if (c.lesion.data[i]) count++;
  const lesionVoxels = new Int32Array(count);
  count = 0;
  const aux = layout.mode === 'backsplit' ? c.aux : undefined;
  if (layout.mode === 'backsplit') {
    if (!aux) throw new Error(`prepareCase: case '${c.id}' has no auxiliary label map, which BackSplit mode needs`);
    if (!same(aux.dims)) throw new Error(`prepareCase: case '${c.id}' aux map dims ${aux.dims} differ from image dims ${dims}`);
  }
  for (let i = 0; i < n; i++) {
    if (c.lesion.data[i]) {
      lesion[i] = 1;
      target[i] = layout.lesionClass;
      lesionVoxels[count++] = i;
    } else if (aux) {
      const a = aux.data[i];
      if (a >= layout.lesionClass) throw new Error(`prepareCase: case '${c.id}' aux value ${a} at voxel ${i} exceeds the ${layout.lesionClass - 1} auxiliary classes`);
      target[i] = a;
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
