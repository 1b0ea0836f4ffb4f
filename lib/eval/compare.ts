/**
 * Paired comparison of two models (e.g. BackSplit vs binary) on the same
 * cases: per-case differences A − B, their mean and median, seeded percentile
 * bootstrap confidence intervals, and the Wilcoxon signed-rank test from
 * @stdlib/stats-wilcoxon.
 *
 * Pairing: by default ('case') a model's values are first averaged over its
 * seeds per case, so each case contributes one independent pair (cases, not
 * seeds, are the sampling unit). With 'case-seed' each (case, seed) is its own
 * pair, which is only meaningful when seed k of model A and seed k of model B
 * belong together. Null values (undefined metrics, e.g. HD95 with an empty
 * mask) are left out of a case's average; a pair with no value on one side is
 * dropped and counted in `droppedPairs`.
 */
import wilcoxon from '@stdlib/stats-wilcoxon';
import { percentileOfSorted } from './surface';
import { Random } from '../core/random';
import { MetricScope, TidyRow, toCsv } from './tidy';

/** Options for {@link pairedComparison}. */
export interface PairedComparisonOptions {
  metric: string;
  /** model whose values come first in the difference A − B (e.g. 'backsplit') */
  modelA: string;
  /** baseline model (e.g. 'binary') */
  modelB: string;
  /** which metric family (default 'lesion') */
  scope?: MetricScope;
  /** 'case' (average seeds per case, default) or 'case-seed' */
  pairBy?: 'case' | 'case-seed';
  /** bootstrap resamples (default 10000) */
  bootstrapSamples?: number;
  /** bootstrap seed (default 0) */
  seed?: number;
  /** confidence level of the intervals (default 0.95) */
  confidence?: number;
}

/** One matched pair. */
export interface PairedValue {
  /** case id, or 'case#seed' with pairBy 'case-seed' */
  key: string;
  a: number;
  b: number;
  /** a − b */
  difference: number;
}

