/**
 * `backsplit eval --run <dir> --split ...`: evaluating a trained run folder on a
 * split of its dataset, with splits from a study's study.json or from the run's
 * own meta.json; clear errors when a split is empty.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { loadTrainingData } from '../../lib/train/prepare';
import { train } from '../../lib/run/train-run';
import { evaluateRun } from '../../lib/study/evaluate-run';
import { evalCommand } from '../../lib/cli/commands/eval';
import { tinyTrainConfig } from './tiny-runs';
import { runCaptured } from '../cli/capture';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-evalrun-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const config = (outputDir: string, mode: 'binary' | 'backsplit') => tinyTrainConfig(outputDir, mode, { kind: 'synthetic', cases: 4, seed: 3 }, 1);

let studyRun = '';
let aloneRun = '';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  // A run trained alone: 3 training cases, 1 validation case, nothing held out for testing.
  aloneRun = path.join(root, 'alone');
  const c1 = config(aloneRun, 'binary');
  const d1 = loadTrainingData(c1);
  (await train({ config: c1, trainCases: d1.trainCases, valCases: d1.valCases, runDir: aloneRun })).model.dispose();
  // A run inside a study folder whose study.json holds out one case for testing.
  const studyDir = path.join(root, 'study');
  studyRun = path.join(studyDir, 'backsplit-seed0');
  const c2 = config(studyRun, 'backsplit');
  const d2 = loadTrainingData({ ...c2, validation: { ...c2.validation, cases: 0 } });
  const ids = d2.trainCases.map((c) => c.id);
  fs.mkdirSync(studyDir, { recursive: true });
  fs.writeFileSync(path.join(studyDir, 'study.json'), JSON.stringify({ splits: { seed: 0, train: ids.slice(0, 3), val: [], test: ids.slice(3) } }));
  (await train({ config: { ...c2, validation: { ...c2.validation, cases: 0 } }, trainCases: d2.trainCases.slice(0, 3), runDir: studyRun })).model.dispose();
});

describe('evaluateRun', () => {
  it('uses the study split and reports BackSplit with both collapse rules', async () => {
    const res = await evaluateRun(studyRun, 'test');
    expect(res.splitSource).toMatch(/study\.json$/);
    expect(res.caseIds).toHaveLength(1);
    expect(res.results.map((r) => r.model).sort()).toEqual(['backsplit', 'backsplit-sumrule']);
    for (const r of res.results) expect(r.evaluation.overlap.dice).toBeGreaterThanOrEqual(0);
    expect(res.results.find((r) => r.model === 'backsplit')!.auxiliary).toBeDefined();
  });

  it('for a run trained alone, val is its validation case and an empty test split is a clear error', async () => {
    const val = await evaluateRun(aloneRun, 'val');
    expect(val.caseIds).toEqual(JSON.parse(fs.readFileSync(path.join(aloneRun, 'meta.json'), 'utf8')).valCases);
    expect(val.results.map((r) => r.model)).toEqual(['binary']);
    await expect(evaluateRun(aloneRun, 'test')).rejects.toThrow(/has no 'test' cases/);
  });

  it('backsplit eval --run --json prints per-case metrics and a per-arm summary', async () => {
    const { code, out } = await runCaptured(evalCommand, ['--run', studyRun, '--split', 'test', '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out.trim().split('\n').pop()!);
    expect(j.split).toBe('test');
    expect(j.summary.map((s: { model: string }) => s.model).sort()).toEqual(['backsplit', 'backsplit-sumrule']);
    expect(j.cases).toHaveLength(2);
    expect(typeof j.cases[0].dice).toBe('number');
    expect(j.cases[0].lesions).toBeDefined();
  });
});
