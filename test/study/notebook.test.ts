import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { generateSyntheticDataset, loadManifest, saveManifest, writeMsdDataset } from '../../lib/data/index';
import type { SegmentationCase } from '../../lib/data/types';
import { makeVolume, writeNifti } from '../../lib/io/index';
import { applyGroupSpec, loadGroupSpec } from '../../lib/labels/index';
import { StudyConfig, studyPreset } from '../../lib/study/config';
import { loadStudyCases, runStudy } from '../../lib/study/pipeline';
import { studyDetectionCurves } from '../../lib/study/detection';
import { detectionCurve } from '../../lib/eval/detection-curve';
import {
  checkMsdLayout, manifestFromMsd, predictCase, readLossCurve, studyRunConfig, SYNTHETIC_AS_TOTALSEGMENTATOR,
  totalSegmentatorStyleLabels, trainOrLoad,
} from '../../lib/study/notebook';
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
      const p = await predictCase(loaded.model, loaded.meta.layout, c, { patchSize: loaded.config.patchSize, overlap: loaded.config.inferenceOverlap });
      cases.push({ caseId: c.id, probability: p.lesionProbability, ref: c.lesion });
    }
    loaded.model.dispose();
    const direct = detectionCurve(cases, [0.2, 0.5]).filter((q) => q.sensitivity !== null);
    expect(all[0].points.map((q) => [q.threshold, q.fpPerCase, q.sensitivity])).toEqual(direct.map((q) => [q.threshold, q.fpPerCase, q.sensitivity]));
  }, 120_000);
});

describe('MSD folder with TotalSegmentator-style aux labels', () => {
  const msd = path.join(tmp, 'Task99_Tiny');
  const auxDir = path.join(tmp, 'auxTr');
  let cases: SegmentationCase[];
  beforeAll(() => {
    cases = generateSyntheticDataset({ seed: 5, cases: 2, size: [32, 32, 8] }).map((c) => c as SegmentationCase);
    const organ = cases[0].auxNames!.indexOf('organ') + 1;
    const onlyLiver = cases.map((c) => ({ ...c, aux: makeVolume(Uint8Array.from(c.aux!.data, (v) => (v === organ ? 1 : 0)), c.aux!.dims, c.aux!.spacing, c.aux!.affine), auxNames: ['liver'] }));
    writeMsdDataset(msd, onlyLiver, { name: 'Task99_Tiny', lesionName: 'tumour' });
    fs.mkdirSync(auxDir, { recursive: true });
    for (const c of cases) writeNifti(path.join(auxDir, `${c.id}.nii.gz`), totalSegmentatorStyleLabels(c), { datatype: 'uint8' });
  });

  it('totalSegmentatorStyleLabels writes TotalSegmentator ids that the total spec groups', () => {
    const ts = totalSegmentatorStyleLabels(cases[0]);
    const spec = loadGroupSpec('total');
    const names = cases[0].auxNames!;
    const grouped = applyGroupSpec(ts, spec, 'test').volume;
    for (let v = 0; v < ts.data.length; v += 7) {
      const src = names[cases[0].aux!.data[v] - 1];
      if (cases[0].aux!.data[v] === 0 || SYNTHETIC_AS_TOTALSEGMENTATOR[src] === null) expect(ts.data[v]).toBe(0);
      else expect(spec.classNames.get(ts.data[v])).toBe(SYNTHETIC_AS_TOTALSEGMENTATOR[src]);
    }
    const organV = cases[0].aux!.data.indexOf(names.indexOf('organ') + 1);
    expect(spec.groupNames[grouped.data[organV] - 1]).toBe('liver');
    const noAux = { ...cases[0], aux: undefined };
    expect(() => totalSegmentatorStyleLabels(noAux)).toThrow(/no auxiliary map/);
  });

  it('checkMsdLayout reports a clean folder and lists every missing file', () => {
    const ok = checkMsdLayout(msd, { auxDir });
    expect(ok.problems).toEqual([]);
    expect(ok.cases.length).toBe(2);
    expect(ok.casesWithAux).toBe(2);
    expect(ok.labels).toEqual({ '0': 'background', '1': 'liver', '2': 'tumour' });
    const broken = path.join(tmp, 'broken');
    fs.cpSync(msd, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'labelsTr', `${cases[1].id}.nii.gz`));
    const r = checkMsdLayout(broken, { auxDir: path.join(tmp, 'nowhere') });
    expect(r.problems.length).toBe(3);
    expect(r.problems.join('\n')).toContain(`case ${cases[1].id}: ${path.join(broken, 'labelsTr', `${cases[1].id}.nii.gz`)} not found`);
    expect(checkMsdLayout(path.join(tmp, 'nothing')).problems[0]).toMatch(/dataset\.json: missing/);
  });

  it('manifestFromMsd gives a manifest that loads with lesion, MSD aux and grouped TotalSegmentator classes', () => {
    const manifestFile = path.join(tmp, 'manifest.json');
    const m = manifestFromMsd(msd, { lesionLabels: [2], extraAux: { dir: auxDir, groups: 'total' }, manifestDir: tmp });
    expect(m.cases[0].channels[0]).toBe(path.join('Task99_Tiny', 'imagesTr', `${cases[0].id}.nii.gz`));
    expect(m.labelAux).toEqual([{ value: 1, name: 'liver' }]);
    saveManifest(manifestFile, m);
    const ds = loadManifest(manifestFile, { deep: true });
    const c = ds.load(0);
    expect(ds.auxNames[0]).toBe('liver');
    expect(ds.auxNames).toContain('vessels');
    let lesion = 0;
    for (let v = 0; v < c.lesion.data.length; v++) lesion += c.lesion.data[v];
    let ref = 0;
    for (let v = 0; v < cases[0].lesion.data.length; v++) ref += cases[0].lesion.data[v];
    expect(lesion).toBe(ref);
    expect(() => manifestFromMsd(msd, { lesionLabels: [5] })).toThrow(/lesion label 5 is not a nonzero label/);
    expect(() => manifestFromMsd(msd, { lesionLabels: [2], auxLabels: [2] })).toThrow(/aux label 2/);
  });
});

// keep the backend explicit so the tests do not depend on other files' setup order
beforeAll(async () => {
  await initBackend();
});
