/**
 * The protocol's parts of a study report (docs/protocol.md): a forest plot of every comparison
 * on the primary endpoint, the small-lesion FROC of every arm, the learning curves of the
 * validation endpoint, and the generated "what this run can and cannot conclude" sentences
 * (./conclusions). lib/study/report.ts and lib/study/protocol-run.ts only hook these in.
 *
 * Works for any set of arms: an arm is whatever the study's results name (the protocol's arm
 * list fixes only the order of the rows and curves).
 */
import { partialAuc, frocCurve, FrocCase, FrocPoint } from '../eval/froc';
import { readRunMetrics } from '../run/metrics';
import type { CurveRun } from '../plot/curves';
import { trainingCurvesFigure } from '../plot/curves';
import { frocFigure } from '../plot/evaluation';
import { forestFigure, ForestRow } from '../plot/forest';
import type { ReportSection } from '../plot/html';
import type { Figure } from '../plot/types';
import { ArmLearningCurves, conclusionSentences, studyConclusions } from './conclusions';
import type { SeedCases } from './paired-effects';
import type { PrimaryArmEffect, PrimaryResults } from './primary';
import type { PrimaryEndpointSpec, Protocol } from './protocol';

/** Marker colour of each verdict in the forest plot (Okabe–Ito; grey: a comparison outside every test family). */
const VERDICT_COLORS: Readonly<Record<string, string>> = Object.freeze({
  supported: '#009E73',
  inconclusive: '#000000',
  refuted: '#D55E00',
  'no verdict (no test family)': '#999999',
});

const armRank = (protocol: Protocol, arm: string) => {
  const i = protocol.arms.findIndex((a) => a.id === arm);
  return i < 0 ? protocol.arms.length : i;
};

/**
 * One forest row per (dataset, comparison): the arms against the baseline in protocol arm order,
 * then the contrasts; datasets in protocol order. The group is the verdict.
 * @example primaryForestRows(primary, protocol)[0].label // "synthetic-mechanism: backsplit vs binary"
 */
export function primaryForestRows(primary: PrimaryResults, protocol: Protocol): ForestRow[] {
  const ids = Object.keys(primary.datasets);
  const datasets = [...protocol.datasets.map((d) => d.id).filter((id) => ids.includes(id)), ...ids.filter((id) => !protocol.datasets.some((d) => d.id === id))];
  const rows: ForestRow[] = [];
  const row = (dataset: string, name: string, e: PrimaryArmEffect): ForestRow => ({
    label: `${dataset}: ${name}`,
    effect: e.effect,
    interval: e.ci95,
    group: e.verdict ?? 'no verdict (no test family)',
    hover: [
      `p = ${e.p === null ? 'n/a' : e.p.toPrecision(2)}${e.p_holm === null ? '' : `, Holm ${e.p_holm.toPrecision(2)} (${e.family})`}`,
      `${e.n_seeds} seed${e.n_seeds === 1 ? '' : 's'}; seeds for 80% power: ${e.seeds_needed ?? 'n/a'}`,
      `verdict: ${e.verdict ?? 'none'}`,
    ],
  });
  for (const dataset of datasets) {
    const d = primary.datasets[dataset];
    for (const arm of Object.keys(d.arms).sort((a, b) => armRank(protocol, a) - armRank(protocol, b))) rows.push(row(dataset, `${arm} vs ${d.arms[arm].baseline}`, d.arms[arm]));
    for (const [name, e] of Object.entries(d.contrasts)) rows.push(row(dataset, name, e));
  }
  return rows;
}

/**
 * Forest plot of the primary endpoint: every comparison's effect with its 95% interval, a line at
 * 0 and one at the smallest effect of interest δ; markers coloured by verdict. Null when the
 * results hold no comparison (only the baseline arm).
 */
