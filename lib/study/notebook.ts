/**
 * Per-arm metric means for the course notebook 05 (evaluation). The library
 * does the work; this only packages it for a notebook cell.
 */
import type { TidyRow } from '../eval/tidy';

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
