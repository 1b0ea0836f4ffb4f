/**
 * "What this run can and cannot conclude": sentences generated from the primary endpoint's
 * numbers (results.json `primary`, lib/study/primary.ts) and the protocol's decision rules
 * (docs/protocol.md, "Decisions"). Pure: the same PrimaryResults and protocol always give the
 * same sentences, and every number in them comes from those two inputs.
 *
 * Reading order: what was run (datasets, seeds against the protocol's minimum); what the seed
 * count allows at all (the exact sign-flip test's smallest p, before and after Holm); the
 * validity check on the null set; the claim; the protocol's readings of the controls; then one
 * sentence per comparison (effect, interval width against δ, p, verdict, power line).
 * The sentences never go beyond the verdicts: a check that could not have failed says so.
 */
import { formatFixed } from '../core/format';
import { summarizeCurves } from '../plot/curves';
import type { PrimaryArmEffect, PrimaryResults, Verdict } from './primary';
import type { Protocol } from './protocol';

/** The second arm of the protocol's validity check on the null set (docs/protocol.md, "Decisions" 1). */
const NULL_CHECK_PLACEBO = 'backsplit-placebo-voronoi';

/** The generated conclusions: the overview first, then one sentence per comparison. */
export interface StudyConclusions {
  /** scope, seed floor, validity check, claim and the controls' readings */
  overview: string[];
  /** one sentence per (dataset, comparison) in protocol order */
  comparisons: string[];
  /**
   * Whether training had settled and started in every (dataset, arm) with validation curves
   * ({@link armConvergence}); null without curves (or without two validation points in any).
   */
  trainingSettled: boolean | null;
}

/** One comparison of the primary results, with where it came from. */
interface ComparisonEntry {
  dataset: string;
  /** 'arm vs baseline' */
  name: string;
  e: PrimaryArmEffect;
}

type Statistics = Pick<Protocol['statistics'], 'alpha' | 'test' | 'power' | 'families'>;

/** Options of {@link studyConclusions}. */
export interface StudyConclusionsOptions {
  /**
   * What the results are: 'run' (default) — everything the run did, so a protocol dataset absent
   * from them was not run; 'report' — one report's share of a run, so an absent dataset is only
   * "not in this report".
   */
  scope?: 'run' | 'report';
  /**
   * The validation learning curves of every (dataset, arm): when given, sentences on whether
   * training had settled ({@link convergenceSentences}) follow what was run.
   */
  convergence?: readonly ArmLearningCurves[];
}

/** One arm's validation learning curves in one dataset: each seed's (step, validation lesion Dice) points. */
export interface ArmLearningCurves {
  dataset: string;
  arm: string;
  /** the training budget (steps) of the runs */
  steps: number;
  seeds: readonly (readonly { step: number; value: number }[])[];
}

/**
 * Training counts as settled when the mean over seeds of the validation lesion Dice rose by at
 * most this much over the last third of the budget (a fall counts as settled). Fixed on
 * 2026-12-03 before the first run of the protocol's default preset.
 */
export const SETTLED_RISE = 0.02;
/**
 * A run whose last validation lesion Dice is below this has not started to segment lesions
 * (judged per seed since 2026-12-03: the first default run had 2 of 3 BackSplit seeds at 0
 * throughout while the mean over seeds was 0.07).
 */
export const STARTED_DICE = 0.05;

/** The mean-over-seeds curve at the steps every seed measured (the report's learning-curve mean). */
function meanCurve(seeds: ArmLearningCurves['seeds']): { step: number; value: number }[] {
  if (!seeds.length) return [];
  const [s] = summarizeCurves(seeds.map((c, i) => ({ mode: 'arm', seed: i, epochs: c.map((p) => p.step), values: c.map((p) => p.value) })));
  return s.epochs.map((step, i) => ({ step, value: s.mean[i] }));
}

/**
 * Whether one arm's training had settled (by the mean over seeds, {@link SETTLED_RISE}) and
 * started (every seed: its last validation lesion Dice at least {@link STARTED_DICE}; a mean
 * over seeds would hide a seed that never segmented a lesion).
 */
