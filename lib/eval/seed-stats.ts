/**
 * Statistics with training runs (seeds) as the unit of replication (docs/protocol.md):
 * - a hierarchical percentile bootstrap of a paired effect: resample seeds with
 *   replacement, then cases (per drawn seed, 'nested', or one draw shared by all
 *   seeds of a replicate, 'crossed', for a test set common to all seeds);
 * - a seed-level paired test: the sign-flip permutation test of the mean per-seed
 *   difference (exact enumeration of the 2ⁿ sign patterns up to `exactUpTo` seeds,
 *   otherwise seeded Monte-Carlo draws), two-sided;
 * - Holm's step-down adjustment of a family of p-values;
 * - a power line: the seeds a paired t-test needs to detect an effect.
 *
 * The bootstrap's statistic is a function of case weights (multiplicities), so
 * non-linear endpoints such as the pAUC of a FROC pooled over a seed's cases
 * (./froc frocEvaluator) resample like per-case means do.
 */
import { Random } from '../core/random';
import { studentTCdf, studentTQuantile } from './distributions';
import { percentileOfSorted } from './surface';

/** One seed of a paired comparison (arm − baseline on the same cases). */
export interface PairedSeed {
  seed: string | number;
  /** the seed's test cases; with 'crossed' resampling all seeds must list the same ids in the same order */
  caseIds: readonly string[];
  /**
   * The seed's effect for case weights (multiplicity of each case, caseIds order; all 1 for the
   * observed effect); null when undefined for these weights (e.g. no lesion in the resample).
   */
  effect(weights: Float64Array): number | null;
}

/** Options of {@link hierarchicalBootstrap}. */
export interface HierarchicalBootstrapOptions {
  /** bootstrap replicates (default 10000) */
  replicates?: number;
  /** seed of the generator (default 0) */
  seed?: number;
  /** confidence level (default 0.95) */
  confidence?: number;
  /** 'nested': cases redrawn for every drawn seed; 'crossed': one case draw per replicate (default 'nested') */
  caseResampling?: 'nested' | 'crossed';
}

/** Result of {@link hierarchicalBootstrap}. */
export interface HierarchicalBootstrap {
  /** mean over seeds of the observed per-seed effects */
  estimate: number;
  /** observed effect of each seed, in input order */
  seedEffects: number[];
  /** percentile interval; null with fewer than 2 seeds or fewer than 2 usable replicates */
  ci: [number, number] | null;
  /** SD of the usable replicates (the bootstrap standard error); null when ci is */
  standardError: number | null;
  /** replicates in which some drawn seed's effect was undefined (left out of the interval) */
  skippedReplicates: number;
  replicates: number;
  confidence: number;
  caseResampling: 'nested' | 'crossed';
}

/**
 * Sample standard deviation (n − 1 denominator); null with fewer than 2 values.
 * @example sampleSd([1, 2, 3, 4]) // 1.2910
 */
export function sampleSd(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return Math.sqrt(ss / (n - 1));
}

/** Multinomial case counts: n draws with replacement from n cases, written into `out`. */
function drawCaseWeights(rng: Random, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < out.length; i++) out[rng.int(out.length)]++;
}

function checkSeeds(seeds: readonly PairedSeed[], caseResampling: 'nested' | 'crossed'): void {
  if (seeds.length === 0) throw new RangeError('hierarchicalBootstrap: no seeds given');
  seeds.forEach((s) => {
    if (s.caseIds.length === 0) throw new RangeError(`hierarchicalBootstrap: seed ${s.seed} has no cases`);
  });
  if (caseResampling !== 'crossed') return;
  const first = seeds[0].caseIds.join('\u0000');
  const other = seeds.find((s) => s.caseIds.join('\u0000') !== first);
  if (other) throw new RangeError(`hierarchicalBootstrap: 'crossed' resampling needs the same cases for every seed; seed ${other.seed} differs from seed ${seeds[0].seed}`);
}

/** One bootstrap replicate: mean over drawn seeds of their effect under drawn case weights, or null. */
function replicate(seeds: readonly PairedSeed[], rng: Random, weights: Float64Array[], crossed: boolean): number | null {
  if (crossed) drawCaseWeights(rng, weights[0]);
  let sum = 0;
  for (let j = 0; j < seeds.length; j++) {
    const s = rng.int(seeds.length);
    const w = crossed ? weights[0] : weights[s];
    if (!crossed) drawCaseWeights(rng, w);
    const e = seeds[s].effect(w);
    if (e === null || !Number.isFinite(e)) return null;
    sum += e;
  }
  return sum / seeds.length;
}

