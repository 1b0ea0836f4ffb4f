/**
 * Comparing the two collapse rules of ./collapse: on given probability vectors
 * (which rule calls which voxel lesion, and where they disagree), and on
 * random vectors drawn uniformly from the probability simplex, whose rates have
 * a closed form to check the simulation against. With k = m + 1 classes
 * (m background classes) and p ~ Dirichlet(1, ..., 1):
 *   P(argmax is the lesion) = 1/k (symmetry),
 *   P(p_L > Σ background) = P(p_L > 1/2) = 2^-(k-1) (p_L ~ Beta(1, k-1)),
 * and since every sum-rule lesion is an argmax lesion, the rules disagree with
 * probability 1/k − 2^-(k-1) (0 for one background class).
 */
import { formatTable } from '../core/format';
import { argmaxIsLesion, lesionBeatsBackgroundSum } from './collapse';

/** One probability vector under both rules. */
export interface CollapseRuleRow {
  /** 'A', 'B', ... in input order ('v27', 'v28', ... after 'Z'). */
  name: string;
  probabilities: number[];
  /** Σ of the non-lesion probabilities. */
  backgroundSum: number;
  argmax: boolean;
  sum: boolean;
}

/**
 * Names of the rows on which the two rules decide differently.
 * @example disagreeingVoxels(compareCollapseRules([[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])) // ['B']
 */
export function disagreeingVoxels(rows: readonly CollapseRuleRow[]): string[] {
  return rows.filter((r) => r.argmax !== r.sum).map((r) => r.name);
}

/**
 * Apply both collapse rules to a few probability vectors (one per voxel).
 * @example compareCollapseRules([[0.3, 0.3, 0.4]])[0] // { name: 'A', argmax: true, sum: false, backgroundSum: 0.6, ... }
 * @param vectors one probability vector per voxel, all of the same length K ≥ 2
 * @param lesionClass lesion class id (default K-1)
 */
export function compareCollapseRules(vectors: readonly number[][], lesionClass?: number): CollapseRuleRow[] {
  if (vectors.length === 0) throw new RangeError('compareCollapseRules: no probability vectors given');
  const k = vectors[0].length;
  vectors.forEach((p, v) => {
    if (p.length !== k) throw new RangeError(`compareCollapseRules: vector ${v} has ${p.length} classes, vector 0 has ${k}`);
  });
  const lesion = lesionClass ?? k - 1;
  const flat = new Float32Array(vectors.length * k);
  vectors.forEach((p, v) => p.forEach((x, c) => (flat[v * k + c] = x)));
  const byArgmax = argmaxIsLesion(flat, { numClasses: k, lesionClass: lesion });
  const bySum = lesionBeatsBackgroundSum(flat, { numClasses: k, lesionClass: lesion });
  return vectors.map((p, v) => ({
    name: v < 26 ? String.fromCharCode(65 + v) : `v${v + 1}`,
    probabilities: [...p],
    backgroundSum: p.reduce((s, x, c) => (c === lesion ? s : s + x), 0),
    argmax: byArgmax[v] === 1,
    sum: bySum[v] === 1,
  }));
}

/**
 * The comparison as a table: each class probability, the background sum, both rules' verdicts.
 * @param classNames names of the K classes, for the column titles
 */
export function formatCollapseComparison(rows: readonly CollapseRuleRow[], classNames: readonly string[]): string {
  return formatTable(
    ['voxel', ...classNames.map((n) => `p(${n})`), 'Σ background', 'argmax rule', 'sum rule', 'agree'],
    rows.map((r) => [
      r.name, ...r.probabilities, Number(r.backgroundSum.toFixed(2)), r.argmax ? 'lesion' : '-', r.sum ? 'lesion' : '-', r.argmax === r.sum ? 'yes' : 'NO',
    ]),
  );
}