export function armConvergence(c: ArmLearningCurves): {
  from: { step: number; value: number };
  to: { step: number; value: number };
  rise: number;
  settled: boolean;
  started: boolean;
  /** the last validation value of every seed that had not started */
  unstarted: number[];
} | null {
  const mean = meanCurve(c.seeds);
  if (mean.length < 2) return null;
  const to = mean[mean.length - 1];
  const from = mean.find((p) => p.step >= (2 / 3) * c.steps && p.step < to.step) ?? mean[mean.length - 2];
  const rise = to.value - from.value;
  const unstarted = c.seeds.map((seed) => (seed.length ? seed[seed.length - 1].value : NaN)).filter((v) => !(v >= STARTED_DICE));
  return { from, to, rise, settled: rise <= SETTLED_RISE, started: unstarted.length === 0, unstarted };
}

/** Every (dataset, arm)'s curves with its {@link armConvergence} judgement, judged once per conclusions. */
type JudgedArms = { c: ArmLearningCurves; v: ReturnType<typeof armConvergence> }[];

const judgeArms = (curves: readonly ArmLearningCurves[]): JudgedArms => curves.map((c) => ({ c, v: armConvergence(c) }));

/** True when every judged arm had settled and started, false when one had not, null when none could be judged. */
function settledOf(judged: JudgedArms): boolean | null {
  const v = judged.filter((x) => x.v).map((x) => x.v!);
  return v.length ? v.every((x) => x.settled && x.started) : null;
}

/**
 * After the claim: when training had not settled in some (dataset, arm), a verdict of this run is
 * about models at the end of its budget, not about the arms, so none of them bears on the claim.
 */
function unsettledClaimSentences(judged: JudgedArms): string[] {
  if (settledOf(judged) !== false) return [];
  const steps = [...new Set(judged.map((x) => x.c.steps))].join('/');
  const rising = judged.some((x) => x.v && !x.v.settled);
  const idle = judged.some((x) => x.v && !x.v.started);
  const why = rising && idle ? 'Training had not settled, and some runs had not started to segment lesions' : rising ? 'Training had not settled' : 'Some runs had not started to segment lesions';
  return [`${why} (see above), so every verdict of this run describes models after ${steps} steps, not what the arms reach: none of them bears on the claim, whichever way it points.`];
}

/**
 * Whether training had settled, from the validation learning curves: what the comparisons of a
 * run that stopped early measure (how far each arm gets in its budget, not what it reaches).
 */
export function convergenceSentences(curves: readonly ArmLearningCurves[]): string[] {
  return judgedSentences(judgeArms(curves));
}

function judgedSentences(judged: JudgedArms): string[] {
  const f = (v: number) => formatFixed(v, 3);
  const curves = judged.map((x) => x.c);
  const missing = judged.filter((x) => !x.v).map((x) => `${x.c.arm} on ${x.c.dataset}`);
  const out: string[] = [];
  if (!curves.length || missing.length === curves.length) {
    return ['No run recorded at least two validation measurements, so this run cannot show that training had settled (docs/protocol.md, "Stopping rule").'];
  }
  if (missing.length) out.push(`Without two validation measurements, whether training had settled is unknown for ${listText(missing)}.`);
  const rising = judged.filter((x) => x.v && !x.v.settled);
  const idle = judged.filter((x) => x.v && !x.v.started);
  if (!rising.length) {
    const worst = Math.max(...judged.filter((x) => x.v).map((x) => x.v!.rise));
    const rose = `the mean validation lesion Dice over seeds rose by at most ${f(Math.max(0, worst))} over the last third of the budget (the rule: at most ${SETTLED_RISE})`;
    // a curve flat near 0 meets the rule without the run having learnt anything: say so (below)
    out.push(idle.length ?
      `No curve was still rising: ${rose} in every arm and dataset with validation curves; but a flat curve is not a settled one where runs had not started (below).` :
      `Training had settled in every arm and dataset with validation curves: ${rose}.`);
  } else {
    const steps = [...new Set(curves.map((c) => c.steps))].join('/');
    out.push(`Training had not settled: the mean validation lesion Dice over seeds was still rising over the last third of the budget for ${listText(rising.map((x) => `${x.c.arm} on ${x.c.dataset} (${f(x.v!.from.value)} at step ${x.v!.from.step} → ${f(x.v!.to.value)} at step ${x.v!.to.step})`))}, beyond the rule's ${SETTLED_RISE}. The comparisons of this run therefore measure how far each arm gets in ${steps} steps, not what it reaches.`);
  }
  for (const x of idle) {
    const n = x.v!.unstarted.length;
    const of = x.c.seeds.length;
    out.push(`${n === of ? `Every seed (${of})` : `${n} of ${of} seeds`} of ${x.c.arm} on ${x.c.dataset} ended with a validation lesion Dice below ${STARTED_DICE} (${x.v!.unstarted.map(f).join(', ')}): ` +
      `${n === 1 ? 'that run had' : 'those runs had'} not started to segment lesions, so the comparisons of ${x.c.arm} there say nothing about what that arm can reach.`);
  }
  return out;
}