/**
 * Hierarchical percentile bootstrap of the mean paired effect over seeds.
 * @param seeds per-seed effect functions (each seed's observed effect must be defined)
 * @param options replicates, generator seed, confidence, case resampling
 * @example hierarchicalBootstrap([{ seed: 0, caseIds: ['a', 'b'], effect: (w) => (w[0] * 0.1 + w[1] * 0.3) / (w[0] + w[1]) }]).estimate // 0.2
 */
export function hierarchicalBootstrap(seeds: readonly PairedSeed[], options: HierarchicalBootstrapOptions = {}): HierarchicalBootstrap {
  const replicates = options.replicates ?? 10000;
  const confidence = options.confidence ?? 0.95;
  const caseResampling = options.caseResampling ?? 'nested';
  if (!Number.isInteger(replicates) || replicates < 1) throw new RangeError(`hierarchicalBootstrap: replicates must be a positive integer, got ${replicates}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`hierarchicalBootstrap: confidence must be in (0, 1), got ${confidence}`);
  checkSeeds(seeds, caseResampling);
  const seedEffects = seeds.map((s) => {
    const e = s.effect(new Float64Array(s.caseIds.length).fill(1));
    if (e === null || !Number.isFinite(e)) throw new RangeError(`hierarchicalBootstrap: seed ${s.seed} has no observed effect (${e})`);
    return e;
  });
  const estimate = seedEffects.reduce((a, b) => a + b, 0) / seeds.length;
  const base = { estimate, seedEffects, replicates, confidence, caseResampling };
  if (seeds.length < 2) return { ...base, ci: null, standardError: null, skippedReplicates: 0 };
  const rng = new Random(options.seed ?? 0);
  const crossed = caseResampling === 'crossed';
  const weights = crossed ? [new Float64Array(seeds[0].caseIds.length)] : seeds.map((s) => new Float64Array(s.caseIds.length));
  const values: number[] = [];
  for (let b = 0; b < replicates; b++) {
    const v = replicate(seeds, rng, weights, crossed);
    if (v !== null) values.push(v);
  }
  const skippedReplicates = replicates - values.length;
  if (values.length < 2) return { ...base, ci: null, standardError: null, skippedReplicates };
  const sorted = Float64Array.from(values).sort();
  const tail = ((1 - confidence) / 2) * 100;
  const ci: [number, number] = [percentileOfSorted(sorted, tail), percentileOfSorted(sorted, 100 - tail)];
  return { ...base, ci, standardError: sampleSd(values), skippedReplicates };
}

/** Options of {@link signFlipTest}. */
export interface SignFlipOptions {
  /** enumerate all 2ⁿ sign patterns up to this many differences (default 16) */
  exactUpTo?: number;
  /** Monte-Carlo sign patterns beyond that (default 100000) */
  draws?: number;
  /** generator seed of the Monte-Carlo draws (default 0) */
  seed?: number;
}

/** Result of {@link signFlipTest}. */
export interface SignFlipResult {
  /** two-sided p-value */
  p: number;
  method: 'exact' | 'monte-carlo';
  /** sign patterns evaluated (2ⁿ, or the Monte-Carlo draws) */
  patterns: number;
}

/**
 * Two-sided sign-flip (paired permutation) test of the mean of per-seed differences against 0:
 * p = share of sign patterns whose |Σ ±dᵢ| reaches the observed |Σ dᵢ| (a relative tolerance of
 * 1e-12 of Σ|dᵢ| treats sums equal up to rounding as ties). Exact: all 2ⁿ patterns, so the
 * smallest attainable p is 2/2ⁿ. Monte-Carlo: p = (1 + hits)/(1 + draws) (Phipson & Smyth 2010).
 * @param differences per-seed effects (arm − baseline)
 * @returns null when there is no difference
 * @example signFlipTest([0.1, 0.2, 0.15, 0.3, 0.05, 0.12])?.p // 2/64 = 0.03125
 */
export function signFlipTest(differences: readonly number[], options: SignFlipOptions = {}): SignFlipResult | null {
  const d = differences;
  const n = d.length;
  if (n === 0) return null;
  if (d.some((x) => !Number.isFinite(x))) throw new RangeError(`signFlipTest: differences must be finite, got [${d.join(', ')}]`);
  const exactUpTo = options.exactUpTo ?? 16;
  if (!Number.isInteger(exactUpTo) || exactUpTo < 0 || exactUpTo > 20) throw new RangeError(`signFlipTest: exactUpTo must be an integer in 0..20, got ${exactUpTo}`);
  let observed = 0;
  let scale = 0;
  for (const x of d) {
    observed += x;
    scale += Math.abs(x);
  }
  const bar = Math.abs(observed) - 1e-12 * scale;
  if (n <= exactUpTo) {
    const patterns = 2 ** n;
    let hits = 0;
    for (let mask = 0; mask < patterns; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -d[i] : d[i];
      if (Math.abs(s) >= bar) hits++;
    }
    return { p: hits / patterns, method: 'exact', patterns };
  }
  const draws = options.draws ?? 100000;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`signFlipTest: draws must be a positive integer, got ${draws}`);
  const rng = new Random(options.seed ?? 0);
  let hits = 0;
  for (let b = 0; b < draws; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.nextUint32() & 0x80000000 ? -d[i] : d[i];
    if (Math.abs(s) >= bar) hits++;
  }
  return { p: (1 + hits) / (1 + draws), method: 'monte-carlo', patterns: draws };
}

/**
 * Holm's step-down adjusted p-values: with the m defined p-values sorted ascending,
 * p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) p₍ⱼ₎). Null entries (tests not run) stay null and do not
 * count in m. Output in input order.
 * @example holmAdjust([0.01, 0.04, 0.03]) // [0.03, 0.06, 0.06]
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const defined = pValues.map((p, i) => ({ p, i })).filter((x): x is { p: number; i: number } => x.p !== null);
  defined.forEach(({ p, i }) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`holmAdjust: p-value ${i} is ${p}, expected a number in [0, 1]`);
  });
  const m = defined.length;
  const out: (number | null)[] = pValues.map(() => null);
  defined.sort((a, b) => a.p - b.p || a.i - b.i);
  let running = 0;
  defined.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/**
 * Power of the two-sided one-sample (paired) t-test with n pairs at standardised effect d = mean/SD:
 * P(|T| > t_{1−α/2, n−1}) for T ~ noncentral t(n − 1, d√n).
 * @example pairedTPower(10, 1, 0.05) // ≈ 0.803
 */
export function pairedTPower(n: number, d: number, alpha = 0.05): number {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`pairedTPower: n must be an integer ≥ 2, got ${n}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`pairedTPower: alpha must be in (0, 1), got ${alpha}`);
  const df = n - 1;
  const critical = studentTQuantile(1 - alpha / 2, df);
  const ncp = Math.abs(d) * Math.sqrt(n);
  return 1 - studentTCdf(critical, df, ncp) + studentTCdf(-critical, df, ncp);
}

