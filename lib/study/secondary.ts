/**
 * The protocol's secondary endpoints (docs/protocol.md, "Secondary endpoints"): Dice, NSD, HD95
 * and lesion F1 (lib/eval conventions, docs/metrics.md) of the mask {p_L ≥ t}, with t tuned per
 * run (arm × seed) on that run's validation cases to the highest mean validation Dice on the
 * protocol's grid (ties to the grid value closest to 0.5; lib/eval/threshold). Per seed each
 * metric is the mean over test cases; a case undefined in either arm (HD95 with an empty mask) is
 * left out of that seed's pair and counted. Effects, intervals and tests as for the primary
 * endpoint (./paired-effects), Holm within the secondary family over every planned test.
 *
 * These describe each arm at its own tuned operating point: no verdict is drawn from them.
 */
import type { MaskVolume } from '../eval/evaluate';
import { evaluateAtThreshold, thresholdGrid } from '../eval/threshold';
import { EndpointEffect, meanEndpoint, pairedEndpointEffect, SeedCases } from './paired-effects';
import { adjustFamily } from './primary';
import type { Protocol, SecondaryEndpointSpec, TestFamily } from './protocol';

/** A test case's value of every secondary endpoint, by endpoint id (null: undefined, e.g. HD95 with an empty mask). */
export type SecondaryValues = Record<string, number | null>;

/** How a run's secondary values were made: the protocol's threshold rule and endpoints, recorded with them. */
export interface SecondaryRule {
  criterion: string;
  grid: { from: number; to: number; step: number };
  tieBreak: string;
  endpoints: { id: string; toleranceMm?: number }[];
}

/** secondary.json of a run folder. */
export interface SecondaryRunFile {
  rule: SecondaryRule;
  /** the tuned threshold t (a grid value) */
  threshold: number;
  /** validation cases the threshold was tuned on (0: every grid value ties, so t is the tie rule's) */
  validationCases: number;
  /** per grid value, the mean validation Dice (null without validation cases) */
  validationCurve: { threshold: number; mean: number | null }[];
  /** per test case, every endpoint's value at t */
  cases: { caseId: string; values: SecondaryValues }[];
}

/** One seed of one arm: its test cases' values and the threshold they were scored at. */
export interface SecondarySeedCases extends SeedCases<SecondaryValues> {
  threshold: number;
  validationCases: number;
}

/** dataset → arm → each seed's secondary values. */
export type SecondaryInput = Record<string, Record<string, SecondarySeedCases[]>>;

/** An arm's effect on one secondary endpoint, in the metric's own units (arm − baseline). */
export interface SecondaryEffect extends EndpointEffect {
  endpoint: string;
  /** the good direction: for hd95_mm a negative effect favours the arm */
  higherIsBetter: boolean;
  /** seeds left out because no test case had a defined value in both arms (their cases count in dropped_cases) */
  dropped_seeds: number;
}

/** The tuned thresholds of one arm over its seeds. */
export interface ArmThresholds {
  seeds: number;
  mean: number;
  min: number;
  max: number;
  bySeed: { seed: number | string; threshold: number; validationCases: number }[];
}

/** One comparison of the secondary family in one dataset. */
export interface SecondaryComparison {
  arm: string;
  baseline: string;
  /** per endpoint id; null when no seed had a test case defined in both arms (see `undefinedEverywhere`) */
  endpoints: Record<string, SecondaryEffect | null>;
  /** per endpoint id whose effect is null: the seeds and test cases (over seeds) left out */
  undefinedEverywhere: Record<string, { dropped_seeds: number; dropped_cases: number }>;
}

/** primary.json `secondary`. */
export interface SecondaryResults {
  description: string;
  endpoints: SecondaryEndpointSpec[];
  datasets: Record<string, { thresholds: Record<string, ArmThresholds>; comparisons: Record<string, SecondaryComparison> }>;
}

/** How each endpoint id is read from lib/eval's CaseEvaluation. */
const READERS: Record<string, (e: ReturnType<typeof evaluateAtThreshold>) => number | null> = {
  dice: (e) => e.overlap.dice,
  nsd: (e) => e.surface.nsd,
  hd95_mm: (e) => e.surface.hd95Mm,
  lesion_f1: (e) => e.lesions.f1,
};

