/**
 * The study pipeline's runs outside runStudy: studyRunConfig is the config runStudy
 * trains with, so lib/run's trainOrReuse reuses a study run and predictCase reads it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { generateSyntheticDataset } from '../../lib/data/index';
import { lossCurve, readRunMetrics } from '../../lib/run/metrics';
import { loadRun } from '../../lib/run/open';
import { predictCase } from '../../lib/run/predict';
import { trainOrReuse } from '../../lib/run/reuse';
import { StudyConfig, studyPreset } from '../../lib/study/config';
import { loadStudyCases, runStudy, studyRunConfig } from '../../lib/study/pipeline';
import { studyDetectionCurves } from '../../lib/study/detection';
import { detectionCurve } from '../../lib/eval/detection-curve';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'study-pipeline-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  await initBackend();
});

function tinyStudy(runsDir: string): StudyConfig {
  const cfg = studyPreset('quick');
  return {
    ...cfg,
    runsDir,
    reportDir: path.join(runsDir, 'report'),
    seeds: [0],
    dataset: { kind: 'synthetic', cases: 4, seed: 3 },
    split: { seed: 0, train: 2, validation: 0, test: 2 },
    train: { ...cfg.train, model: { ...cfg.train.model!, channels: [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: 3, logEvery: 1, checkpointEvery: 0 },
    fisher: { patches: 1, samples: 1 },
  };
}

describe('study runs used outside runStudy (notebooks)', () => {
  const runsDir = path.join(tmp, 'runs');
  let cfg: StudyConfig;
  beforeAll(async () => {
    cfg = tinyStudy(runsDir);
    await runStudy(cfg, () => undefined);
  }, 120_000);

  it('studyRunConfig is exactly the config runStudy trained with', () => {
    for (const mode of ['binary', 'backsplit'] as const) {
      const written = JSON.parse(fs.readFileSync(path.join(runsDir, `${mode}-seed0`, 'config.json'), 'utf8'));
      expect(studyRunConfig(cfg, mode, 0)).toEqual(written);
    }
    expect(studyRunConfig(cfg, 'backsplit', 7).outputDir).toBe(path.join(runsDir, 'backsplit-seed7'));
  });

  it('trainOrReuse reuses a finished run and refuses one with another config', async () => {
    const config = studyRunConfig(cfg, 'backsplit', 0);
    const res = await trainOrReuse({ config, cases: { trainCases: [] }, runDir: config.outputDir });
    expect(res.reused).toBe(true);
    expect(res.stepsPerSecond).toBeNull();
    expect(res.layout.mode).toBe('backsplit');
    expect(res.lossCurve.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(res.lossCurve).toEqual(lossCurve(readRunMetrics(config.outputDir)));
    res.model.dispose();
    await expect(trainOrReuse({ config: { ...config, steps: 4 }, cases: { trainCases: [] }, runDir: config.outputDir })).rejects.toThrow(/another config/);
  });

  it('trainOrReuse trains in memory when runDir is null', async () => {
    const config = { ...studyRunConfig(cfg, 'binary', 1), steps: 2 };
    const cases = generateSyntheticDataset({ seed: 3, cases: 2 });
    const res = await trainOrReuse({ config, cases: { trainCases: cases }, runDir: null });
    expect(res.reused).toBe(false);
    expect(res.lossCurve.length).toBe(2);
    expect(res.stepsPerSecond).toBeGreaterThan(0);
    res.model.dispose();
  }, 60_000);

  it('predictCase returns consistent probability, class, lesion and aux maps', async () => {
    const cases = generateSyntheticDataset({ seed: 3, cases: 4 });
    for (const mode of ['binary', 'backsplit'] as const) {
      const run = loadRun(path.join(runsDir, `${mode}-seed0`));
      const p = await predictCase(run.model, run.meta.layout, cases[0], { patchSize: [32, 32], overlap: 0.25, rule: 'argmaxIsLesion' });
      const n = cases[0].lesion.data.length;
      const k = run.meta.layout.numClasses;
      expect(p.probabilities.length).toBe(n * k);
      expect(p.lesionProbability.dims).toEqual(cases[0].lesion.dims);
      for (const v of [0, 17, Math.floor(n / 2), n - 1]) {
        let best = 0;
        for (let c = 1; c < k; c++) if (p.probabilities[c * n + v] > p.probabilities[best * n + v]) best = c;
        expect(p.classMap.data[v]).toBe(best);
        expect(p.lesionMask.data[v]).toBe(best === run.meta.layout.lesionClass ? 1 : 0);
        expect(p.lesionProbability.data[v]).toBeCloseTo(p.probabilities[run.meta.layout.lesionClass * n + v], 7);
      }
      if (mode === 'binary') expect(p.auxMap).toBeNull();
      else {
        for (let v = 0; v < n; v++) if (p.lesionMask.data[v]) expect(p.auxMap!.data[v]).toBe(0);
      }
      run.model.dispose();
    }
  }, 60_000);
});

describe('studyDetectionCurves', () => {
  const runsDir = path.join(tmp, 'runs'); // the study trained above: runStudy reuses its finished runs
  it('predicts every test case with every run and matches detectionCurve on the same predictions', async () => {
    const cfg = tinyStudy(runsDir);
    const results = await runStudy(cfg, () => undefined);
    const testCases = loadStudyCases(cfg).filter((c) => results.splits.test.includes(c.id));
    const lines: string[] = [];
    const [all, small] = await studyDetectionCurves(results.runs, testCases, [0.2, 0.5], [{ name: 'all' }, { name: 'small', maxVolumeMl: 0.5 }], (l) => lines.push(l));
    expect(all.map((c) => `${c.mode}-${c.seed}`)).toEqual(results.runs.map((r) => `${r.mode}-${r.seed}`));
    expect(small.map((c) => c.subset)).toEqual(['small', 'small']);
    expect(lines).toHaveLength(results.runs.length);
    const loaded = loadRun(results.runs[0].runDir);
    const cases = [];
    for (const c of testCases) {
      const p = await predictCase(loaded.model, loaded.layout, c, { patchSize: loaded.config.patchSize, overlap: loaded.config.inferenceOverlap, rule: 'argmaxIsLesion' });
      cases.push({ caseId: c.id, probability: p.lesionProbability, ref: c.lesion });
    }
    loaded.model.dispose();
    const direct = detectionCurve(cases, [0.2, 0.5]).filter((q) => q.sensitivity !== null);
    expect(all[0].points.map((q) => [q.threshold, q.fpPerCase, q.sensitivity])).toEqual(direct.map((q) => [q.threshold, q.fpPerCase, q.sensitivity]));
  }, 120_000);
});

describe('a run trained again does not reuse results cached from earlier weights', () => {
  it('drops test-evaluation.json and fisher-mc.json when the model is trained afresh (checkpoints deleted)', async () => {
    const runsDir = path.join(tmp, 'runs-stale');
    const cfg = tinyStudy(runsDir);
    await runStudy(cfg, () => undefined);
    const runDir = path.join(runsDir, 'binary-seed0');
    // plant results no model of this run made, then delete what made the run "finished"
    fs.writeFileSync(path.join(runDir, 'test-evaluation.json'), '[]\n');
    fs.writeFileSync(path.join(runDir, 'fisher-mc.json'), '{"planted": true}\n');
    fs.rmSync(path.join(runDir, 'checkpoints'), { recursive: true, force: true });
    const lines: string[] = [];
    await runStudy(cfg, (l) => lines.push(l));
    expect(lines.some((l) => /test-evaluation\.json, fisher-mc\.json predate the model trained now/.test(l))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'test-evaluation.json'), 'utf8'))).toHaveLength(2);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'fisher-mc.json'), 'utf8')).planted).toBeUndefined();
  }, 180_000);
});
