/**
 * Reading a finished study (lib/study/outcome.ts): which seeds runStudy would reuse (both arms
 * finished with exactly the study's config), validation-curve convergence from metrics.jsonl,
 * and the generated sentences on what the comparison shows — each number traced to its input.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsWriter } from '../../lib/run/metrics';
import { runPaths } from '../../lib/run/layout';
import type { TrainConfig } from '../../lib/train/config';
import { studyPreset, StudyConfig } from '../../lib/study/config';
import { studyRunConfig, StudyResults } from '../../lib/study/pipeline';
import { describeStudyOutcomeHonestly, finishedStudySeeds, validationConvergence } from '../../lib/study/outcome';
import type { StudySummary } from '../../lib/study/report';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-outcome-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A run folder as far as finishedStudySeeds looks: config.json, and checkpoints/final.ckpt when finished. */
function fakeRun(config: TrainConfig, finished: boolean): void {
  const p = runPaths(config.outputDir);
  fs.mkdirSync(p.checkpoints, { recursive: true });
  fs.writeFileSync(p.config, JSON.stringify(config, null, 2));
  if (finished) fs.writeFileSync(p.final, 'weights');
}

describe('finishedStudySeeds', () => {
  it('lists the seeds whose two arms finished with exactly the study config', () => {
    const cfg: StudyConfig = { ...studyPreset('default'), runsDir: path.join(tmp, 'runs'), seeds: [0, 1, 2, 3] };
    expect(finishedStudySeeds(cfg)).toEqual([]);
    fakeRun(studyRunConfig(cfg, 'binary', 0), true);
    fakeRun(studyRunConfig(cfg, 'backsplit', 0), true);
    // seed 1: BackSplit still training
    fakeRun(studyRunConfig(cfg, 'binary', 1), true);
    fakeRun(studyRunConfig(cfg, 'backsplit', 1), false);
    // seed 2: finished, but the binary run trained with other settings
    fakeRun({ ...studyRunConfig(cfg, 'binary', 2), steps: 5 }, true);
    fakeRun(studyRunConfig(cfg, 'backsplit', 2), true);
    // seed 3: nothing
    expect(finishedStudySeeds(cfg)).toEqual([0]);
  });
});

describe('validationConvergence', () => {
  function runWith(name: string, dice: number[]): { mode: 'binary'; seed: number; runDir: string } {
    const runDir = path.join(tmp, name);
    fs.mkdirSync(runDir, { recursive: true });
    const w = new MetricsWriter(runDir);
    w.reset();
    dice.forEach((d, i) => w.validation({ step: 100 * (i + 1), lesionDice: d, perCase: [] }));
    return { mode: 'binary', seed: 0, runDir };
  }

  it('compares the last two validation points with the tolerance, null with fewer than two', () => {
    const runs = [runWith('settled', [0.1, 0.4, 0.5, 0.505]), runWith('moving', [0.2, 0.3, 0.45]), runWith('one', [0.3])];
    const conv = validationConvergence(runs as unknown as StudyResults['runs'], 0.01);
    expect(conv[0].points).toEqual([{ step: 100, dice: 0.1 }, { step: 200, dice: 0.4 }, { step: 300, dice: 0.5 }, { step: 400, dice: 0.505 }]);
    expect(conv[0].lastChange).toBeCloseTo(0.005, 12);
    expect(conv[0].settled).toBe(true);
    expect(conv[0].lastDice).toBe(0.505);
    expect(conv[1].lastChange).toBeCloseTo(0.15, 12);
    expect(conv[1].settled).toBe(false);
    expect([conv[2].lastChange, conv[2].settled, conv[2].lastDice]).toEqual([null, null, 0.3]);
    expect(validationConvergence(runs as unknown as StudyResults['runs'], 0.2)[1].settled).toBe(true);
  });

  it('judges on the named lesion cases only: a silent model is not settled at the normal cases\' Dice 1', () => {
    const runDir = path.join(tmp, 'silent');
    fs.mkdirSync(runDir, { recursive: true });
    const w = new MetricsWriter(runDir);
    w.reset();
    // two normal cases score 1 for predicting nothing; the two infarct cases 0, then 0.3 and 0.1
    const perCase = (a: number, b: number) => [{ id: 'N1', lesionDice: 1 }, { id: 'N2', lesionDice: 1 }, { id: 'P1', lesionDice: a }, { id: 'P2', lesionDice: b }];
    w.validation({ step: 100, lesionDice: 0.5, perCase: perCase(0, 0) });
    w.validation({ step: 200, lesionDice: 0.6, perCase: perCase(0.3, 0.1) });
    const runs = [{ mode: 'backsplit', seed: 0, runDir }] as unknown as StudyResults['runs'];
    const all = validationConvergence(runs, 0.01)[0];
    expect(all.points.map((p) => p.dice)).toEqual([0.5, 0.6]);
    const lesionOnly = validationConvergence(runs, 0.01, new Set(['P1', 'P2']))[0];
    expect(lesionOnly.points.map((p) => p.dice)).toEqual([0, 0.2]);
    expect(lesionOnly.lastChange).toBeCloseTo(0.2, 12);
    expect(lesionOnly.settled).toBe(false);
    expect(Number.isNaN(validationConvergence(runs, 0.01, new Set(['X']))[0].points[0].dice)).toBe(true);
  });
});

