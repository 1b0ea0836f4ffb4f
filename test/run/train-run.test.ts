/**
 * The training loop on a tiny model and tiny cases (cpu backend): same seed →
 * same loss curve, no tensor leaks, the run folder's contents, in-process
 * resume after an interruption, and both modes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { resolveTrainConfig, TrainConfig } from '../../lib/train';
import { train, loadRun, loadCheckpoint, readRunMetrics } from '../../lib/run';
import { snapshotVariables } from '../../lib/model';
import { tinyCases } from '../train/helpers/fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const cases = tinyCases(5);
const trainCases = cases.slice(0, 4);
const valCases = cases.slice(4);

function tinyConfig(over: Record<string, unknown> = {}): TrainConfig {
  return resolveTrainConfig({
    model: { channels: [4, 8], norm: 'instance' },
    patchSize: [8, 8],
    batchSize: 2,
    steps: 8,
    learningRate: 0.01,
    validation: { cases: 1, every: 0, overlap: 0 },
    checkpointEvery: 5,
    logEvery: 5,
    outputDir: 'unused',
    ...over,
  });
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bs-train-'));
}

describe('train', () => {
  it('same seed → identical loss curve; another seed → a different one', async () => {
    const a = await train({ config: tinyConfig({ seed: 1 }), trainCases, runDir: null });
    const b = await train({ config: tinyConfig({ seed: 1 }), trainCases, runDir: null });
    const c = await train({ config: tinyConfig({ seed: 2 }), trainCases, runDir: null });
    expect(a.lossCurve.length).toBe(8);
    expect(b.lossCurve).toEqual(a.lossCurve);
    expect(c.lossCurve).not.toEqual(a.lossCurve);
    expect(a.lossCurve.every((l) => Number.isFinite(l.loss))).toBe(true);
  });

  it('keeps the tensor count flat: numTensors after step 10 equals after step 100 (validation in between)', async () => {
    const counts = new Map<number, number>();
    await train({
      config: tinyConfig({ steps: 100, validation: { cases: 1, every: 50, overlap: 0 } }),
      trainCases,
      valCases,
      runDir: null,
      onProgress: (p) => {
        if (p.step === 10 || p.step === 100) counts.set(p.step, tf.memory().numTensors);
      },
    });
    expect(counts.get(10)).toBeDefined();
    expect(counts.get(100)).toBe(counts.get(10));
  });

  it('leaves no tensors behind: after train() and model.dispose() the count is back to where it started', async () => {
    const before = tf.memory().numTensors;
    const r = await train({ config: tinyConfig({ steps: 6 }), trainCases, valCases, runDir: null });
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('learns the tiny task: loss falls and validation lesion Dice is reported', async () => {
    const r = await train({ config: tinyConfig({ steps: 60, learningRate: 0.02 }), trainCases, valCases, runDir: null });
    const first = r.lossCurve.slice(0, 5).reduce((s, l) => s + l.loss, 0) / 5;
    const last = r.lossCurve.slice(-5).reduce((s, l) => s + l.loss, 0) / 5;
    expect(last).toBeLessThan(first * 0.8);
    expect(r.validation.length).toBe(1);
    expect(r.validation[0].perCase[0].id).toBe('tiny4');
    expect(r.validation[0].lesionDice).toBeGreaterThanOrEqual(0);
  });

  it('writes config, meta, metrics and checkpoints; loadRun restores the final weights', async () => {
    const dir = tmpDir();
    const config = tinyConfig({ mode: 'backsplit', steps: 12, outputDir: dir });
    const r = await train({ config, trainCases, valCases, backendReport: { name: 'cpu' } });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual(config);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ backend: 'cpu', seed: 0, backendReport: { name: 'cpu' }, trainCases: ['tiny0', 'tiny1', 'tiny2', 'tiny3'], valCases: ['tiny4'] });
    expect(meta.layout).toMatchObject({ numClasses: 4, lesionClass: 3 });
    expect(meta.versions.tfjs).toBe('4.22.0');
    expect('gitCommit' in meta).toBe(true);
    const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'train').map((l) => l.step)).toEqual([5, 10, 12]);
    expect(lines.some((l) => l.type === 'val' && l.step === 12)).toBe(true);
    const series = readRunMetrics(dir);
    expect(series.train.map((t) => t.step)).toEqual([5, 10, 12]);
    expect(series.validation[0].perCase[0].id).toBe('tiny4');
    expect(series.end!.step).toBe(12);
    expect(fs.readdirSync(path.join(dir, 'checkpoints')).sort()).toEqual(['final.ckpt', 'step-00000005.ckpt', 'step-00000010.ckpt']);
    const ck = loadCheckpoint(path.join(dir, 'checkpoints', 'final.ckpt'));
    expect(ck.meta).toMatchObject({ optimizer: { kind: 'adam', step: 12 }, sampler: { seed: 0, nextStep: 12 } });
    const loaded = loadRun(dir);
    expect(loaded.step).toBe(12);
    expect(loaded.model.config.numClasses).toBe(4);
    const a = snapshotVariables(r.model.variables);
    const b = snapshotVariables(loaded.model.variables);
    for (const [k, v] of a) expect(Array.from(b.get(k)!)).toEqual(Array.from(v));
    // running a finished run again trains nothing and keeps its results
    const again = await train({ config, trainCases, valCases });
    expect(again.startStep).toBe(12);
    expect(again.lossCurve).toEqual([]);
    const b2 = snapshotVariables(again.model.variables);
    for (const [k, v] of a) expect(Array.from(b2.get(k)!)).toEqual(Array.from(v));
    expect(readRunMetrics(dir).validation.length).toBe(1);
    // a different config in the same folder is refused rather than silently mixed
    fs.rmSync(path.join(dir, 'checkpoints', 'final.ckpt'));
    await expect(train({ config: { ...config, learningRate: 0.5 }, trainCases })).rejects.toThrow(/different config\.json/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an interrupted run resumed from its checkpoint ends with the same weights as an uninterrupted one', async () => {
    const full = await train({ config: tinyConfig({ steps: 12 }), trainCases, runDir: null });
    const dir = tmpDir();
    const config = tinyConfig({ steps: 12, outputDir: dir });
    const part = await train({ config, trainCases, stopAfterStep: 8 });
    expect(part.stepsDone).toBe(8);
    const resumed = await train({ config, trainCases });
    expect(resumed.startStep).toBe(5);
    expect(resumed.lossCurve.map((l) => l.step)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    expect(resumed.lossCurve).toEqual(full.lossCurve.slice(5));
    const a = snapshotVariables(full.model.variables);
    const b = snapshotVariables(resumed.model.variables);
    for (const [k, v] of a) expect(Array.from(b.get(k)!)).toEqual(Array.from(v));
    // metrics written after the checkpoint by the interrupted run were dropped, not duplicated
    const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.type}@${l.step}`)).toEqual(['train@5', 'train@10', 'train@12', 'end@12']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains 3D models, deep supervision and SGD without error and deterministically', async () => {
    const cfg3d = tinyConfig({
      patchSize: [4, 8, 8],
      steps: 3,
      optimizer: 'sgd',
      learningRate: 0.01,
      model: { family: 'segresnet', channels: [4, 8], norm: 'group', groups: 2, deepSupervision: true },
      validation: { cases: 1, every: 0, overlap: 0.5 },
    });
    const a = await train({ config: cfg3d, trainCases, valCases, runDir: null });
    const b = await train({ config: cfg3d, trainCases, valCases, runDir: null });
    expect(a.model.config.spatialDims).toBe(3);
    expect(b.lossCurve).toEqual(a.lossCurve);
    expect(a.validation[0].lesionDice).toBeGreaterThanOrEqual(0);
  });
});