/**
 * The protocol's secondary rule (threshold grid, criterion, tie rule, endpoints), checked: only a
 * Dice criterion, the tie rule closest-to-0.5 and the endpoints lib/eval gives are known.
 * @example secondaryRule(loadProtocol().protocol).grid // { from: 0.05, to: 0.95, step: 0.05 }
 */
export function secondaryRule(protocol: Protocol): SecondaryRule {
  const s = protocol.secondary;
  if (s.threshold.criterion !== 'dice') throw new Error(`protocol secondary.threshold.criterion: only "dice" is implemented, got "${s.threshold.criterion}"`);
  const unknown = s.endpoints.filter((e) => !READERS[e.id]).map((e) => e.id);
  if (unknown.length) throw new Error(`protocol secondary.endpoints: ${unknown.join(', ')} not known (known: ${Object.keys(READERS).join(', ')})`);
  if (new Set(s.endpoints.map((e) => e.toleranceMm).filter((x) => x !== undefined)).size > 1) {
    throw new Error('protocol secondary.endpoints: more than one NSD tolerance is not implemented');
  }
  thresholdGrid(s.threshold.grid);
  return {
    criterion: s.threshold.criterion,
    grid: { ...s.threshold.grid },
    tieBreak: s.threshold.tieBreak,
    endpoints: s.endpoints.map((e) => (e.toleranceMm === undefined ? { id: e.id } : { id: e.id, toleranceMm: e.toleranceMm })),
  };
}

/**
 * Every secondary endpoint of one test case at threshold t (lib/eval evaluateAtThreshold, so
 * docs/metrics.md's conventions: HD95 null when either mask is empty).
 * @param probability the case's p_L map with its grid
 * @param ref the case's reference lesion mask
 * @param t the run's tuned threshold
 * @param rule {@link secondaryRule}
 * @param name the case and run, for errors
 * @example secondaryCaseValues({ data: p, dims, spacing }, c.lesion, 0.45, secondaryRule(protocol), 'binary seed 0, case c07') // { dice: 0.61, nsd: 0.72, hd95_mm: 3.2, lesion_f1: 0.67 }
 */
export function secondaryCaseValues(probability: MaskVolume, ref: MaskVolume, t: number, rule: SecondaryRule, name: string): SecondaryValues {
  const tolerance = rule.endpoints.find((e) => e.toleranceMm !== undefined)?.toleranceMm;
  const e = evaluateAtThreshold(probability, ref, t, tolerance === undefined ? {} : { toleranceMm: tolerance }, { pred: `${name} p_L ≥ ${t}`, ref: `${name} reference` });
  return Object.fromEntries(rule.endpoints.map((x) => [x.id, READERS[x.id](e)]));
}

/** The families whose endpoints are all secondary endpoints (protocol.json: `secondary`). */
function secondaryFamilies(protocol: Protocol): TestFamily[] {
  const ids = new Set(protocol.secondary.endpoints.map((e) => e.id));
  return protocol.statistics.families.filter((f) => f.endpoints.length > 0 && f.endpoints.every((e) => ids.has(e)));
}

function armThresholds(seeds: readonly SecondarySeedCases[]): ArmThresholds {
  const t = seeds.map((s) => s.threshold);
  return {
    seeds: seeds.length,
    mean: Number((t.reduce((a, b) => a + b, 0) / t.length).toFixed(10)),
    min: Math.min(...t),
    max: Math.max(...t),
    bySeed: seeds.map((s) => ({ seed: s.seed, threshold: s.threshold, validationCases: s.validationCases })),
  };
}

/** One endpoint's values of a seed, as the paired effects read them. */
const endpointSeed = (s: SecondarySeedCases, id: string): SeedCases<number | null> => ({ seed: s.seed, cases: s.cases.map((c) => ({ caseId: c.caseId, value: c.value[id] })) });

const defined = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/**
 * One endpoint's effect: the seeds with no case defined in both arms are left out (and counted),
 * the rest go to pairedEndpointEffect; null when no seed is left.
 */
