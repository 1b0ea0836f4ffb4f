/**
 * The lesion functional on the wasm backend (the one `backsplit fisher` picks on a CPU machine):
 * it must run there — its per-voxel selection of the lesion and background logits once used
 * tf.gather, whose gradient needs a kernel (UnsortedSegmentSum) that wasm lacks — and agree with
 * the cpu backend on the same trained weights (float32 convolutions differ in summation order).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { loadRunModel, openRun } from '../../lib/run/open';
import { modelLesionFunctional } from '../../lib/study/fisher-lesion';
import { runPatches, trainSmallArms } from '../../lib/study/fisher-runs';
import { TINY_FISHER_ARMS } from './tiny-runs';

let tmp: string;
let dirs: { binary: string; backsplit: string };

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fisher-lesion-wasm-'));
  dirs = await trainSmallArms({ outDir: tmp, config: TINY_FISHER_ARMS });
}, 120_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The exact solve on a backend (the project selects wasm once; tf.setBackend switches to the cpu reference). */
async function exactOn(backend: 'cpu' | 'wasm') {
  await tf.setBackend(backend);
  const run = openRun(dirs.backsplit);
  const arm = loadRunModel(run);
  try {
    return await modelLesionFunctional(arm, runPatches(run, { count: 1, seed: 1, foregroundFraction: 1 }), { solver: 'exact', damping: 1e-3 });
  } finally {
    arm.model.dispose();
  }
}

describe('the lesion functional on wasm', () => {
  it('runs and agrees with cpu on the same weights', async () => {
    const onWasm = await exactOn('wasm');
    const onCpu = await exactOn('cpu');
    expect(Number.isFinite(onWasm.Y) && Number.isFinite(onWasm.Z)).toBe(true);
    expect(onWasm.Z).toBeGreaterThan(onWasm.Y);
    expect(Math.abs(onWasm.Y - onCpu.Y) / onCpu.Y).toBeLessThan(1e-3);
    expect(Math.abs(onWasm.Z - onCpu.Z) / onCpu.Z).toBeLessThan(1e-3);
  }, 300_000);
});
