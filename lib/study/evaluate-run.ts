/**
 * Evaluate a trained run folder on one split of its dataset (`backsplit eval
 * --run <dir> --split test`). Splits come from the study that produced the run
 * (`study.json` beside the run folders) or, for a run trained alone, from its
 * meta.json: 'train' and 'val' are the cases it used, 'test' every other case.
 * Also the per-arm summary and the JSON case rows that `backsplit eval --run`
 * prints for a split and for another dataset (lib/study/evaluate-external).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CaseResult } from '../eval/evaluate';
import { loadTrainingData } from '../train/prepare';
import { runPaths } from '../run/layout';
import { loadRun } from '../run/open';
import { DatasetSplits } from '../data/splits';
import { evaluateModelOnCases } from './pipeline';

export type SplitName = 'train' | 'val' | 'test';

export interface RunEvaluation {
  runDir: string;
  split: SplitName;
  /** Where the split came from. */
  splitSource: string;
  caseIds: string[];
  results: CaseResult[];
}

/** Case ids of a split for a run folder, and where they came from. */
export function runSplit(runDir: string, split: SplitName, allIds: string[], meta: { trainCases: string[]; valCases: string[] }): { ids: string[]; source: string } {
  const studyFile = path.join(path.dirname(path.resolve(runDir)), 'study.json');
  if (fs.existsSync(studyFile)) {
    const study = JSON.parse(fs.readFileSync(studyFile, 'utf8')) as { splits: DatasetSplits };
    return { ids: study.splits[split], source: studyFile };
  }
  const used = new Set([...meta.trainCases, ...meta.valCases]);
  const ids = split === 'train' ? meta.trainCases : split === 'val' ? meta.valCases : allIds.filter((id) => !used.has(id));
  return { ids, source: `${runPaths(runDir).meta} (test = cases neither trained nor validated on)` };
}

/** Predict and evaluate every case of a split with a run's final (or newest) checkpoint. */
export async function evaluateRun(runDir: string, split: SplitName, onCase?: (i: number, n: number, id: string) => void): Promise<RunEvaluation> {
  const run = loadRun(runDir);
  try {
    const data = loadTrainingData({ ...run.config, validation: { ...run.config.validation, cases: 0 } });
    const all = data.trainCases;
    const { ids, source } = runSplit(runDir, split, all.map((c) => c.id), run.meta);
    if (ids.length === 0) {
      throw new Error(`eval: run ${runDir} has no '${split}' cases (${source}); every case was used for training or validation — train with a held-out split (e.g. through backsplit reproduce) or evaluate --split val`);
    }
    const byId = new Map(all.map((c) => [c.id, c]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw new Error(`eval: the '${split}' split of ${runDir} names cases the dataset does not have: ${missing.join(', ')}`);
    const cases = ids.map((id) => byId.get(id)!);
    const results = await evaluateModelOnCases(run.model, run.layout, cases, run.config, run.config.seed, (i, id) => onCase?.(i, cases.length, id));
    return { runDir, split, splitSource: source, caseIds: ids, results };
  } finally {
    run.model.dispose();
  }
}

/** Metrics of one arm over the cases of an evaluation (the `summary` of `backsplit eval --run`). */
export interface ArmSummary {
  cases: number;
  /** Mean lesion Dice over all cases. */
  dice: number | null;
  /** Mean NSD over all cases. */
  nsd: number | null;
  /** Mean HD95 over the cases where it is defined (both masks non-empty); how many in `hd95_cases`. */
  hd95_mm: number | null;
  hd95_cases: number;
  /** Mean lesion-wise F1 over all cases. */
  lesion_f1: number | null;
  fp_lesions_per_case: number | null;
  /** Mean auxiliary-class Dice per class over the cases where the class is present (BackSplit argmax only). */
  aux_dice?: Record<string, number | null>;
}

function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function auxMeans(results: CaseResult[]): Record<string, number | null> | undefined {
  const reports = results.filter((r) => r.auxiliary).map((r) => r.auxiliary!);
  if (reports.length === 0) return undefined;
  const names = [...new Set(reports.flatMap((a) => a.classes.map((c) => c.name)))];
  return Object.fromEntries(names.map((n) => [n, mean(reports.flatMap((a) => a.classes.filter((c) => c.name === n && c.present).map((c) => c.dice)))]));
}

/**
 * Per-arm means of case results (one entry per `model`, in first-seen order).
 * @example summarizeArms(res.results).backsplit.dice
 */
export function summarizeArms(results: CaseResult[]): Record<string, ArmSummary> {
  const out: Record<string, ArmSummary> = {};
  for (const m of [...new Set(results.map((r) => r.model))]) {
    const rs = results.filter((r) => r.model === m);
    const es = rs.map((r) => r.evaluation);
    const hd = es.map((e) => e.surface.hd95Mm).filter((x): x is number => x !== null && Number.isFinite(x));
    out[m] = {
      cases: rs.length,
      dice: mean(es.map((e) => e.overlap.dice)),
      nsd: mean(es.map((e) => e.surface.nsd)),
      hd95_mm: mean(hd),
      hd95_cases: hd.length,
      lesion_f1: mean(es.map((e) => e.lesions.f1)),
      fp_lesions_per_case: mean(es.map((e) => e.lesions.fp)),
    };
    const aux = auxMeans(rs);
    if (aux) out[m].aux_dice = aux;
  }
  return out;
}

/** One case × arm as a row of `backsplit eval --run ... --json` (aux_dice: BackSplit argmax rows with auxiliary classes). */
export interface CaseRow {
  case: string;
  model: string;
  dice: number;
  nsd: number;
  hd95_mm: number | null;
  lesions: { tp: number; fp: number; fn: number; f1: number };
  /** Per auxiliary class; null where the class is in neither map. */
  aux_dice?: Record<string, number | null>;
}

/** The JSON row of one case result. */
export function caseRow(r: CaseResult): CaseRow {
  const e = r.evaluation;
  const row: CaseRow = {
    case: r.caseId,
    model: r.model,
    dice: e.overlap.dice,
    nsd: e.surface.nsd,
    hd95_mm: e.surface.hd95Mm,
    lesions: { tp: e.lesions.tp, fp: e.lesions.fp, fn: e.lesions.fn, f1: e.lesions.f1 },
  };
  if (r.auxiliary) row.aux_dice = Object.fromEntries(r.auxiliary.classes.map((c) => [c.name, c.present ? c.dice : null]));
  return row;
}