function endpointEffect(
  arm: readonly SecondarySeedCases[],
  base: readonly SecondarySeedCases[],
  spec: SecondaryEndpointSpec,
  protocol: Protocol,
  names: { dataset: string; arm: string; baseline: string },
): SecondaryEffect | { dropped_seeds: number; dropped_cases: number } {
  const baseBySeed = new Map(base.map((s) => [String(s.seed), s]));
  const kept: { a: SeedCases<number | null>; b: SeedCases<number | null> }[] = [];
  let droppedSeeds = 0;
  let droppedCases = 0;
  for (const s of arm) {
    const b = baseBySeed.get(String(s.seed));
    if (!b) throw new Error(`buildSecondary: ${names.dataset}: ${names.arm} seed ${s.seed} has no ${names.baseline} run to pair with`);
    const bValues = new Map(b.cases.map((c) => [c.caseId, c.value[spec.id]]));
    if (s.cases.some((c) => defined(c.value[spec.id]) && defined(bValues.get(c.caseId)))) {
      kept.push({ a: endpointSeed(s, spec.id), b: endpointSeed(b, spec.id) });
    } else {
      droppedSeeds++;
      droppedCases += s.cases.length;
    }
  }
  if (arm.length !== base.length) {
    const armSeeds = new Set(arm.map((s) => String(s.seed)));
    const extra = base.filter((s) => !armSeeds.has(String(s.seed))).map((s) => s.seed);
    throw new Error(`buildSecondary: ${names.dataset}: ${names.baseline} seeds ${extra.join(', ')} have no ${names.arm} run to pair with`);
  }
  if (!kept.length) return { dropped_seeds: droppedSeeds, dropped_cases: droppedCases };
  const e = pairedEndpointEffect(kept.map((x) => x.a), kept.map((x) => x.b), meanEndpoint(spec.id), protocol.statistics, names);
  return { ...e, dropped_cases: e.dropped_cases + droppedCases, endpoint: spec.id, higherIsBetter: spec.higherIsBetter, dropped_seeds: droppedSeeds };
}

/** Every seed's threshold must be a grid value and every case must carry every endpoint. */
function checkInput(dataset: string, arms: SecondaryInput[string], protocol: Protocol): void {
  const grid = thresholdGrid(protocol.secondary.threshold.grid);
  const ids = protocol.secondary.endpoints.map((e) => e.id);
  for (const [arm, seeds] of Object.entries(arms)) {
    for (const s of seeds) {
      if (!grid.includes(s.threshold)) throw new Error(`buildSecondary: ${dataset}, ${arm}, seed ${s.seed}: threshold ${s.threshold} is not on the protocol's grid (${grid[0]}…${grid[grid.length - 1]})`);
      const bad = s.cases.find((c) => ids.some((id) => !(id in c.value)));
      if (bad) throw new Error(`buildSecondary: ${dataset}, ${arm}, seed ${s.seed}, case ${bad.caseId}: values ${JSON.stringify(bad.value)} lack one of ${ids.join(', ')}`);
    }
  }
}

/**
 * primary.json's `secondary`: per dataset, each arm's tuned thresholds over its seeds, and per
 * comparison of the secondary family every endpoint's paired effect (arm − baseline in the
 * metric's units), Holm-adjusted over the family's planned tests (endpoints × comparisons ×
 * protocol datasets; a planned test without a result counts as p = 1).
 * @param input dataset → arm → seeds (paired by seed id, and per seed by case id)
 * @param protocol the validated protocol
 * @example buildSecondary({ 'synthetic-mechanism': { binary: [...], backsplit: [...] } }, loadProtocol().protocol).datasets['synthetic-mechanism'].comparisons['backsplit vs binary'].endpoints.dice.effect
 */