/** Result of a paired comparison of one metric. */
export interface PairedComparison {
  metric: string;
  scope: MetricScope;
  modelA: string;
  modelB: string;
  pairBy: 'case' | 'case-seed';
  /** number of pairs used */
  n: number;
  droppedPairs: number;
  meanA: number | null;
  meanB: number | null;
  /** mean of A − B */
  meanDifference: number | null;
  /** median of A − B */
  medianDifference: number | null;
  confidence: number;
  /** percentile bootstrap interval of the mean difference; null with fewer than 2 pairs */
  meanDifferenceCi: [number, number] | null;
  /** percentile bootstrap interval of the median difference; null with fewer than 2 pairs */
  medianDifferenceCi: [number, number] | null;
  bootstrapSamples: number;
  bootstrapSeed: number;
  /** two-sided Wilcoxon signed-rank test on the differences; null when it cannot run (see wilcoxonNote) */
  wilcoxon: { statistic: number; pValue: number; method: string } | null;
  wilcoxonNote?: string;
  pairs: PairedValue[];
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function median(xs: ArrayLike<number>): number {
  const sorted = Float64Array.from(xs).sort();
  return percentileOfSorted(sorted, 50);
}

/**
 * Seeded percentile bootstrap of a statistic: resample the values with
 * replacement `samples` times and take the (1 − c)/2 and (1 + c)/2 quantiles
 * (numpy-style linear interpolation) of the resampled statistic.
 * @param values observations (at least 2)
 * @param statistic e.g. the mean
 * @param options samples (default 10000), seed (default 0), confidence (default 0.95)
 */
export function bootstrapCi(
  values: ArrayLike<number>,
  statistic: (xs: Float64Array) => number,
  options: { samples?: number; seed?: number; confidence?: number } = {},
): [number, number] {
  const samples = options.samples ?? 10000;
  const confidence = options.confidence ?? 0.95;
  const n = values.length;
  if (n < 2) throw new RangeError(`bootstrapCi: need at least 2 values, got ${n}`);
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`bootstrapCi: samples must be a positive integer, got ${samples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`bootstrapCi: confidence must be in (0, 1), got ${confidence}`);
  const rng = new Random(options.seed ?? 0);
  const resample = new Float64Array(n);
  const stats = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    for (let i = 0; i < n; i++) resample[i] = values[rng.int(n)];
    stats[b] = statistic(resample);
  }
  stats.sort();
  const tail = ((1 - confidence) / 2) * 100;
  return [percentileOfSorted(stats, tail), percentileOfSorted(stats, 100 - tail)];
}

/**
 * Two-sided Wilcoxon signed-rank test of paired differences against 0, via
 * @stdlib/stats-wilcoxon with its defaults: zero differences dropped
 * ('wilcox'); exact null distribution when there are at most 50 differences,
 * none zero and no ties among their absolute values; otherwise the normal
 * approximation with tie correction and continuity correction.
 * @returns the statistic (sum of positive ranks) and p-value, or a note saying why the test cannot run
 */
export function wilcoxonSignedRank(
  differences: ArrayLike<number>,
): { result: { statistic: number; pValue: number; method: string } | null; note?: string } {
  const d = Array.from(differences);
  if (d.length < 2) return { result: null, note: `needs at least 2 pairs, got ${d.length}` };
  if (d.every((x) => x === 0)) return { result: null, note: 'all differences are zero' };
  const out = wilcoxon(d, { alternative: 'two-sided', zeroMethod: 'wilcox', correction: true });
  // @stdlib 0.2.3 doubles the smaller exact tail without capping it, so a statistic at the
  // centre of the null distribution gets p > 1 (e.g. 1.0547 for n = 8, T = 18); scipy caps at 1.
  return { result: { statistic: out.statistic, pValue: Math.min(1, out.pValue), method: out.method } };
}

/**
 * Compare model A with model B on one metric over paired cases (A − B).
 * @param rows tidy rows holding both models (other models and metrics are ignored)
 * @param options metric, modelA, modelB, scope, pairBy, bootstrap settings
 * @example
 * const c = pairedComparison(rows, { metric: 'dice', modelA: 'backsplit', modelB: 'binary' });
 * c.meanDifference, c.meanDifferenceCi, c.wilcoxon?.pValue
 */
export function pairedComparison(rows: readonly TidyRow[], options: PairedComparisonOptions): PairedComparison {
  const scope = options.scope ?? 'lesion';
  const pairBy = options.pairBy ?? 'case';
  const bootstrapSamples = options.bootstrapSamples ?? 10000;
  const bootstrapSeed = options.seed ?? 0;
  const confidence = options.confidence ?? 0.95;
  if (options.modelA === options.modelB) throw new RangeError(`pairedComparison: modelA and modelB are both '${options.modelA}'`);

  // key → model → values (one per seed for 'case', exactly one for 'case-seed')
  const groups = new Map<string, { a: number[]; b: number[]; seenA: Set<string>; seenB: Set<string> }>();
  for (const row of rows) {
    if (row.scope !== scope || row.metric !== options.metric) continue;
    const isA = row.model === options.modelA;
    if (!isA && row.model !== options.modelB) continue;
    const key = pairBy === 'case' ? row.case : `${row.case}#${row.seed ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = { a: [], b: [], seenA: new Set(), seenB: new Set() };
      groups.set(key, g);
    }
    const seen = isA ? g.seenA : g.seenB;
    const seedKey = String(row.seed);
    if (seen.has(seedKey)) {
      throw new Error(`pairedComparison: duplicate ${options.metric} rows for case ${row.case}, model ${row.model}, seed ${row.seed}`);
    }
    seen.add(seedKey);
    if (row.value !== null && Number.isFinite(row.value)) (isA ? g.a : g.b).push(row.value);
  }

  const pairs: PairedValue[] = [];
  let droppedPairs = 0;
  for (const key of Array.from(groups.keys()).sort()) {
    const g = groups.get(key)!;
    if (g.a.length === 0 || g.b.length === 0) {
      droppedPairs++;
      continue;
    }
    const a = mean(g.a), b = mean(g.b);
    pairs.push({ key, a, b, difference: a - b });
  }
  const n = pairs.length;
  const diffs = Float64Array.from(pairs, (p) => p.difference);
  const w = wilcoxonSignedRank(diffs);
  const result: PairedComparison = {
    metric: options.metric,
    scope,
    modelA: options.modelA,
    modelB: options.modelB,
    pairBy,
    n,
    droppedPairs,
    meanA: n ? mean(pairs.map((p) => p.a)) : null,
    meanB: n ? mean(pairs.map((p) => p.b)) : null,
    meanDifference: n ? mean(diffs) : null,
    medianDifference: n ? median(diffs) : null,
    confidence,
    meanDifferenceCi: n >= 2 ? bootstrapCi(diffs, mean, { samples: bootstrapSamples, seed: bootstrapSeed, confidence }) : null,
    medianDifferenceCi: n >= 2 ? bootstrapCi(diffs, median, { samples: bootstrapSamples, seed: bootstrapSeed, confidence }) : null,
    bootstrapSamples,
    bootstrapSeed,
    wilcoxon: w.result,
    pairs,
  };
  if (w.note) result.wilcoxonNote = w.note;
  return result;
}

/** Paired comparisons of several metrics at once (same options otherwise). */
export function compareModels(
  rows: readonly TidyRow[],
  metrics: readonly string[],
  options: Omit<PairedComparisonOptions, 'metric'>,
): PairedComparison[] {
  return metrics.map((metric) => pairedComparison(rows, { ...options, metric }));
}

/** One summary line per comparison, as CSV (pairs omitted). */
export function comparisonsToCsv(comparisons: readonly PairedComparison[]): string {
  const rows = comparisons.map((c) => ({
    metric: c.metric,
    scope: c.scope,
    model_a: c.modelA,
    model_b: c.modelB,
    pair_by: c.pairBy,
    n: c.n,
    dropped_pairs: c.droppedPairs,
    mean_a: c.meanA,
    mean_b: c.meanB,
    mean_difference: c.meanDifference,
    mean_difference_ci_low: c.meanDifferenceCi ? c.meanDifferenceCi[0] : null,
    mean_difference_ci_high: c.meanDifferenceCi ? c.meanDifferenceCi[1] : null,
    median_difference: c.medianDifference,
    median_difference_ci_low: c.medianDifferenceCi ? c.medianDifferenceCi[0] : null,
    median_difference_ci_high: c.medianDifferenceCi ? c.medianDifferenceCi[1] : null,
    confidence: c.confidence,
    wilcoxon_statistic: c.wilcoxon ? c.wilcoxon.statistic : null,
    wilcoxon_p: c.wilcoxon ? c.wilcoxon.pValue : null,
  }));
  return toCsv(rows);
}
