/**
 * Evaluate a trained run folder on one split of its dataset (`backsplit eval
 * --run <dir> --split test`). Splits come from the study that produced the run
 * (`study.json` beside the run folders) or, for a run trained alone, from its
 * meta.json: 'train' and 'val' are the cases it used, 'test' every other case.
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