export function buildSecondary(input: SecondaryInput, protocol: Protocol): SecondaryResults {
  const families = secondaryFamilies(protocol);
  const specs = new Map(protocol.secondary.endpoints.map((e) => [e.id, e]));
  const datasets: SecondaryResults['datasets'] = {};
  for (const [dataset, arms] of Object.entries(input)) {
    if (!protocol.datasets.some((d) => d.id === dataset)) throw new Error(`buildSecondary: dataset ${dataset} is not in the protocol (${protocol.datasets.map((d) => d.id).join(', ')})`);
    checkInput(dataset, arms, protocol);
    const out: SecondaryResults['datasets'][string] = { thresholds: {}, comparisons: {} };
    for (const [arm, seeds] of Object.entries(arms)) if (seeds.length) out.thresholds[arm] = armThresholds(seeds);
    for (const f of families) {
      for (const c of f.comparisons) {
        const name = `${c.arm} vs ${c.baseline}`;
        if (!arms[c.arm]?.length || !arms[c.baseline]?.length) continue;
        const comparison: SecondaryComparison = out.comparisons[name] ?? { arm: c.arm, baseline: c.baseline, endpoints: {}, undefinedEverywhere: {} };
        for (const id of f.endpoints) {
          if (id in comparison.endpoints) continue;
          const e = endpointEffect(arms[c.arm], arms[c.baseline], specs.get(id)!, protocol, { dataset, arm: c.arm, baseline: c.baseline });
          if ('effect' in e) {
            comparison.endpoints[id] = e;
          } else {
            comparison.endpoints[id] = null;
            comparison.undefinedEverywhere[id] = e;
          }
        }
        out.comparisons[name] = comparison;
      }
    }
    datasets[dataset] = out;
  }
  for (const f of families) {
    const entries = protocol.datasets.flatMap((d) => f.comparisons.flatMap((c) => f.endpoints.map((id) => datasets[d.id]?.comparisons[`${c.arm} vs ${c.baseline}`]?.endpoints[id] ?? null)));
    adjustFamily(entries, f.id);
  }
  const t = protocol.secondary.threshold;
  return {
    description: `${protocol.secondary.endpoints.map((e) => (e.toleranceMm === undefined ? e.id : `${e.id} (τ = ${e.toleranceMm} mm)`)).join(', ')} of the mask {p_L ≥ t}, ` +
      `t tuned per run on its validation cases (mean validation ${t.criterion} over ${t.grid.from}, ${t.grid.from + t.grid.step}, …, ${t.grid.to}; ties to the value closest to 0.5); ` +
      'effects are arm − baseline in each metric\'s units, descriptive of operating points tuned per arm',
    endpoints: protocol.secondary.endpoints.map((e) => ({ ...e })),
    datasets,
  };
}

/** One row per (dataset, comparison, endpoint): the columns of {@link secondaryTable}. */
export interface SecondaryRow {
  dataset: string;
  comparison: string;
  endpoint: string;
  better: 'higher' | 'lower';
  /** each arm's thresholds: "mean (min–max)" */
  thresholdsArm: string;
  thresholdsBaseline: string;
  effect: number | null;
  ci95: [number, number] | null;
  p: number | null;
  p_holm: number | null;
  seeds: number;
  dropped_cases: number;
}

const thresholdText = (t: ArmThresholds | undefined) => (t ? `${t.mean.toFixed(3)} (${t.min}–${t.max}, ${t.seeds} seed${t.seeds === 1 ? '' : 's'})` : 'n/a');

/**
 * The secondary results as rows, datasets in protocol order.
 * @example secondaryRows(secondary, protocol)[0] // { dataset: 'synthetic-mechanism', comparison: 'backsplit vs binary', endpoint: 'dice', … }
 */
export function secondaryRows(secondary: SecondaryResults, protocol: Protocol): SecondaryRow[] {
  const ids = Object.keys(secondary.datasets);
  const order = [...protocol.datasets.map((d) => d.id).filter((id) => ids.includes(id)), ...ids.filter((id) => !protocol.datasets.some((d) => d.id === id))];
  const rows: SecondaryRow[] = [];
  for (const dataset of order) {
    const d = secondary.datasets[dataset];
    for (const [name, c] of Object.entries(d.comparisons)) {
      for (const spec of secondary.endpoints) {
        if (!(spec.id in c.endpoints)) continue;
        const e = c.endpoints[spec.id];
        rows.push({
          dataset,
          comparison: name,
          endpoint: spec.id,
          better: spec.higherIsBetter ? 'higher' : 'lower',
          thresholdsArm: thresholdText(d.thresholds[c.arm]),
          thresholdsBaseline: thresholdText(d.thresholds[c.baseline]),
          effect: e ? e.effect : null,
          ci95: e ? e.ci95 : null,
          p: e ? e.p : null,
          p_holm: e ? e.p_holm : null,
          seeds: e ? e.n_seeds : 0,
          dropped_cases: e ? e.dropped_cases : c.undefinedEverywhere[spec.id]?.dropped_cases ?? 0,
        });
      }
    }
  }
  return rows;
}

/** The columns of the secondary table (report sections, conclusions.md). */
export const SECONDARY_COLUMNS = ['dataset', 'comparison', 'endpoint', 'better', 'thresholds of the arm: mean (range, seeds)', 'thresholds of the baseline', 'effect (arm − baseline)', '95% CI', 'p', 'Holm p', 'seeds', 'dropped cases'];

