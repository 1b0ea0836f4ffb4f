import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COLIN_AUX,
  COLIN_AUX_NAMES,
  COLIN_DEFAULTS,
  COLIN_FILES,
  COLIN_SKIP_MESSAGE,
  ColinUnavailableError,
  colinAvailable,
  colinLesionVolumesMl,
  generateColinDataset,
  loadColinAnatomy,
  MRICRON_DIR_ENV,
} from '../../lib/data/colin';
import { hashCases } from '../../lib/data/synthetic';
import { readNifti } from '../../lib/io/nifti';
import { voxelToWorld, worldToVoxel } from '../../lib/io/ops';
import { assertSameGrid, GridMismatchError } from '../../lib/core/grid';
import type { Vec3 } from '../../lib/core/volume';
import { loadGroupSpec, specsDirectory } from '../../lib/labels/spec';
import { labelComponents } from '../../lib/core/morphology';

describe('colin: without mricron-data', () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'colin-absent-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('reports the skip message and the missing files', () => {
    const a = colinAvailable(empty);
    expect(a.ok).toBe(false);
    expect(a.reason.startsWith(COLIN_SKIP_MESSAGE)).toBe(true);
    expect(a.reason).toContain('sudo apt-get install mricron-data');
    expect(a.missing).toEqual(Object.values(COLIN_FILES));
  });

  it('the generator throws ColinUnavailableError with that message (folder given or from the environment)', () => {
    expect(() => generateColinDataset({ dataDir: empty, cases: 1 })).toThrow(ColinUnavailableError);
    expect(() => generateColinDataset({ dataDir: empty, cases: 1 })).toThrow(COLIN_SKIP_MESSAGE);
    const before = process.env[MRICRON_DIR_ENV];
    process.env[MRICRON_DIR_ENV] = empty;
    try {
      expect(colinAvailable().dir).toBe(empty);
      expect(() => loadColinAnatomy(2)).toThrow(/missing in .*colin-absent-.*ch2\.nii\.gz/);
    } finally {
      if (before === undefined) delete process.env[MRICRON_DIR_ENV];
      else process.env[MRICRON_DIR_ENV] = before;
    }
  });
});

describe('colin: the AAL grouping spec', () => {
  it('puts each of the 116 AAL ids in exactly one group named like an aux class', () => {
    const spec = loadGroupSpec(path.join(specsDirectory(), 'aal_groups.json'));
    expect(spec.idToGroup.size).toBe(116);
    for (let id = 1; id <= 116; id++) expect(spec.idToGroup.get(id), `AAL id ${id}`).toBeGreaterThan(0);
    for (const g of spec.groupNames) expect(COLIN_AUX_NAMES as readonly string[]).toContain(g);
    expect(spec.classNames.get(71)).toBe('Caudate_L');
    expect(spec.groupNames[spec.idToGroup.get(71)! - 1]).toBe('deep_grey');
    expect(spec.groupNames[spec.idToGroup.get(116)! - 1]).toBe('cerebellum');
  });
});

const avail = colinAvailable();
if (!avail.ok) console.warn(`test/data/colin.test.ts: ${avail.reason}`);

