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
import { formatFixed, formatTable } from '../core/format';

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

export interface ArmMetricMean {
  metric: string;
  arm: string;
  /** Mean over cases of the per-case value (each case first averaged over seeds); null when no value. */
  mean: number | null;
  /** Cases with a value. */
  cases: number;
}

/**
 * Per-arm means of lesion-scope metrics, pairing nothing: each case's values are averaged over
 * seeds first, then over cases (the same per-case values the paired comparisons use).
 * @param rows tidy rows (e.g. summarizeStudy(...).rows)
 * @param arms model names, e.g. ['binary', 'backsplit', 'backsplit-sumrule']
 * @param metrics metric names, e.g. ['dice', 'lesion_fp']
 */
export function armMetricMeans(rows: readonly TidyRow[], arms: string[], metrics: string[]): ArmMetricMean[] {
  const out: ArmMetricMean[] = [];
  for (const metric of metrics) {
    for (const arm of arms) {
      const perCase = new Map<string, number[]>();
      for (const r of rows) {
        if (r.model !== arm || r.metric !== metric || r.value === null || !Number.isFinite(r.value)) continue;
        const list = perCase.get(r.case) || [];
        list.push(r.value);
        perCase.set(r.case, list);
      }
      const caseMeans = [...perCase.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
      out.push({ metric, arm, mean: caseMeans.length ? caseMeans.reduce((a, b) => a + b, 0) / caseMeans.length : null, cases: caseMeans.length });
    }
  }
  return out;
}

/**
 * Per-arm means as a table: one row per metric, one column per arm, and the number of cases
 * with a value (of the first arm).
 * @param means output of {@link armMetricMeans}
 * @param digits decimals (default 3)
 */
export function formatArmMetricMeans(means: readonly ArmMetricMean[], arms: string[], metrics: string[], digits = 3): string {
  const find = (metric: string, arm: string) => means.find((m) => m.metric === metric && m.arm === arm);
  return formatTable(
    ['metric', ...arms.map((a) => `${a} (mean per case)`), 'cases'],
    metrics.map((metric) => [metric, ...arms.map((arm) => formatFixed(find(metric, arm)?.mean, digits)), find(metric, arms[0])?.cases ?? 0]),
  );
}

/**
 * How many (case, seed) pairs give a different value of one metric under two models, among the
 * pairs both models have (e.g. the two collapse rules of the same BackSplit run).
 * @example countDifferingPairs(rows, 'backsplit', 'backsplit-sumrule', 'dice')
 */
export function countDifferingPairs(rows: readonly TidyRow[], modelA: string, modelB: string, metric: string): number {
  const key = (r: TidyRow) => `${r.case}\u0000${r.seed}`;
  const b = new Map<string, number | null>();
  for (const r of rows) if (r.model === modelB && r.metric === metric) b.set(key(r), r.value);
  let n = 0;
  for (const r of rows) {
    if (r.model !== modelA || r.metric !== metric || !b.has(key(r))) continue;
    if (b.get(key(r)) !== r.value) n++;
  }
  return n;
}
