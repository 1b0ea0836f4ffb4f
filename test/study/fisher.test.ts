import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/select';
import { UsageError } from '../../lib/cli/args';
import { fisherCommand } from '../../lib/cli/commands/fisher';
import { generateSyntheticDataset } from '../../lib/data/synthetic';
import { SegmentationCase } from '../../lib/core/types';
import { fisherPatches, layerOfVariable, modelFisher, modelGradientNoise, patchTraceMaps, reportByLayer, tracesByLayer } from '../../lib/study/fisher';
import { findArmRuns, fisherThroughTraining, runPatches, trainSmallArms } from '../../lib/study/fisher-runs';
import { loadRun, loadRunModel, openRun, RunFolder } from '../../lib/run/open';
import { TINY_FISHER_ARMS } from './tiny-runs';
import { runCaptured } from '../cli/capture';

// Two tiny runs (binary and BackSplit, same seed and patches) trained for a few
// steps on the cpu backend, shared by the tests below.
let tmp: string;
let cases: SegmentationCase[];
let dirs: { binary: string; backsplit: string };
const TRAIN = TINY_FISHER_ARMS;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fisher-exp-'));
  cases = generateSyntheticDataset({ seed: 3, cases: 2 }); // the cases TRAIN.dataset names
  dirs = await trainSmallArms({ outDir: tmp, config: TRAIN });
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('trainSmallArms / findArmRuns', () => {
  it("trains both arms on the config's cases, reuses finished runs, and finds both layouts", async () => {
    const before = fs.statSync(path.join(dirs.binary, 'checkpoints', 'final.ckpt')).mtimeMs;
    const again = await trainSmallArms({ outDir: tmp, config: TRAIN });
    expect(again).toEqual(dirs);
    expect(fs.statSync(path.join(dirs.binary, 'checkpoints', 'final.ckpt')).mtimeMs).toBe(before);
    expect(findArmRuns(tmp)).toEqual(dirs);
    expect(findArmRuns(path.join(tmp, 'nothing-here'))).toBeNull();
    const study = fs.mkdtempSync(path.join(os.tmpdir(), 'fisher-study-'));
    try {
      for (const name of ['binary-seed1', 'backsplit-seed1', 'binary-seed0']) {
        fs.mkdirSync(path.join(study, name));
        fs.writeFileSync(path.join(study, name, 'config.json'), '{}');
        fs.writeFileSync(path.join(study, name, 'meta.json'), '{}');
      }
      expect(findArmRuns(study)).toEqual({ binary: path.join(study, 'binary-seed1'), backsplit: path.join(study, 'backsplit-seed1') });
    } finally {
      fs.rmSync(study, { recursive: true, force: true });
    }
  });
});

describe('fisherPatches', () => {
  it('cuts the same images for both modes, with binary labels = (BackSplit label is the lesion)', () => {
    const p = fisherPatches(cases, { patchSize: [16, 16], count: 6, seed: 1 });
    expect(p.shape).toEqual([6, 16, 16, 1]);
    expect(p.images.length).toBe(6 * 16 * 16);
    const bs = p.layouts.backsplit!;
    expect(p.layouts.binary!.numClasses).toBe(2);
    expect(bs.numClasses).toBe(8);
    const lb = p.labels.binary!;
    const ly = p.labels.backsplit!;
    let lesion = 0;
    for (let i = 0; i < lb.length; i++) {
      expect(lb[i]).toBe(ly[i] === bs.lesionClass ? 1 : 0);
      lesion += lb[i];
    }
    expect(lesion).toBeGreaterThan(0); // half the patches are centred on a lesion
    expect(p.lesionFraction).toBeCloseTo(lesion / lb.length, 12);
    expect(new Set(Array.from(ly)).size).toBeGreaterThan(2);
    const again = fisherPatches(cases, { patchSize: [16, 16], count: 6, seed: 1 });
    expect(again.images).toEqual(p.images);
    const other = fisherPatches(cases, { patchSize: [16, 16], count: 6, seed: 2 });
    expect(other.images).not.toEqual(p.images);
  });

  it('rejects bad input with a message', () => {
    expect(() => fisherPatches([], { patchSize: [16, 16] })).toThrow(/no cases/);
    expect(() => fisherPatches(cases, { patchSize: [16, 16], count: 0 })).toThrow(/count must be a positive integer, got 0/);
  });
});

describe('layer grouping', () => {
  it('maps variables to layers and sums their traces in network order', () => {
    expect(layerOfVariable('enc0/conv1/kernel')).toBe('enc0/conv1');
    expect(layerOfVariable('enc0/conv1/norm/gamma')).toBe('enc0/conv1');
    expect(layerOfVariable('head/bias')).toBe('head');
    expect(layerOfVariable('w')).toBe('w');
    const rows = tracesByLayer([
      { name: 'enc0/conv0/kernel', size: 9, trace: 1 },
      { name: 'enc0/conv0/norm/beta', size: 2, trace: 0.5 },
      { name: 'head/kernel', size: 4, trace: 2 },
      { name: 'head/bias', size: 2, trace: 0.25 },
    ]);
    expect(rows).toEqual([
      { name: 'enc0/conv0', size: 11, trace: 1.5 },
      { name: 'head', size: 6, trace: 2.25 },
    ]);
  });
});

