/**
 * Describing label maps in words and tables: which ids a map holds, what one
 * map says under another's mask, how a grouping spec partitions the classes
 * present, the class table of a BackSplit map, how two maps differ, and what
 * a noise simulation did. Used by the course notebooks and the CLI to show
 * labels to a person; the label building itself lives in build.ts, spec.ts,
 * tissue.ts and noisy.ts.
 */
import type { ClassInfo } from '../core/types';
import { formatPercent, formatTable } from '../core/format';
import type { GroupSpec } from './spec';
import type { NoisyLabelReport } from './noisy';

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

/** A class id with its name (what a legend or a table row needs). */
export interface NamedClass {
  id: number;
  name: string;
}

/**
 * The nonzero ids present in a label map, named from a table (a source's id → name JSON,
 * e.g. TotalSegmentator's label file); an id the table lacks is named 'class <id>'.
 * @example presentClasses([0, 5, 2, 5], { '2': 'kidney_right' }) // [{id: 2, name: 'kidney_right'}, {id: 5, name: 'class 5'}]
 */
export function presentClasses(data: ArrayLike<number>, names: Readonly<Record<string, string>>): NamedClass[] {
  return presentLabelIds(data).map((id) => ({ id, name: names[String(id)] || `class ${id}` }));
}

/**
 * Voxel counts per class as a table with each class's share of all counted voxels.
 * @example formatLabelShares(['unlabelled', 'organ'], [3, 1]) // rows "0 unlabelled 3 75.0%", "1 organ 1 25.0%"
 * @param names class names, index = class id
 * @param counts voxels per class id (same length as names)
 * @param digits decimals of the percentage (default 1)
 */
export function formatLabelShares(names: readonly string[], counts: readonly number[], digits = 1): string {
  if (names.length !== counts.length) throw new RangeError(`formatLabelShares: ${names.length} names but ${counts.length} counts`);
  const total = counts.reduce((a, b) => a + b, 0);
  return formatTable(['id', 'class', 'voxels', 'share'], names.map((name, id) => [id, name, counts[id], formatPercent(counts[id], total, digits)]));
}

/**
 * Voxels whose value differs between two label maps of the same length.
 * @example countDifferingVoxels([0, 1, 2], [0, 2, 2]) // 1
 * @throws RangeError when the lengths differ
 */
export function countDifferingVoxels(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`countDifferingVoxels: ${a.length} voxels vs ${b.length}`);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/**
 * One line per grouping spec: its name, how many source ids it maps and into which groups.
 * @example formatSpecOverview([loadGroupSpec('synthseg')])
 */
export function formatSpecOverview(specs: readonly GroupSpec[]): string {
  return formatTable(
    ['spec', 'source ids', 'groups', 'group names'],
    specs.map((s) => [s.name, s.idToGroup.size, s.groupNames.length, s.groupNames.join(', ')]),
  );
}

/**
 * What simulateNoisyLabels did, in one sentence with class names instead of ids.
 * @param report the report of simulateNoisyLabels
 * @param classNames names of classes 1..K (index 0 = class 1)
 */
export function describeNoiseReport(report: NoisyLabelReport, classNames: readonly string[]): string {
  const name = (id: number) => classNames[id - 1] ?? `class ${id}`;
  return `noise ${report.noiseLevel}, seed ${report.seed}: eroded classes [${report.eroded.map(name).join(', ')}], ` +
    `dilated [${report.dilated.map(name).join(', ')}], merged [${report.merged.map((m) => `${name(m[0])}→${name(m[1])}`).join(', ')}], ` +
    `${report.droppedComponents.length} components dropped, ${report.jitteredVoxels} voxels jittered, ` +
    `${formatPercent(report.changedFraction, 1, 2)} of voxels changed`;
}

/**
 * Voxels with a nonzero value (e.g. the size of a mask in voxels).
 * @example countNonzero([0, 3, 1, 0]) // 2
 */
export function countNonzero(data: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) n++;
  return n;
}

/**
 * Fraction of the voxels inside a mask on which two label maps agree (NaN for an empty mask).
 * @example agreementInMask([1, 2, 3], [1, 0, 3], [1, 1, 0]) // 0.5
 * @throws RangeError when the lengths differ
 */
export function agreementInMask(a: ArrayLike<number>, b: ArrayLike<number>, mask: ArrayLike<number>): number {
  if (a.length !== b.length || a.length !== mask.length) throw new RangeError(`agreementInMask: lengths ${a.length}, ${b.length} and mask ${mask.length} differ`);
  let inside = 0;
  let agree = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask[i] === 0) continue;
    inside++;
    if (a[i] === b[i]) agree++;
  }
  return inside > 0 ? agree / inside : NaN;
}
