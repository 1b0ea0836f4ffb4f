/**
 * Paired effects with seeds as the unit (docs/protocol.md, "Statistics"): an arm and its baseline
 * are paired per seed on the same test cases; the effect is the mean over seeds of
 * (arm − baseline) on the seed's cases, with a hierarchical bootstrap interval, the seed-level
 * sign-flip p-value and the power line, all from lib/eval/seed-stats.
 *
 * An endpoint is anything computed from a seed's per-case values under case weights: the FROC
 * endpoints pool the cases' candidates (lib/eval/froc), the per-case metrics average.
 */
import type { FrocCase } from '../eval/froc';
import { frocEvaluator } from '../eval/froc';
import { hierarchicalBootstrap, PairedSeed, sampleSd, seedsForPower, signFlipTest } from '../eval/seed-stats';
import type { PrimaryEndpointSpec, ProtocolStatistics } from './protocol';

/** A per-case endpoint as a statistic of one seed's cases under case weights. */
export interface PairedEndpoint<T> {
  id: string;
  /** the statistic of one seed's cases (in the given order) for case weights; null when undefined */
  prepare(values: readonly T[]): (weights: Float64Array) => number | null;
  /** cases whose value is undefined on either side are left out of the pair (default: all defined) */
  isDefined?(value: T): boolean;
}

/** One seed of one arm: its test cases' values. */
export interface SeedCases<T> {
  seed: number | string;
  cases: ReadonlyArray<{ caseId: string; value: T }>;
}

/** The effect of an arm against a baseline on one endpoint. */
export interface EndpointEffect {
  baseline: string;
  /** mean over seeds of (arm − baseline) */
  effect: number;
  /** hierarchical bootstrap percentile interval (null with one seed) */
  ci95: [number, number] | null;
  /** two-sided sign-flip p over the per-seed effects */
  p: number | null;
  n_seeds: number;
  /** Holm-adjusted p within the protocol family holding this comparison (null outside any) */
  p_holm: number | null;
  family: string | null;
  /** SD of the per-seed effects */
  sd_seed: number | null;
  /** seeds for 80% power at α for this effect and SD (paired t approximation, sign-flip floor) */
  seeds_needed: number | null;
  case_resampling: 'nested' | 'crossed';
  /** case pairs left out because a value was undefined on one side, over all seeds */
  dropped_cases: number;
}

/**
 * The primary endpoint: partial AUC of the pooled small-lesion FROC up to maxFpPerCase.
 * @example frocPartialAucEndpoint(protocol.primary)
 */
export function frocPartialAucEndpoint(spec: PrimaryEndpointSpec): PairedEndpoint<FrocCase> {
  return {
    id: spec.id,
    prepare: (values) => {
      const froc = frocEvaluator(values, { minVolumeMl: spec.lesionVolumeMl.min, maxVolumeMl: spec.lesionVolumeMl.max });
      return (weights) => froc.partialAuc(weights, spec.maxFpPerCase);
    },
  };
}

/**
 * A reported operating point: sensitivity of the pooled small-lesion FROC at `rate` FP per case.
 * @example frocSensitivityEndpoint(protocol.primary, 1)
 */
export function frocSensitivityEndpoint(spec: PrimaryEndpointSpec, rate: number): PairedEndpoint<FrocCase> {
  return {
    id: `sensitivity_at_${rate}_fp`,
    prepare: (values) => {
      const froc = frocEvaluator(values, { minVolumeMl: spec.lesionVolumeMl.min, maxVolumeMl: spec.lesionVolumeMl.max });
      return (weights) => froc.sensitivityAtFpRate(weights, rate);
    },
  };
}

/**
 * A per-case metric (Dice, NSD, HD95, lesion F1 …): the weighted mean over the seed's cases;
 * null values (e.g. HD95 with an empty mask) leave the case out of the pair.
 * @example meanEndpoint('dice')
 */
export function meanEndpoint(id: string): PairedEndpoint<number | null> {
  return {
    id,
    isDefined: (v) => v !== null && Number.isFinite(v),
    prepare: (values) => (weights) => {
      let sum = 0;
      let total = 0;
      values.forEach((v, i) => {
        sum += weights[i] * (v as number);
        total += weights[i];
      });
      return total > 0 ? sum / total : null;
    },
  };
}