export function primaryForestFigure(primary: PrimaryResults, protocol: Protocol): Figure | null {
  const rows = primaryForestRows(primary, protocol);
  if (!rows.length) return null;
  const spec = protocol.primary;
  return forestFigure(rows, {
    title: `Primary endpoint (${spec.id}): effect of each comparison with its 95% interval`,
    effectTitle: `effect on the small-lesion FROC pAUC to ${spec.maxFpPerCase} FP/case (arm − baseline)`,
    references: [
      { x: 0, label: 'no effect' },
      { x: spec.smallestEffectOfInterest, label: `δ = ${spec.smallestEffectOfInterest}`, dash: 'dash' },
    ],
    groupColors: VERDICT_COLORS,
    intervalLabel: '95% hierarchical bootstrap CI',
  });
}

/** One arm's small-lesion FROC, pooled over its seeds. */
export interface ArmFroc {
  arm: string;
  seeds: number;
  /** test cases × seeds pooled into the curve */
  cases: number;
  /** reference lesions in the endpoint's volume range, over all seeds */
  lesions: number;
  /** the step function from (0, 0) to maxFpPerCase: the pooled points up to it, closed at maxFpPerCase */
  points: FrocPoint[];
  /** the primary statistic: mean over seeds of each seed's pAUC to maxFpPerCase (seeds without a small lesion left out) */
  meanSeedPartialAuc: number | null;
}

/**
 * Per arm, every seed's test cases pooled into one small-lesion FROC (each seed's cases enter as
 * cases of their own: FP per case = all false positives / (cases × seeds)), cut at the
 * endpoint's maxFpPerCase; arms in protocol order, arms without a small lesion left out.
 * @param froc per arm, each seed's FROC candidates (StudyResults.froc)
 * @param spec the protocol's primary endpoint (volume range, maxFpPerCase)
 * @param armOrder arm ids in display order (others follow as they come)
 */
export function pooledArmFrocs(froc: Readonly<Record<string, readonly SeedCases<FrocCase>[]>>, spec: PrimaryEndpointSpec, armOrder: readonly string[] = []): ArmFroc[] {
  const range = { minVolumeMl: spec.lesionVolumeMl.min, maxVolumeMl: spec.lesionVolumeMl.max };
  const rank = (a: string) => (armOrder.includes(a) ? armOrder.indexOf(a) : armOrder.length);
  const out: ArmFroc[] = [];
  for (const arm of Object.keys(froc).sort((a, b) => rank(a) - rank(b))) {
    const seeds = froc[arm];
    const cases = seeds.flatMap((s) => s.cases.map((c) => c.value));
    if (!cases.length) continue;
    const curve = frocCurve(cases, range);
    if (!curve) continue;
    const kept = curve.points.filter((p) => p.fpPerCase <= spec.maxFpPerCase);
    const level = kept.length ? kept[kept.length - 1].sensitivity : 0;
    const perSeed = seeds
      .map((s) => (s.cases.length ? frocCurve(s.cases.map((c) => c.value), range) : null))
      .filter((c): c is NonNullable<typeof c> => c !== null)
      .map((c) => partialAuc(c.points, spec.maxFpPerCase));
    out.push({
      arm,
      seeds: seeds.length,
      cases: curve.cases,
      lesions: curve.lesions,
      points: [{ threshold: Infinity, fpPerCase: 0, sensitivity: 0 }, ...kept, { threshold: kept.length ? kept[kept.length - 1].threshold : Infinity, fpPerCase: spec.maxFpPerCase, sensitivity: level }],
      meanSeedPartialAuc: perSeed.length ? perSeed.reduce((a, b) => a + b, 0) / perSeed.length : null,
    });
  }
  return out;
}

