/**
 * Masks and label maps given to the CLI (labels --lesion/--aux, eval --pred/--ref) and the
 * non-finite policies: a 4D mask is refused unless --volume picks one, a non-integer mask
 * is refused naming the file and voxel, NaN/Inf voxels follow --nonfinite.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from '../../lib/cli/commands/eval';
import { labelsCommand } from '../../lib/cli/commands/labels';
import { UsageError } from '../../lib/cli/args';
import { readLabelFile } from '../../lib/io/load';
import { readNifti } from '../../lib/io/nifti';
import { NiftiError } from '../../lib/io/errors';
import { writeNifti } from '../../lib/io/nifti-write';
import { makeVolume } from '../../lib/core/volume';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-label-inputs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const I = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
const N = 6 * 6 * 6;
const f = (name: string) => path.join(dir, name);

const lesion = new Uint8Array(N);
for (let i = 40; i < 60; i++) lesion[i] = 1;
writeNifti(f('ref.nii'), makeVolume(lesion, [6, 6, 6], [1, 1, 1], I), { datatype: 'uint8' });
// 4D: volume 0 empty, volume 1 the lesion
const hdr = Buffer.from(fs.readFileSync(f('ref.nii')).subarray(0, 352));
hdr.writeInt16LE(4, 40);
hdr.writeInt16LE(2, 48);
const four = new Uint8Array(2 * N);
four.set(lesion, N);
fs.writeFileSync(f('mask4d.nii'), Buffer.concat([hdr, Buffer.from(four)]));
const soft = new Float32Array(N);
soft[45] = 0.4;
writeNifti(f('soft.nii.gz'), makeVolume(soft, [6, 6, 6], [1, 1, 1], I), { datatype: 'float32' });
const nan = Float32Array.from(lesion);
nan[3] = NaN;
nan[50] = Infinity;
writeNifti(f('nan.nii'), makeVolume(nan, [6, 6, 6], [1, 1, 1], I), { datatype: 'float32', allowNonFinite: true });

async function run(cmd: typeof evalCommand, argv: string[]): Promise<string> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await cmd.run(argv);
    return out;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

async function expectNifti(p: Promise<unknown>, reason: string, file: string, re: RegExp): Promise<void> {
  const err = await p.then(() => null, (x: unknown) => x);
  expect(err).toBeInstanceOf(NiftiError);
  expect((err as NiftiError).reason).toBe(reason);
  expect((err as NiftiError).file).toBe(file);
  expect((err as NiftiError).message).toMatch(re);
}

describe('4D masks', () => {
  it('eval and labels refuse a 4D mask, naming the file and its 4th dimension', async () => {
    await expectNifti(run(evalCommand, ['--pred', f('mask4d.nii'), '--ref', f('ref.nii'), '--json']), 'volume-index', f('mask4d.nii'), /4D \(dims 6x6x6x2: 2 volumes.*--volume N \(0\.\.1\)/);
    await expectNifti(run(labelsCommand, ['--lesion', f('mask4d.nii'), '--out', f('o.nii')]), 'volume-index', f('mask4d.nii'), /must be 3D/);
    await expectNifti(run(labelsCommand, ['--aux', f('mask4d.nii'), '--out', f('o.nii')]), 'volume-index', f('mask4d.nii'), /must be 3D/);
  });

  it('--volume picks one (0-based), validated against the file', async () => {
    const j = JSON.parse(await run(evalCommand, ['--pred', f('mask4d.nii'), '--ref', f('ref.nii'), '--json', '--volume', '1']));
    expect(j.dice).toBe(1);
    const j0 = JSON.parse(await run(evalCommand, ['--pred', f('mask4d.nii'), '--ref', f('ref.nii'), '--json', '--volume', '0']));
    expect(j0.dice).toBe(0);
    await expectNifti(run(evalCommand, ['--pred', f('mask4d.nii'), '--ref', f('ref.nii'), '--volume', '2']), 'volume-index', f('mask4d.nii'), /volume index 2 requested, the file has 2/);
    await expect(run(evalCommand, ['--pred', f('ref.nii'), '--ref', f('ref.nii'), '--volume', '-1'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(evalCommand, ['--pred', f('ref.nii'), '--ref', f('ref.nii'), '--volume', '0.5'])).rejects.toBeInstanceOf(UsageError);
    const out = JSON.parse(await run(labelsCommand, ['--lesion', f('mask4d.nii'), '--volume', '1', '--out', f('o.nii')]));
    expect(out.classes.find((c: { name: string }) => c.name === 'lesion').voxels).toBe(20);
  });
});

describe('non-integer masks', () => {
  it('every label input refuses a value that is not a whole number, naming the file, voxel and value', async () => {
    const re = /whole numbers, voxel \(3, 1, 1\) is 0\.4/;
    await expectNifti(run(labelsCommand, ['--lesion', f('soft.nii.gz'), '--out', f('o.nii')]), 'bad-volume', f('soft.nii.gz'), re);
    await expectNifti(run(labelsCommand, ['--aux', f('soft.nii.gz'), '--out', f('o.nii')]), 'bad-volume', f('soft.nii.gz'), re);
    await expectNifti(run(evalCommand, ['--pred', f('soft.nii.gz'), '--ref', f('ref.nii')]), 'bad-volume', f('soft.nii.gz'), re);
    await expectNifti(run(evalCommand, ['--pred', f('ref.nii'), '--ref', f('soft.nii.gz')]), 'bad-volume', f('soft.nii.gz'), re);
  });
});

describe('non-finite policy', () => {
  it("readNifti: 'error' names count and first voxel; 'zero' and 'mask' replace by 0, 'mask' says where", () => {
    expect(() => readNifti(f('nan.nii'))).toThrow(/2 NaN\/Inf voxel\(s\) in volume 0, first at voxel \(3, 0, 0\)/);
    const z = readNifti(f('nan.nii'), { nonfinite: 'zero' });
    expect([z.volume.data[3], z.volume.data[50], z.nonFinite.count, z.nonFinite.mask]).toEqual([0, 0, 2, null]);
    const m = readNifti(f('nan.nii'), { nonfinite: 'mask' });
    expect([m.volume.data[3], m.volume.data[50]]).toEqual([0, 0]);
    expect([...m.nonFinite.mask!].reduce((a, b) => a + b, 0)).toBe(2);
    expect([m.nonFinite.mask![3], m.nonFinite.mask![50]]).toEqual([1, 1]);
    expect(readLabelFile(f('nan.nii'), { nonfinite: 'mask' }).nonFiniteMask![50]).toBe(1);
  });

  it('eval: refused by default; zero counts the voxel as background; mask leaves it out of both masks', async () => {
    await expectNifti(run(evalCommand, ['--pred', f('nan.nii'), '--ref', f('ref.nii')]), 'non-finite', f('nan.nii'), /--nonfinite zero\|mask/);
    const zero = JSON.parse(await run(evalCommand, ['--pred', f('nan.nii'), '--ref', f('ref.nii'), '--json', '--nonfinite', 'zero']));
    expect(zero.recall).toBeCloseTo(19 / 20, 12); // voxel 50 (lesion in ref) became 0 in pred
    const mask = JSON.parse(await run(evalCommand, ['--pred', f('nan.nii'), '--ref', f('ref.nii'), '--json', '--nonfinite', 'mask']));
    expect(mask.dice).toBe(1); // voxel 50 left out of both
    await expect(run(evalCommand, ['--pred', f('nan.nii'), '--ref', f('ref.nii'), '--nonfinite', 'drop'])).rejects.toBeInstanceOf(UsageError);
  });

  it('labels: refused by default, accepted with --nonfinite', async () => {
    await expectNifti(run(labelsCommand, ['--lesion', f('nan.nii'), '--out', f('o.nii')]), 'non-finite', f('nan.nii'), /first at voxel \(3, 0, 0\)/);
    const out = JSON.parse(await run(labelsCommand, ['--lesion', f('nan.nii'), '--nonfinite', 'zero', '--out', f('o.nii')]));
    expect(out.classes.find((c: { name: string }) => c.name === 'lesion').voxels).toBe(19);
  });

  it('gzip variants of the test files read the same', () => {
    fs.writeFileSync(f('nan.nii.gz'), zlib.gzipSync(fs.readFileSync(f('nan.nii'))));
    expect(readNifti(f('nan.nii.gz'), { nonfinite: 'zero' }).nonFinite.count).toBe(2);
  });
});