describe('run folders', () => {
  let runs: { binary: RunFolder; backsplit: RunFolder };
  beforeAll(() => {
    runs = { binary: openRun(dirs.binary), backsplit: openRun(dirs.backsplit) };
  });

  it('lists the checkpoints and loads the weights lib/train saved (step 0 = the seeded initialisation)', () => {
    expect(runs.backsplit.checkpoints.map((c) => c.step)).toEqual([2, 4]);
    const arm = loadRunModel(runs.backsplit);
    const ref = loadRun(dirs.backsplit);
    try {
      expect(arm.step).toBe(4);
      expect(arm.layout.numClasses).toBe(8);
      for (const [name, v] of arm.model.variables) expect(v.dataSync()).toEqual(ref.model.variables.get(name)!.dataSync());
      const init = loadRunModel(runs.backsplit, 0);
      const k = 'head/kernel';
      expect(init.model.variables.get(k)!.dataSync()).not.toEqual(arm.model.variables.get(k)!.dataSync());
      init.model.dispose();
      expect(() => loadRunModel(runs.backsplit, 3)).toThrow(/no checkpoint at step 3 \(has 2, 4\)/);
    } finally {
      arm.model.dispose();
      ref.model.dispose();
    }
    expect(() => openRun(tmp)).toThrow(/is not a training run folder/);
  });

  it('binary model: F_Y and F_Z coincide exactly; BackSplit model: F_Y > F_Z at the same weights (MC, seeded)', async () => {
    const patches = runPatches(runs.backsplit, { count: 4, seed: 0 });
    const bin = loadRunModel(runs.binary);
    const bs = loadRunModel(runs.backsplit);
    const before = tf.memory().numTensors;
    try {
      const rb = await modelFisher(bin, patches, { samples: 2, seed: 1 });
      expect(rb.numClasses).toBe(2);
      expect(rb.y.trace).toBe(rb.z.trace);
      expect(rb.traceRatio).toBe(1);
      const ry = await modelFisher(bs, patches, { samples: 2, seed: 1 });
      expect(ry.numClasses).toBe(8);
      expect(ry.numExamples).toBe(4);
      expect(ry.samplesPerExample).toBe(2);
      expect(ry.y.trace).toBeGreaterThan(ry.z.trace);
      // variables carry the network's own names, in network order, with sizes that add up
      expect(ry.y.perLayer.map((l) => l.name)).toEqual([...bs.model.variables.keys()]);
      expect(ry.y.perLayer.reduce((s, l) => s + l.size, 0)).toBe(bs.model.parameterCount());
      const folded = reportByLayer(ry);
      expect(folded.y.perLayer.map((l) => l.name)).toEqual(['enc0/conv0', 'enc0/conv1', 'enc1/conv0', 'enc1/conv1', 'dec0/up', 'dec0/conv0', 'dec0/conv1', 'head']);
      expect(folded.y.perLayer.reduce((s, l) => s + l.trace, 0)).toBeCloseTo(ry.y.trace, 8);
      // the same seed gives the same numbers
      const again = await modelFisher(bs, patches, { samples: 2, seed: 1 });
      expect(again.y.trace).toBe(ry.y.trace);
      expect(tf.memory().numTensors).toBe(before);
      // inputs that do not fit the model are refused with the reason
      await expect(modelFisher(bs, fisherPatches(cases, { patchSize: [4, 16, 16], count: 2 }))).rejects.toThrow(/a 2D model needs rank-4 patches, got shape \[2,4,16,16,1\]/);
      const binaryOnly = { ...patches, labels: { binary: patches.labels.binary } };
      await expect(modelFisher(bs, binaryOnly)).rejects.toThrow(/no 'backsplit' labels/);
    } finally {
      bin.model.dispose();
      bs.model.dispose();
    }
  }, 60_000);

  it('gradient noise: per variable, from consecutive minibatches, with the variance trace positive', async () => {
    const patches = runPatches(runs.backsplit, { count: 6, seed: 0 });
    const arm = loadRunModel(runs.backsplit);
    try {
      const g = await modelGradientNoise(arm, patches, { batchSize: 2 });
      expect(g.numBatches).toBe(3);
      expect(g.likelihood).toBe('y');
      expect(g.perVariable[0].name).toBe('enc0/conv0/kernel');
      expect(g.total.varianceTrace).toBeGreaterThan(0);
      expect(g.total.noiseToSignal).toBeCloseTo(g.total.varianceTrace / g.total.meanGradSqNorm, 10);
      await expect(modelGradientNoise(arm, patches, { batchSize: 4 })).rejects.toThrow(/at least 2 minibatches of 4 patches, have 6/);
    } finally {
      arm.model.dispose();
    }
  }, 60_000);

  it('fisherThroughTraining measures at step 0 and at every checkpoint', async () => {
    const patches = runPatches(runs.binary, { count: 4, seed: 0 });
    const points = await fisherThroughTraining(runs.binary, patches, { samples: 1, gradientNoiseBatchSize: 2 });
    expect(points.map((p) => p.step)).toEqual([0, 2, 4]);
    for (const p of points) {
      expect(p.report.kind).toBe('mc');
      expect(p.report.y.trace).toBeGreaterThan(0);
      expect(p.noise!.numBatches).toBe(2);
    }
    expect(points[0].report.y.trace).not.toBe(points[2].report.y.trace);
  }, 60_000);
});