/** "was not run" / "is not in this report", in the number of `count`. */
type Absent = (count: number) => string;

const quote = (v: Verdict | null | undefined) => (v ? `'${v}'` : 'without a verdict');
const pText = (p: number) => String(Number(p.toPrecision(2)));
const exactText = (p: number) => String(Number(p.toPrecision(3)));

function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The smallest p-value the protocol's sign-flip test can give with n seeds: 2/2ⁿ when it
 * enumerates every sign pattern (n ≤ exactUpToSeeds), else 1/(1 + draws) (Monte-Carlo).
 * @example signFlipFloor(4, { exactUpToSeeds: 16, monteCarloDraws: 100000 }) // 0.125
 */
export function signFlipFloor(nSeeds: number, test: Pick<Protocol['statistics']['test'], 'exactUpToSeeds' | 'monteCarloDraws'>): number {
  if (!Number.isInteger(nSeeds) || nSeeds < 1) throw new RangeError(`signFlipFloor: nSeeds must be a positive integer, got ${nSeeds}`);
  return nSeeds <= test.exactUpToSeeds ? 2 / 2 ** nSeeds : 1 / (1 + test.monteCarloDraws);
}

/**
 * The fewest seeds with which `m` Holm-adjusted tests can give an adjusted p below α: the smallest
 * n with m · signFlipFloor(n) < α (m = 1: a single unadjusted test); null when no n reaches it.
 * @example seedsToReachAlpha(4, 0.05, { exactUpToSeeds: 16, monteCarloDraws: 100000 }) // 8 (4 · 2/2⁸ = 0.031)
 */
export function seedsToReachAlpha(m: number, alpha: number, test: Pick<Protocol['statistics']['test'], 'exactUpToSeeds' | 'monteCarloDraws'>): number | null {
  for (let n = 1; n <= test.exactUpToSeeds + 1; n++) if (m * signFlipFloor(n, test) < alpha) return n;
  return null;
}

/** Planned tests of each family holding the primary endpoint (comparisons × protocol datasets, as primary.ts adjusts them). */
function familySizes(protocol: Protocol): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of protocol.statistics.families) if (f.endpoints.includes('primary')) out.set(f.id, f.comparisons.length * protocol.datasets.length);
  return out;
}

/** The datasets of the results in protocol order (then any others as they come). */
function orderedDatasets(primary: PrimaryResults, protocol: Protocol): string[] {
  const ids = Object.keys(primary.datasets);
  return [...protocol.datasets.map((d) => d.id).filter((id) => ids.includes(id)), ...ids.filter((id) => !protocol.datasets.some((d) => d.id === id))];
}

/** Every comparison of the results: per dataset the arms against the baseline (protocol arm order), then the contrasts. */
function comparisonEntries(primary: PrimaryResults, protocol: Protocol): ComparisonEntry[] {
  const out: ComparisonEntry[] = [];
  const armOrder = (a: string) => {
    const i = protocol.arms.findIndex((x) => x.id === a);
    return i < 0 ? protocol.arms.length : i;
  };
  for (const dataset of orderedDatasets(primary, protocol)) {
    const d = primary.datasets[dataset];
    const arms = Object.keys(d.arms).sort((a, b) => armOrder(a) - armOrder(b));
    for (const arm of arms) out.push({ dataset, name: `${arm} vs ${d.arms[arm].baseline}`, e: d.arms[arm] });
    for (const [name, e] of Object.entries(d.contrasts)) out.push({ dataset, name, e });
  }
  return out;
}

