/**
 * `backsplit eval`: reads two NIfTI masks, prints the documented JSON shape,
 * validates flags and reports grid mismatches naming both files.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { evalCommand } from '../../lib/cli/commands/eval';
import { UsageError } from '../../lib/cli/args';
import { writeNifti } from '../../lib/io/nifti-write';
import { Vec3, makeVolume } from '../../lib/core/volume';
import { evaluateSegmentation, toEvalJson } from '../../lib/eval';

const dims: Vec3 = [20, 16, 12];
const spacing: Vec3 = [1, 1, 2];
let dir = '';

function boxMask(lo: Vec3, hi: Vec3, value = 1, data = new Uint8Array(dims[0] * dims[1] * dims[2])): Uint8Array {
  for (let k = lo[2]; k <= hi[2]; k++) for (let j = lo[1]; j <= hi[1]; j++) for (let i = lo[0]; i <= hi[0]; i++) data[i + dims[0] * (j + dims[1] * k)] = value;
  return data;
}

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await evalCommand.run(argv);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-cli-'));
  // reference: a 5x5x3 lesion (75 voxels, 0.15 mL) and a single voxel (0.002 mL)
  const ref = boxMask([2, 2, 2], [6, 6, 4]);
  boxMask([15, 12, 9], [15, 12, 9], 1, ref);
  // prediction (label 2 = "lesion" too): the big lesion shifted by one voxel, plus a false positive
  const pred = boxMask([3, 2, 2], [7, 6, 4], 2);
  boxMask([12, 2, 8], [13, 3, 8], 2, pred);
  writeNifti(path.join(dir, 'ref.nii.gz'), makeVolume(ref, dims, spacing));
  writeNifti(path.join(dir, 'pred.nii'), makeVolume(pred, dims, spacing));
  writeNifti(path.join(dir, 'other-grid.nii.gz'), makeVolume(new Uint8Array(20 * 16 * 11), [20, 16, 11], spacing));
  writeNifti(path.join(dir, 'other-spacing.nii.gz'), makeVolume(new Uint8Array(ref.length), dims, [1, 1, 3]));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('backsplit eval', () => {
  it('prints exactly the documented JSON shape with --json', async () => {
    const { code, out } = await run(['--pred', path.join(dir, 'pred.nii'), '--ref', path.join(dir, 'ref.nii.gz'), '--json']);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(['dice', 'iou', 'precision', 'recall', 'hd95_mm', 'nsd', 'assd_mm', 'lesions', 'bins']);
    expect(Object.keys(j.lesions)).toEqual(['tp', 'fp', 'fn', 'f1', 'per_lesion']);
    expect(Object.keys(j.lesions.per_lesion[0])).toEqual(['volume_ml', 'dice', 'detected']);
    expect(Object.keys(j.bins[0])).toEqual(['range_ml', 'n', 'detected', 'mean_dice']);
    // by hand: 75 ref + 1 ref voxel, 75 + 4 predicted, 60 shared
    expect(j.dice).toBeCloseTo((2 * 60) / (76 + 79), 12);
    expect(j.precision).toBeCloseTo(60 / 79, 12);
    expect(j.recall).toBeCloseTo(60 / 76, 12);
    expect(j.lesions).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    expect(j.lesions.f1).toBeCloseTo(0.5, 12);
    expect(j.lesions.per_lesion).toEqual([
      { volume_ml: expect.closeTo(0.15, 12), dice: expect.closeTo(120 / 150, 12), detected: true },
      { volume_ml: expect.closeTo(0.002, 12), dice: 0, detected: false },
    ]);
    expect(j.bins).toEqual([
      { range_ml: [0, 0.1], n: 1, detected: 0, mean_dice: 0 },
      { range_ml: [0.1, 1], n: 1, detected: 1, mean_dice: expect.closeTo(0.8, 12) },
      { range_ml: [1, 10], n: 0, detected: 0, mean_dice: null },
      { range_ml: [10, null], n: 0, detected: 0, mean_dice: null },
    ]);
    expect(typeof j.hd95_mm).toBe('number');
  });

  it('passes tolerance, connectivity, bins and dilation through', async () => {
    const pred = path.join(dir, 'pred.nii');
    const ref = path.join(dir, 'ref.nii.gz');
    const { out } = await run(['--pred', pred, '--ref', ref, '--json', '--tolerance-mm', '0.5', '--connectivity', '6', '--bins-ml', '0.01', '--dilation-voxels', '1']);
    const j = JSON.parse(out);
    expect(j.bins.map((b: any) => b.range_ml)).toEqual([[0, 0.01], [0.01, null]]);
    const { readNifti } = await import('../../lib/io/nifti');
    const expected = toEvalJson(
      evaluateSegmentation(readNifti(pred).volume, readNifti(ref).volume, { toleranceMm: 0.5, connectivity: 6, binEdgesMl: [0.01], dilationVoxels: 1 }),
    );
    expect(j).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(j.nsd).not.toBe(JSON.parse((await run(['--pred', pred, '--ref', ref, '--json'])).out).nsd);
  });

  it('prints a readable summary without --json', async () => {
    const { code, out } = await run(['--pred', path.join(dir, 'pred.nii'), '--ref', path.join(dir, 'ref.nii.gz')]);
    expect(code).toBe(0);
    expect(out).toMatch(/Dice 0\.7742/);
    expect(out).toMatch(/TP 1 {2}FP 1 {2}FN 1/);
    expect(out).toMatch(/>= 10 mL/);
  });

  it('names both files when the grids differ', async () => {
    const pred = path.join(dir, 'other-grid.nii.gz');
    const ref = path.join(dir, 'ref.nii.gz');
    await expect(run(['--pred', pred, '--ref', ref])).rejects.toThrow(
      new RegExp(`grid mismatch: .*other-grid\\.nii\\.gz has dims 20x16x11 but .*ref\\.nii\\.gz has dims 20x16x12`),
    );
    await expect(run(['--pred', path.join(dir, 'other-spacing.nii.gz'), '--ref', ref])).rejects.toThrow(/other-spacing\.nii\.gz has spacing \[1, 1, 3\] mm but .*ref\.nii\.gz/);
  });

  it('rejects bad flags with a UsageError', async () => {
    const base = ['--pred', 'p.nii', '--ref', 'r.nii'];
    await expect(run(['--pred', 'p.nii'])).rejects.toThrow(UsageError);
    await expect(run([...base, '--connectivity', '8'])).rejects.toThrow(/6, 18 or 26/);
    await expect(run([...base, '--bins-ml', '1,0.5'])).rejects.toThrow(/--bins-ml: .*increase strictly/);
    await expect(run([...base, '--bins-ml', 'a,b'])).rejects.toThrow(/comma-separated numbers/);
    await expect(run([...base, '--dilation-voxels', '1.5'])).rejects.toThrow(/integer/);
    await expect(run([...base, '--tolerance-mm', '-1'])).rejects.toThrow(/>= 0/);
    await expect(run([...base, '--run', 'x'])).rejects.toThrow(/either --run or --pred\/--ref/);
    await expect(run([...base, '--split', 'test'])).rejects.toThrow(/--split needs --run/);
    await expect(run(['--run', 'x', '--split', 'holdout'])).rejects.toThrow(/test, val or train/);
    await expect(run(['--bogus'])).rejects.toThrow(/unknown flag --bogus/);
  });

  it('reports a missing file with its path', async () => {
    await expect(run(['--pred', path.join(dir, 'missing.nii.gz'), '--ref', path.join(dir, 'ref.nii.gz')])).rejects.toThrow(/missing\.nii\.gz/);
  });
});
