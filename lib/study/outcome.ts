/**
 * Reading a finished study honestly: which seeds of a study configuration are already trained
 * (both arms finished with exactly this configuration, so `runStudy` will reuse them), whether
 * each run's validation lesion Dice had settled by the end of training, and the sentences that
 * say what the comparison shows and what it does not — generated from the numbers, never typed in.
 */
import * as fs from 'fs';
import { formatFixed, formatInterval } from '../core/format';
import { isFinishedRun, runPaths } from '../run/layout';
import { readRunMetrics } from '../run/metrics';
import type { ArmName } from '../train/arms';
import { StudyConfig, studyArms } from './config';
import { ARM_BACKSPLIT, ARM_BACKSPLIT_SUM, ARM_BINARY, studyRunConfig, StudyResults } from './pipeline';
import type { StudySummary } from './report';

function sameConfig(runDir: string, expected: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(fs.readFileSync(runPaths(runDir).config, 'utf8'))) === JSON.stringify(expected);
  } catch {
    return false;
  }
}

/**
 * The seeds of a study whose runs of every arm (default binary and BackSplit) have finished with exactly the
 * study's configuration (the runs `runStudy` reuses instead of training), in the study's order.
 * @example finishedStudySeeds(emidecStudy('default', folder)) // [0, 1, 2] after `npm run reproduce -- --dataset emidec:<folder>`
 */
export function finishedStudySeeds(cfg: StudyConfig): number[] {
  return cfg.seeds.filter((seed) =>
    studyArms(cfg).every((mode) => {
      const config = studyRunConfig(cfg, mode, seed);
      return isFinishedRun(config.outputDir) && sameConfig(config.outputDir, config);
    }),
  );
}

/** The validation curve of one run and whether it had settled. */
export interface ValidationConvergence {
  mode: ArmName;
  seed: number;
  /** Mean validation lesion Dice per validation pass (over the lesion cases only, when they were named). */
  points: { step: number; dice: number }[];
  /** |last − second to last| validation Dice; null with fewer than two passes. */
  lastChange: number | null;
  /** The last validation Dice; null without any pass. */
  lastDice: number | null;
  /** lastChange ≤ tolerance; null when it cannot be judged (fewer than two passes). */
  settled: boolean | null;
}

/**
 * The validation lesion Dice curve of each run of a study (metrics.jsonl) and whether its last
 * two points lie within `tolerance` of each other — a necessary sign of convergence, not proof.
 * With `lesionCaseIds`, each point is the mean over those validation cases only: a lesion-free
 * case scores Dice 1 for an empty prediction, so on data with normal cases (EMIDEC) a model that
 * predicts nothing would otherwise look settled above zero.
 * @param runs the study's runs (StudyResults.runs)
 * @param tolerance largest change between the last two validation points that counts as settled (default 0.01)
 * @param lesionCaseIds validation cases with a reference lesion (default: all validation cases)
 */
export function validationConvergence(runs: StudyResults['runs'], tolerance = 0.01, lesionCaseIds?: ReadonlySet<string>): ValidationConvergence[] {
  const diceOf = (v: { lesionDice: number; perCase: { id: string; lesionDice: number }[] }): number => {
    if (!lesionCaseIds) return v.lesionDice;
    const kept = v.perCase.filter((c) => lesionCaseIds.has(c.id));
    return kept.length ? kept.reduce((s, c) => s + c.lesionDice, 0) / kept.length : NaN;
  };
  return runs.map((r) => {
    const points = readRunMetrics(r.runDir, { missingOk: true }).validation.map((v) => ({ step: v.step, dice: diceOf(v) }));
    const n = points.length;
    const lastChange = n >= 2 ? Math.abs(points[n - 1].dice - points[n - 2].dice) : null;
    return { mode: r.mode, seed: r.seed, points, lastChange, lastDice: n ? points[n - 1].dice : null, settled: lastChange === null ? null : lastChange <= tolerance };
  });
}

/** "contains 0", "lies above 0" or "lies below 0" for an interval (or 'cannot be computed'). */
function intervalAgainstZero(ci: readonly [number, number] | null): string {
  if (!ci) return 'cannot be computed (fewer than 2 pairs)';
  if (ci[0] <= 0 && ci[1] >= 0) return 'contains 0';
  return ci[0] > 0 ? 'lies entirely above 0' : 'lies entirely below 0';
}

function effectSentence(summary: StudySummary, arm: string, metric: string, label: string): string | null {
  const c = summary.comparisons.find((x) => x.modelA === arm && x.metric === metric);
  if (!c || c.meanDifference === null) return null;
  const p = c.wilcoxon ? `Wilcoxon p = ${c.wilcoxon.pValue.toPrecision(2)}` : 'no Wilcoxon test';
  return `${label}: binary ${formatFixed(c.meanB)}, ${arm} ${formatFixed(c.meanA)}; difference ${formatFixed(c.meanDifference)}, ` +
    `95% CI ${formatInterval(c.meanDifferenceCi)} over ${c.n} test patients (${p}); the interval ${intervalAgainstZero(c.meanDifferenceCi)}.`;
}

