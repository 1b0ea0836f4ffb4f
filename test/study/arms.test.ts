import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { smallStudy, studyPreset } from '../../lib/study/config';
import { describeCaseSplit, evaluateModelOnCases, studyCaseSplit, studyRunConfig } from '../../lib/study/pipeline';
import { ARM_NAMES, ARMS } from '../../lib/train/arms';
import { lesionProbabilityMap } from '../../lib/labels/collapse';
import { predictCase } from '../../lib/run/predict';
import {
  announceArmRuns, armRun, describeArmSpeeds, formatTrainedArms, largestLesionCase, predictArmPair, trainStudyArms, TrainedArm,
} from '../../lib/study/arms';
import { tinyCase } from '../train/helpers/fixtures';

describe('smallStudy', () => {
  it('replaces folders, data, split and steps, and the rest only when given', () => {
    const quick = studyPreset('quick');
    const split = { seed: 1, train: 3, validation: 0, test: 2 };
    const s = smallStudy(quick, { runsDir: 'r', dataset: { kind: 'synthetic', cases: 5, seed: 2 }, split, steps: 7 });
    expect(s.runsDir).toBe('r');
    expect(s.reportDir).toBe(quick.reportDir);
    expect(s.seeds).toEqual(quick.seeds);
    expect(s.train.steps).toBe(7);
    expect(s.train.model).toEqual(quick.train.model);
    expect(s.fisher).toEqual(quick.fisher);
    const t = smallStudy(quick, { runsDir: 'r', reportDir: 'p', seeds: [3], dataset: s.dataset, split, steps: 7, channels: [2, 4], fisher: { patches: 1, samples: 1 } });
    expect([t.reportDir, t.seeds, t.train.model!.channels, t.fisher]).toEqual(['p', [3], [2, 4], { patches: 1, samples: 1 }]);
    expect(t.train.model!.family).toBe(quick.train.model!.family);
    expect(quick.train.model!.channels).toEqual([8, 16, 32]);
  });
});

describe('studyCaseSplit / describeCaseSplit', () => {
  it('splits the study cases by its counts and describes them', () => {
    const study = smallStudy(studyPreset('quick'), { runsDir: 'r', dataset: { kind: 'synthetic', cases: 4, seed: 0 }, split: { seed: 0, train: 3, validation: 0, test: 1 }, steps: 1 });
    const s = studyCaseSplit(study);
    expect([s.cases.length, s.trainCases.length, s.testCases.length]).toEqual([4, 3, 1]);
    expect(s.testCases[0].id).toBe(s.splits.test[0]);
    const d = s.cases[0].lesion;
    expect(describeCaseSplit(s, study)).toBe(`4 synthetic cases of ${d.dims.join('×')} voxels (${d.spacing.join('×')} mm); 3 for training, 1 held out for testing; seeds 0`);
  });
});

describe('largestLesionCase', () => {
  it('picks the case with the most lesion voxels, the first of equals', () => {
    const a = tinyCase(0);
    const b = tinyCase(1, [16, 16, 4], false);
    const c = tinyCase(2);
    c.lesion.data[0] = 1;
    expect(largestLesionCase([a, b, c]).id).toBe('tiny2');
    expect(largestLesionCase([b, a]).id).toBe('tiny0');
    expect(() => largestLesionCase([])).toThrow(RangeError);
  });
});

