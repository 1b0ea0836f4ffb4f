/**
 * Turns study results into what a reader needs: paired comparisons of the
 * arms with binary (bootstrap CIs, Wilcoxon), small-lesion statistics, Fisher traces, a
 * plain-text summary table, and a report folder (report.html, results.csv,
 * results.json, comparisons.csv, PNG figures when Chromium is available).
 * A protocol study's report also gets the forest plot, the small-lesion FROC
 * per arm and the generated conclusions, and every report the validation
 * learning curves (./report-protocol).
 * The folder is assembled under a temporary name and renamed at the end, so a
 * half-written report never looks complete.
 */
import { buildPrimary, describePrimary, PrimaryResults } from './primary';
import { describeProtocol, LoadedProtocol, loadProtocol } from './protocol';
import { buildSecondary, describeSecondary, SECONDARY_COLUMNS, secondaryCaption, SecondaryResults, secondaryTable } from './secondary';
import { writeFolderAtomic } from '../core/atomic';
import { describeDataset } from '../data/registry';
import { CaseResult } from '../eval/evaluate';
import { pairedComparison, PairedComparison, comparisonsToCsv } from '../eval/compare';
import { binStatistics, BinStatistics } from '../eval/stratified';
import { lesionRows, tidyRows, tidyRowsToCsv, TidyRow } from '../eval/tidy';
import { formatFixed, formatInterval } from '../core/format';
import { Figure } from '../plot/types';
import { trainingCurvesFigure } from '../plot/curves';
import { sizeBinFigure, pairedDifferencesFigure, BinStat } from '../plot/evaluation';
import { pairedInputFromComparison } from '../plot/adapters';
import { barFigureFisher } from './figures';
import { reportHtml, ReportSection } from '../plot/html';
import { renderAvailability, renderFigure, closeSharedRenderer } from '../plot/render';
import { armDefinition } from '../train/arms';
import { ARM_BACKSPLIT, ARM_BACKSPLIT_SUM, ARM_BINARY, StudyResults } from './pipeline';
import { protocolReportFigures, protocolReportSections, ProtocolReportInput, reportConclusions, reportCurves, validationCurvesSection } from './report-protocol';

/** Reference lesions below this volume count as "small" in the per-case small-lesion metrics. */
export const SMALL_LESION_ML = 1;

/** Metrics compared between the arms, with the direction that is better. */
export const COMPARED_METRICS: { metric: string; label: string; higherIsBetter: boolean }[] = [
  { metric: 'dice', label: 'Dice (voxel-wise)', higherIsBetter: true },
  { metric: 'nsd', label: 'NSD @ 1 mm', higherIsBetter: true },
  { metric: 'hd95_mm', label: 'HD95 (mm)', higherIsBetter: false },
  { metric: 'lesion_f1', label: 'lesion F1', higherIsBetter: true },
  { metric: 'lesion_fp', label: 'false-positive lesions', higherIsBetter: false },
  { metric: 'small_lesion_detection', label: `detection of lesions < ${SMALL_LESION_ML} mL`, higherIsBetter: true },
  { metric: 'small_lesion_dice', label: `per-lesion Dice, lesions < ${SMALL_LESION_ML} mL`, higherIsBetter: true },
];

/** Tidy rows plus two per-case small-lesion metrics derived from the per-lesion results. */
export function studyRows(cases: readonly CaseResult[]): TidyRow[] {
  const rows = tidyRows(cases);
  for (const c of cases) {
    const small = c.evaluation.lesions.reference.filter((l) => l.volumeMl < SMALL_LESION_ML);
    const base = { case: c.caseId, model: c.model, seed: c.seed, scope: 'lesion' as const };
    rows.push({ ...base, metric: 'small_lesion_detection', value: small.length ? small.filter((l) => l.detected).length / small.length : null });
    rows.push({ ...base, metric: 'small_lesion_dice', value: small.length ? small.reduce((s, l) => s + l.dice, 0) / small.length : null });
  }
  return rows;
}