describe.skipIf(!avail.ok)(`colin: with mricron-data (${avail.ok ? avail.dir : avail.reason})`, () => {
  const seed = 11;
  const cases = avail.ok ? generateColinDataset({ seed, cases: 4 }) : [];
  const anatomy = avail.ok ? loadColinAnatomy(2) : undefined;

  it('uses only label maps on the T1 grid: HarvardOxford/JHU (MNI152 182×218×182) are rejected', () => {
    const t1 = readNifti(path.join(avail.dir, COLIN_FILES.t1)).volume;
    expect(t1.dims).toEqual([181, 217, 181]);
    assertSameGrid(t1, readNifti(path.join(avail.dir, COLIN_FILES.atlas)).volume, ['ch2', 'aal']);
    const jhu = readNifti(path.join(avail.dir, 'JHU-WhiteMatter-labels-1mm.nii.gz')).volume;
    expect(() => assertSameGrid(t1, jhu, ['ch2', 'JHU'])).toThrow(GridMismatchError);
  });

  it('same seed → identical bytes; another seed differs; cases differ from each other', () => {
    expect(hashCases(generateColinDataset({ seed, cases: 4 }))).toBe(hashCases(cases));
    expect(hashCases(generateColinDataset({ seed: seed + 1, cases: 4 }))).not.toBe(hashCases(cases));
    const perCase = cases.map((c) => hashCases([{ ...c, id: '' }]));
    expect(new Set(perCase).size).toBe(cases.length);
  });

  it('cases are on one cropped 2 mm grid with integer labels and the documented classes', () => {
    const c = cases[0];
    expect(c.id).toBe('colin_000');
    expect(c.channelNames).toEqual(['T1']);
    expect(c.channels[0].spacing).toEqual([2, 2, 2]);
    const dims = c.channels[0].dims;
    // brain box + 4 mm at 2 mm: well under the 91×109×91 of the full head at 2 mm
    expect(dims[0] * dims[1] * dims[2]).toBeLessThan(91 * 109 * 91);
    expect(c.channels[0].data).toBeInstanceOf(Float32Array);
    expect(c.lesion.data).toBeInstanceOf(Uint8Array);
    expect(c.aux!.data).toBeInstanceOf(Uint8Array);
    assertSameGrid(c.channels[0], c.lesion, ['image', 'lesion']);
    assertSameGrid(c.channels[0], c.aux!, ['image', 'aux']);
    expect(c.auxNames).toEqual([...COLIN_AUX_NAMES]);
    const counts = new Array(COLIN_AUX_NAMES.length + 1).fill(0);
    for (const v of c.aux!.data) counts[v]++;
    expect(counts.length).toBe(COLIN_AUX_NAMES.length + 1); // no id above the class table
    for (let id = 0; id <= COLIN_AUX_NAMES.length; id++) expect(counts[id], `aux id ${id}`).toBeGreaterThan(0);
    // white matter is the largest brain class and the brain is ~1.2-1.8 L
    const brainMl = (counts.slice(1).reduce((s, v) => s + v, 0) * 8) / 1000;
    expect(brainMl).toBeGreaterThan(1200);
    expect(brainMl).toBeLessThan(1800);
    expect(counts[COLIN_AUX.white_matter]).toBe(Math.max(...counts.slice(1)));
    let notBinary = 0;
    let lesionVoxels = 0;
    for (const v of c.lesion.data) {
      if (v !== 0 && v !== 1) notBinary++;
      lesionVoxels += v;
    }
    expect(notBinary).toBe(0);
    expect(lesionVoxels).toBeGreaterThan(0);
  });

  it('aux lobe labels sit where the 1 mm AAL atlas says (affine kept through crop + resample)', () => {
    const atlas = readNifti(path.join(avail.dir, COLIN_FILES.atlas)).volume;
    const spec = loadGroupSpec(path.join(specsDirectory(), 'aal_groups.json'));
    const aux = anatomy!.aux;
    const [nx, ny, nz] = aux.dims;
    let checked = 0;
    let wrong = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const a = aux.data[i + nx * (j + ny * k)];
          if (a < COLIN_AUX.frontal || a > COLIN_AUX.cerebellum) continue;
          const v = worldToVoxel(atlas, voxelToWorld(aux, [i, j, k])).map((x) => Math.floor(x + 0.5)) as Vec3;
          const id = atlas.data[v[0] + atlas.dims[0] * (v[1] + atlas.dims[1] * v[2])];
          const group = spec.groupNames[(spec.idToGroup.get(id) ?? 0) - 1];
          checked++;
          if (group !== COLIN_AUX_NAMES[a - 1]) wrong++;
        }
    expect(checked).toBeGreaterThan(50000);
    expect(wrong).toBe(0);
  });

  it('lesions: white matter only, no stray fragments, mostly < 1 mL with a few larger', () => {
    const volumes: number[] = [];
    for (const c of cases) {
      const { lesion, aux } = c;
      let outside = 0;
      for (let p = 0; p < lesion.data.length; p++) if (lesion.data[p] && aux!.data[p] !== COLIN_AUX.white_matter) outside++;
      expect(outside, c.id).toBe(0);
      const cc = labelComponents(lesion.data, lesion.dims, 26);
      const [nx, ny] = lesion.dims;
      const withCentre = new Set(c.lesionsPlanned.map((l) => cc.labels[l.centre[0] + nx * (l.centre[1] + ny * l.centre[2])]));
      expect(withCentre.has(0), `${c.id}: a planned centre is not lesion`).toBe(false);
      expect(withCentre.size, `${c.id}: every component holds a planned centre`).toBe(cc.count);
      expect(c.lesionsPlanned.length).toBeGreaterThanOrEqual(COLIN_DEFAULTS.minLesions);
      volumes.push(...colinLesionVolumesMl(c));
    }
    expect(volumes.length).toBeGreaterThanOrEqual(12);
    expect(volumes.filter((v) => v < 1).length / volumes.length).toBeGreaterThan(0.6);
    expect(Math.max(...volumes)).toBeGreaterThan(1);
    expect(Math.max(...volumes)).toBeLessThan(20);
  });

  it('hypointense lesions are darker than their white-matter surroundings', () => {
    const c = cases.find((x) => x.lesionsPlanned.some((l) => !l.hyper && l.targetMl > 0.3))!;
    const l = c.lesionsPlanned.find((x) => !x.hyper && x.targetMl > 0.3)!;
    const [nx, ny] = c.lesion.dims;
    const img = c.channels[0].data;
    const p0 = l.centre[0] + nx * (l.centre[1] + ny * l.centre[2]);
    // mean of white-matter, non-lesion voxels in the 9³ box around the centre
    let s = 0;
    let n = 0;
    for (let dk = -4; dk <= 4; dk++)
      for (let dj = -4; dj <= 4; dj++)
        for (let di = -4; di <= 4; di++) {
          const p = p0 + di + nx * (dj + ny * dk);
          if (p >= 0 && p < img.length && !c.lesion.data[p] && c.aux!.data[p] === COLIN_AUX.white_matter) {
            s += img[p];
            n++;
          }
        }
    expect(n).toBeGreaterThan(10);
    expect(img[p0]).toBeLessThan(s / n - 0.05);
  });
});
