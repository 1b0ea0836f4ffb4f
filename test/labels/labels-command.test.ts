import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { labelsCommand } from '../../lib/cli/commands/labels';
import { UsageError } from '../../lib/cli/args';
import { readNifti } from '../../lib/io/nifti';
import { writeNifti } from '../../lib/io/nifti-write';
import { makeVolume } from '../../lib/core/volume';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-labels-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const shared = path.join(__dirname, '../../../shared/data');

async function run(argv: string[]): Promise<{ code: number; json: any }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: any) => {
    chunks.push(String(s));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await labelsCommand.run(argv);
    return { code, json: JSON.parse(chunks.join('')) };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe('backsplit labels', () => {
  it('small synthetic files: aux + lesion, exact counts, file written as uint8', async () => {
    const dims: [number, number, number] = [4, 4, 2];
    const seg = Uint8Array.from({ length: 32 }, (_, p) => (p < 16 ? 5 : p < 20 ? 52 : 0)); // liver, aorta
    const les = Uint8Array.from({ length: 32 }, (_, p) => (p === 3 || p === 17 ? 1 : 0));
    writeNifti(path.join(tmp, 'seg.nii.gz'), makeVolume(seg, dims, [2, 2, 2]), { datatype: 'uint8' });
    writeNifti(path.join(tmp, 'les.nii.gz'), makeVolume(les, dims, [2, 2, 2]), { datatype: 'uint8' });
    const out = path.join(tmp, 'out.nii.gz');
    const { code, json } = await run(['--lesion', path.join(tmp, 'les.nii.gz'), '--aux', path.join(tmp, 'seg.nii.gz'), '--groups', 'total', '--out', out]);
    expect(code).toBe(0);
    const byName = Object.fromEntries(json.classes.map((c: any) => [c.name, c.voxels]));
    expect(byName).toMatchObject({ background: 12, liver: 15, vessels: 3, lesion: 2 });
    expect(json.classes.find((c: any) => c.name === 'liver').volumeMl).toBeCloseTo(0.12, 9);
    const back = readNifti(out);
    expect(back.header.datatype).toBe('uint8');
    expect(back.volume.data[3]).toBe(json.lesionClass);
  });

  it('usage errors', async () => {
    await expect(labelsCommand.run(['--out', 'x.nii.gz'])).rejects.toThrow(UsageError);
    await expect(labelsCommand.run(['--lesion', 'a.nii', '--tissue-classes', '3', '--out', 'x.nii.gz'])).rejects.toThrow(/--tissue-classes needs --tissue-from/);
    await expect(labelsCommand.run(['--lesion', 'a.nii'])).rejects.toThrow(/missing required flag --out/);
  });

  it('real MS patient: T1 tissue classes + ground-truth lesion', async (ctx) => {
    const dir = path.join(shared, 'openms-mni/patient07');
    if (!existsSync(dir)) {
      console.log(`skipping: ${dir} is missing`);
      return ctx.skip();
    }
    const { json } = await run([
      '--lesion', path.join(dir, 'gt.nii.gz'), '--tissue-from', path.join(dir, 'T1.nii.gz'), '--tissue-classes', '3',
      '--tissue-names', 'csf,grey_matter,white_matter', '--out', path.join(tmp, 'p07.nii.gz'),
    ]);
    expect(json.classes.map((c: any) => c.name)).toEqual(['background', 'csf', 'grey_matter', 'white_matter', 'lesion']);
    expect(json.classes[4].voxels).toBe(1300); // 1.3 mL at 1 mm
    const [csf, gm, wm] = json.classes.slice(1, 4).map((c: any) => c.volumeMl);
    expect(wm).toBeGreaterThan(csf);
    expect(gm).toBeGreaterThan(csf);
  });

  it('real TotalSegmentator CT labels grouped by the total spec, with a synthetic lesion', async (ctx) => {
    const dir = path.join(shared, 'totalseg-example');
    if (!existsSync(dir)) {
      console.log(`skipping: ${dir} is missing`);
      return ctx.skip();
    }
    const seg = readNifti(path.join(dir, 'example_seg.nii.gz')).volume;
    // a 3x3x3 "lesion" in the liver-rich region: place it where the label is liver (5)
    let centre = -1;
    const [nx, ny] = seg.dims;
    for (let p = 0; p < seg.data.length && centre < 0; p++) {
      const i = p % nx, j = Math.floor(p / nx) % ny, k = Math.floor(p / (nx * ny));
      if (i < 2 || j < 2 || k < 2 || i > nx - 3 || j > ny - 3 || k > seg.dims[2] - 3) continue;
      let all = true;
      for (let dk = -1; dk <= 1; dk++) for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) if (seg.data[p + di + nx * (dj + ny * dk)] !== 5) all = false;
      if (all) centre = p;
    }
    expect(centre).toBeGreaterThan(0);
    const les = new Uint8Array(seg.data.length);
    for (let dk = -1; dk <= 1; dk++) for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) les[centre + di + nx * (dj + ny * dk)] = 1;
    writeNifti(path.join(tmp, 'ct_lesion.nii.gz'), { ...seg, data: les }, { datatype: 'uint8' });
    const { json } = await run(['--lesion', path.join(tmp, 'ct_lesion.nii.gz'), '--aux', path.join(dir, 'example_seg.nii.gz'), '--groups', 'total', '--out', path.join(tmp, 'ct.nii.gz')]);
    const byName = Object.fromEntries(json.classes.map((c: any) => [c.name, c.voxels]));
    // counts measured independently with nibabel: liver (id 5) has 38634 voxels in example_seg.nii.gz
    expect(byName.liver).toBe(38634 - 27);
    expect(byName.lesion).toBe(27);
    expect(json.classes).toHaveLength(13);
  });
});