/**
 * The smallest Holm-adjusted p an entry can reach with the seeds of the results: at least its own
 * floor, and at least m × the smallest floor among the family's results (Holm's first step).
 */
function holmBound(entry: ComparisonEntry, all: readonly ComparisonEntry[], sizes: Map<string, number>, statistics: Statistics): number | null {
  const family = entry.e.family;
  if (family === null) return null;
  const m = sizes.get(family) ?? 1;
  const floors = all.filter((x) => x.e.family === family).map((x) => signFlipFloor(x.e.n_seeds, statistics.test));
  return Math.min(1, Math.max(signFlipFloor(entry.e.n_seeds, statistics.test), m * Math.min(...floors)));
}

/** Whether the protocol's rule could give 'supported' at all with these seeds (an interval, and a reachable Holm p). */
function canBeSupported(entry: ComparisonEntry, all: readonly ComparisonEntry[], sizes: Map<string, number>, statistics: Statistics): boolean {
  const bound = holmBound(entry, all, sizes, statistics);
  return entry.e.n_seeds > 1 && bound !== null && bound < statistics.alpha;
}

function scopeSentences(primary: PrimaryResults, protocol: Protocol, entries: readonly ComparisonEntry[], absent: Absent): string[] {
  const ran = orderedDatasets(primary, protocol);
  const parts = ran.map((id) => {
    const role = protocol.datasets.find((d) => d.id === id)?.role;
    const seeds = [...new Set(entries.filter((x) => x.dataset === id).map((x) => x.e.n_seeds))].sort((a, b) => a - b);
    const seedText = seeds.length === 0 ? 'only the baseline arm (no comparison)' : seeds.length === 1 ? `${seeds[0]} seed${seeds[0] === 1 ? '' : 's'}` : `${seeds[0]} to ${seeds[seeds.length - 1]} seeds (by comparison)`;
    return `${id}${role ? ` (${role})` : ''} with ${seedText}`;
  });
  const missing = protocol.datasets.map((d) => d.id).filter((id) => !ran.includes(id));
  const out = [`These results hold ${ran.length ? listText(parts) : 'no dataset'}${missing.length ? `; ${listText(missing)} ${absent(missing.length)}` : ''}.`];
  const fewest = entries.length ? Math.min(...entries.map((x) => x.e.n_seeds)) : null;
  if (fewest !== null && fewest < protocol.seeds.minimum) {
    out.push(`That is fewer seeds than the protocol's minimum of ${protocol.seeds.minimum} (${protocol.seeds.planned} planned), so this is not the protocol's study and every verdict below is provisional.`);
  }
  return out;
}

function floorSentences(entries: readonly ComparisonEntry[], protocol: Protocol, sizes: Map<string, number>): string[] {
  const statistics = protocol.statistics;
  const alpha = statistics.alpha;
  const out: string[] = [];
  for (const n of [...new Set(entries.map((x) => x.e.n_seeds))].sort((a, b) => a - b)) {
    const group = entries.filter((x) => x.e.n_seeds === n);
    const where = listText([...new Set(group.map((x) => x.dataset))]);
    if (n === 1) {
      out.push(`With 1 seed (${where}) there is no interval and no test, so every comparison there is 'inconclusive'.`);
      continue;
    }
    const floor = signFlipFloor(n, statistics.test);
    const single = seedsToReachAlpha(1, alpha, statistics.test);
    const families = [...new Set(group.map((x) => x.e.family).filter((f): f is string => f !== null))];
    const familyNeeds = families.map((f) => ({ f, m: sizes.get(f) ?? 1, need: seedsToReachAlpha(sizes.get(f) ?? 1, alpha, statistics.test) }));
    const short = (single !== null && n < single) || familyNeeds.some((x) => x.need === null || n < x.need);
    if (!short) continue;
    const exact = n <= statistics.test.exactUpToSeeds;
    let s = `With ${n} seeds (${where}) the ${exact ? 'exact ' : 'Monte-Carlo '}sign-flip test cannot give a p below ${exact ? `2/2^${n}` : `1/(1 + ${statistics.test.monteCarloDraws})`} = ${exactText(floor)}`;
    if (single !== null) s += `: p < ${alpha} needs at least ${single} seeds`;
    if (familyNeeds.length) {
      s += `, and after Holm's correction ${listText(familyNeeds.map((x) => (x.need === null ? `no seed count reaches it in the ${x.f} family (${x.m} planned tests)` : `at least ${x.need} in the ${x.f} family (${x.m} planned tests)`)))}`;
    }
    s += '.';
    const tested = group.filter((x) => x.e.family !== null);
    const blocked = tested.filter((x) => !canBeSupported(x, entries, sizes, statistics));
    if (tested.length && blocked.length === tested.length) {
      s += ` So no tested comparison there can be 'supported', whatever its effect; 'refuted' (an interval entirely below δ) needs no p and remains possible.`;
    } else if (blocked.length) {
      s += ` So ${listText(blocked.map((x) => `${x.name} on ${x.dataset}`))} cannot be 'supported', whatever the effect.`;
    }
    out.push(s);
  }
  return out;
}

