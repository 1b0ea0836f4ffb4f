/**
 * Reading EMIDEC (delayed-enhancement cardiac MRI, Lalande et al., Data 2020) as it
 * comes, in either of two layouts:
 *
 * - 'png-slices': `images/` and `labels/` holding `Case_<id>_slice<n>.png` pairs of 8-bit
 *   greyscale PNGs (one short-axis slice each). A case's slices are stacked into one
 *   volume: x = PNG column, y = PNG row (row 0 = the PNG's top row), z = slice index in
 *   increasing slice-number order. The PNGs carry no spacing: the volume gets the nominal
 *   spacing {@link EMIDEC_NOMINAL_SPACING} (approximate, see docs/emidec.md).
 * - 'nifti-cases': the challenge's own layout, one folder per case,
 *   `Case_<id>/Images/Case_<id>.nii.gz` and `Case_<id>/Contours/Case_<id>.nii.gz`; the
 *   grid and spacing are the files' own.
 *
 * Labels are EMIDEC's: 0 background, 1 left-ventricular cavity, 2 normal myocardium,
 * 3 myocardial infarction, 4 persistent microvascular obstruction (no-reflow). Every
 * problem (a slice without its label, an RGB or 16-bit PNG, a label value outside 0–4,
 * mismatched sizes, an empty or unrecognised folder) is an Error naming the file.
 */
import { existsSync, readdirSync, statSync } from 'fs';
import * as path from 'path';
import { affineColumnNorms } from '../io/affine';
import { readNifti } from '../io/nifti';
import { readGreyPng } from '../io/png';
import { Affine, makeVolume, Vec3, Volume } from '../core/volume';

/** The two folder layouts EMIDEC comes in. */
export type EmidecLayout = 'png-slices' | 'nifti-cases';

/**
 * Spacing (mm) given to volumes stacked from PNG slices: EMIDEC's in-plane pixel size
 * (1.40625 mm; the PNGs were resized to 256×256 from about 248×258, so it is approximate)
 * and its 13 mm between slices.
 */
export const EMIDEC_NOMINAL_SPACING: Vec3 = [1.40625, 1.40625, 13];

/** Largest EMIDEC label value (4 = no-reflow). */
export const EMIDEC_MAX_LABEL = 4;

/** One PNG slice pair of a case. */
interface SlicePair {
  slice: number;
  image: string;
  label: string;
}

/** Where one case's data is: its slice pairs (png-slices) or its two NIfTI files (nifti-cases). */
export interface EmidecCaseSource {
  id: string;
  slices?: SlicePair[];
  image?: string;
  label?: string;
}

/** A scanned source folder: its layout and its cases, sorted by id. */
export interface EmidecSource {
  dir: string;
  layout: EmidecLayout;
  cases: EmidecCaseSource[];
}

/** One case read from its source: the image volume and the raw label volume (values 0–4) on one grid. */
export interface EmidecCaseVolumes {
  id: string;
  image: Volume<Uint8Array | Float32Array>;
  label: Volume<Uint8Array>;
}

const EXPECTED = "EMIDEC's PNG slices (images/ and labels/ holding Case_<id>_slice<n>.png) or its NIfTI cases (Case_<id>/Images/Case_<id>.nii.gz with Case_<id>/Contours/Case_<id>.nii.gz)";
const SLICE_NAME = /^(.+)_slice(\d+)\.png$/i;

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
const visible = (dir: string): string[] => readdirSync(dir).filter((n) => !n.startsWith('.'));

/**
 * Which layout a folder holds.
 * @throws Error naming the folder and what was expected when it is missing, empty, holds neither layout or both
 */
export function detectEmidecLayout(dir: string): EmidecLayout {
  if (!isDir(dir)) throw new Error(`${dir}: not a folder; expected ${EXPECTED}`);
  const entries = visible(dir);
  if (entries.length === 0) throw new Error(`${dir}: empty folder; expected ${EXPECTED}`);
  const png = isDir(path.join(dir, 'images')) || isDir(path.join(dir, 'labels'));
  const nifti = entries.some((n) => /^Case_/.test(n) && isDir(path.join(dir, n)));
  if (png && nifti) throw new Error(`${dir}: holds both images/ or labels/ and Case_* folders; give one layout: ${EXPECTED}`);
  if (png) return 'png-slices';
  if (nifti) return 'nifti-cases';
  throw new Error(`${dir}: neither layout found (entries: ${entries.slice(0, 8).join(', ')}${entries.length > 8 ? ', ...' : ''}); expected ${EXPECTED}`);
}