/** The FROC figure of {@link pooledArmFrocs}: one step curve per arm; null without any curve. */
export function armFrocFigure(arms: readonly ArmFroc[], spec: PrimaryEndpointSpec): Figure | null {
  if (!arms.length) return null;
  const v = spec.lesionVolumeMl;
  return frocFigure(
    arms.map((a) => ({
      mode: a.arm,
      name: `${a.arm}: ${a.lesions} lesions, ${a.cases} cases × seeds; mean seed pAUC ${a.meanSeedPartialAuc === null ? 'n/a' : a.meanSeedPartialAuc.toFixed(3)}`,
      points: a.points.map((p) => ({ fpPerCase: p.fpPerCase, sensitivity: p.sensitivity, ...(Number.isFinite(p.threshold) ? { threshold: p.threshold } : {}) })),
    })),
    { title: `Small-lesion FROC per arm (lesions in [${v.min}, ${v.max}) mL), pooled over seeds`, subset: `lesions in [${v.min}, ${v.max}) mL`, stepped: true, maxFpPerCase: spec.maxFpPerCase },
  );
}

/** A run of the study as the learning curves need it. */
export interface RunRef {
  mode: string;
  seed: number;
  runDir: string;
}

/** Each run's validation records (metrics.jsonl 'val': mean validation lesion Dice per step); runs without any are left out. */
export function validationCurveRuns(runs: readonly RunRef[]): CurveRun[] {
  return runs
    .map((r) => ({ r, val: readRunMetrics(r.runDir, { missingOk: true }).validation }))
    .filter((x) => x.val.length > 0)
    .map(({ r, val }) => ({ mode: r.mode, seed: r.seed, epochs: val.map((v) => v.step), values: val.map((v) => v.lesionDice) }));
}

/** Learning curves of the validation endpoint: per arm the mean over seeds with a min–max band; null without any validation record. */
export function validationCurvesFigure(curves: CurveRun[]): Figure | null {
  if (!curves.length) return null;
  return trainingCurvesFigure(curves, {
    metric: 'validation lesion Dice',
    xTitle: 'training step',
    band: 'minmax',
    title: 'Validation lesion Dice during training: mean over seeds, band min–max over seeds',
  });
}

/**
 * Every arm's validation learning curves in one dataset, for the conclusions' convergence check
 * (lib/study/conclusions convergenceSentences); runs without validation records are left out.
 */
export function armLearningCurves(dataset: string, runs: readonly RunRef[], steps: number): ArmLearningCurves[] {
  const byArm = new Map<string, { step: number; value: number }[][]>();
  for (const c of validationCurveRuns(runs)) {
    const points = Array.from(c.epochs, (step, i) => ({ step, value: Number(c.values[i]) })).filter((p) => Number.isFinite(p.value));
    byArm.set(c.mode, [...(byArm.get(c.mode) ?? []), points]);
  }
  return [...byArm].map(([arm, seeds]) => ({ dataset, arm, steps, seeds }));
}

/** What the protocol's parts of a report read. */
export interface ProtocolReportInput {
  runs: readonly RunRef[];
  /** the dataset's protocol id and the runs' step budget, for the convergence sentences */
  dataset?: string;
  steps?: number;
  froc?: Readonly<Record<string, readonly SeedCases<FrocCase>[]>>;
  primary?: PrimaryResults;
  protocol: Protocol;
}

/**
 * The figures of the report's protocol and learning-curve sections, by file stem (only those that
 * have data: forest with a primary comparison, froc_small_lesions with FROC candidates,
 * validation_curves with validation records).
 */
export function protocolReportFigures(input: ProtocolReportInput): Record<string, Figure> {
  const figs: Record<string, Figure> = {};
  const forest = input.primary ? primaryForestFigure(input.primary, input.protocol) : null;
  if (forest) figs.primary_forest = forest;
  const froc = input.froc ? armFrocFigure(pooledArmFrocs(input.froc, input.protocol.primary, input.protocol.arms.map((a) => a.id)), input.protocol.primary) : null;
  if (froc) figs.froc_small_lesions = froc;
  const curves = validationCurvesFigure(validationCurveRuns(input.runs));
  if (curves) figs.validation_curves = curves;
  return figs;
}

