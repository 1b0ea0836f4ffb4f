/**
 * Size-bin statistics over a whole test set with confidence intervals: the
 * reference lesions of all cases of one model are pooled into volume bins,
 * and a case-level (cluster) bootstrap gives intervals for each bin's
 * detection rate and mean per-lesion Dice. Cases, not lesions, are resampled
 * because lesions of one case are not independent (same image, same model
 * output).
 *
 * The output feeds lib/plot's size-bin figure (one row per bin and model).
 */
import { binLabel, DEFAULT_BIN_EDGES_ML, smallLesionBins, validateBinEdges } from './bins';
import { Random } from '../core/random';
import { percentileOfSorted } from './surface';
import type { LesionRow } from './tidy';

/** Pooled statistics of one volume bin for one model. */
export interface BinStatistics {
  model: string;
  /** display label, e.g. '< 0.1 mL', '0.1–1 mL', '≥ 10 mL' */
  label: string;
  loMl: number;
  hiMl: number;
  /** reference lesions in the bin (all cases and seeds pooled) */
  n: number;
  detected: number;
  /** detected / n; null when n = 0 */
  detectionRate: number | null;
  /** percentile-bootstrap interval of the detection rate; null when n = 0 */
  detectionRateCi: [number, number] | null;
  /** mean per-lesion Dice (missed lesions count 0); null when n = 0 */
  meanDice: number | null;
  meanDiceCi: [number, number] | null;
  /** cases contributing lesions to this bin */
  cases: number;
}

/** Options for {@link binStatistics}. */
export interface BinStatisticsOptions {
  /** inner bin edges in mL (default [0.1, 1, 10]) */
  edgesMl?: readonly number[];
  /** bootstrap resamples of cases (default 2000) */
  bootstrapSamples?: number;
  /** bootstrap seed (default 0) */
  seed?: number;
  /** confidence level (default 0.95) */
  confidence?: number;
}

/**
 * Pool one model's reference lesions over all cases into volume bins, with
 * case-level bootstrap intervals.
 * @param lesions per-lesion rows (from `lesionRows(results)`); rows of other models are ignored
 * @param model which model to summarise
 * @param options bin edges, bootstrap resamples, seed, confidence
 * @example
 * const stats = binStatistics(lesionRows(results), 'backsplit');
 * stats[0].label, stats[0].detectionRate, stats[0].detectionRateCi
 */
export function binStatistics(lesions: readonly LesionRow[], model: string, options: BinStatisticsOptions = {}): BinStatistics[] {
  const edges = options.edgesMl ?? DEFAULT_BIN_EDGES_ML;
  validateBinEdges(edges);
  const samples = options.bootstrapSamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`binStatistics: bootstrapSamples must be a positive integer, got ${samples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`binStatistics: confidence must be in (0, 1), got ${confidence}`);

  const own = lesions.filter((l) => l.model === model);
  const byCase = new Map<string, LesionRow[]>();
  for (const l of own) {
    const list = byCase.get(l.case);
    if (list) list.push(l);
    else byCase.set(l.case, [l]);
  }
  const caseIds = Array.from(byCase.keys()).sort();
  const bins = smallLesionBins(own, edges);
  const nBins = bins.length;
  const binOf = (volumeMl: number): number => {
    let b = 0;
    while (b + 1 < nBins && volumeMl >= bins[b].hiMl) b++;
    return b;
  };

  // Per case and bin: lesion count, detected count, Dice sum — resampling then only adds these.
  const perCase = caseIds.map((id) => {
    const n = new Float64Array(nBins), det = new Float64Array(nBins), dice = new Float64Array(nBins);
    for (const l of byCase.get(id)!) {
      const b = binOf(l.volumeMl);
      n[b]++;
      if (l.detected) det[b]++;
      dice[b] += l.dice;
    }
    return { n, det, dice };
  });

  const rates: number[][] = bins.map(() => []);
  const dices: number[][] = bins.map(() => []);
  if (caseIds.length >= 2) {
    const rng = new Random(options.seed ?? 0);
    const n = new Float64Array(nBins), det = new Float64Array(nBins), dice = new Float64Array(nBins);
    for (let s = 0; s < samples; s++) {
      n.fill(0);
      det.fill(0);
      dice.fill(0);
      for (let c = 0; c < caseIds.length; c++) {
        const pick = perCase[rng.int(caseIds.length)];
        for (let b = 0; b < nBins; b++) {
          n[b] += pick.n[b];
          det[b] += pick.det[b];
          dice[b] += pick.dice[b];
        }
      }
      for (let b = 0; b < nBins; b++) {
        if (n[b] > 0) {
          rates[b].push(det[b] / n[b]);
          dices[b].push(dice[b] / n[b]);
        }
      }
    }
  }
  const tail = ((1 - confidence) / 2) * 100;
  const ci = (values: number[]): [number, number] | null => {
    if (values.length < 2) return null;
    const sorted = Float64Array.from(values).sort();
    return [percentileOfSorted(sorted, tail), percentileOfSorted(sorted, 100 - tail)];
  };

  return bins.map((bin, b) => ({
    model,
    label: binLabel(bin.loMl, bin.hiMl),
    loMl: bin.loMl,
    hiMl: bin.hiMl,
    n: bin.n,
    detected: bin.detected,
    detectionRate: bin.detectionRate,
    detectionRateCi: bin.n > 0 ? ci(rates[b]) : null,
    meanDice: bin.meanDice,
    meanDiceCi: bin.n > 0 ? ci(dices[b]) : null,
    cases: perCase.filter((p) => p.n[b] > 0).length,
  }));
}