/** A validation Dice below this at the end of training means the model has not started to segment: a flat curve there is not convergence. */
const NOT_YET_SEGMENTING_DICE = 0.1;

function convergenceSentences(conv: readonly ValidationConvergence[], tolerance: number): string[] {
  const judged = conv.filter((c) => c.settled !== null);
  if (judged.length === 0) return ['Convergence cannot be judged: no run has two validation passes.'];
  const unsettled = judged.filter((c) => !c.settled);
  const list = (cs: readonly ValidationConvergence[]) => cs.map((c) => `${c.mode} seed ${c.seed} (${formatFixed(c.lastChange)})`).join(', ');
  const out = [unsettled.length === 0
    ? `Every run's validation lesion Dice changed by at most ${tolerance} between its last two passes (${list(judged)}): ` +
      'the curves had flattened by this criterion, which is necessary for convergence but does not prove it.'
    : `Training had not settled: the validation lesion Dice of ${list(unsettled)} still changed by more than ${tolerance} between the last two passes, ` +
      'so these numbers describe models in the middle of training; more steps could change them, and the ranking of the arms with them.'];
  const low = conv.filter((c) => c.lastDice !== null && c.lastDice < NOT_YET_SEGMENTING_DICE);
  if (low.length) {
    out.push(`${low.map((c) => `${c.mode} seed ${c.seed}`).join(', ')} ended at a validation lesion Dice below ${NOT_YET_SEGMENTING_DICE} ` +
      `(${low.map((c) => formatFixed(c.lastDice)).join(', ')}): such a model has not yet learned to segment the lesion, and a flat curve that low is not convergence.`);
  }
  return out;
}

/** What {@link describeStudyOutcomeHonestly} needs besides the summary. */
export interface OutcomeContext {
  results: StudyResults;
  convergence: readonly ValidationConvergence[];
  /** The tolerance the convergence was judged with. */
  tolerance: number;
  /** One phrase for the setting, e.g. "a 2D U-Net (8/16/32/64 channels) trained on 2 CPU cores". */
  setting: string;
}

/**
 * Sentences on what a study's comparison shows and does not show, from its numbers: the lesion
 * Dice and lesion F1 effects with their intervals against 0, the test cases without a lesion, the
 * seeds, training patients and steps, whether the validation curves had settled, and the limits.
 */
export function describeStudyOutcomeHonestly(summary: StudySummary, ctx: OutcomeContext): string[] {
  const { results } = ctx;
  const cfg = results.config;
  const seeds = cfg.seeds.length;
  const nTest = results.splits.test.length;
  const steps = cfg.train.steps;
  const emptyRefs = new Set(results.cases.filter((r) => r.model === ARM_BINARY && r.evaluation.lesions.reference.length === 0).map((r) => r.caseId));
  const effects = [
    effectSentence(summary, ARM_BACKSPLIT, 'dice', 'Lesion Dice, BackSplit (argmax)'),
    effectSentence(summary, ARM_BACKSPLIT_SUM, 'dice', 'Lesion Dice, BackSplit (sum rule)'),
    effectSentence(summary, ARM_BACKSPLIT, 'lesion_f1', 'Lesion F1, BackSplit (argmax)'),
  ].filter((s): s is string => s !== null);
  const sentences = [
    `This run: ${seeds} seed(s) per arm, ${steps} training steps each on ${results.splits.train.length} training patients, ` +
      `${results.splits.val.length} validation patients, evaluated on ${nTest} held-out test patients (pairs = patients, seeds averaged).`,
    ...effects,
  ];
  if (emptyRefs.size > 0) {
    sentences.push(`${emptyRefs.size} of the ${nTest} test patients have no lesion in the reference: their Dice is 1 when a model predicts nothing and 0 for any ` +
      'predicted voxel, so the mean Dice mixes delineation on infarcts with false alarms on normal hearts.');
  }
  sentences.push(...convergenceSentences(ctx.convergence, ctx.tolerance));
  sentences.push(seeds === 1
    ? 'With one seed, the variation between training runs is not in the intervals: another seed could give another difference.'
    : `The intervals resample test patients only; the ${seeds} seeds are averaged per patient, so seed-to-seed variation enters only through those averages.`);
  sentences.push(`What it does not show: this is ${ctx.setting}, with ${results.splits.train.length} training patients and ${steps} steps per run — not the paper's setting ` +
    '(nnU-Net-configured networks with 5-fold cross-validation, on other datasets). An interval that contains 0 means this run cannot tell ' +
    'the arms apart, not that they are equal; one that excludes 0 holds for this split, network and budget, not for BackSplit in general.');
  return sentences;
}