/** Caption of the forest plot (also used beside primary.json). */
export function forestCaption(protocol: Protocol, scope: 'joint' | 'one-dataset'): string {
  const p = protocol.primary;
  const holm = scope === 'joint' ?
    'Holm-adjusted p and verdicts are computed over every dataset of the run together.' :
    'This report holds one dataset: its Holm-adjusted p and verdicts count the other datasets\' planned tests as p = 1; a protocol run\'s primary.json holds the joint values.';
  return `One row per dataset and comparison: the effect on ${p.id} (mean over seeds of arm − baseline) with its 95% hierarchical bootstrap interval as the bar (an open marker: no interval, one seed). ` +
    `The solid line is no effect; the dashed line is the protocol's smallest effect of interest δ = ${p.smallestEffectOfInterest}: an interval entirely left of it is 'refuted'. ` +
    `Colour = the protocol's verdict; grey = a comparison outside every test family (descriptive). ${holm}`;
}

/** The learning curves of a report's input for its conclusions (undefined without dataset and budget). */
export function reportCurves(input: ProtocolReportInput): ArmLearningCurves[] | undefined {
  return input.dataset !== undefined && input.steps !== undefined ? armLearningCurves(input.dataset, input.runs, input.steps) : undefined;
}

/** The sections of the protocol's parts, placed after the primary endpoint's lines. */
export function protocolReportSections(input: ProtocolReportInput, figs: Record<string, Figure>, pngs: Record<string, Uint8Array>): ReportSection[] {
  const sections: ReportSection[] = [];
  const spec = input.protocol.primary;
  if (figs.primary_forest) sections.push({ heading: 'Primary endpoint: forest plot', text: forestCaption(input.protocol, 'one-dataset'), figure: figs.primary_forest, figurePng: pngs.primary_forest });
  if (figs.froc_small_lesions) {
    sections.push({
      heading: 'Small-lesion FROC per arm',
      text: `Per arm, the test cases of every seed pooled into one FROC (FP per case = all false-positive candidates / (test cases × seeds); sensitivity = detected / all reference lesions in [${spec.lesionVolumeMl.min}, ${spec.lesionVolumeMl.max}) mL over every seed), ` +
        `drawn as the step function the endpoint integrates, up to ${spec.maxFpPerCase} FP per case. The legend gives each arm's mean over seeds of the per-seed pAUC (what the effect compares); the area under a pooled curve need not equal it.`,
      figure: figs.froc_small_lesions,
      figurePng: pngs.froc_small_lesions,
    });
  } else if (input.froc) {
    sections.push({ heading: 'Small-lesion FROC per arm', text: `No arm has a reference lesion in [${spec.lesionVolumeMl.min}, ${spec.lesionVolumeMl.max}) mL among its test cases, so there is no small-lesion FROC.` });
  }
  if (input.primary) {
    const sentences = reportConclusions(input.primary, input.protocol, reportCurves(input));
    sections.push({ heading: 'What this run can and cannot conclude', text: sentences.join('\n\n') });
  }
  return sections;
}

/** The learning-curve section: the figure, or one sentence when no run recorded a validation measurement. */
export function validationCurvesSection(figs: Record<string, Figure>, pngs: Record<string, Uint8Array>): ReportSection {
  if (!figs.validation_curves) return { heading: 'Learning curves (validation)', text: 'No run of this study recorded a validation measurement in its metrics.jsonl, so there are no validation learning curves.' };
  return {
    heading: 'Learning curves (validation)',
    text: 'Mean lesion Dice over the validation cases, as each run recorded it during training (metrics.jsonl); per arm the mean over seeds (at the steps every seed of the arm measured) with the min–max band over seeds, and each seed as a thin line.',
    figure: figs.validation_curves,
    figurePng: pngs.validation_curves,
  };
}

/** results.json `conclusions` of a one-dataset report: a note on the scope, then the generated sentences. */
export function reportConclusions(primary: PrimaryResults, protocol: Protocol, convergence?: readonly ArmLearningCurves[]): string[] {
  return [
    'These sentences are drawn from this report\'s dataset alone; the conclusions.md of a protocol run (beside its primary.json) weighs all its datasets together.',
    ...conclusionSentences(studyConclusions(primary, protocol, { scope: 'report', ...(convergence ? { convergence } : {}) })),
  ];
}