/** The PNG slices of one folder by case id: slice number → file name. */
function slicesIn(dir: string): Map<string, Map<number, string>> {
  if (!isDir(dir)) throw new Error(`${dir}: missing; a PNG-slice EMIDEC folder has both images/ and labels/`);
  const byCase = new Map<string, Map<number, string>>();
  for (const name of visible(dir).sort()) {
    if (!/\.png$/i.test(name)) continue;
    const m = SLICE_NAME.exec(name);
    if (!m) throw new Error(`${path.join(dir, name)}: name does not follow Case_<id>_slice<n>.png, so its case and slice are unknown`);
    const slices = byCase.get(m[1]) ?? new Map<number, string>();
    const n = Number(m[2]);
    const other = slices.get(n);
    if (other !== undefined) throw new Error(`${path.join(dir, name)}: slice ${n} of case ${m[1]} is also ${path.join(dir, other)}`);
    slices.set(n, name);
    byCase.set(m[1], slices);
  }
  if (byCase.size === 0) throw new Error(`${dir}: no Case_<id>_slice<n>.png files`);
  return byCase;
}

/** Pair images/ and labels/ slice by slice; every image needs its label and vice versa; slice numbers consecutive. */
function scanPngSlices(dir: string): EmidecCaseSource[] {
  const imagesDir = path.join(dir, 'images');
  const labelsDir = path.join(dir, 'labels');
  const images = slicesIn(imagesDir);
  const labels = slicesIn(labelsDir);
  for (const [id, slices] of labels) {
    for (const [n, name] of slices) if (!images.get(id)?.has(n)) throw new Error(`${path.join(labelsDir, name)}: label without its image (no ${id} slice ${n} in ${imagesDir})`);
  }
  return [...images.keys()].sort().map((id) => {
    const numbers = [...images.get(id)!.keys()].sort((a, b) => a - b);
    const slices = numbers.map((n) => {
      const image = images.get(id)!.get(n)!;
      const label = labels.get(id)?.get(n);
      if (label === undefined) throw new Error(`${path.join(imagesDir, image)}: image without its label (no ${id} slice ${n} in ${labelsDir})`);
      return { slice: n, image: path.join(imagesDir, image), label: path.join(labelsDir, label) };
    });
    numbers.forEach((n, i) => {
      if (i > 0 && n !== numbers[i - 1] + 1) throw new Error(`${slices[i].image}: case ${id} has slice ${numbers[i - 1]} then ${n}; slices ${numbers[i - 1] + 1}..${n - 1} are missing, so the stack would put slices at the wrong depth`);
    });
    return { id, slices };
  });
}

/** The case's NIfTI file `<folder>/<id>.nii.gz` (or `.nii`). */
function caseFile(folder: string, id: string): string {
  for (const ext of ['.nii.gz', '.nii']) if (existsSync(path.join(folder, id + ext))) return path.join(folder, id + ext);
  throw new Error(`${path.join(folder, `${id}.nii.gz`)}: missing (an EMIDEC case folder holds Images/${id}.nii.gz and Contours/${id}.nii.gz)`);
}

function scanNiftiCases(dir: string): EmidecCaseSource[] {
  const folders = visible(dir).filter((n) => /^Case_/.test(n) && isDir(path.join(dir, n))).sort();
  return folders.map((id) => ({ id, image: caseFile(path.join(dir, id, 'Images'), id), label: caseFile(path.join(dir, id, 'Contours'), id) }));
}

/**
 * Find the layout and the cases of an EMIDEC folder (file names only; nothing is decoded).
 * @throws Error naming the file or folder: empty or unrecognised folder, a slice without its
 *   label (or a label without its image), an unparseable slice name, a gap in a case's slices,
 *   a case folder without its Images or Contours file
 */
export function scanEmidecSource(dir: string): EmidecSource {
  const layout = detectEmidecLayout(dir);
  return { dir, layout, cases: layout === 'png-slices' ? scanPngSlices(dir) : scanNiftiCases(dir) };
}

/** The first voxel of a label array outside 0..4 (or not an integer), or null. */
function badLabel(data: ArrayLike<number>): { index: number; value: number } | null {
  for (let p = 0; p < data.length; p++) {
    const v = data[p];
    if (!(Number.isInteger(v) && v >= 0 && v <= EMIDEC_MAX_LABEL)) return { index: p, value: v };
  }
  return null;
}