type Validity = 'passed' | 'failed' | 'incomplete' | 'not-made' | 'not-planned';

function validitySentences(primary: PrimaryResults, protocol: Protocol, entries: readonly ComparisonEntry[], sizes: Map<string, number>, absent: Absent): { sentences: string[]; validity: Validity } {
  const nullSets = protocol.datasets.filter((d) => d.role === 'null').map((d) => d.id);
  if (!nullSets.length) return { sentences: [], validity: 'not-planned' };
  const sentences: string[] = [];
  const states: Validity[] = [];
  const base = protocol.baselineArm;
  const checked = [protocol.confirmatoryArm, NULL_CHECK_PLACEBO];
  for (const id of nullSets) {
    const d = primary.datasets[id];
    if (!d) {
      sentences.push(`Validity check not made: ${id}, the null set, ${absent(1)}, so a bias of the pipeline towards the multi-class arms is not ruled out.`);
      states.push('not-made');
      continue;
    }
    const rows = checked.map((arm) => ({ arm, e: d.arms[arm] as PrimaryArmEffect | undefined }));
    const supported = rows.filter((r) => r.e?.verdict === 'supported');
    const missingArms = rows.filter((r) => !r.e);
    if (supported.length) {
      sentences.push(`Validity check failed: on ${id}, the null set, ${listText(supported.map((r) => `${r.arm} vs ${base}`))} ${supported.length === 1 ? 'is' : 'are'} 'supported', which the protocol forbids there: ` +
        'the pipeline may favour the multi-class arms by construction, so no conclusion is drawn from these results until that bias is found.');
      states.push('failed');
      continue;
    }
    const present = rows.filter((r) => r.e);
    const verdicts = listText(present.map((r) => `${r.arm} vs ${base} is ${quote(r.e!.verdict)}`));
    if (missingArms.length) {
      sentences.push(`Validity check incomplete: on ${id}, the null set, ${present.length ? `${verdicts}, but ` : ''}${listText(missingArms.map((r) => r.arm))} ${missingArms.length === 1 ? 'was' : 'were'} not run.`);
      states.push('incomplete');
      continue;
    }
    let s = `Validity check passed: on ${id}, the null set, neither ${listText(present.map((r) => `${r.arm} vs ${base} (${quote(r.e!.verdict)})`)).replace(/ and /, ' nor ')} is 'supported'.`;
    const couldFail = present.some((r) => canBeSupported({ dataset: id, name: `${r.arm} vs ${base}`, e: r.e! }, entries, sizes, protocol.statistics));
    if (!couldFail) s += ' With these seeds neither could have been \'supported\' at all, so the check had no power to reveal such a bias.';
    sentences.push(s);
    states.push('passed');
  }
  const order: Validity[] = ['failed', 'not-made', 'incomplete', 'passed'];
  return { sentences, validity: order.find((v) => states.includes(v)) ?? 'passed' };
}