/** Result of {@link seedsForPower}. */
export interface SeedsForPower {
  /** max(tApprox, signFlipMinimum); null when tApprox is null */
  seeds: number | null;
  /** smallest n with paired-t power ≥ target; null when the effect is 0 or needs more than maxSeeds */
  tApprox: number | null;
  /** smallest n at which the exact sign-flip test can reach α at all (2/2ⁿ ≤ α) */
  signFlipMinimum: number;
}

/**
 * Seeds needed to detect a mean effect with a given seed-level SD: the smallest n ≥ 2 whose
 * two-sided paired t-test has the target power at α (noncentral t, effect and SD taken as known),
 * raised to the smallest n at which the exact sign-flip test can reach α.
 * @param effect observed mean per-seed difference
 * @param sd observed SD of the per-seed differences (n − 1 denominator)
 * @example seedsForPower(0.05, 0.05).seeds // 10 (d = 1: power 0.803 at n = 10)
 */
export function seedsForPower(effect: number, sd: number, options: { alpha?: number; power?: number; maxSeeds?: number } = {}): SeedsForPower {
  const alpha = options.alpha ?? 0.05;
  const target = options.power ?? 0.8;
  const maxSeeds = options.maxSeeds ?? 10000;
  if (!Number.isFinite(effect) || !(sd >= 0) || !Number.isFinite(sd)) throw new RangeError(`seedsForPower: effect and sd must be finite (sd ≥ 0), got ${effect}, ${sd}`);
  if (!(target > 0 && target < 1)) throw new RangeError(`seedsForPower: power must be in (0, 1), got ${target}`);
  const signFlipMinimum = Math.max(2, Math.ceil(Math.log2(2 / alpha) - 1e-12));
  let tApprox: number | null;
  if (effect === 0) tApprox = null;
  else if (sd === 0) tApprox = 2;
  else {
    const d = effect / sd;
    if (pairedTPower(maxSeeds, d, alpha) < target) tApprox = null;
    else {
      let lo = 1; // power(lo) < target (n = 1 has no test)
      let hi = maxSeeds; // power(hi) ≥ target; power increases with n
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (mid >= 2 && pairedTPower(mid, d, alpha) >= target) hi = mid;
        else lo = mid;
      }
      tApprox = hi;
    }
  }
  return { seeds: tApprox === null ? null : Math.max(tApprox, signFlipMinimum), tApprox, signFlipMinimum };
}
