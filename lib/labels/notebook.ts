/**
 * Notebook-facing helpers for notebooks/02_backsplit_labels.ipynb: plain-text
 * tables of a BackSplit class map, which source classes a grouping spec put in
 * which group, label counts inside a mask, and the noise sweep that shows how
 * simulated label noise degrades auxiliary labels. They keep the notebook thin;
 * the label building itself lives in build.ts, spec.ts, tissue.ts and noisy.ts.
 */
import type { ClassInfo } from '../core/types';
import type { Volume } from '../core/volume';
import { perClassDice } from '../eval/multiclass';
import type { GroupSpec } from './spec';
import { simulateNoisyLabels } from './noisy';

/**
 * Format rows as an aligned plain-text table (numbers right-aligned, text left-aligned).
 * @example formatTable(['id', 'name'], [[1, 'liver']]) // "id  name \n--  -----\n 1  liver"
 * @param header column titles
 * @param rows one array per row, same length as header
 */
export function formatTable(header: string[], rows: Array<Array<string | number>>): string {
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new RangeError(`formatTable: row ${i} has ${r.length} cells, header has ${header.length}`);
  });
  const cells = rows.map((r) => r.map((v) => String(v)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const pad = (s: string, c: number) => (numeric[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]));
  const lines = [header.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((r) => r.map(pad).join('  '))];
  return lines.map((l) => l.replace(/\s+$/, '')).join('\n');
}

/**
 * A BackSplit class table (id, name, source, voxels, mL) as aligned text.
 * @param classes rows from buildBackSplitLabels / classTable
 * @param mlDigits decimals of the volume column (default 3)
 */
export function formatClassTable(classes: ClassInfo[], mlDigits = 3): string {
  return formatTable(
    ['id', 'name', 'source', 'voxels', 'mL'],
    classes.map((c) => [c.id, c.name, c.source, c.voxels, c.volumeMl.toFixed(mlDigits)]),
  );
}

/** Sorted distinct nonzero values of a label array. */
export function presentLabelIds(data: ArrayLike<number>): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) seen.add(data[i]);
  return [...seen].sort((a, b) => a - b);
}

/**
 * Voxel count of each label value 0..numLabels-1 over the voxels where `mask` is nonzero.
 * @example labelCountsInMask([0, 1, 2, 2], [1, 0, 1, 1], 3) // [1, 0, 2]
 * @throws RangeError when lengths differ or a label falls outside 0..numLabels-1
 */
export function labelCountsInMask(labels: ArrayLike<number>, mask: ArrayLike<number>, numLabels: number): number[] {
  if (labels.length !== mask.length) throw new RangeError(`labelCountsInMask: labels have ${labels.length} voxels, mask has ${mask.length}`);
  const counts = new Array<number>(numLabels).fill(0);
  for (let i = 0; i < labels.length; i++) {
    if (mask[i] === 0) continue;
    const v = labels[i];
    if (!(Number.isInteger(v) && v >= 0 && v < numLabels)) throw new RangeError(`labelCountsInMask: voxel ${i} holds ${v}, expected 0..${numLabels - 1}`);
    counts[v]++;
  }
  return counts;
}

/** One group of a spec with the source classes of one label map that landed in it. */
export interface GroupMembershipRow {
  groupId: number;
  group: string;
  sourceIds: number[];
  /** Source class names from the spec's table ('id <n>' when unnamed). */
  sourceNames: string[];
  voxels: number;
}

/** How a grouping spec partitions the classes present in one label map. */
export interface GroupingSummary {
  /** Groups that received at least one voxel, in group-id order. */
  rows: GroupMembershipRow[];
  /** Distinct nonzero source ids in the map. */
  sourceIds: number[];
  /** Present ids the spec maps to 0 on purpose ('ignore'). */
  ignoredIds: number[];
  /** Present ids no group lists (what applyGroupSpec sends to 'other' or rejects). */
  unknownIds: number[];
}

/**
 * Which of the source classes present in `labels` each group of `spec` collects, with voxel counts.
 * Ids absent from the spec are reported in `unknownIds` (and counted under the 'other' group
 * when the spec has one) rather than thrown, so a notebook can show them.
 * @param data voxels of a source label map (e.g. TotalSegmentator output)
 * @param spec a resolved grouping spec (loadGroupSpec)
 */
export function describeGrouping(data: ArrayLike<number>, spec: GroupSpec): GroupingSummary {
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const sourceIds = [...counts.keys()].sort((a, b) => a - b);
  const otherId = spec.unknown === 'other' ? spec.groupNames.length : 0;
  const rows = new Map<number, GroupMembershipRow>();
  const ignoredIds: number[] = [];
  const unknownIds: number[] = [];
  for (const id of sourceIds) {
    let g: number;
    if (spec.idToGroup.has(id)) {
      g = spec.idToGroup.get(id) as number;
      if (g === 0) ignoredIds.push(id);
    } else {
      unknownIds.push(id);
      g = otherId;
    }
    if (g === 0) continue;
    let row = rows.get(g);
    if (!row) {
      row = { groupId: g, group: spec.groupNames[g - 1], sourceIds: [], sourceNames: [], voxels: 0 };
      rows.set(g, row);
    }
    row.sourceIds.push(id);
    row.sourceNames.push(spec.classNames.get(id) ?? `id ${id}`);
    row.voxels += counts.get(id) as number;
  }
  return { rows: [...rows.values()].sort((a, b) => a.groupId - b.groupId), sourceIds, ignoredIds, unknownIds };
}

/**
 * The grouping summary as aligned text: group id, name, number of source classes, voxels, and
 * the source class names (truncated to `maxNames`, then '+n more').
 */
export function formatGrouping(summary: GroupingSummary, maxNames = 6): string {
  return formatTable(
    ['group id', 'group', 'classes', 'voxels', 'source classes'],
    summary.rows.map((r) => {
      const shown = r.sourceNames.slice(0, maxNames).join(', ');
      const more = r.sourceNames.length > maxNames ? `, +${r.sourceNames.length - maxNames} more` : '';
      return [r.groupId, r.group, r.sourceIds.length, r.voxels, shown + more];
    }),
  );
}

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
