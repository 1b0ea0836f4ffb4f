/**
 * The EMIDEC importer on the real data beside the project (../shared/data; skipped with
 * the reason when absent): the 80 cases / 569 PNG slices of emidec-lge and the NIfTI case
 * Case_P100, every label (and image) pixel compared with its source; and the independent
 * check data-scripts/emidec-reference.py (PIL + nibabel + numpy with Debian's python,
 * skipped with the reason when missing), which must report 0 mismatches over every pixel —
 * and which does report a mismatch on an import altered by one voxel.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmidecImportSummary, importEmidec } from '../../lib/data/emidec';
import { readNifti } from '../../lib/io/nifti';
import { writeNifti } from '../../lib/io/nifti-write';
import { readGreyPng } from '../../lib/io/png';
import { defaultCases, writePngLayout } from './emidec-fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
/** ../shared/data beside the repository; BACKSPLIT_SHARED_DATA overrides it (e.g. from a git worktree elsewhere). */
const SHARED = process.env.BACKSPLIT_SHARED_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
const LGE = path.join(SHARED, 'emidec-lge');
const NIFTI = path.join(SHARED, 'emidec-nifti-example');
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(ROOT, 'data-scripts', 'emidec-reference.py');

function pythonMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  if (spawnSync(PYTHON, ['-c', 'import PIL, nibabel, numpy']).status !== 0) return 'PIL, nibabel or numpy missing for /usr/bin/python3 (apt-get install python3-pil python3-nibabel python3-numpy)';
  return null;
}
const noPython = pythonMissing();
const noData = existsSync(LGE) && existsSync(NIFTI) ? null : `${LGE} or ${NIFTI} is missing (the shared EMIDEC data is not on this machine)`;
if (noData) console.warn(`skipping the real-data EMIDEC import: ${noData}`);
if (noPython) console.warn(`skipping the python reference of the EMIDEC import: ${noPython}`);

/** The reference script's one-line JSON report. */
function reference(src: string, out: string): Record<string, number | string | number[]> {
  const r = spawnSync(PYTHON, [SCRIPT, src, out], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`emidec-reference.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-emidec-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(noData !== null)('EMIDEC real data', () => {
  let lge: EmidecImportSummary;
  let nifti: EmidecImportSummary;
  beforeAll(() => {
    lge = importEmidec(LGE, path.join(tmp, 'lge'));
    nifti = importEmidec(NIFTI, path.join(tmp, 'nifti'));
  }, 60_000);

  it('emidec-lge: 80 cases (54 P, 26 N), 569 slices, every label and image pixel as in its PNG', () => {
    expect(lge).toMatchObject({ layout: 'png-slices', cases: 80, slices: 569, positive: 54, negative: 26 });
    const byCase = new Map<string, string[]>();
    for (const name of readdirSync(path.join(LGE, 'labels')).sort()) {
      const m = /^(Case_[PN]\d+)_slice(\d+)\.png$/.exec(name);
      if (m) byCase.set(m[1], [...(byCase.get(m[1]) ?? []), name]);
    }
    let pixels = 0;
    let mismatches = 0;
    for (const [id, names] of byCase) {
      const lab = readNifti(path.join(tmp, 'lge', 'labelsTr', `${id}.nii.gz`)).volume;
      const img = readNifti(path.join(tmp, 'lge', 'imagesTr', `${id}.nii.gz`)).volume;
      expect(lab.dims).toEqual([256, 256, names.length]);
      names.forEach((name, z) => {
        const L = readGreyPng(path.join(LGE, 'labels', name));
        const I = readGreyPng(path.join(LGE, 'images', name));
        for (let p = 0; p < L.data.length; p++) {
          // pixel p = row * 256 + column; voxel (x = column, y = row, z)
          if (lab.data[z * 65536 + p] !== L.data[p]) mismatches++;
          if (img.data[z * 65536 + p] !== I.data[p]) mismatches++;
        }
        pixels += L.data.length;
      });
    }
    expect(pixels).toBe(569 * 256 * 256);
    expect(mismatches).toBe(0);
  });

  it('Case_P100 (NIfTI): every voxel as in the source, voxel size from pixdim', () => {
    expect(nifti).toMatchObject({ layout: 'nifti-cases', cases: 1, slices: 7, positive: 1 });
    const srcLab = readNifti(path.join(NIFTI, 'Case_P100', 'Contours', 'Case_P100.nii.gz')).volume;
    const srcImg = readNifti(path.join(NIFTI, 'Case_P100', 'Images', 'Case_P100.nii.gz')).volume;
    const lab = readNifti(path.join(tmp, 'nifti', 'labelsTr', 'Case_P100.nii.gz')).volume;
    const img = readNifti(path.join(tmp, 'nifti', 'imagesTr', 'Case_P100.nii.gz')).volume;
    expect(lab.dims).toEqual([248, 258, 7]);
    expect(lab.spacing).toEqual([1.40625, 1.40625, 13]);
    let mismatches = 0;
    for (let p = 0; p < srcLab.data.length; p++) if (lab.data[p] !== srcLab.data[p] || img.data[p] !== srcImg.data[p]) mismatches++;
    expect(srcLab.data.length).toBe(248 * 258 * 7);
    expect(mismatches).toBe(0);
  });

  it.skipIf(noPython !== null)('the python reference (PIL + nibabel) finds 0 mismatches over every pixel', () => {
    const a = reference(LGE, path.join(tmp, 'lge'));
    expect(a).toMatchObject({ layout: 'png-slices', cases: 80, slices: 569, labelPixels: 569 * 65536, imagePixels: 569 * 65536, labelMismatches: 0, imageMismatches: 0, geometryMismatches: 0, missingInImport: 0, extraInImport: 0 });
    expect(a.labelCounts).toEqual(lge.labelVoxels);
    const b = reference(NIFTI, path.join(tmp, 'nifti'));
    expect(b).toMatchObject({ layout: 'nifti-cases', cases: 1, slices: 7, labelPixels: 248 * 258 * 7, imagePixels: 248 * 258 * 7, labelMismatches: 0, imageMismatches: 0, geometryMismatches: 0, missingInImport: 0 });
    expect(b.labelCounts).toEqual(nifti.labelVoxels);
  }, 60_000);
});

describe.skipIf(noPython !== null)('the python reference itself', () => {
  it('agrees with a correct tiny import and counts a voxel changed afterwards', () => {
    const src = writePngLayout(path.join(tmp, 'tiny'), defaultCases());
    const out = path.join(tmp, 'tiny-out');
    importEmidec(src, out);
    expect(reference(src, out)).toMatchObject({ cases: 2, slices: 5, labelPixels: 60, labelMismatches: 0, imageMismatches: 0, geometryMismatches: 0 });
    const file = path.join(out, 'labelsTr', 'Case_P001.nii.gz');
    const { volume } = readNifti(file);
    volume.data[5] = (volume.data[5] + 1) % 5;
    writeNifti(file, volume, { datatype: 'uint8' });
    expect(reference(src, out)).toMatchObject({ labelMismatches: 1, imageMismatches: 0 });
  });
});