export interface StudySummary {
  /** BackSplit (argmax, then sum rule) vs binary, then each further arm's argmax vs binary ({@link extraArms}), every metric of COMPARED_METRICS. */
  comparisons: PairedComparison[];
  bins: BinStatistics[];
  rows: TidyRow[];
  /** The protocol's primary endpoint (studies of a protocol dataset only; docs/protocol.md). */
  primary?: PrimaryResults;
  /**
   * The protocol's secondary endpoints of this dataset alone (Holm counts the other datasets'
   * planned tests as p = 1; a protocol run's primary.json holds the joint values).
   */
  secondary?: SecondaryResults;
}

/**
 * The arms of a study's runs beyond binary and backsplit, in the order they were run (e.g.
 * binary-wide, backsplit-placebo-quantile): each gets its own comparison with binary.
 */
export function extraArms(results: Pick<StudyResults, 'runs'>): string[] {
  return [...new Set(results.runs.map((r) => r.mode as string))].filter((m) => m !== ARM_BINARY && m !== ARM_BACKSPLIT);
}

/**
 * Paired comparisons with binary, pairing per test case (seeds averaged): BackSplit and its sum-rule
 * collapse, then every further arm of the study ({@link extraArms}) with its own (argmax) mask.
 */
export function summarizeStudy(results: StudyResults): StudySummary {
  const rows = studyRows(results.cases);
  const comparisons: PairedComparison[] = [];
  const extra = extraArms(results);
  for (const arm of [ARM_BACKSPLIT, ARM_BACKSPLIT_SUM, ...extra]) {
    for (const m of COMPARED_METRICS) {
      comparisons.push(pairedComparison(rows, { metric: m.metric, modelA: arm, modelB: ARM_BINARY, pairBy: 'case', bootstrapSamples: 5000, seed: 0 }));
    }
  }
  const lrows = lesionRows(results.cases);
  const bins = [ARM_BINARY, ARM_BACKSPLIT, ARM_BACKSPLIT_SUM, ...extra].flatMap((arm) => binStatistics(lrows, arm, { bootstrapSamples: 2000, seed: 0 }));
  const summary: StudySummary = { comparisons, bins, rows };
  const dataset = results.config.protocolDataset;
  if (dataset && results.froc) {
    const loaded = loadProtocol();
    summary.primary = buildPrimary({ [dataset]: results.froc }, loaded.protocol, loaded.sha256);
    if (results.secondary) summary.secondary = buildSecondary({ [dataset]: results.secondary }, loaded.protocol);
  }
  return summary;
}

/** The lines every protocol report prints: the protocol (name, version, status, hash), the endpoint, one line per dataset and arm. */
export function primaryEndpointLines(primary: PrimaryResults, loaded: LoadedProtocol): string[] {
  return [`protocol: ${describeProtocol(loaded)}`, `primary endpoint: ${primary.endpoint}`, ...describePrimary(primary, loaded.protocol.statistics)];
}

/** The primary-endpoint lines of a protocol study (empty for other studies). */
export function primaryLines(summary: StudySummary): string[] {
  return summary.primary ? primaryEndpointLines(summary.primary, loadProtocol()) : [];
}

function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return x.toFixed(digits);
}

/** The verdict for one comparison, in words, whatever the outcome. */
export function verdict(c: PairedComparison, higherIsBetter: boolean): string {
  if (c.meanDifference === null || !c.meanDifferenceCi) return 'not enough pairs';
  const p = c.wilcoxon ? c.wilcoxon.pValue : null;
  const significant = p !== null && p < 0.05;
  const better = higherIsBetter ? c.meanDifference > 0 : c.meanDifference < 0;
  if (c.meanDifference === 0) return 'no difference';
  return `${c.modelA} ${better ? 'better' : 'worse'}${significant ? ' (significant, p < 0.05)' : ' (not significant)'}`;
}

/**
 * One line per arm and compared metric (COMPARED_METRICS order): mean difference to binary with
 * its 95% CI, Wilcoxon p, n and the verdict; metrics an arm has no comparison for are left out.
 */
export function formatVerdicts(summary: StudySummary, arms: readonly string[]): string {
  const lines: string[] = [];
  for (const arm of arms) {
    for (const m of COMPARED_METRICS) {
      const c = summary.comparisons.filter((x) => x.metric === m.metric && x.modelA === arm)[0];
      if (!c) continue;
      const p = c.wilcoxon ? c.wilcoxon.pValue.toPrecision(2) : 'n/a';
      lines.push(`${arm.padEnd(17)} ${m.label.padEnd(38)} difference ${formatFixed(c.meanDifference)} ${formatInterval(c.meanDifferenceCi)}, p = ${p}, n = ${c.n}: ${verdict(c, m.higherIsBetter)}`);
    }
  }
  return lines.join('\n');
}