/** Rates of both rules on random probability vectors with a given number of background classes. */
export interface CollapseRuleRates {
  backgroundClasses: number;
  /** Fraction of vectors whose argmax is the lesion. */
  argmaxRate: number;
  /** Fraction with p_lesion > Σ p_background. */
  sumRate: number;
  /** Fraction where the rules disagree. */
  disagreeFraction: number;
  /** Vectors the sum rule calls lesion but argmax does not (0 by construction). */
  sumNotArgmax: number;
  /** Vectors drawn (0 for the closed form). */
  draws: number;
}

/** Options of {@link simulateCollapseRules}. */
export interface CollapseSimulationOptions {
  /** Numbers of background classes to try, e.g. [1, 2, 4, 8]. */
  backgroundCounts: readonly number[];
  /** Random vectors per background count. */
  draws: number;
  /** Source of uniform numbers in [0, 1) (e.g. lib Random); consumed in order. */
  random: { uniform(): number };
}

/**
 * Monte-Carlo rates of both collapse rules on vectors uniform on the simplex (normalised
 * exponentials), lesion class last. Compare with {@link collapseRuleRatesUniform}.
 * @example simulateCollapseRules({ backgroundCounts: [1, 2], draws: 5000, random: new Random(7) })
 */
export function simulateCollapseRules(options: CollapseSimulationOptions): CollapseRuleRates[] {
  const { backgroundCounts, draws, random } = options;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`simulateCollapseRules: draws must be a positive integer, got ${draws}`);
  return backgroundCounts.map((m) => {
    if (!Number.isInteger(m) || m < 1) throw new RangeError(`simulateCollapseRules: background class count must be an integer ≥ 1, got ${m}`);
    const k = m + 1;
    const p = new Float32Array(draws * k);
    for (let v = 0; v < draws; v++) {
      let s = 0;
      for (let c = 0; c < k; c++) {
        const e = -Math.log(1 - random.uniform());
        p[v * k + c] = e;
        s += e;
      }
      for (let c = 0; c < k; c++) p[v * k + c] /= s;
    }
    const a = argmaxIsLesion(p, { numClasses: k });
    const b = lesionBeatsBackgroundSum(p, { numClasses: k });
    let diff = 0;
    let na = 0;
    let nsum = 0;
    let sumNotArgmax = 0;
    for (let v = 0; v < draws; v++) {
      if (a[v] !== b[v]) diff++;
      if (b[v] && !a[v]) sumNotArgmax++;
      na += a[v];
      nsum += b[v];
    }
    return { backgroundClasses: m, argmaxRate: na / draws, sumRate: nsum / draws, disagreeFraction: diff / draws, sumNotArgmax, draws };
  });
}

/**
 * Exact rates of both rules for vectors uniform on the simplex with m background classes.
 * @example collapseRuleRatesUniform(2) // argmaxRate 1/3, sumRate 1/4, disagreeFraction 1/12
 */
export function collapseRuleRatesUniform(backgroundClasses: number): CollapseRuleRates {
  const k = backgroundClasses + 1;
  const argmaxRate = 1 / k;
  const sumRate = Math.pow(2, -(k - 1));
  return { backgroundClasses, argmaxRate, sumRate, disagreeFraction: argmaxRate - sumRate, sumNotArgmax: 0, draws: 0 };
}

/**
 * Rates as a percentage table, one row per background count; with `exact` rows, the closed-form
 * disagreement beside the simulated one.
 */
export function formatCollapseRates(rates: readonly CollapseRuleRates[], exact?: readonly CollapseRuleRates[]): string {
  const pct = (x: number) => Number((100 * x).toFixed(1));
  return formatTable(
    ['background classes', 'argmax says lesion %', 'sum says lesion %', 'disagree %', ...(exact ? ['disagree % (exact)'] : [])],
    rates.map((r, i) => [r.backgroundClasses, pct(r.argmaxRate), pct(r.sumRate), pct(r.disagreeFraction), ...(exact ? [pct(exact[i].disagreeFraction)] : [])]),
  );
}