function claimSentences(primary: PrimaryResults, protocol: Protocol, validity: Validity, absent: Absent): string[] {
  if (validity === 'failed') return ['Claim: no conclusion, because the validity check on the null set failed.'];
  const arm = protocol.confirmatoryArm;
  const base = protocol.baselineArm;
  const comparison = `${arm} vs ${base}`;
  const mech = protocol.datasets.find((d) => d.role === 'mechanism-positive')?.id;
  const real = protocol.datasets.find((d) => d.role === 'real')?.id;
  const caveat = validity === 'passed' || validity === 'not-planned' ? '' : ' This rests on a validity check that was not complete (see above).';
  const verdictOn = (id: string | undefined): Verdict | null | undefined => (id && primary.datasets[id] ? primary.datasets[id].arms[arm]?.verdict ?? null : undefined);
  const mv = verdictOn(mech);
  const rv = verdictOn(real);
  const powerNote = ' The power lines below give the seeds each comparison would need.';
  if (!mech || mv === undefined) return [`Claim: cannot be decided, because ${mech ? `${mech} ${absent(1)}` : 'the protocol names no mechanism-positive dataset'}${real && rv === undefined ? `, nor ${real}` : ''}.${caveat}`];
  if (mv === null) return [`Claim: cannot be decided, because ${arm} was not compared with ${base} on ${mech}.${caveat}`];
  if (!real || rv === undefined) {
    const realName = real ?? 'the real dataset';
    const why = real ? `${real}, the real dataset, ${absent(1)}` : 'the protocol names no real dataset';
    if (mv === 'supported') {
      return [`Claim: neither supported nor refuted as a whole, because ${why}. On ${mech} ${comparison} is 'supported': the synthetic half of 'supported' (should ${realName} also be 'supported') or of 'supported for the mechanism only' (should it not).${caveat}`];
    }
    if (mv === 'refuted') return [`Claim: neither supported nor refuted as a whole, because ${why}. On ${mech} ${comparison} is 'refuted'; the claim is refuted only if it is 'refuted' on ${realName} too.${caveat}`];
    return [`Claim: inconclusive. It could not have been supported or refuted as a whole, because ${why}; and ${comparison} is 'inconclusive' on ${mech}, which leaves the claim inconclusive whatever ${realName} shows.${powerNote}${caveat}`];
  }
  const both = `'${mv}' on ${mech} and ${quote(rv)} on ${real}`;
  if (mv === 'supported' && rv === 'supported') return [`Claim: supported: ${comparison} is ${both}.${caveat}`];
  if (mv === 'supported') return [`Claim: supported for the mechanism only: ${comparison} is ${both}.${caveat}`];
  if (mv === 'refuted' && rv === 'refuted') return [`Claim: refuted: ${comparison} is ${both}.${caveat}`];
  return [`Claim: inconclusive: ${comparison} is ${both}.${powerNote}${caveat}`];
}

/** The protocol's readings of the controls (docs/protocol.md, "Reading the controls"), where their conditions hold. */
function controlSentences(primary: PrimaryResults, protocol: Protocol): string[] {
  const out: string[] = [];
  const base = protocol.baselineArm;
  const arm = protocol.confirmatoryArm;
  for (const dataset of orderedDatasets(primary, protocol)) {
    const d = primary.datasets[dataset];
    const main = d.arms[arm]?.verdict;
    const quantile = d.contrasts[`${arm} vs backsplit-placebo-quantile`]?.verdict;
    if (main === 'supported' && quantile === 'refuted') {
      out.push(`On ${dataset}, ${arm} vs backsplit-placebo-quantile is 'refuted' where ${arm} vs ${base} is 'supported': the gain comes from a learnable multi-class split, not from anatomy.`);
    }
    if (d.arms['binary-wide']?.verdict === 'supported') out.push(`On ${dataset}, binary-wide vs ${base} is 'supported': head size alone explains part of any gain.`);
    if (d.arms['backsplit-anchored']?.verdict === 'supported' && main !== 'supported') {
      out.push(`On ${dataset}, backsplit-anchored vs ${base} is 'supported' where ${arm} vs ${base} is ${quote(main)}: the default loss dilutes the lesion's Dice term.`);
    }
    const role = protocol.datasets.find((x) => x.id === dataset)?.role;
    if (role === 'continuity') out.push(`${dataset} only shows continuity with earlier results and does not enter the claim.`);
  }
  return out;
}