describe('trainStudyArms / predictArmPair / tables', () => {
  it('trains both arms in memory, tabulates them and predicts a case with both', async () => {
    await initBackend({ backend: 'cpu' });
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-arms-'));
    const base = studyPreset('quick');
    const study = smallStudy({ ...base, train: { ...base.train, patchSize: [16, 16], batchSize: 2 } }, {
      runsDir, seeds: [0], dataset: { kind: 'synthetic', cases: 3, seed: 0 }, split: { seed: 0, train: 2, validation: 0, test: 1 }, steps: 2, channels: [2, 4],
    });
    const cases = [tinyCase(0), tinyCase(1)];
    const trained = await trainStudyArms(study, cases, { persist: false, log: () => undefined });
    expect(trained.map((t) => `${t.mode}${t.seed}`)).toEqual(['binary0', 'backsplit0']);
    expect(armRun(trained, 'backsplit', 0).layout.numClasses).toBe(4);
    expect(() => armRun(trained, 'binary', 9)).toThrow(/no binary run with seed 9/);
    const table = formatTrainedArms(trained).split('\n');
    expect(table[0]).toMatch(/^arm\s+seed\s+classes\s+parameters\s+final loss \(mean of last 5 logged\)$/);
    expect(table[2]).toMatch(/^binary\s+0\s+2\s+\d+\s+[\d.]+$/);
    expect(describeArmSpeeds(trained, 1.25, 'cpu')).toMatch(/^2 runs ready in 1\.3 s; mean speed [\d.]+ steps\/s on cpu$/);
    const p = await predictArmPair({ binary: trained[0].result, backsplit: trained[1].result }, cases[0], { patchSize: [16, 16], overlap: 0.25, rule: 'argmaxIsLesion' });
    expect(p.binary.lesionMask.dims).toEqual([16, 16, 4]);
    expect(p.backsplit.auxMap).not.toBeNull();
    expect(p.binary.auxMap).toBeNull();
    for (const t of trained) t.result.model.dispose();
    fs.rmSync(runsDir, { recursive: true, force: true });
  }, 120000);

  it('announces what it reuses (where from) and what it trains; retrain trains afresh', async () => {
    await initBackend({ backend: 'cpu' });
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-arms-reuse-'));
    const base = studyPreset('quick');
    const study = smallStudy({ ...base, train: { ...base.train, patchSize: [16, 16], batchSize: 2 } }, {
      runsDir, seeds: [0], dataset: { kind: 'synthetic', cases: 3, seed: 0 }, split: { seed: 0, train: 2, validation: 0, test: 1 }, steps: 2, channels: [2, 4],
    });
    const cases = [tinyCase(0), tinyCase(1)];
    const run = async (retrain: boolean) => {
      const lines: string[] = [];
      const trained = await trainStudyArms(study, cases, { persist: true, retrain: retrain, log: (l) => lines.push(l) });
      for (const t of trained) t.result.model.dispose();
      return { lines: lines, reused: trained.map((t) => t.result.reused) };
    };
    const first = await run(false);
    expect(first.lines[0]).toMatch(/^binary {4}seed 0: .*binary-seed0: train \(no run there yet\)$/);
    expect(first.lines[2]).toBe('all 2 runs will be trained here (none finished yet).');
    expect(first.reused).toEqual([false, false]);
    const second = await run(false);
    expect(second.lines[1]).toMatch(/^backsplit seed 0: .*backsplit-seed0: REUSE the finished run there \(same config; trained earlier by npm run reproduce or a previous run of this notebook\)$/);
    expect(second.lines[2]).toBe('2 of 2 runs will be reused, not trained: set retrain = true to train them again.');
    expect(second.reused).toEqual([true, true]);
    const third = await run(true);
    expect(third.lines[0]).toMatch(/binary-seed0: retrain = true: delete it and train afresh$/);
    expect(third.lines[2]).toBe('all 2 runs will be trained here (retrain = true).');
    expect(third.reused).toEqual([false, false]);
    expect(announceArmRuns(study, { persist: false })).toEqual(['training 2 runs in memory (nothing is read from or written to a run folder)']);
    fs.rmSync(runsDir, { recursive: true, force: true });
  }, 120000);

  it('says "all reused" when nothing was trained', () => {
    const reused = [{ mode: 'binary', seed: 0, result: { stepsPerSecond: null } }] as unknown as TrainedArm[];
    expect(describeArmSpeeds(reused, 0.04, 'cpu')).toBe('1 runs ready in 0.0 s; all reused');
  });
});

describe('every arm on the synthetic dataset', () => {
  it('trains each arm 3 steps with a finite loss and scores it on the lesion channel p_L', async () => {
    await initBackend({ backend: 'cpu' });
    const base = studyPreset('quick');
    const study = smallStudy({ ...base, train: { ...base.train, patchSize: [32, 32], batchSize: 2, logEvery: 1, inferenceOverlap: 0 } }, {
      runsDir: 'unused', seeds: [0], dataset: { kind: 'synthetic', cases: 3, seed: 0 }, split: { seed: 0, train: 2, validation: 0, test: 1 }, steps: 3, channels: [2, 4],
    });
    const split = studyCaseSplit(study);
    const k = split.cases[0].auxNames!.length;
    const trained = await trainStudyArms(study, split.trainCases, { persist: false, arms: ARM_NAMES, log: () => undefined });
    expect(trained.map((t) => t.mode)).toEqual(ARM_NAMES);
    const testCase = split.testCases[0];
    try {
      for (const t of trained) {
        const arm = ARMS[t.mode];
        const { layout, model } = t.result;
        expect(t.result.lossCurve.map((l) => l.step)).toEqual([1, 2, 3]);
        expect(t.result.lossCurve.every((l) => Number.isFinite(l.loss) && l.loss > 0)).toBe(true);
        expect([layout.mode, layout.numClasses, layout.lesionClass]).toEqual([t.mode, arm.head === '2' ? 2 : k + 2, arm.head === '2' ? 1 : k + 1]);
        // the same map for every arm: the softmax of the last class
        const config = studyRunConfig(study, t.mode, 0);
        const p = await predictCase(model, layout, testCase, { patchSize: config.patchSize, overlap: 0, rule: 'argmaxIsLesion' });
        const n = testCase.lesion.data.length;
        const perClass = Array.from({ length: layout.numClasses }, (_, c) => p.probabilities.slice(c * n, (c + 1) * n));
        expect(p.lesionProbability.data).toEqual(perClass[layout.numClasses - 1]);
        expect(p.lesionProbability.data).toEqual(lesionProbabilityMap(perClass));
        const results = await evaluateModelOnCases(model, layout, [testCase], config, 0);
        const splitArm = arm.labels !== 'binary';
        expect(results.map((r) => r.model)).toEqual(splitArm ? [t.mode, `${t.mode}-sumrule`] : [t.mode]);
        expect(p.auxMap === null).toBe(!splitArm);
        if (splitArm) {
          expect(results[0].auxiliary!.classes.map((c) => c.name)).toEqual(layout.classNames.slice(1, -1));
          expect(results[1].auxiliary).toBeUndefined();
        }
      }
    } finally {
      for (const t of trained) t.result.model.dispose();
    }
  }, 240000);
});