/** Stack a case's PNG slices (x = column, y = row, z = slice) with the nominal spacing. */
function readPngCase(c: EmidecCaseSource): EmidecCaseVolumes {
  const slices = c.slices ?? [];
  let width = 0;
  let height = 0;
  let image = new Uint8Array(0);
  let label = new Uint8Array(0);
  slices.forEach((s, z) => {
    const img = readGreyPng(s.image);
    const lab = readGreyPng(s.label);
    if (z === 0) {
      ({ width, height } = img);
      image = new Uint8Array(width * height * slices.length);
      label = new Uint8Array(width * height * slices.length);
    } else if (img.width !== width || img.height !== height) {
      throw new Error(`${s.image}: ${img.width}x${img.height} pixels, but slice ${slices[0].slice} of case ${c.id} (${slices[0].image}) is ${width}x${height}`);
    }
    if (lab.width !== img.width || lab.height !== img.height) throw new Error(`${s.label}: ${lab.width}x${lab.height} pixels, but its image ${s.image} is ${img.width}x${img.height}`);
    const bad = badLabel(lab.data);
    if (bad) throw new Error(`${s.label}: label value ${bad.value} at row ${Math.floor(bad.index / width)}, column ${bad.index % width} is outside EMIDEC's 0-${EMIDEC_MAX_LABEL}`);
    // the PNG is row-major with row 0 first, the volume x fastest: slice z is the PNG's bytes as they are
    image.set(img.data, z * width * height);
    label.set(lab.data, z * width * height);
  });
  const dims: Vec3 = [width, height, slices.length];
  return { id: c.id, image: makeVolume(image, dims, EMIDEC_NOMINAL_SPACING), label: makeVolume(label, dims, EMIDEC_NOMINAL_SPACING) };
}

/**
 * The affine with its columns scaled to the header's voxel size. EMIDEC's files store a sform
 * with unit-length columns (diag(-1, -1, 1)) while pixdim says 1.40625 × 1.40625 × 13 mm; the
 * voxel size is pixdim's, the axis directions and origin the sform's, so that the written file's
 * affine and pixdim agree and volumes in mL are right.
 */
function affineWithSpacing(affine: Affine, spacing: Vec3): Affine {
  const norms = affineColumnNorms(affine);
  return affine.map((row, r) => (r < 3 ? row.map((v, c) => (c < 3 ? (v / norms[c]) * spacing[c] : v)) : [...row]));
}

/** Read a NIfTI case: 3D image and label on one grid, label values 0–4. */
function readNiftiCase(c: EmidecCaseSource): EmidecCaseVolumes {
  const img = readNifti(c.image!);
  const lab = readNifti(c.label!);
  for (const [f, r] of [[c.image!, img], [c.label!, lab]] as const) {
    if (r.header.nVolumes > 1) throw new Error(`${f}: ${r.header.nVolumes} volumes (4D); an EMIDEC case is one 3D volume`);
  }
  const { dims, spacing } = img.volume;
  if (lab.volume.dims.some((d, i) => d !== dims[i])) throw new Error(`${c.label}: grid ${lab.volume.dims.join('x')}, but its image ${c.image} is ${dims.join('x')}`);
  if (lab.volume.spacing.some((s, i) => Math.abs(s - spacing[i]) > 1e-4 * spacing[i])) {
    throw new Error(`${c.label}: voxel size ${lab.volume.spacing.join(' x ')} mm, but its image ${c.image} has ${spacing.join(' x ')} mm`);
  }
  const bad = badLabel(lab.volume.data);
  if (bad) throw new Error(`${c.label}: label value ${bad.value} at voxel ${bad.index} is outside EMIDEC's 0-${EMIDEC_MAX_LABEL}`);
  const affine = affineWithSpacing(img.volume.affine, spacing);
  const image = Float32Array.from(img.volume.data);
  return { id: c.id, image: makeVolume(image, dims, spacing, affine), label: makeVolume(Uint8Array.from(lab.volume.data), dims, spacing, affine) };
}

/**
 * Read one case of a scanned source: decode its PNG slices or NIfTI files and check them.
 * @throws Error naming the file: a PNG that is not 8-bit greyscale, sizes that differ within
 *   a case or between an image and its label, a label value outside 0–4, a 4D NIfTI file
 */
export function readEmidecCase(layout: EmidecLayout, c: EmidecCaseSource): EmidecCaseVolumes {
  return layout === 'png-slices' ? readPngCase(c) : readNiftiCase(c);
}
