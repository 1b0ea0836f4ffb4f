/**
 * The noise sweep of notebook 02 and the robustness study: degrade clean
 * auxiliary labels with lib/labels simulateNoisyLabels at several noise levels
 * and score each noisy map against the clean one with lib/eval per-class Dice.
 * It lives in lib/study because it joins labels and eval (same-layer folders
 * that may not import each other).
 */
import { formatTable } from '../core/format';
import { perClassDice } from '../eval/multiclass';
import type { Volume } from '../core/volume';
import { presentLabelIds } from '../labels/describe';
import { simulateNoisyLabels } from '../labels/noisy';

/** Options of {@link noiseSweep}. */
export interface NoiseSweepOptions {
  /** Noise levels in [0, 1], in the order to report them. */
  levels: number[];
  /** Seeds of simulateNoisyLabels; Dice is averaged over them (default [1]). */
  seeds?: number[];
}

/** Per-class Dice of noisy vs clean auxiliary labels over noise levels. */
export interface NoiseSweepResult {
  levels: number[];
  seeds: number[];
  /** Classes present in the clean map, in id order. */
  classes: Array<{ id: number; name: string }>;
  /** dice[c][l]: class classes[c] at levels[l], mean over seeds. */
  dice: number[][];
  /** Mean Dice over classes per level. */
  meanDice: number[];
  /** Fraction of voxels whose label changed, per level, mean over seeds. */
  changedFraction: number[];
}

/**
 * Degrade a clean auxiliary map with simulateNoisyLabels at each noise level (and seed) and
 * measure per-class Dice of the noisy map against the clean one (lib/eval perClassDice; a class
 * that vanished scores 0). Deterministic for given levels and seeds.
 * @example noiseSweep(caseData.aux, caseData.auxNames, { levels: [0, 0.5, 1] })
 * @param aux clean auxiliary map (0 = unlabelled, 1..K classes)
 * @param classNames names of classes 1..K (index 0 = class 1)
 */
export function noiseSweep(aux: Volume<Uint8Array>, classNames: string[], options: NoiseSweepOptions): NoiseSweepResult {
  const { levels } = options;
  const seeds = options.seeds ?? [1];
  if (levels.length === 0) throw new RangeError('noiseSweep: no noise levels given');
  if (seeds.length === 0) throw new RangeError('noiseSweep: no seeds given');
  const present = presentLabelIds(aux.data);
  const over = present.filter((id) => id > classNames.length);
  if (over.length) throw new RangeError(`noiseSweep: label id(s) ${over.join(', ')} have no name (${classNames.length} names given)`);
  // only classes the clean map contains: an absent class would score a meaningless Dice of 1
  const classes = present.map((id) => ({ id, name: classNames[id - 1] }));
  if (classes.length === 0) throw new RangeError('noiseSweep: the clean map has no labelled voxels');
  const dice = classes.map(() => new Array<number>(levels.length).fill(0));
  const changedFraction = new Array<number>(levels.length).fill(0);
  levels.forEach((level, l) => {
    for (const seed of seeds) {
      const noisy = simulateNoisyLabels(aux, { noiseLevel: level, seed });
      changedFraction[l] += noisy.report.changedFraction / seeds.length;
      const report = perClassDice(noisy.labels.data, aux.data, classes);
      report.classes.forEach((c, ci) => {
        dice[ci][l] += c.dice / seeds.length;
      });
    }
  });
  const meanDice = levels.map((_, l) => dice.reduce((s, row) => s + row[l], 0) / Math.max(classes.length, 1));
  return { levels: [...levels], seeds: [...seeds], classes, dice, meanDice, changedFraction };
}

/**
 * The sweep as a table: one row per noise level with the changed-voxel percentage, the mean
 * Dice over classes and each class's Dice.
 * @param digits decimals of the Dice columns (default 3)
 */
export function formatNoiseSweep(sweep: NoiseSweepResult, digits = 3): string {
  return formatTable(
    ['noise', 'changed voxels %', 'mean Dice', ...sweep.classes.map((c) => c.name)],
    sweep.levels.map((level, l) => [
      level, Number((100 * sweep.changedFraction[l]).toFixed(2)), Number(sweep.meanDice[l].toFixed(digits)),
      ...sweep.dice.map((row) => Number(row[l].toFixed(digits))),
    ]),
  );
}
