/**
 * Small-lesion stratification: reference lesions grouped by volume (mL), with
 * per-bin detection rate and mean per-lesion Dice. This is where BackSplit's
 * claimed gain (small lesions) shows up, so it is reported separately from
 * the case-level numbers.
 *
 * Bins are half-open [lo, hi): with the default edges 0.1, 1, 10 mL they are
 * [0, 0.1), [0.1, 1), [1, 10) and [10, ∞). The mean Dice of a bin averages the
 * per-lesion Dice of all its reference lesions, missed ones counting 0; it is
 * null for an empty bin, as is the detection rate.
 */

/** Default inner bin edges in mL: < 0.1, 0.1–1, 1–10, > 10. */
export const DEFAULT_BIN_EDGES_ML: readonly number[] = [0.1, 1, 10];

/** What a bin needs from a reference lesion. */
export interface BinnableLesion {
  volumeMl: number;
  detected: boolean;
  dice: number;
}

/** Results for one volume bin. */
export interface LesionBin {
  /** lower edge, mL (inclusive) */
  loMl: number;
  /** upper edge, mL (exclusive); Infinity for the last bin */
  hiMl: number;
  /** reference lesions in the bin */
  n: number;
  /** of which detected */
  detected: number;
  /** detected / n; null when n = 0 */
  detectionRate: number | null;
  /** mean per-lesion Dice (missed lesions count 0); null when n = 0 */
  meanDice: number | null;
}

/**
 * Check bin edges: finite, > 0, strictly increasing.
 * @throws RangeError naming the offending edge
 */
export function validateBinEdges(edgesMl: readonly number[]): void {
  for (let e = 0; e < edgesMl.length; e++) {
    const x = edgesMl[e];
    if (!Number.isFinite(x) || x <= 0) throw new RangeError(`bin edges: edge ${e} must be a finite volume > 0 mL, got ${x}`);
    if (e > 0 && x <= edgesMl[e - 1]) {
      throw new RangeError(`bin edges must increase strictly: edge ${e} (${x} mL) <= edge ${e - 1} (${edgesMl[e - 1]} mL)`);
    }
  }
}

/**
 * Per-bin lesion counts, detection rate and mean Dice.
 * @param lesions reference lesions (from one case, or pooled across cases)
 * @param edgesMl inner bin edges in mL (default [0.1, 1, 10]); k edges give k + 1 bins
 * @example
 * smallLesionBins([{ volumeMl: 0.05, detected: false, dice: 0 }])[0] // { loMl: 0, hiMl: 0.1, n: 1, detected: 0, ... }
 */
export function smallLesionBins(lesions: readonly BinnableLesion[], edgesMl: readonly number[] = DEFAULT_BIN_EDGES_ML): LesionBin[] {
  validateBinEdges(edgesMl);
  const bounds = [0, ...edgesMl, Infinity];
  const bins: LesionBin[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) {
    bins.push({ loMl: bounds[b], hiMl: bounds[b + 1], n: 0, detected: 0, detectionRate: null, meanDice: null });
  }
  const diceSum = new Float64Array(bins.length);
  for (const lesion of lesions) {
    const b = binIndex(lesion.volumeMl, bounds);
    bins[b].n++;
    if (lesion.detected) bins[b].detected++;
    diceSum[b] += lesion.dice;
  }
  for (let b = 0; b < bins.length; b++) {
    const bin = bins[b];
    if (bin.n > 0) {
      bin.detectionRate = bin.detected / bin.n;
      bin.meanDice = diceSum[b] / bin.n;
    }
  }
  return bins;
}

/** Human-readable label of the bin [lo, hi) in mL. */
export function binLabel(loMl: number, hiMl: number): string {
  if (!(hiMl > loMl) || !(loMl >= 0)) throw new RangeError(`binLabel: expected 0 <= low < high, got [${loMl}, ${hiMl})`);
  if (loMl === 0) return `< ${hiMl} mL`;
  if (!Number.isFinite(hiMl)) return `≥ ${loMl} mL`;
  return `${loMl}–${hiMl} mL`;
}

/** Index of the half-open bin [bounds[b], bounds[b + 1]) holding a volume; below bounds[1] → 0, beyond the last edge → the last bin. */
function binIndex(volumeMl: number, bounds: readonly number[]): number {
  let b = 0;
  while (b + 2 < bounds.length && volumeMl >= bounds[b + 1]) b++;
  return b;
}

/** Number of lesions in one volume bin. */
export interface LesionCountBin {
  loMl: number;
  hiMl: number;
  /** e.g. '< 0.1 mL', '0.1–1 mL', '≥ 10 mL' */
  label: string;
  n: number;
}

/**
 * Count lesion volumes per size bin (the bins of {@link smallLesionBins}, without detection).
 * @example countLesionsByVolume([0.05, 0.5, 0.6]).map((b) => b.n) // [1, 2, 0, 0]
 * @param volumesMl one volume per lesion, in mL
 * @param edgesMl inner bin edges in mL (default [0.1, 1, 10])
 */
export function countLesionsByVolume(volumesMl: readonly number[], edgesMl: readonly number[] = DEFAULT_BIN_EDGES_ML): LesionCountBin[] {
  validateBinEdges(edgesMl);
  const bounds = [0, ...edgesMl, Infinity];
  const bins: LesionCountBin[] = [];
  for (let b = 0; b + 1 < bounds.length; b++) bins.push({ loMl: bounds[b], hiMl: bounds[b + 1], label: binLabel(bounds[b], bounds[b + 1]), n: 0 });
  for (const v of volumesMl) bins[binIndex(v, bounds)].n++;
  return bins;
}

/**
 * Range, median and small-lesion count of lesion volumes, as words: "volumes from 0.0010 to
 * 2.345 mL (median 0.123 mL); 7 are below 1 mL". The median is the upper one of an even count
 * (sorted[⌊n/2⌋]).
 * @example describeLesionVolumes([0.5, 2, 0.01], 1) // "volumes from 0.0100 to 2.000 mL (median 0.500 mL); 2 are below 1 mL"
 * @throws RangeError when there are no volumes
 */
export function describeLesionVolumes(volumesMl: readonly number[], smallMl: number): string {
  if (volumesMl.length === 0) throw new RangeError('describeLesionVolumes: no lesions');
  const vols = volumesMl.slice().sort((a, b) => a - b);
  return `volumes from ${vols[0].toFixed(4)} to ${vols[vols.length - 1].toFixed(3)} mL ` +
    `(median ${vols[Math.floor(vols.length / 2)].toFixed(3)} mL); ${vols.filter((v) => v < smallMl).length} are below ${smallMl} mL`;
}
