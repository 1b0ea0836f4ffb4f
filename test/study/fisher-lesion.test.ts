/**
 * The lesion-functional Fisher of trained runs (lib/study/fisher-lesion.ts) and
 * `backsplit fisher --lesion-functional`: on two tiny runs (binary and BackSplit)
 * trained for a few steps on the cpu backend, CG against the dense exact solve,
 * the functionals cut from the patches, the CLI's JSON and its usage errors.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/select';
import { UsageError } from '../../lib/cli/args';
import { fisherCommand } from '../../lib/cli/commands/fisher';
import { FisherPatches } from '../../lib/study/fisher';
import { modelLesionFunctional, patchFunctional } from '../../lib/study/fisher-lesion';
import { runPatches, trainSmallArms } from '../../lib/study/fisher-runs';
import { loadRunModel, openRun, RunModel } from '../../lib/run/open';
import { TINY_FISHER_ARMS } from './tiny-runs';
import { runCaptured } from '../cli/capture';

let tmp: string;
let dirs: { binary: string; backsplit: string };
const TRAIN = TINY_FISHER_ARMS;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fisher-lesion-'));
  dirs = await trainSmallArms({ outDir: tmp, config: TRAIN });
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const capture = (argv: string[]) => runCaptured(fisherCommand, argv);

describe('patchFunctional', () => {
  it('lesion-mean weighs the reference lesion voxels equally, voxel picks one of them, volume weighs every voxel', () => {
    const patches = runPatches(openRun(dirs.backsplit), { count: 3, seed: 1 });
    const lesion = patches.labels.binary!;
    const count = lesion.reduce((s, l) => s + l, 0);
    expect(count).toBeGreaterThan(0);
    const mean = patchFunctional(patches, 'lesion-mean');
    expect(mean.quantity).toBe('psi');
    mean.weights.forEach((w, i) => expect(w).toBeCloseTo(lesion[i] ? 1 / count : 0, 7));
    const voxel = patchFunctional(patches, 'voxel');
    const at = voxel.weights.findIndex((w) => w === 1);
    expect(lesion[at]).toBe(1);
    expect(voxel.weights.reduce((s, w) => s + w, 0)).toBe(1);
    expect(voxel.description).toMatch(/most central reference-lesion voxel of patch \d \(case /);
    const volume = patchFunctional(patches, 'volume');
    expect(volume.quantity).toBe('probability');
    expect(volume.weights.every((w) => w === 1)).toBe(true);
    const empty: FisherPatches = { ...patches, labels: { ...patches.labels, binary: new Int32Array(lesion.length) } };
    expect(() => patchFunctional(empty, 'lesion-mean')).toThrow(/no lesion voxel/);
    expect(() => patchFunctional(empty, 'voxel')).toThrow(/no lesion voxel/);
  });
});

describe('modelLesionFunctional on a trained BackSplit U-Net', () => {
  let arm: RunModel;
  let patches: FisherPatches;
  beforeAll(() => {
    const run = openRun(dirs.backsplit);
    arm = loadRunModel(run);
    patches = runPatches(run, { count: 1, seed: 1, foregroundFraction: 1 });
  });
  afterAll(() => arm.model.dispose());

  it('CG on Fisher-vector products agrees with the dense exact solve (same λ); Z ≥ Y; the pencil is ≥ 1', async () => {
    const exact = await modelLesionFunctional(arm, patches, { solver: 'exact', damping: 1e-3 });
    const lambda = exact.lambda;
    expect(exact.lambdaRule).toMatch(/0.001 × tr\(F_Y\) \/ P, tr\(F_Y\) = .* \(exact\)/);
    // exact products (double-backward JVPs): CG is driven by its residual alone, to 1e-6
    const cg = await modelLesionFunctional(arm, patches, { solver: 'cg', lambda, tolerance: 1e-6, quadraticTolerance: 0, maxIterations: 2000, subspaceDimension: 3 });
    expect(exact.numClasses).toBe(8);
    expect(exact.solver.method).toMatch(/dense Cholesky/);
    expect(exact.Z).toBeGreaterThan(exact.Y);
    expect((cg.solver as { converged: unknown }).converged).toEqual({ Y: true, Z: true });
    expect(Math.abs(cg.Y - exact.Y) / exact.Y).toBeLessThan(1e-4);
    expect(Math.abs(cg.Z - exact.Z) / exact.Z).toBeLessThan(1e-4);
    expect(cg.pencil!.smallest).toBeGreaterThan(1 - 1e-2);
    // converged: the Gauss–Radau bracket has closed on the dense value
    for (const lik of ['Y', 'Z'] as const) expect((cg.bounds![lik][1] - cg.bounds![lik][0]) / exact[lik]).toBeLessThan(1e-4);
    // stopped early (40 and 150 of the ~800 products needed): the bracket holds the dense value (to the float32
    // products' error) and the ratio's bracket holds the dense ratio
    for (const iters of [40, 150]) {
      const early = await modelLesionFunctional(arm, patches, { solver: 'cg', lambda, tolerance: 1e-6, quadraticTolerance: 0, maxIterations: iters });
      const b = early.bounds!;
      for (const lik of ['Y', 'Z'] as const) {
        expect(b[lik][0], `${lik} lower bound after ${iters} products`).toBeLessThanOrEqual(exact[lik] * (1 + 1e-4));
        expect(b[lik][1], `${lik} upper bound after ${iters} products`).toBeGreaterThanOrEqual(exact[lik] * (1 - 1e-4));
      }
      expect(b.ratio[0]).toBeLessThanOrEqual(exact.ratio * (1 + 2e-4));
      expect(b.ratio[1]).toBeGreaterThanOrEqual(exact.ratio * (1 - 2e-4));
      console.log(`after ${iters} products: Y in [${b.Y.map((v) => v.toPrecision(5)).join(', ')}], Z in [${b.Z.map((v) => v.toPrecision(5)).join(', ')}], ratio in [${b.ratio.map((v) => v.toFixed(3)).join(', ')}] (dense ${exact.ratio.toFixed(3)})`);
    }
    console.log(`tiny BackSplit U-Net (${exact.numParams} parameters, 1 patch 16×16, λ = ${lambda}): exact Y ${exact.Y.toPrecision(6)}, Z ${exact.Z.toPrecision(6)}, ratio ${exact.ratio.toFixed(4)}; ` +
      `CG Y ${cg.Y.toPrecision(6)}, Z ${cg.Z.toPrecision(6)}, ${JSON.stringify((cg.solver as { iterations: unknown }).iterations)} iterations; ` +
      `pencil on ${cg.pencil!.subspace}: ${cg.pencil!.eigenvalues.map((v) => v.toFixed(3)).join(', ')}`);
  }, 300_000);
});

describe('backsplit fisher --lesion-functional', () => {
  it('prints lesion_functional {Y, Z, ratio, functional} as JSON, equal to modelLesionFunctional with the same settings', async () => {
    const { code, out } = await capture(['--run', dirs.backsplit, '--lesion-functional', '--json', '--patches', '2', '--seed', '1', '--cg-iters', '30', '--subspace', '2', '--backend', 'cpu']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.run).toMatchObject({ dir: dirs.backsplit, mode: 'backsplit', step: 4 });
    expect(json.patches).toMatchObject({ count: 2, seed: 1 });
    const lf = json.lesion_functional;
    expect(Object.keys(lf)).toEqual(expect.arrayContaining(['Y', 'Z', 'ratio', 'functional', 'lambda', 'lambdaRule', 'solver', 'pencil']));
    expect(lf.functional).toMatch(/mean ψ = η_L − logsumexp\(η_B\) over \d+ voxels \(the reference lesion voxels of 2 patches\)/);
    expect(lf.ratio).toBeCloseTo(lf.Z / lf.Y, 12);
    expect(lf.solver.maxIterations).toBe(30);
    // the solver's bracket: CG's values are its lower ends
    expect(lf.bounds.Y[0]).toBe(lf.Y);
    expect(lf.bounds.Z[0]).toBe(lf.Z);
    expect(lf.bounds.Y[1]).toBeGreaterThanOrEqual(lf.Y);
    expect(lf.bounds.ratio[0]).toBeLessThanOrEqual(lf.ratio);
    const run = openRun(dirs.backsplit);
    const arm = loadRunModel(run);
    try {
      const ref = await modelLesionFunctional(arm, runPatches(run, { count: 2, seed: 1 }), { maxIterations: 30, subspaceDimension: 2, seed: 1 });
      expect(lf.Y).toBe(ref.Y);
      expect(lf.Z).toBe(ref.Z);
      expect(lf.lambda).toBe(ref.lambda);
    } finally {
      arm.model.dispose();
    }
  }, 300_000);

  it('a binary run: Y is Z, ratio 1; the human summary says so', async () => {
    const { code, out } = await capture(['--run', dirs.binary, '--lesion-functional', '--functional', 'voxel', '--patches', '2', '--seed', '1', '--subspace', '0', '--backend', 'cpu']);
    expect(code).toBe(0);
    expect(out).toMatch(/functional: ψ = η_L − logsumexp\(η_B\) at the most central reference-lesion voxel/);
    const ratio = Number(/ratio Z \/ Y:\s+(\S+)/.exec(out)![1]);
    expect(Math.abs(ratio - 1)).toBeLessThan(1e-3);
    expect(out).toMatch(/2 classes: Z is Y/);
    expect(out).toMatch(/damping:\s+λ = \S+ \(0.0001 × tr\(F_Y\) \/ P/);
  }, 300_000);

  it('rejects bad lesion-functional flags as usage errors before touching the run', async () => {
    await expect(fisherCommand.run(['--run', dirs.binary, '--lesion-functional', '--functional', 'area'])).rejects.toThrow(/--functional must be one of lesion-mean, voxel, volume, got 'area'/);
    await expect(fisherCommand.run(['--run', dirs.binary, '--lesion-functional', '--solver', 'lu'])).rejects.toThrow(/--solver must be cg or exact/);
    await expect(fisherCommand.run(['--run', dirs.binary, '--lesion-functional', '--damping', '0'])).rejects.toThrow(/--damping must be > 0/);
    await expect(fisherCommand.run(['--run', dirs.binary, '--lesion-functional', '--cg-bracket', '0'])).rejects.toThrow(/--cg-bracket must be > 0/);
    await expect(fisherCommand.run(['--run', dirs.binary, '--lesion-functional', '--cg-iters', '0'])).rejects.toThrow(UsageError);
    await expect(fisherCommand.run(['--run', path.join(tmp, 'none'), '--lesion-functional', '--subspace', '-1'])).rejects.toThrow(/--subspace must be a non-negative integer/);
  });
});
