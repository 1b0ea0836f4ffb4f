/**
 * Detection curves of a finished study (notebook 05): every trained run
 * predicts every test case, and lib/eval turns the lesion probabilities into
 * FROC-style curves per lesion-size subset. This file only reads the runs and
 * predicts; the aggregation is lib/eval detectionCurvesOverRuns.
 */
import { nextMacrotask } from '../core/process';
import type { SegmentationCase } from '../core/types';
import type { ArmName } from '../train/arms';
import { detectionCurvesOverRuns, DetectionCase, DetectionSubset, RunDetectionCurve, RunPredictions } from '../eval/detection-curve';
import { loadRun } from '../run/open';
import { predictCase } from '../run/predict';
import type { RunSummary } from './pipeline';

/**
 * Predict the test cases with each run and compute its detection curves.
 * One run's model is in memory at a time (disposed before the next loads); the lesion
 * probability maps of all runs are kept until the curves are computed.
 * @example const [all, small] = await studyDetectionCurves(results.runs, testCases, [0.1, 0.5, 0.9], [{ name: 'all' }, { name: '< 1 mL', maxVolumeMl: 1 }]);
 * @param runs the study's runs (results.runs)
 * @param testCases the cases to predict (the study's test split)
 * @param thresholds probability thresholds of the curves
 * @param subsets lesion-size subsets; the result has one list of curves per subset, in run order
 * @param log called once per run with a progress line
 * @param onFraction called before each case and after each run with the fraction of predictions done (a notebook's live line)
 */
export async function studyDetectionCurves(
  runs: readonly Pick<RunSummary, 'mode' | 'seed' | 'runDir'>[],
  testCases: readonly SegmentationCase[],
  thresholds: readonly number[],
  subsets: readonly DetectionSubset[],
  log: (line: string) => void = () => undefined,
  onFraction?: (fraction: number, detail: string) => void,
): Promise<RunDetectionCurve<ArmName>[][]> {
  const predictions: RunPredictions<ArmName>[] = [];
  const t0 = Date.now();
  for (const [r, run] of runs.entries()) {
    const loaded = loadRun(run.runDir);
    const cases: DetectionCase[] = [];
    try {
      for (const [i, c] of testCases.entries()) {
        if (onFraction) {
          onFraction((r + i / testCases.length) / runs.length, `${run.mode} seed ${run.seed}, case ${i + 1}/${testCases.length}`);
          await nextMacrotask();
        }
        // the curves threshold p(lesion) themselves; the collapse rule only shapes p.lesionMask, unused here
        const p = await predictCase(loaded.model, loaded.layout, c, { patchSize: loaded.config.patchSize, overlap: loaded.config.inferenceOverlap, rule: 'argmaxIsLesion' });
        cases.push({ caseId: c.id, probability: p.lesionProbability, ref: c.lesion });
      }
    } finally {
      loaded.model.dispose();
    }
    predictions.push({ mode: run.mode, seed: run.seed, cases });
    onFraction?.((r + 1) / runs.length, `${run.mode} seed ${run.seed} done`);
    log(`predicting: run ${r + 1}/${runs.length} (${run.mode} seed ${run.seed}, ${testCases.length} cases) done after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  return detectionCurvesOverRuns(predictions, thresholds, subsets);
}
