/**
 * The `primary` object of results.json (docs/protocol.md): per dataset, every arm's effect on
 * the primary endpoint (small-lesion FROC pAUC) against the baseline arm, with its hierarchical
 * bootstrap 95% interval, seed-level sign-flip p, Holm-adjusted p within its protocol family,
 * number of seeds, power line and the verdict the protocol's rule gives; the three reported
 * FROC sensitivities as effects with intervals; and the contrasts of the protocol's families
 * whose baseline is not the baseline arm (e.g. backsplit-ce vs binary-ce).
 */
import type { FrocCase } from '../eval/froc';
import { holmAdjust } from '../eval/seed-stats';
import { EndpointEffect, frocPartialAucEndpoint, frocSensitivityEndpoint, pairedEndpointEffect, SeedCases } from './paired-effects';
import type { Protocol } from './protocol';

/** What the protocol's decision rule says about one comparison. */
export type Verdict = 'supported' | 'refuted' | 'inconclusive';

/** One arm (or contrast) in the primary object. */
export interface PrimaryArmEffect extends EndpointEffect {
  /** the protocol's rule on the Holm-adjusted p and the interval (null outside every family) */
  verdict: Verdict | null;
  /** the reported FROC sensitivities at the protocol's FP rates, as effects with intervals */
  reported: Record<string, { effect: number; ci95: [number, number] | null }>;
}

/** results.json `primary`. */
export interface PrimaryResults {
  endpoint: string;
  baseline: string;
  protocol_sha256: string;
  datasets: Record<string, { arms: Record<string, PrimaryArmEffect>; contrasts: Record<string, PrimaryArmEffect> }>;
}

/** Per dataset, per arm: each seed's per-case FROC candidates (lib/eval/froc frocCase) on the test cases. */
export type PrimaryInput = Record<string, Record<string, SeedCases<FrocCase>[]>>;

/**
 * The protocol's decision rule for one comparison, with δ the smallest effect of interest and
 * effects oriented so that positive favours the arm: 'refuted' when the interval's upper end is
 * below δ (no effect that matters, or harm); else 'supported' when the Holm-adjusted p < α and
 * the interval's lower end is above 0; else 'inconclusive' (also without an interval or p).
 * @example primaryVerdict({ effect: 0.08, ci95: [0.03, 0.12], p_holm: 0.004 }, 0.05, 0.05, true) // 'supported'
 */
export function primaryVerdict(
  e: Pick<EndpointEffect, 'effect' | 'ci95' | 'p_holm'>,
  alpha: number,
  smallestEffectOfInterest: number,
  higherIsBetter: boolean,
): Verdict {
  if (e.ci95 === null || e.p_holm === null) return 'inconclusive';
  const sign = higherIsBetter ? 1 : -1;
  const lo = Math.min(sign * e.ci95[0], sign * e.ci95[1]);
  const hi = Math.max(sign * e.ci95[0], sign * e.ci95[1]);
  if (hi < smallestEffectOfInterest) return 'refuted';
  if (e.p_holm < alpha && lo > 0) return 'supported';
  return 'inconclusive';
}

/**
 * Holm-adjust one family: the planned tests are every comparison × dataset; a planned test with
 * no result counts as p = 1 (m stays the planned number), and each present entry gets its
 * adjusted p and the family id.
 * @param entries the planned tests in a fixed order, null where no result exists
 * @param family the family id
 */
export function adjustFamily(entries: readonly (EndpointEffect | null)[], family: string): void {
  const adjusted = holmAdjust(entries.map((e) => (e === null || e.p === null ? 1 : e.p)));
  entries.forEach((e, i) => {
    if (e === null) return;
    e.p_holm = e.p === null ? null : adjusted[i];
    e.family = family;
  });
}

function armEffect(
  input: PrimaryInput,
  protocol: Protocol,
  names: { dataset: string; arm: string; baseline: string },
): PrimaryArmEffect {
  const spec = protocol.primary;
  const seeds = input[names.dataset];
  const compute = (endpoint: ReturnType<typeof frocPartialAucEndpoint>) =>
    pairedEndpointEffect(seeds[names.arm], seeds[names.baseline], endpoint, protocol.statistics, names);
  const primary = compute(frocPartialAucEndpoint(spec));
  const reported: PrimaryArmEffect['reported'] = {};
  for (const rate of spec.reportedSensitivityAtFpPerCase) {
    const e = compute(frocSensitivityEndpoint(spec, rate));
    reported[`sensitivity_at_${rate}_fp`] = { effect: e.effect, ci95: e.ci95 };
  }
  return { ...primary, verdict: null, reported };
}

/**
 * Build results.json's `primary` from per-seed, per-case FROC candidates of every arm.
 * @param input dataset → arm → seeds (each arm of a dataset with the same seeds and, per seed, the same cases)
 * @param protocol the validated protocol (endpoint, statistics, families, decision parameters)
 * @param protocolSha256 the protocol's hash (lib/study/protocol loadProtocol), recorded with the results
 * @example buildPrimary({ emidec: { binary: [...], backsplit: [...] } }, loaded.protocol, loaded.sha256)
 */
