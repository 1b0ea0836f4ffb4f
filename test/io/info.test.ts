/**
 * `backsplit info`: the --json object matches nibabel (committed fixtures, and
 * ../shared/data when present); the human summary and the usage errors.
 * Tolerances as in nifti-read.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { infoCommand, InfoJson } from '../../lib/cli/commands/info';
import { main } from '../../lib/cli/main';
import { UsageError } from '../../lib/cli/args';
import { NiftiError } from '../../lib/io/errors';
import { expectClose, expectedAffine, expectMatrixClose, fixturePath, HAVE_SHARED, reference } from './helpers';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await fn();
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

async function checkInfo(key: string): Promise<void> {
  const ref = reference.files[key];
  const { code, out } = await capture(() => infoCommand.run([fixturePath(key), '--json']));
  expect(code).toBe(0);
  const lines = out.trim().split('\n');
  expect(lines.length).toBe(1);
  const j: InfoJson = JSON.parse(lines[0]);
  expect(Object.keys(j)).toEqual(['dims', 'datatype', 'pixdim', 'pixdim_nonfinite', 'affine', 'min', 'max', 'mean', 'nonzero', 'nonfinite']);
  expect(j.nonfinite).toBe(ref.stats_all!.nonfinite);
  expect(j.pixdim_nonfinite).toEqual([1, 2, 3].filter((i) => ref.pixdim[i] === null).map((i) => i - 1));
  expect(j.dims).toEqual(ref.shape);
  expect(j.datatype).toBe(ref.datatype);
  j.pixdim.forEach((p, i) => (ref.pixdim[i + 1] === null ? expect(p).toBeNull() : expectClose(p!, ref.pixdim[i + 1]!, 1e-7, 0, `${key} pixdim`)));
  expectMatrixClose(j.affine, expectedAffine(ref), 1e-5, `${key} affine`);
  const s = ref.stats_all!;
  const maxAbs = Math.max(Math.abs(s.min!), Math.abs(s.max!));
  expectClose(j.min!, s.min!, 1e-6, 1e-12, `${key} min`);
  expectClose(j.max!, s.max!, 1e-6, 1e-12, `${key} max`);
  expectClose(j.mean!, s.mean!, 1e-6, 1e-7 * maxAbs, `${key} mean`);
  expect(j.nonzero).toBe(s.nonzero);
}

describe('info --json matches nibabel', () => {
  const keys = Object.keys(reference.files).filter((k) => !k.startsWith('shared/') && reference.files[k].stats_all);
  for (const key of keys) it(key, () => checkInfo(key));
});

describe.skipIf(!HAVE_SHARED)('info --json matches nibabel on ../shared/data', () => {
  if (!HAVE_SHARED) console.warn('skipping info on shared data: ../shared/data is missing');
  for (const key of Object.keys(reference.files).filter((k) => k.startsWith('shared/'))) it(key, () => checkInfo(key));
});

describe('info command', () => {
  it('human-readable summary', async () => {
    const { code, out } = await capture(() => infoCommand.run([fixturePath('files/int16_scaled.nii')]));
    expect(code).toBe(0);
    expect(out).toContain('dims:      7 x 6 x 5');
    expect(out).toContain('int16 (scaled to float32)');
    expect(out).toContain('slope 0.5, intercept -10');
    expect(out).toContain('affine from sform');
  });

  it('4D files report t and statistics over all volumes', async () => {
    const { out } = await capture(() => infoCommand.run([fixturePath('files/float32_4d.nii.gz'), '--json']));
    expect(JSON.parse(out).dims).toEqual([7, 6, 5, 3]);
  });

  it('non-finite voxels are reported, not refused: a count in --json, a warning line in the text', async () => {
    const f = fixturePath('files/float32_nonfinite.nii');
    const s = reference.files['files/float32_nonfinite.nii'].stats_all!;
    expect(s.nonfinite).toBeGreaterThan(0);
    const { code, out } = await capture(() => infoCommand.run([f, '--json']));
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.nonfinite).toBe(s.nonfinite);
    expect(j.nonzero).toBe(s.nonzero);
    expectClose(j.mean, s.mean!, 1e-6, 1e-9, 'mean over finite voxels');
    const text = await capture(() => infoCommand.run([f]));
    expect(text.out).toMatch(new RegExp(`warning: +${s.nonfinite} NaN/Inf voxel\\(s\\)`));
    await expect(infoCommand.run([f, '--allow-non-finite'])).rejects.toBeInstanceOf(UsageError);
  });

  it('a NaN pixdim is null in "pixdim" and listed in "pixdim_nonfinite"', async () => {
    const bytes = new Uint8Array(fs.readFileSync(fixturePath('files/int32.nii')));
    new DataView(bytes.buffer).setFloat32(80, NaN, true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-info-'));
    try {
      const p = path.join(dir, 'nanpix.nii');
      fs.writeFileSync(p, bytes);
      const j = JSON.parse((await capture(() => infoCommand.run([p, '--json']))).out);
      expect(j.pixdim[0]).toBeNull();
      expect(j.pixdim_nonfinite).toEqual([0]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors', async () => {
    await expect(infoCommand.run([])).rejects.toBeInstanceOf(UsageError);
    await expect(infoCommand.run(['a.nii', 'b.nii'])).rejects.toBeInstanceOf(UsageError);
    await expect(infoCommand.run(['a.nii', '--bogus'])).rejects.toBeInstanceOf(UsageError);
  });

  it('exit codes through the dispatcher: 2 for usage, 1 for a bad file', async () => {
    expect((await capture(() => main(['info', '--bogus']))).code).toBe(2);
    const bad = await capture(() => main(['info', fixturePath('files/complex64_unsupported.nii')]));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('complex64 is not supported');
  });
});
