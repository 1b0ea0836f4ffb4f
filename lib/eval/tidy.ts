/**
 * Tidy results: one row per case × model × (seed) × metric, ready for plots
 * and for the paired comparison in ./compare, written as CSV or JSON.
 * Lesion metrics and auxiliary-class Dice carry different `scope` values so a
 * table or figure cannot mix them by accident. Per-lesion rows (one per
 * reference lesion) support pooling lesions across cases into size bins.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LesionBin, smallLesionBins } from './bins';
import type { CaseEvaluation, CaseResult } from './evaluate';

/** 'lesion' = metrics of the lesion mask; 'auxiliary' = Dice of BackSplit's auxiliary classes. */
export type MetricScope = 'lesion' | 'auxiliary';

/** One number of one case for one model. */
export interface TidyRow {
  case: string;
  model: string;
  seed: number | null;
  scope: MetricScope;
  metric: string;
  /** null where the metric is undefined (e.g. HD95 with an empty mask) */
  value: number | null;
}

type MetricReader = (e: CaseEvaluation) => number | null;

/**
 * How each lesion-scope metric is read from a case's evaluation, in the column
 * order of tidy tables. A metric derived from the evaluation is one line here.
 */
const LESION_METRIC_READERS = {
  dice: (e) => e.overlap.dice,
  iou: (e) => e.overlap.iou,
  precision: (e) => e.overlap.precision,
  recall: (e) => e.overlap.recall,
  hd95_mm: (e) => e.surface.hd95Mm,
  nsd: (e) => e.surface.nsd,
  assd_mm: (e) => e.surface.assdMm,
  lesion_tp: (e) => e.lesions.tp,
  lesion_fp: (e) => e.lesions.fp,
  lesion_fn: (e) => e.lesions.fn,
  lesion_f1: (e) => e.lesions.f1,
  lesion_mean_dice: (e) => e.lesions.meanLesionDice,
  lesion_wise_dice: (e) => e.lesions.lesionWiseDice,
} satisfies Record<string, MetricReader>;

/** Lesion-scope metric names written by {@link tidyRows}, in column order. */
export const LESION_METRICS = Object.keys(LESION_METRIC_READERS) as (keyof typeof LESION_METRIC_READERS)[];

/**
 * Flatten case results into tidy rows: the lesion metrics above, then (for
 * cases with auxiliary maps) `dice:<class name>` and `mean_dice` rows with
 * scope 'auxiliary'.
 */
export function tidyRows(results: readonly CaseResult[]): TidyRow[] {
  const rows: TidyRow[] = [];
  for (const r of results) {
    const e = r.evaluation;
    const base = { case: r.caseId, model: r.model, seed: r.seed };
    for (const metric of LESION_METRICS) rows.push({ ...base, scope: 'lesion', metric, value: LESION_METRIC_READERS[metric](e) });
    if (r.auxiliary) {
      for (const c of r.auxiliary.classes) {
        rows.push({ ...base, scope: 'auxiliary', metric: `dice:${c.name}`, value: c.present ? c.dice : null });
      }
      rows.push({ ...base, scope: 'auxiliary', metric: 'mean_dice', value: r.auxiliary.meanDice });
    }
  }
  return rows;
}

/** One reference lesion of one case and model. */
export interface LesionRow {
  case: string;
  model: string;
  seed: number | null;
  lesion: number;
  volumeMl: number;
  detected: boolean;
  dice: number;
}

/** One row per reference lesion, for pooling lesions across cases. */
export function lesionRows(results: readonly CaseResult[]): LesionRow[] {
  const rows: LesionRow[] = [];
  for (const r of results) {
    for (const l of r.evaluation.lesions.reference) {
      rows.push({ case: r.caseId, model: r.model, seed: r.seed, lesion: l.id, volumeMl: l.volumeMl, detected: l.detected, dice: l.dice });
    }
  }
  return rows;
}

/**
 * Size bins over the reference lesions of all cases of one model pooled together.
 * @param results case results (any models; filtered by `model`)
 * @param model which model's lesions to pool
 * @param edgesMl inner bin edges in mL (default [0.1, 1, 10])
 */
export function pooledBins(results: readonly CaseResult[], model: string, edgesMl?: readonly number[]): LesionBin[] {
  return smallLesionBins(lesionRows(results).filter((l) => l.model === model), edgesMl);
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV text (header + one line per row, RFC 4180 quoting; null → empty field).
 * @param rows objects sharing the same keys
 * @param columns column order (default: keys of the first row)
 */
export function toCsv<T extends object>(rows: readonly T[], columns?: Array<keyof T & string>): string {
  const cols = columns ?? (rows.length ? (Object.keys(rows[0]) as Array<keyof T & string>) : []);
  const lines = [cols.join(',')];
  for (const row of rows) lines.push(cols.map((c) => csvField(row[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Tidy rows as CSV with columns case,model,seed,scope,metric,value. */
export function tidyRowsToCsv(rows: readonly TidyRow[]): string {
  return toCsv(rows, ['case', 'model', 'seed', 'scope', 'metric', 'value']);
}

/** Write tidy rows as CSV (creating parent folders). */
export function writeTidyCsv(filePath: string, rows: readonly TidyRow[]): void {
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  fs.writeFileSync(filePath, tidyRowsToCsv(rows));
}

/** Write rows as a JSON array (non-finite numbers become null), creating parent folders. */
export function writeTidyJson(filePath: string, rows: readonly object[]): void {
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  fs.writeFileSync(filePath, JSON.stringify(rows, null, 1) + '\n');
}