/** Pair one seed's cases of arm and baseline by case id (sorted), leaving out undefined values. */
function pairSeed<T>(arm: SeedCases<T>, base: SeedCases<T>, endpoint: PairedEndpoint<T>, where: string): { seed: PairedSeed; dropped: number } {
  const baseById = new Map(base.cases.map((c) => [c.caseId, c.value]));
  const armIds = new Set(arm.cases.map((c) => c.caseId));
  if (armIds.size !== arm.cases.length) throw new Error(`${where}, seed ${arm.seed}: a case id appears twice in the arm`);
  const missing = [...armIds].filter((id) => !baseById.has(id)).concat(base.cases.map((c) => c.caseId).filter((id) => !armIds.has(id)));
  if (missing.length) throw new Error(`${where}, seed ${arm.seed}: arm and baseline have different test cases (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`);
  const defined = endpoint.isDefined ?? (() => true);
  const pairs = arm.cases
    .map((c) => ({ caseId: c.caseId, a: c.value, b: baseById.get(c.caseId) as T }))
    .filter((x) => defined(x.a) && defined(x.b))
    .sort((x, y) => (x.caseId < y.caseId ? -1 : x.caseId > y.caseId ? 1 : 0));
  if (pairs.length === 0) throw new Error(`${where}, seed ${arm.seed}: no case has a defined ${endpoint.id} in both arms`);
  const fa = endpoint.prepare(pairs.map((x) => x.a));
  const fb = endpoint.prepare(pairs.map((x) => x.b));
  const seed: PairedSeed = {
    seed: arm.seed,
    caseIds: pairs.map((x) => x.caseId),
    effect: (w) => {
      const a = fa(w);
      const b = fb(w);
      return a === null || b === null ? null : a - b;
    },
  };
  if (seed.effect(new Float64Array(pairs.length).fill(1)) === null) {
    throw new Error(`${where}, seed ${arm.seed}: ${endpoint.id} is undefined on this seed's cases (e.g. no reference lesion in the volume range)`);
  }
  return { seed, dropped: arm.cases.length - pairs.length };
}

/**
 * The paired effect of an arm against a baseline on one endpoint, with seeds as the unit.
 * @param arm the arm's seeds
 * @param baseline the baseline's seeds (the same seed ids, each with the same case ids)
 * @param endpoint how a seed's cases become one number
 * @param statistics the protocol's statistics section (bootstrap, test, power, α)
 * @param names dataset, arm and baseline names for messages and the result
 */
export function pairedEndpointEffect<T>(
  arm: readonly SeedCases<T>[],
  baseline: readonly SeedCases<T>[],
  endpoint: PairedEndpoint<T>,
  statistics: ProtocolStatistics,
  names: { dataset: string; arm: string; baseline: string },
): EndpointEffect {
  const where = `${names.dataset}: ${names.arm} vs ${names.baseline} (${endpoint.id})`;
  const baseBySeed = new Map(baseline.map((s) => [String(s.seed), s]));
  const armSeeds = arm.map((s) => String(s.seed));
  const unpaired = armSeeds.filter((s) => !baseBySeed.has(s)).concat(baseline.map((s) => String(s.seed)).filter((s) => !armSeeds.includes(s)));
  if (unpaired.length) throw new Error(`${where}: seeds ${unpaired.join(', ')} are not in both arms (pair seeds before building the effect)`);
  if (arm.length === 0) throw new Error(`${where}: no seeds`);
  const paired = arm.map((s) => pairSeed(s, baseBySeed.get(String(s.seed)) as SeedCases<T>, endpoint, where));
  const seeds = paired.map((x) => x.seed);
  const shared = seeds.every((s) => s.caseIds.join('\u0000') === seeds[0].caseIds.join('\u0000'));
  const resampling = statistics.bootstrap.caseResampling === 'auto' ? (shared ? 'crossed' : 'nested') : statistics.bootstrap.caseResampling;
  const b = statistics.bootstrap;
  const boot = hierarchicalBootstrap(seeds, { replicates: b.replicates, seed: b.seed, confidence: b.confidence, caseResampling: resampling });
  const test = signFlipTest(boot.seedEffects, { exactUpTo: statistics.test.exactUpToSeeds, draws: statistics.test.monteCarloDraws, seed: statistics.test.seed });
  const sd = sampleSd(boot.seedEffects);
  const power = sd === null ? null : seedsForPower(boot.estimate, sd, { alpha: statistics.alpha, power: statistics.power.power, maxSeeds: statistics.power.maxSeeds });
  return {
    baseline: names.baseline,
    effect: boot.estimate,
    ci95: boot.ci,
    p: test ? test.p : null,
    n_seeds: seeds.length,
    p_holm: null,
    family: null,
    sd_seed: sd,
    seeds_needed: power ? power.seeds : null,
    case_resampling: resampling,
    dropped_cases: paired.reduce((s, x) => s + x.dropped, 0),
  };
}