export function buildPrimary(input: PrimaryInput, protocol: Protocol, protocolSha256: string): PrimaryResults {
  const baseline = protocol.baselineArm;
  const datasets: PrimaryResults['datasets'] = {};
  for (const [dataset, arms] of Object.entries(input)) {
    if (!protocol.datasets.some((d) => d.id === dataset)) throw new Error(`buildPrimary: dataset ${dataset} is not in the protocol (${protocol.datasets.map((d) => d.id).join(', ')})`);
    if (!arms[baseline]) throw new Error(`buildPrimary: dataset ${dataset} has no ${baseline} (baseline) seeds`);
    const unknown = Object.keys(arms).filter((a) => !protocol.arms.some((x) => x.id === a));
    if (unknown.length) throw new Error(`buildPrimary: dataset ${dataset}: arms ${unknown.join(', ')} are not in the protocol`);
    checkCandidateRule(dataset, arms, protocol);
    const out: PrimaryResults['datasets'][string] = { arms: {}, contrasts: {} };
    for (const arm of Object.keys(arms)) if (arm !== baseline) out.arms[arm] = armEffect(input, protocol, { dataset, arm, baseline });
    for (const f of protocol.statistics.families.filter((x) => x.endpoints.includes('primary'))) {
      for (const c of f.comparisons) {
        if (c.baseline === baseline || !arms[c.arm] || !arms[c.baseline]) continue;
        out.contrasts[`${c.arm} vs ${c.baseline}`] = armEffect(input, protocol, { dataset, ...c });
      }
    }
    datasets[dataset] = out;
  }
  applyFamilies(datasets, protocol);
  return { endpoint: describeEndpoint(protocol), baseline, protocol_sha256: protocolSha256, datasets };
}

/** Every case of every arm must have its candidates made by the protocol's rule (same threshold, connectivity, matching). */
function checkCandidateRule(dataset: string, arms: PrimaryInput[string], protocol: Protocol): void {
  const want = { threshold: protocol.primary.candidateThreshold, connectivity: protocol.primary.connectivity, dilationVoxels: protocol.primary.dilationVoxels };
  for (const [arm, seeds] of Object.entries(arms)) {
    for (const s of seeds) {
      const bad = s.cases.find((c) => c.value.candidates.threshold !== want.threshold || c.value.candidates.connectivity !== want.connectivity || c.value.candidates.dilationVoxels !== want.dilationVoxels);
      if (bad) {
        throw new Error(`buildPrimary: ${dataset}, ${arm}, seed ${s.seed}, case ${bad.caseId}: candidates made with ${JSON.stringify(bad.value.candidates)}, the protocol says ${JSON.stringify(want)}`);
      }
    }
  }
}

/** Holm within each family that holds the primary endpoint, then the verdicts. */
function applyFamilies(datasets: PrimaryResults['datasets'], protocol: Protocol): void {
  const lookup = (dataset: string, arm: string, base: string): PrimaryArmEffect | null => {
    const d = datasets[dataset];
    if (!d) return null;
    return (base === protocol.baselineArm ? d.arms[arm] : d.contrasts[`${arm} vs ${base}`]) ?? null;
  };
  const spec = protocol.primary;
  for (const f of protocol.statistics.families.filter((x) => x.endpoints.includes('primary'))) {
    const entries = protocol.datasets.flatMap((d) => f.comparisons.map((c) => lookup(d.id, c.arm, c.baseline)));
    adjustFamily(entries, f.id);
    for (const e of entries) if (e) e.verdict = primaryVerdict(e, protocol.statistics.alpha, spec.smallestEffectOfInterest, spec.higherIsBetter);
  }
}

function describeEndpoint(protocol: Protocol): string {
  const p = protocol.primary;
  return `${p.id}: partial AUC of the lesion FROC to ${p.maxFpPerCase} FP/case (normalised), reference lesions in [${p.lesionVolumeMl.min}, ${p.lesionVolumeMl.max}) mL, ` +
    `candidates = ${p.connectivity}-connected components of p(lesion) ≥ ${p.candidateThreshold} scored by their maximum`;
}

/**
 * One line per dataset and arm: effect, interval, p, Holm p, seeds, verdict and the power line.
 * @example describePrimary(primary, protocol.statistics)[0] // "emidec  backsplit vs binary: effect 0.031 [−0.004, 0.066], p = 0.07 (Holm 0.21), 10 seeds → inconclusive; seed SD 0.040: 80% power at α = 0.05 needs 16 seeds (paired t approximation)"
 */
export function describePrimary(primary: PrimaryResults, statistics: Pick<Protocol['statistics'], 'alpha' | 'power'>): string[] {
  const alpha = statistics.alpha;
  const target = Math.round(statistics.power.power * 100);
  const f = (x: number | null, d = 3) => (x === null ? 'n/a' : x.toFixed(d));
  const lines: string[] = [];
  for (const [dataset, d] of Object.entries(primary.datasets)) {
    for (const [name, e] of [...Object.entries(d.arms).map(([a, e]) => [`${a} vs ${e.baseline}`, e] as const), ...Object.entries(d.contrasts)]) {
      const ci = e.ci95 ? `[${f(e.ci95[0])}, ${f(e.ci95[1])}]` : '[no interval: one seed]';
      const holm = e.p_holm === null ? '' : ` (Holm ${e.p_holm.toPrecision(2)}, ${e.family})`;
      const power = e.sd_seed === null ? 'no seed SD with one seed' :
        `seed SD ${f(e.sd_seed)}: ${target}% power at α = ${alpha} needs ${e.seeds_needed === null ? 'more seeds than the protocol cap (or the effect is 0)' : `${e.seeds_needed} seeds`} (paired t approximation)`;
      lines.push(`${dataset}  ${name}: effect ${f(e.effect)} ${ci}, p = ${e.p === null ? 'n/a' : e.p.toPrecision(2)}${holm}, ${e.n_seeds} seeds` +
        `${e.verdict ? ` → ${e.verdict}` : ''}; ${power}`);
    }
  }
  return lines;
}