/**
 * How many comparisons are significant at p < 0.05, and the small-lesion detection difference
 * of BackSplit (argmax) against binary with its verdict.
 * @example describeStudyOutcome(summary) // "3 of 24 comparisons are significant at p < 0.05. Small-lesion detection, BackSplit (argmax) − binary: 0.125 [0.000, 0.250] → backsplit better (not significant)."
 */
export function describeStudyOutcome(summary: StudySummary): string {
  const significant = summary.comparisons.filter((c) => c.wilcoxon !== null && c.wilcoxon.pValue < 0.05);
  const smallDet = summary.comparisons.filter((c) => c.metric === 'small_lesion_detection' && c.modelA === ARM_BACKSPLIT)[0];
  return `${significant.length} of ${summary.comparisons.length} comparisons are significant at p < 0.05. ` +
    `Small-lesion detection, BackSplit (argmax) − binary: ${formatFixed(smallDet ? smallDet.meanDifference : null)} ${formatInterval(smallDet ? smallDet.meanDifferenceCi : null)} → ${smallDet ? verdict(smallDet, true) : 'n/a'}.`;
}

/**
 * What a protocol study's case-level tables say instead of a test: the cases are scored by the
 * same few models, so a case-level test is pseudo-replication for "does the arm train better
 * models"; the protocol tests seeds (docs/protocol.md, "Statistics").
 */
export const CASE_LEVEL_DESCRIPTIVE_NOTE =
  'descriptive only: per test case, averaged over seeds, with a bootstrap interval over cases and no test; the protocol tests seeds (primary endpoint, below), not cases scored by the same models';

/**
 * A fixed-width text table of the comparisons, for the terminal. In a protocol study (the summary
 * has the primary endpoint) the table is descriptive: no Wilcoxon p and no verdict, with
 * {@link CASE_LEVEL_DESCRIPTIVE_NOTE} above it.
 */