describe('backsplit fisher', () => {
  const capture = (argv: string[]) => runCaptured(fisherCommand, argv);

  it('prints the FisherReport of a run as JSON, equal to modelFisher with the same settings', async () => {
    const { code, out } = await capture(['--run', dirs.backsplit, '--json', '--samples', '1', '--patches', '3', '--seed', '2', '--backend', 'cpu']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.kind).toBe('mc');
    expect(json.description).toMatch(/Monte-Carlo/);
    expect(json.run).toMatchObject({ dir: dirs.backsplit, mode: 'backsplit', step: 4 });
    expect(json.patches).toMatchObject({ count: 3, patchSize: [16, 16], seed: 2, source: 'training' });
    expect(json.numExamples).toBe(3);
    const run = openRun(dirs.backsplit);
    const arm = loadRunModel(run);
    try {
      const ref = await modelFisher(arm, runPatches(run, { count: 3, seed: 2 }), { samples: 1, seed: 2 });
      expect(json.y.trace).toBe(ref.y.trace);
      expect(json.z.trace).toBe(ref.z.trace);
      expect(json.y.perLayer[0].name).toBe('enc0/conv0/kernel');
    } finally {
      arm.model.dispose();
    }
  }, 60_000);

  it('prints a human summary with per-layer traces and the empirical-Fisher warning', async () => {
    const { code, out } = await capture(['--run', dirs.binary, '--kind', 'empirical', '--patches', '2', '--step', '2', '--backend', 'cpu']);
    expect(code).toBe(0);
    expect(out).toMatch(/step 2\)/);
    expect(out).toMatch(/2 classes: Z is Y/);
    expect(out).toMatch(/head\s+\S+\s+\S+/);
    expect(out).toMatch(/not an estimate of the Fisher information/);
  }, 60_000);

  it('rejects bad flags as usage errors and a non-run folder by name', async () => {
    await expect(fisherCommand.run([])).rejects.toThrow(UsageError);
    await expect(fisherCommand.run(['--run', dirs.binary, '--kind', 'diag'])).rejects.toThrow(/--kind must be mc, exact or empirical, got 'diag'/);
    await expect(fisherCommand.run(['--run', dirs.binary, '--samples', '0'])).rejects.toThrow(/--samples must be a positive integer/);
    await expect(fisherCommand.run(['--run', tmp])).rejects.toThrow(new RegExp(`${tmp.replace(/[/.]/g, '\\$&')} is not a training run folder`));
  });
});

describe('patchTraceMaps', () => {
  it('gives per-voxel closed-form traces of a BackSplit model with gap = tr I_Y − tr I_Z ≥ 0, and a zero gap for a binary model', () => {
    const run = openRun(dirs.backsplit);
    const patches = runPatches(run, { count: 4, seed: 0 });
    const arm = loadRunModel(run);
    const bin = loadRunModel(openRun(dirs.binary));
    try {
      const m = patchTraceMaps(arm, patches);
      expect(m.gap.length).toBe(16);
      expect(m.gap[0].length).toBe(16);
      let lesion = 0;
      for (let r = 0; r < 16; r++) {
        for (let c = 0; c < 16; c++) {
          expect(m.gap[r][c]).toBeGreaterThanOrEqual(-1e-9);
          expect(m.y[r][c] - m.z[r][c]).toBeCloseTo(m.gap[r][c], 6);
          expect(m.lesionProbability[r][c]).toBeGreaterThan(0);
          if (m.labels[r][c] === arm.layout.lesionClass) lesion++;
        }
      }
      expect(lesion).toBeGreaterThan(0); // the default patch is the one with the most lesion
      expect(Math.max(...m.gap.flat())).toBeGreaterThan(0.01);
      const mb = patchTraceMaps(bin, patches, 1);
      expect(Math.max(...mb.gap.flat().map(Math.abs))).toBeLessThan(1e-6);
      expect(() => patchTraceMaps(arm, patches, 4)).toThrow(/patch index must be in \[0, 3\], got 4/);
    } finally {
      arm.model.dispose();
      bin.model.dispose();
    }
  });
});
