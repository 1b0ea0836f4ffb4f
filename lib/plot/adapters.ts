/**
 * Adapters from the shapes other lib folders produce to the inputs of the plot
 * builders: Fisher reports (lib/fisher) to per-layer series, paired
 * comparisons (lib/eval) to per-case pairs, bin edges to labels.
 *
 * They take structural types (only the fields used), so lib/plot does not
 * depend on those folders and keeps working if they grow new fields.
 */
import { normalizeFisherKind, type FisherKind, type FisherLayerValue, type FisherSeries } from './fisher';
import type { PairedCase, PairedDifferencesOptions } from './evaluation';

/** The fields of a lib/fisher FisherReport that the plots use. */
export interface FisherReportLike {
  kind: string;
  y: { trace: number; perLayer: { name: string; trace: number }[] };
  z: { trace: number; perLayer: { name: string; trace: number }[] };
}

/**
 * Per-layer Y and Z series over training from Fisher reports taken at several
 * steps (all of the same kind), plus a 'total' series when `includeTotal`.
 * @param points one report per training step, in any order
 * @returns the series and the (shared) Fisher kind
 */
export function fisherSeriesFromReports(
  points: { step: number; report: FisherReportLike }[],
  opts: { includeTotal?: boolean } = {},
): { kind: FisherKind; series: FisherSeries[] } {
  if (points.length === 0) throw new RangeError('fisherSeriesFromReports: no reports given');
  const kind = normalizeFisherKind(points[0].report.kind);
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const series = new Map<string, FisherSeries>();
  const add = (layer: string, target: 'Y' | 'Z', step: number, value: number) => {
    const key = `${layer}\u0000${target}`;
    let s = series.get(key);
    if (!s) {
      s = { layer, target, steps: [], values: [] };
      series.set(key, s);
    }
    (s.steps as number[]).push(step);
    (s.values as number[]).push(value);
  };
  for (const { step, report } of sorted) {
    const k = normalizeFisherKind(report.kind);
    if (k !== kind) throw new RangeError(`fisherSeriesFromReports: report at step ${step} is '${report.kind}', the first is '${points[0].report.kind}': do not mix Fisher kinds in one figure`);
    if (opts.includeTotal ?? true) {
      add('total', 'Y', step, report.y.trace);
      add('total', 'Z', step, report.z.trace);
    }
    for (const l of report.y.perLayer) add(l.name, 'Y', step, l.trace);
    for (const l of report.z.perLayer) add(l.name, 'Z', step, l.trace);
  }
  return { kind, series: [...series.values()] };
}

/**
 * Y and Z per layer from one Fisher report, in the report's layer order.
 * @throws when a layer is present under Y but not under Z
 */
export function fisherLayerValuesFromReport(report: FisherReportLike): { kind: FisherKind; values: FisherLayerValue[] } {
  const z = new Map(report.z.perLayer.map((l) => [l.name, l.trace]));
  const values = report.y.perLayer.map((l) => {
    const zv = z.get(l.name);
    if (zv === undefined) throw new RangeError(`fisherLayerValuesFromReport: layer '${l.name}' has a Y trace but no Z trace`);
    return { layer: l.name, Y: l.trace, Z: zv };
  });
  return { kind: normalizeFisherKind(report.kind), values };
}

/** The fields of a lib/eval PairedComparison that the plots use. */
export interface PairedComparisonLike {
  metric: string;
  modelA: string;
  modelB: string;
  confidence: number;
  meanDifference: number | null;
  meanDifferenceCi: [number, number] | null;
  pairs: { key: string; a: number; b: number }[];
}

/**
 * Per-case pairs and the mean difference (BackSplit − binary) with its
 * interval, from a paired comparison of the models 'backsplit' and 'binary'
 * (either order): ready for pairedDifferencesFigure.
 */
export function pairedInputFromComparison(cmp: PairedComparisonLike): { cases: PairedCase[]; options: PairedDifferencesOptions } {
  const models = [cmp.modelA, cmp.modelB].join(',');
  if (models !== 'backsplit,binary' && models !== 'binary,backsplit') {
    throw new RangeError(`pairedInputFromComparison: expected models 'backsplit' and 'binary', got '${cmp.modelA}' and '${cmp.modelB}'`);
  }
  const aIsBackSplit = cmp.modelA === 'backsplit';
  const cases = cmp.pairs.map((p) => ({ caseId: p.key, backsplit: aIsBackSplit ? p.a : p.b, binary: aIsBackSplit ? p.b : p.a }));
  const options: PairedDifferencesOptions = { metric: cmp.metric };
  if (cmp.meanDifference !== null && cmp.meanDifferenceCi) {
    const sign = aIsBackSplit ? 1 : -1;
    const [lo, hi] = cmp.meanDifferenceCi.map((v) => sign * v).sort((x, y) => x - y);
    options.meanDifference = { value: sign * cmp.meanDifference, low: lo, high: hi, label: `(${Math.round(cmp.confidence * 100)}% CI)` };
  }
  return { cases, options };
}