const num = (x: number | null, d = 3) => (x === null ? 'n/a' : x.toFixed(d));
const pText = (x: number | null) => (x === null ? 'n/a' : String(Number(x.toPrecision(2))));

/**
 * The rows of {@link secondaryRows} as text cells in the order of {@link SECONDARY_COLUMNS}.
 * @example secondaryTable(secondary, protocol)[0][2] // 'dice'
 */
export function secondaryTable(secondary: SecondaryResults, protocol: Protocol): string[][] {
  return secondaryRows(secondary, protocol).map((r) => [
    r.dataset, r.comparison, r.endpoint, r.better, r.thresholdsArm, r.thresholdsBaseline, num(r.effect),
    r.ci95 ? `[${num(r.ci95[0])}, ${num(r.ci95[1])}]` : 'n/a', pText(r.p), pText(r.p_holm), String(r.seeds), String(r.dropped_cases),
  ]);
}

/** What the secondary table shows and does not (its caption). */
export function secondaryCaption(secondary: SecondaryResults): string {
  const zero = Object.entries(secondary.datasets).flatMap(([d, x]) => Object.entries(x.thresholds).filter(([, t]) => t.bySeed.some((s) => s.validationCases === 0)).map(([arm]) => `${arm} on ${d}`));
  return `Secondary endpoints: ${secondary.description}. Each arm is scored at its own threshold, so an effect compares two operating points, not two models at one; ` +
    'HD95 is in mm and lower is better. Holm p is within the secondary family over every planned test (a test without a result counts as p = 1). ' +
    'Dropped cases: test cases (summed over seeds) left out of a pair because the value was undefined in either arm (HD95 with an empty mask). These are secondary endpoints: no verdict is drawn from them.' +
    (zero.length ? ` Runs without validation cases (${zero.join(', ')}) could not tune t: every grid value ties and the tie rule gives the value closest to 0.5.` : '');
}

/**
 * One line per dataset with each arm's thresholds, then one per comparison and endpoint.
 * @example describeSecondary(secondary, protocol)[1] // "synthetic-mechanism  backsplit vs binary, dice (higher is better): effect 0.012 [−0.010, 0.030], p = 0.5 (Holm 1), 2 seeds, 0 dropped cases"
 */
export function describeSecondary(secondary: SecondaryResults, protocol: Protocol): string[] {
  const lines: string[] = [];
  const rows = secondaryRows(secondary, protocol);
  for (const [dataset, d] of Object.entries(secondary.datasets)) {
    const arms = Object.entries(d.thresholds).map(([arm, t]) => `${arm} ${thresholdText(t)}`);
    lines.push(`${dataset}  secondary endpoints, thresholds tuned per run (mean (range, seeds)): ${arms.join('; ') || 'no run'}`);
    for (const r of rows.filter((x) => x.dataset === dataset)) {
      if (r.effect === null) {
        lines.push(`${dataset}  ${r.comparison}, ${r.endpoint}: no seed has a test case defined in both arms (${r.dropped_cases} cases dropped)`);
        continue;
      }
      lines.push(`${dataset}  ${r.comparison}, ${r.endpoint} (${r.better} is better): effect ${num(r.effect)} ${r.ci95 ? `[${num(r.ci95[0])}, ${num(r.ci95[1])}]` : '[no interval: one seed]'}, ` +
        `p = ${pText(r.p)} (Holm ${pText(r.p_holm)}), ${r.seeds} seed${r.seeds === 1 ? '' : 's'}, ${r.dropped_cases} dropped case${r.dropped_cases === 1 ? '' : 's'}`);
    }
  }
  return lines;
}

/**
 * conclusions.md's secondary section: a caption and the table in Markdown.
 * @example secondaryMarkdown(secondary, protocol).startsWith('## Secondary endpoints') // true
 */
export function secondaryMarkdown(secondary: SecondaryResults, protocol: Protocol): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = secondaryTable(secondary, protocol);
  return [
    '## Secondary endpoints',
    '',
    secondaryCaption(secondary),
    '',
    `| ${SECONDARY_COLUMNS.map(cell).join(' | ')} |`,
    `|${SECONDARY_COLUMNS.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}