export function summaryTable(summary: StudySummary, arm = ARM_BACKSPLIT): string {
  const descriptive = summary.primary !== undefined;
  const header = descriptive ? ['metric', 'binary', arm, 'difference [95% CI over cases]', 'n'] : ['metric', 'binary', arm, 'difference [95% CI]', 'Wilcoxon p', 'n', 'verdict'];
  const lines: string[][] = [header];
  for (const m of COMPARED_METRICS) {
    const c = summary.comparisons.find((x) => x.metric === m.metric && x.modelA === arm);
    if (!c) continue;
    const ci = c.meanDifferenceCi ? `[${fmt(c.meanDifferenceCi[0])}, ${fmt(c.meanDifferenceCi[1])}]` : '';
    const row = [m.label, fmt(c.meanB), fmt(c.meanA), `${fmt(c.meanDifference)} ${ci}`];
    lines.push(descriptive ? [...row, String(c.n)] : [...row, c.wilcoxon ? c.wilcoxon.pValue.toPrecision(2) : 'n/a', String(c.n), verdict(c, m.higherIsBetter)]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const table = lines.map((l, r) => l.map((v, i) => v.padEnd(widths[i])).join('  ') + (r === 0 ? '\n' + widths.map((w) => '-'.repeat(w)).join('  ') : '')).join('\n');
  return descriptive ? `${CASE_LEVEL_DESCRIPTIVE_NOTE}\n${table}` : table;
}

function binStats(bins: BinStatistics[], key: 'detection' | 'dice'): BinStat[] {
  return bins
    .filter((b) => b.model === ARM_BINARY || b.model === ARM_BACKSPLIT)
    .map((b) => ({
      bin: b.label,
      mode: b.model === ARM_BINARY ? ('binary' as const) : ('backsplit' as const),
      value: key === 'detection' ? b.detectionRate : b.meanDice,
      low: key === 'detection' ? (b.detectionRateCi ? b.detectionRateCi[0] : null) : b.meanDiceCi ? b.meanDiceCi[0] : null,
      high: key === 'detection' ? (b.detectionRateCi ? b.detectionRateCi[1] : null) : b.meanDiceCi ? b.meanDiceCi[1] : null,
      n: b.n,
    }));
}

/** The report's figures, by file stem. */
export function studyFigures(results: StudyResults, summary: StudySummary): Record<string, Figure> {
  const figs: Record<string, Figure> = {};
  figs.small_lesion_detection = sizeBinFigure(binStats(summary.bins, 'detection'), { metric: 'detection rate', intervalLabel: '95% bootstrap CI over cases', yRange: [0, 1], title: 'Lesion detection by reference-lesion volume' });
  figs.small_lesion_dice = sizeBinFigure(binStats(summary.bins, 'dice'), { metric: 'per-lesion Dice', intervalLabel: '95% bootstrap CI over cases', yRange: [0, 1], title: 'Per-lesion Dice by reference-lesion volume' });
  const dice = summary.comparisons.find((c) => c.metric === 'dice' && c.modelA === ARM_BACKSPLIT);
  if (dice && dice.pairs.length) {
    const input = pairedInputFromComparison(dice);
    figs.paired_dice = pairedDifferencesFigure(input.cases, { ...input.options, title: 'Per-case lesion Dice (mean over seeds): BackSplit − binary' });
  }
  figs.training_loss = trainingCurvesFigure(
    results.runs.map((r) => ({ mode: r.mode, seed: r.seed, epochs: r.lossCurve.map((p) => p.step), values: r.lossCurve.map((p) => p.loss) })),
    { metric: 'training loss (Dice + CE)', xTitle: 'step', logY: true, title: 'Training loss (not comparable in level across arms: different numbers of classes)' },
  );
  figs.fisher_traces = barFigureFisher(results);
  Object.assign(figs, protocolReportFigures(protocolReportInput(results, summary)));
  return figs;
}

/** What the protocol sections (./report-protocol) read: runs, FROC candidates, the primary endpoint, the protocol. */
function protocolReportInput(results: StudyResults, summary: StudySummary): ProtocolReportInput {
  const dataset = results.config.protocolDataset;
  return {
    runs: results.runs,
    froc: results.froc,
    primary: summary.primary,
    protocol: loadProtocol().protocol,
    ...(dataset !== undefined && results.config.train.steps !== undefined ? { dataset, steps: results.config.train.steps } : {}),
  };
}

function settingsText(results: StudyResults): string {
  const c = results.config;
  const t = c.train;
  return [
    `preset ${c.preset}; seeds ${c.seeds.join(', ')}; dataset ${describeDataset(c.dataset)}, sha256 ${results.datasetHash.slice(0, 16)}…`,
    `split ${results.splits.train.length} train / ${results.splits.val.length} validation / ${results.splits.test.length} test (seed ${c.split.seed})`,
    `model ${t.model ? `${t.model.family} ${t.model.channels.join('/')}` : 'default'}; patch ${(t.patchSize || []).join('×')}; batch ${t.batchSize}; ${t.steps} steps; identical for both arms except the label mode`,
    `backend ${results.backend.summary}; tfjs ${results.backend.tfjsVersion}; node ${process.version}; wall time ${results.seconds.toFixed(0)} s`,
  ].join('\n\n');
}

function fisherTable(results: StudyResults): ReportSection['table'] {
  return {
    columns: ['arm', 'seed', 'classes', 'trace F_Y (multiclass)', 'trace F_Z (lesion vs rest)', 'F_Y / F_Z', 'samples × patches'],
    rows: results.runs.map((r) => [r.mode, r.seed, r.fisher.numClasses, r.fisher.y.trace, r.fisher.z.trace, r.fisher.traceRatio, `${r.fisher.samplesPerExample} × ${r.fisher.numExamples}`]),
    caption: 'Monte-Carlo Fisher (labels sampled from each trained model), per image, summed over voxels. For a binary model Y and Z coincide.',
  };
}

/** results.json: settings, backend, dataset hash, splits, comparisons, bins, runs (F_Y without its per-parameter detail) and rows. */
function resultsJson(results: StudyResults, summary: StudySummary): string {
  return (
    JSON.stringify(
      {
        settings: results.config,
        backend: results.backend,
        datasetHash: results.datasetHash,
        splits: results.splits,
        comparisons: summary.comparisons,
        lesionSizeBins: summary.bins,
        runs: results.runs.map((r) => ({ ...r, fisher: { ...r.fisher, y: { trace: r.fisher.y.trace, traceStdError: r.fisher.y.traceStdError, perLayer: r.fisher.y.perLayer }, z: r.fisher.z } })),
        rows: summary.rows,
        ...(summary.secondary ? { secondary: summary.secondary } : {}),
        ...(summary.primary ? { primary: summary.primary, conclusions: reportConclusions(summary.primary, loadProtocol().protocol, reportCurves(protocolReportInput(results, summary))) } : {}),
        seconds: results.seconds,
      },
      null,
      1,
    ) + '\n'
  );
}

let rendererHolds = 0;

/**
 * Run `f` with the process's Chromium renderer kept open across every report it writes (a
 * protocol run writes one report per dataset and then the forest plot: one browser start instead
 * of one per report); the renderer closes when the outermost hold ends.
 */
export async function withSharedRenderer<T>(f: () => Promise<T>): Promise<T> {
  rendererHolds++;
  try {
    return await f();
  } finally {
    rendererHolds--;
    if (rendererHolds === 0) await closeSharedRenderer();
  }
}

/** PNG of every figure, each also written as `<name>.png`, when Chromium is available; none (with a log line) otherwise. */
export async function renderPngs(figs: Record<string, Figure>, write: (name: string, data: Buffer) => void, log: (l: string) => void): Promise<Record<string, Buffer>> {
  const pngs: Record<string, Buffer> = {};
  const avail = renderAvailability();
  if (avail.ok) {
    try {
      for (const [name, fig] of Object.entries(figs)) {
        pngs[name] = await renderFigure(fig, { format: 'png', width: 900, height: 480 });
        write(`${name}.png`, pngs[name]);
      }
    } catch (e) {
      log(`report: PNG export failed, continuing without PNGs: ${(e as Error).message}`);
    } finally {
      // inside withSharedRenderer the browser stays for the next report
      if (rendererHolds === 0) await closeSharedRenderer();
    }
  } else {
    log(`report: no PNG figures (${avail.reason})`);
  }
  return pngs;
}

/** One arm against binary: a row per compared metric. */
function comparisonTable(summary: StudySummary, arm: string, caption: string, armLabel = 'BackSplit'): ReportSection['table'] {
  const descriptive = summary.primary !== undefined;
  const columns = ['metric', 'binary', armLabel, 'mean difference', '95% bootstrap CI', ...(descriptive ? [] : ['Wilcoxon p']), 'pairs', ...(descriptive ? [] : ['verdict'])];
  const rows = COMPARED_METRICS.map((m) => {
    const c = summary.comparisons.find((x) => x.metric === m.metric && x.modelA === arm)!;
    const ci = c.meanDifferenceCi ? `[${fmt(c.meanDifferenceCi[0])}, ${fmt(c.meanDifferenceCi[1])}]` : '';
    return descriptive ? [m.label, c.meanB, c.meanA, c.meanDifference, ci, c.n] : [m.label, c.meanB, c.meanA, c.meanDifference, ci, c.wilcoxon ? c.wilcoxon.pValue : null, c.n, verdict(c, m.higherIsBetter)];
  });
  return { columns, rows, caption: descriptive ? `${caption} (${CASE_LEVEL_DESCRIPTIVE_NOTE})` : caption };
}

/** Mean Dice per auxiliary class over cases × seeds: BackSplit's classes, then each further split arm's as '<arm>: <class>'. */
function auxiliaryTable(summary: StudySummary): ReportSection['table'] {
  const auxRows = summary.rows.filter((r) => r.scope === 'auxiliary' && r.metric.startsWith('dice:'));
  const auxByClass = new Map<string, number[]>();
  for (const r of auxRows) {
    const name = r.model === ARM_BACKSPLIT ? r.metric.slice(5) : `${r.model}: ${r.metric.slice(5)}`;
    if (r.value !== null) auxByClass.set(name, [...(auxByClass.get(name) || []), r.value]);
  }
  return { columns: ['class', 'mean Dice', 'cases × seeds'], rows: [...auxByClass.entries()].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length, v.length]) };
}

