/**
 * Per-class Dice for BackSplit's auxiliary classes (organs, tissues, the
 * groups of a background split). Reported in their own structure,
 * {@link AuxiliaryClassReport}, never merged into the lesion numbers: a
 * headline lesion Dice must not silently include organ Dice.
 *
 * Convention per class c: Dice = 2·|P=c ∧ R=c| / (|P=c| + |R=c|); 1 when the
 * class is absent from both maps (reported with `present: false`), 0 when it
 * is in exactly one. The mean over classes skips classes absent from both.
 */
import { formatTable } from '../core/format';

/** Dice and voxel counts of one class. */
export interface ClassDice {
  id: number;
  name: string;
  dice: number;
  predVoxels: number;
  refVoxels: number;
  intersectionVoxels: number;
  /** false when neither map contains the class */
  present: boolean;
}

/** Auxiliary-class results of one case, kept apart from lesion metrics. */
export interface AuxiliaryClassReport {
  kind: 'auxiliary-classes';
  classes: ClassDice[];
  /** mean Dice over classes present in either map; null when none is */
  meanDice: number | null;
}

/** A class to evaluate: its integer label and a display name. */
export interface ClassSpec {
  id: number;
  name: string;
}

/**
 * Per-class Dice of two integer label maps on one grid.
 * @param pred predicted class ids (non-negative integers), x fastest
 * @param ref reference class ids, same grid
 * @param classes classes to report (default: every id > 0 found in either map, named 'class <id>')
 * @example
 * perClassDice([0, 1, 2, 2], [0, 1, 2, 1]).classes // class 1: 2/3, class 2: 2/3
 */
export function perClassDice(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  classes?: readonly ClassSpec[],
): AuxiliaryClassReport {
  if (pred.length !== ref.length) {
    throw new RangeError(`perClassDice: prediction has ${pred.length} voxels, reference has ${ref.length}`);
  }
  let maxLabel = 0;
  for (let v = 0; v < pred.length; v++) {
    const a = pred[v], b = ref[v];
    if (!Number.isInteger(a) || a < 0) throw new RangeError(`perClassDice: prediction voxel ${v} holds ${a}, expected a class id >= 0`);
    if (!Number.isInteger(b) || b < 0) throw new RangeError(`perClassDice: reference voxel ${v} holds ${b}, expected a class id >= 0`);
    if (a > maxLabel) maxLabel = a;
    if (b > maxLabel) maxLabel = b;
  }
  if (classes) for (const c of classes) if (c.id > maxLabel) maxLabel = c.id;
  if (maxLabel > 1 << 20) throw new RangeError(`perClassDice: class id ${maxLabel} is too large for a class map`);
  const predCount = new Float64Array(maxLabel + 1);
  const refCount = new Float64Array(maxLabel + 1);
  const both = new Float64Array(maxLabel + 1);
  for (let v = 0; v < pred.length; v++) {
    const a = pred[v], b = ref[v];
    predCount[a]++;
    refCount[b]++;
    if (a === b) both[a]++;
  }
  const specs: ClassSpec[] = classes
    ? [...classes]
    : Array.from({ length: maxLabel }, (_, c) => ({ id: c + 1, name: `class ${c + 1}` })).filter(
        (s) => predCount[s.id] > 0 || refCount[s.id] > 0,
      );
  const out: ClassDice[] = specs.map((s) => {
    const p = predCount[s.id], r = refCount[s.id], i = both[s.id];
    const present = p + r > 0;
    return { id: s.id, name: s.name, dice: present ? (2 * i) / (p + r) : 1, predVoxels: p, refVoxels: r, intersectionVoxels: i, present };
  });
  const presentClasses = out.filter((c) => c.present);
  const meanDice = presentClasses.length ? presentClasses.reduce((acc, c) => acc + c.dice, 0) / presentClasses.length : null;
  return { kind: 'auxiliary-classes', classes: out, meanDice };
}

/**
 * A per-class Dice report as a table: class name, Dice (3 decimals), predicted and true voxels.
 * @example formatClassDice(perClassDice(pred, ref, [{ id: 1, name: 'organ' }]))
 */
export function formatClassDice(report: AuxiliaryClassReport): string {
  return formatTable(['class', 'Dice', 'predicted voxels', 'true voxels'], report.classes.map((c) => [c.name, Number(c.dice.toFixed(3)), c.predVoxels, c.refVoxels]));
}