/** Where the interval lies relative to 0 and δ (effects oriented so that positive favours the arm). */
function intervalReading(ci: [number, number], delta: number): string {
  const [lo, hi] = ci;
  if (hi < delta) return `the interval lies below δ, so an effect that matters is excluded`;
  if (lo >= delta) return 'the interval lies above δ';
  if (lo > 0) return 'the interval excludes 0 but holds δ';
  return 'the interval holds both 0 and δ, so these data cannot tell no effect from one that matters';
}

function comparisonSentence(x: ComparisonEntry, protocol: Protocol): string {
  const e = x.e;
  const delta = protocol.primary.smallestEffectOfInterest;
  const sign = protocol.primary.higherIsBetter ? 1 : -1;
  const f = (v: number) => formatFixed(v, 3);
  let s = `${x.dataset}, ${x.name} (${e.family ? `${e.family} family` : 'no test family: descriptive'}): effect ${f(e.effect)}`;
  if (e.ci95) {
    const width = e.ci95[1] - e.ci95[0];
    const oriented: [number, number] = [Math.min(sign * e.ci95[0], sign * e.ci95[1]), Math.max(sign * e.ci95[0], sign * e.ci95[1])];
    s += `, 95% CI [${f(e.ci95[0])}, ${f(e.ci95[1])}], ${f(width)} wide (${(width / delta).toFixed(1)} × δ = ${delta}); ${intervalReading(oriented, delta)}`;
  } else {
    s += ', no interval (one seed)';
  }
  s += `; p = ${e.p === null ? 'n/a' : pText(e.p)}${e.p_holm === null ? '' : ` (Holm ${pText(e.p_holm)})`} over ${e.n_seeds} seed${e.n_seeds === 1 ? '' : 's'}`;
  s += e.verdict ? ` → ${e.verdict}` : ' → no verdict (outside every test family)';
  const target = Math.round(protocol.statistics.power.power * 100);
  if (e.sd_seed === null) s += '; no power line without a seed SD';
  else if (e.seeds_needed === null) s += `; ${target}% power would need more than ${protocol.statistics.power.maxSeeds} seeds at this effect and seed SD (or the effect is 0)`;
  else s += `; ${target}% power at this effect and seed SD ${f(e.sd_seed)} would need ${e.seeds_needed} seeds (a planning number, not a reading of this result)`;
  return s + '.';
}

/**
 * What the primary results can and cannot conclude, by the protocol's rules.
 * @param primary results.json `primary` (one or more datasets)
 * @param protocol the protocol the results were computed under
 * @param options.scope 'run' (default): absent datasets were not run; 'report': they are not in this report
 * @example studyConclusions(primary, loadProtocol().protocol).overview[0] // "These results hold synthetic-mechanism (mechanism-positive) with 4 seeds …"
 */
export function studyConclusions(primary: PrimaryResults, protocol: Protocol, options: StudyConclusionsOptions = {}): StudyConclusions {
  const entries = comparisonEntries(primary, protocol);
  const sizes = familySizes(protocol);
  const absent: Absent = options.scope === 'report' ? (n) => `${n === 1 ? 'is' : 'are'} not in this report` : (n) => `${n === 1 ? 'was' : 'were'} not run`;
  const validity = validitySentences(primary, protocol, entries, sizes, absent);
  const judged = options.convergence ? judgeArms(options.convergence) : null;
  return {
    overview: [
      ...scopeSentences(primary, protocol, entries, absent),
      ...(judged ? judgedSentences(judged) : []),
      ...floorSentences(entries, protocol, sizes),
      ...validity.sentences,
      ...claimSentences(primary, protocol, validity.validity, absent),
      ...(judged ? unsettledClaimSentences(judged) : []),
      ...controlSentences(primary, protocol),
    ],
    comparisons: entries.map((x) => comparisonSentence(x, protocol)),
    trainingSettled: judged ? settledOf(judged) : null,
  };
}

/** All sentences in reading order (results.json `conclusions`, the log). */
export function conclusionSentences(c: StudyConclusions): string[] {
  return [...c.overview, ...c.comparisons];
}

/** conclusions.md: the overview as a paragraph, then the comparisons as a list. */
export function conclusionsMarkdown(c: StudyConclusions, title = 'What this run can and cannot conclude'): string {
  return [`# ${title}`, '', c.overview.join(' '), '', ...c.comparisons.map((s) => `- ${s}`), ''].join('\n');
}