describe('describeStudyOutcomeHonestly', () => {
  const cmp = (metric: string, modelA: string, meanA: number, meanB: number, ci: [number, number] | null, p: number | null) => ({
    metric, modelA, modelB: 'binary', n: 5, meanA, meanB, meanDifference: meanA - meanB, meanDifferenceCi: ci, wilcoxon: p === null ? null : { pValue: p },
  });
  const summary = {
    comparisons: [
      cmp('dice', 'backsplit', 0.55, 0.5, [-0.02, 0.12], 0.31),
      cmp('dice', 'backsplit-sumrule', 0.6, 0.5, [0.03, 0.17], 0.04),
      cmp('lesion_f1', 'backsplit', 0.4, 0.5, [-0.2, -0.01], 0.02),
    ],
  } as unknown as StudySummary;
  const caseResult = (caseId: string, lesions: number) => ({ caseId, model: 'binary', seed: 0, evaluation: { lesions: { reference: new Array(lesions).fill({}) } } });
  const results = {
    config: { seeds: [0], train: { steps: 700 } },
    splits: { train: new Array(48).fill('t'), val: new Array(8).fill('v'), test: ['P1', 'P2', 'P3', 'N1', 'N2'] },
    cases: [caseResult('P1', 1), caseResult('P2', 2), caseResult('P3', 1), caseResult('N1', 0), caseResult('N2', 0)],
  } as unknown as StudyResults;
  const convergence = [
    { mode: 'binary' as const, seed: 0, points: [], lastChange: 0.004, lastDice: 0.6, settled: true },
    { mode: 'backsplit' as const, seed: 0, points: [], lastChange: 0.08, lastDice: 0.5, settled: false },
  ];
  const lines = describeStudyOutcomeHonestly(summary, { results, convergence, tolerance: 0.01, setting: 'a test setting' });

  it('states the design from the results: seeds, steps, patients per split', () => {
    expect(lines[0]).toBe('This run: 1 seed(s) per arm, 700 training steps each on 48 training patients, 8 validation patients, evaluated on 5 held-out test patients (pairs = patients, seeds averaged).');
  });

  it('gives each effect with its interval against 0', () => {
    expect(lines[1]).toBe('Lesion Dice, BackSplit (argmax): binary 0.500, backsplit 0.550; difference 0.050, 95% CI [-0.020, 0.120] over 5 test patients (Wilcoxon p = 0.31); the interval contains 0.');
    expect(lines[2]).toMatch(/^Lesion Dice, BackSplit \(sum rule\): .*difference 0\.100, 95% CI \[0\.030, 0\.170\] .*\(Wilcoxon p = 0\.040\); the interval lies entirely above 0\.$/);
    expect(lines[3]).toMatch(/^Lesion F1, BackSplit \(argmax\): .*difference -0\.100, .*the interval lies entirely below 0\.$/);
  });

  it('counts the test patients without a lesion, names the unsettled runs, and states the limits', () => {
    expect(lines[4]).toMatch(/^2 of the 5 test patients have no lesion in the reference/);
    expect(lines[5]).toMatch(/^Training had not settled: the validation lesion Dice of backsplit seed 0 \(0\.080\) still changed by more than 0\.01/);
    expect(lines[5]).not.toContain('binary seed 0');
    expect(lines[6]).toMatch(/^With one seed/);
    expect(lines[7]).toMatch(/^What it does not show: this is a test setting, with 48 training patients and 700 steps per run/);
    expect(lines).toHaveLength(8);
  });

  it('flags runs whose flat curve sits at a validation Dice too low to be convergence', () => {
    const low = [convergence[0], { ...convergence[1], lastChange: 0.001, lastDice: 0.013, settled: true }];
    const text = describeStudyOutcomeHonestly(summary, { results, convergence: low, tolerance: 0.01, setting: 's' });
    expect(text[5]).toMatch(/^Every run's validation lesion Dice changed by at most 0\.01/);
    expect(text[6]).toBe('backsplit seed 0 ended at a validation lesion Dice below 0.1 (0.013): such a model has not yet learned to segment the lesion, and a flat curve that low is not convergence.');
  });

  it('says so when every curve had flattened, and when convergence cannot be judged', () => {
    const settled = convergence.map((c) => ({ ...c, lastChange: 0.002, settled: true }));
    const text = describeStudyOutcomeHonestly(summary, { results, convergence: settled, tolerance: 0.01, setting: 's' }).join('\n');
    expect(text).toContain("Every run's validation lesion Dice changed by at most 0.01 between its last two passes (binary seed 0 (0.002), backsplit seed 0 (0.002))");
    const unjudged = describeStudyOutcomeHonestly(summary, { results, convergence: [{ ...convergence[0], lastChange: null, settled: null }], tolerance: 0.01, setting: 's' });
    expect(unjudged.join('\n')).not.toContain('below 0.1');
    expect(unjudged.join('\n')).toContain('Convergence cannot be judged: no run has two validation passes.');
  });
});
