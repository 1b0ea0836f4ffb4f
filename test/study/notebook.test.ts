import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { generateSyntheticDataset } from '../../lib/data/index';
import type { TidyRow } from '../../lib/eval/tidy';
import { StudyConfig, studyPreset } from '../../lib/study/config';
import { runStudy } from '../../lib/study/pipeline';
import { armMetricMeans, predictCase, readLossCurve, studyRunConfig, trainOrLoad } from '../../lib/study/notebook';
import { loadRun } from '../../lib/train/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'study-notebook-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

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

describe('study runs from a notebook', () => {
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

  it('trainOrLoad reuses a finished run and refuses one with another config', async () => {
    const config = studyRunConfig(cfg, 'backsplit', 0);
    const res = await trainOrLoad({ config, trainCases: [], runDir: config.outputDir });
    expect(res.reused).toBe(true);
    expect(res.stepsPerSecond).toBeNull();
    expect(res.layout.mode).toBe('backsplit');
    expect(res.lossCurve.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(res.lossCurve).toEqual(readLossCurve(config.outputDir));
    res.model.dispose();
    await expect(trainOrLoad({ config: { ...config, steps: 4 }, trainCases: [], runDir: config.outputDir })).rejects.toThrow(/another config/);
  });

  it('trainOrLoad trains in memory when runDir is null', async () => {
    const config = { ...studyRunConfig(cfg, 'binary', 1), steps: 2 };
    const cases = generateSyntheticDataset({ seed: 3, cases: 2 });
    const res = await trainOrLoad({ config, trainCases: cases, runDir: null });
    expect(res.reused).toBe(false);
    expect(res.lossCurve.length).toBe(2);
    expect(res.stepsPerSecond).toBeGreaterThan(0);
    res.model.dispose();
  }, 60_000);

  it('predictCase returns consistent probability, class, lesion and aux maps', async () => {
    const cases = generateSyntheticDataset({ seed: 3, cases: 4 });
    for (const mode of ['binary', 'backsplit'] as const) {
      const run = loadRun(path.join(runsDir, `${mode}-seed0`));
      const p = await predictCase(run.model, run.meta.layout, cases[0], { patchSize: [32, 32], overlap: 0.25 });
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

describe('armMetricMeans', () => {
  it('averages seeds within a case, then cases, per arm and metric', () => {
    const row = (c: string, model: string, seed: number, metric: string, value: number | null): TidyRow => ({ case: c, model, seed, scope: 'lesion', metric, value });
    const rows = [
      row('a', 'binary', 0, 'dice', 0.2), row('a', 'binary', 1, 'dice', 0.4), row('b', 'binary', 0, 'dice', 0.9),
      row('a', 'backsplit', 0, 'dice', 0.5), row('b', 'backsplit', 0, 'dice', null), row('a', 'binary', 0, 'lesion_fp', 3),
    ];
    const out = armMetricMeans(rows, ['binary', 'backsplit', 'other'], ['dice', 'lesion_fp']);
    const binaryDice = out.find((r) => r.arm === 'binary' && r.metric === 'dice')!;
    expect(binaryDice.mean).toBeCloseTo(0.6, 12);
    expect(binaryDice.cases).toBe(2);
    expect(out.find((r) => r.arm === 'backsplit' && r.metric === 'dice')!.cases).toBe(1);
    expect(out.find((r) => r.arm === 'other' && r.metric === 'dice')!.mean).toBeNull();
    expect(out.find((r) => r.arm === 'binary' && r.metric === 'lesion_fp')!.mean).toBe(3);
    expect(out.length).toBe(6);
  });
});

// keep the backend explicit so the tests do not depend on other files' setup order
beforeAll(async () => {
  await initBackend();
});