/** The secondary endpoints of a one-dataset report: the lines and the table. */
function secondarySection(secondary: SecondaryResults): ReportSection {
  const protocol = loadProtocol().protocol;
  return {
    heading: 'Secondary endpoints (protocol)',
    text: [...describeSecondary(secondary, protocol), 'This report holds one dataset: its Holm-adjusted p counts the other datasets\' planned tests as p = 1; a protocol run\'s primary.json holds the joint values.'].join('\n\n'),
    table: { columns: SECONDARY_COLUMNS, rows: secondaryTable(secondary, protocol), caption: secondaryCaption(secondary) },
  };
}

/** The sections of report.html, in reading order. */
function reportSections(results: StudyResults, summary: StudySummary, figs: Record<string, Figure>, pngs: Record<string, Buffer>): ReportSection[] {
  return [
    {
      heading: 'What was run',
      text:
        'Binary and BackSplit models were trained with identical settings (network, data, patches, augmentation, optimiser, seed); ' +
        'only the label map differs: lesion vs rest, or lesion + the background split into auxiliary classes. ' +
        'At test time only the lesion output is used. Pairs are test cases, each value averaged over seeds.\n\n' +
        extraArms(results).map((arm) => `Also trained with the same settings and compared with binary: ${arm} (${armDefinition(arm).summary}).\n\n`).join('') +
        settingsText(results),
    },
    ...(summary.primary ? [{ heading: 'Primary endpoint (protocol)', text: primaryLines(summary).join('\n\n') }] : []),
    ...protocolReportSections(protocolReportInput(results, summary), figs, pngs),
    ...(summary.secondary ? [secondarySection(summary.secondary)] : []),
    { heading: 'BackSplit (argmax rule) vs binary', table: comparisonTable(summary, ARM_BACKSPLIT, 'BackSplit lesion mask = voxels whose most probable class is the lesion.') },
    { heading: 'BackSplit (sum rule) vs binary', table: comparisonTable(summary, ARM_BACKSPLIT_SUM, 'BackSplit lesion mask = voxels where p(lesion) > Σ p(background classes).') },
    ...extraArms(results).map((arm) => ({
      heading: `${arm} vs binary`,
      table: comparisonTable(summary, arm, `${arm} (${armDefinition(arm).summary}); lesion mask = voxels whose most probable class is the lesion.`, arm),
    })),
    { heading: 'Small lesions: detection', figure: figs.small_lesion_detection, figurePng: pngs.small_lesion_detection },
    { heading: 'Small lesions: per-lesion Dice', figure: figs.small_lesion_dice, figurePng: pngs.small_lesion_dice },
    ...(figs.paired_dice ? [{ heading: 'Per-case differences', figure: figs.paired_dice, figurePng: pngs.paired_dice }] : []),
    { heading: 'Training curves', figure: figs.training_loss, figurePng: pngs.training_loss },
    validationCurvesSection(figs, pngs),
    { heading: 'Fisher information of the trained models', text: 'Monte-Carlo estimates: labels are sampled from each trained model and the squared norm of the log-likelihood gradient is averaged. F_Y uses the model\'s own (multiclass) likelihood, F_Z the same model coarsened to lesion vs rest at the same weights; by the chain rule F_Y ≥ F_Z in expectation. Comparing the two separately trained models is not the theorem\'s comparison.', figure: figs.fisher_traces, figurePng: pngs.fisher_traces, table: fisherTable(results) },
    {
      heading: 'Auxiliary classes (arms that split the background only, kept apart from the lesion numbers)',
      table: auxiliaryTable(summary),
    },
  ];
}

/**
 * Write the report folder atomically (lib/core writeFolderAtomic): everything goes to
 * `<dir>.partial` first, which replaces `dir` only once complete.
 */
export async function writeStudyReport(results: StudyResults, summary: StudySummary, dir: string, log: (l: string) => void): Promise<string[]> {
  return writeFolderAtomic(dir, async (write) => {
    write('results.csv', tidyRowsToCsv(summary.rows));
    write('comparisons.csv', comparisonsToCsv(summary.comparisons));
    write('results.json', resultsJson(results, summary));
    const figs = studyFigures(results, summary);
    const pngs = await renderPngs(figs, write, log);
    const sections = reportSections(results, summary, figs, pngs);
    write('report.html', reportHtml({ title: 'BackSplit reproduction: binary vs split-background training', subtitle: `generated ${new Date().toISOString()}`, sections }));
  });
}
