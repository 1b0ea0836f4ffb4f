/**
 * The EMIDEC importer: either source layout (lib/data/emidec-source.ts) written as a
 * Medical Segmentation Decathlon folder — `dataset.json`, `imagesTr/<case>.nii.gz`,
 * `labelsTr/<case>.nii.gz` (uint8, EMIDEC's raw label values 0–4, so the import is
 * lossless) — with the label policy in dataset.json's `backsplit` object:
 * lesion = infarct ∪ no-reflow (mvo 'merge', default) or infarct alone with no-reflow an
 * auxiliary class (mvo 'separate'); cavity and myocardium are auxiliary classes.
 *
 * The folder is written as a unit (lib/core writeFolderAtomicSync): built under
 * `<out>.partial` and renamed into place; on any error nothing is left. For the dataset
 * registry a raw layout is imported once into a cache folder keyed by the source files'
 * names, sizes and modification times (`emidecCacheFolder`).
 */
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { processAlive } from '../core/process';
import { encodeNifti } from '../io/nifti-write';
import { writeFolderAtomicSync } from '../core/atomic';
import { detectEmidecLayout, EMIDEC_NOMINAL_SPACING, EmidecLayout, readEmidecCase, scanEmidecSource } from './emidec-source';

/** How persistent microvascular obstruction (label 4) is treated. */
export type EmidecMvo = 'merge' | 'separate';

/** EMIDEC's label values and their names, as dataset.json states them. */
export const EMIDEC_LABELS: Record<string, string> = {
  '0': 'background',
  '1': 'left-ventricular cavity',
  '2': 'normal myocardium',
  '3': 'myocardial infarction',
  '4': 'no-reflow',
};

/** Short names of the auxiliary classes, by label value, for loaded cases. */
const AUX_SHORT_NAMES: Record<number, string> = { 1: 'cavity', 2: 'myocardium', 4: 'no-reflow' };

/** The label policy of an mvo choice: lesion values, auxiliary values and the auxiliary class names. */
export function emidecPolicy(mvo: EmidecMvo): { lesionLabels: number[]; auxLabels: number[]; auxNames: string[] } {
  const auxLabels = mvo === 'merge' ? [1, 2] : [1, 2, 4];
  return { lesionLabels: mvo === 'merge' ? [3, 4] : [3], auxLabels, auxNames: auxLabels.map((v) => AUX_SHORT_NAMES[v]) };
}

/** Options of {@link importEmidec}. */
export interface EmidecImportOptions {
  /** Label policy stated in dataset.json (default 'merge'). */
  mvo?: EmidecMvo;
  /** Replace an existing output folder (default false: an existing one is an error). */
  force?: boolean;
}

/** What an import wrote, for the CLI's summary. */
export interface EmidecImportSummary {
  out: string;
  source: string;
  layout: EmidecLayout;
  mvo: EmidecMvo;
  cases: number;
  /** Slices over all cases (the third dimension of each volume). */
  slices: number;
  /** Cases whose id starts with Case_P (infarct) and Case_N (normal). */
  positive: number;
  negative: number;
  /** Voxels per raw label value 0..4 over all cases. */
  labelVoxels: number[];
  /** Voxels of the lesion under the policy, and their volume in mL (approximate for PNG slices). */
  lesionVoxels: number;
  lesionMl: number;
  /** The spacing statement written into dataset.json. */
  spacing: string;
}

const NOMINAL_SPACING_NOTE =
  `nominal ${EMIDEC_NOMINAL_SPACING[0]} x ${EMIDEC_NOMINAL_SPACING[1]} mm in plane (EMIDEC's pixel size; the PNGs were resized to 256x256 ` +
  `from about 248x258, so approximate) and ${EMIDEC_NOMINAL_SPACING[2]} mm between slices: volumes in mL are approximate`;

/** The dataset.json object of an import. */
function datasetJson(summary: EmidecImportSummary, training: Array<{ image: string; label: string }>): Record<string, unknown> {
  const policy = emidecPolicy(summary.mvo);
  return {
    name: 'EMIDEC',
    description: 'EMIDEC delayed-enhancement cardiac MRI (Lalande et al., Data 2020, doi:10.3390/data5040089), imported by backsplit import emidec',
    reference: 'https://emidec.com',
    licence: 'CC BY-NC-SA 4.0',
    tensorImageSize: '3D',
    modality: { '0': 'LGE-MRI' },
    labels: { ...EMIDEC_LABELS },
    numTraining: training.length,
    numTest: 0,
    training,
    test: [],
    backsplit: {
      lesionLabels: policy.lesionLabels,
      auxLabels: policy.auxLabels,
      mvo: summary.mvo,
      source: summary.source,
      layout: summary.layout,
      spacing: summary.spacing,
      axes: summary.layout === 'png-slices' ? 'x = PNG column, y = PNG row (row 0 = top), z = slice index' : 'as in the NIfTI files',
      licence: 'CC BY-NC-SA 4.0',
    },
  };
}

/** Refuse an output folder that exists (without force) or that holds the source. */
function checkOut(src: string, out: string, force: boolean): void {
  const inside = (a: string, b: string) => a === b || a.startsWith(b + path.sep);
  if (inside(src, out)) throw new Error(`${out}: the output folder would hold (or be) the source ${src}; choose another --out`);
  if (inside(out, src)) throw new Error(`${out}: the output folder lies inside the source ${src}; choose another --out`);
  if (existsSync(out) && !force) throw new Error(`${out}: already exists (use --force to replace it)`);
}

/**
 * Import an EMIDEC folder (either layout) as an MSD-style folder.
 * @example
 * const s = importEmidec('data/emidec-lge', 'build/emidec'); // s.cases 80, s.slices 569
 * @throws Error naming the file and the problem (see scanEmidecSource / readEmidecCase), or an
 *   existing `out` without `force`; nothing is left at `out` (nor `<out>.partial`) after an error
 */
export function importEmidec(src: string, out: string, options: EmidecImportOptions = {}): EmidecImportSummary {
  const source = path.resolve(src);
  const target = path.resolve(out);
  const mvo = options.mvo ?? 'merge';
  checkOut(source, target, options.force ?? false);
  const scanned = scanEmidecSource(source);
  const summary: EmidecImportSummary = {
    out: target,
    source,
    layout: scanned.layout,
    mvo,
    cases: scanned.cases.length,
    slices: 0,
    positive: scanned.cases.filter((c) => /^Case_P/i.test(c.id)).length,
    negative: scanned.cases.filter((c) => /^Case_N/i.test(c.id)).length,
    labelVoxels: [0, 0, 0, 0, 0],
    lesionVoxels: 0,
    lesionMl: 0,
    spacing: scanned.layout === 'png-slices' ? NOMINAL_SPACING_NOTE : 'from NIfTI',
  };
  const lesionSet = new Set(emidecPolicy(mvo).lesionLabels);
  writeFolderAtomicSync(target, (write) => {
    const training: Array<{ image: string; label: string }> = [];
    for (const c of scanned.cases) {
      const v = readEmidecCase(scanned.layout, c);
      const image = `imagesTr/${c.id}.nii.gz`;
      const label = `labelsTr/${c.id}.nii.gz`;
      const imageType = v.image.data instanceof Uint8Array ? 'uint8' : 'float32';
      write(image, gzipSync(encodeNifti(v.image, { datatype: imageType, description: 'EMIDEC LGE-MRI' }, image), { level: 6 }));
      write(label, gzipSync(encodeNifti(v.label, { datatype: 'uint8', description: 'EMIDEC labels 0-4' }, label), { level: 6 }));
      training.push({ image: `./${image}`, label: `./${label}` });
      summary.slices += v.label.dims[2];
      let lesion = 0;
      for (const x of v.label.data) {
        summary.labelVoxels[x]++;
        if (lesionSet.has(x)) lesion++;
      }
      summary.lesionVoxels += lesion;
      summary.lesionMl += (lesion * v.label.spacing[0] * v.label.spacing[1] * v.label.spacing[2]) / 1000;
    }
    write('dataset.json', JSON.stringify(datasetJson(summary, training), null, 2) + '\n');
  });
  return summary;
}

/** The `backsplit` object of an imported folder's dataset.json, or null when the folder is not an import. */
export function readEmidecImport(dir: string): { mvo: EmidecMvo; layout: EmidecLayout } | null {
  const file = path.join(dir, 'dataset.json');
  if (!existsSync(file)) return null;
  let json: { backsplit?: { mvo?: unknown; layout?: unknown } };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  const b = json.backsplit;
  if (!b || typeof b !== 'object') return null;
  if (b.mvo !== 'merge' && b.mvo !== 'separate') throw new Error(`${file}: backsplit.mvo must be 'merge' or 'separate', got ${JSON.stringify(b.mvo)}`);
  if (b.layout !== 'png-slices' && b.layout !== 'nifti-cases') throw new Error(`${file}: backsplit.layout must be 'png-slices' or 'nifti-cases', got ${JSON.stringify(b.layout)}`);
  return { mvo: b.mvo, layout: b.layout };
}

/**
 * Check, before anything is planned or trained, that a folder holds EMIDEC data the `emidec`
 * dataset kind can read: a folder from `backsplit import emidec`, or a raw layout (PNG slices or
 * NIfTI cases). Reads directory listings only.
 * @param what what gave the folder, for the message (e.g. '--emidec')
 * @returns the folder as an absolute path
 * @throws Error naming `what` and the folder when it is missing or holds no EMIDEC layout
 * @example requireEmidecFolder('../shared/data/emidec-lge', '--emidec') // '/work/shared/data/emidec-lge'
 */
export function requireEmidecFolder(folder: string, what: string): string {
  const dir = path.resolve(folder);
  if (!existsSync(dir)) throw new Error(`${what} ${dir}: no such folder; give the EMIDEC data (raw PNG slices or NIfTI cases, or a folder from 'backsplit import emidec')`);
  if (readEmidecImport(dir)) return dir;
  try {
    detectEmidecLayout(dir);
  } catch (e) {
    throw new Error(`${what} ${dir}: not EMIDEC data (${(e as Error).message})`, { cause: e });
  }
  return dir;
}

/** Every file under `dir` as `relative-name size mtime` lines, sorted (hidden files included). */
function fileListing(dir: string): string[] {
  const lines: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else lines.push(`${r}\t${st.size}\t${st.mtimeMs}`);
    }
  };
  walk('');
  return lines.sort();
}

/**
 * The cache folder of a raw EMIDEC layout: `<cacheRoot>/emidec-<12 hex>`, the first 12 hex
 * digits of a SHA-256 over the source's sorted relative file names, sizes and modification
 * times plus the mvo policy; any change to the source gives a new folder.
 */
export function emidecCacheFolder(src: string, cacheRoot: string, mvo: EmidecMvo): string {
  const hash = createHash('sha256');
  for (const line of fileListing(src)) hash.update(line + '\n');
  hash.update(`mvo ${mvo}\n`);
  return path.join(cacheRoot, `emidec-${hash.digest('hex').slice(0, 12)}`);
}

/** Remove staging folders `<base>.<pid>.staging` (and their .partial) of importers that no longer run. */
function removeStaleStaging(folder: string): void {
  const dir = path.dirname(folder);
  const prefix = `${path.basename(folder)}.`;
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = /^(\d+)\.staging(\.partial)?$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * An imported copy of a raw EMIDEC layout, made on first use and reused afterwards
 * (see emidecCacheFolder). The import goes to a staging folder of this process and is renamed
 * into place, so concurrent processes never see or share a half-written cache folder.
 * @returns the cache folder and whether this call created it
 */
export function cachedEmidecImport(src: string, cacheRoot: string, mvo: EmidecMvo): { dir: string; created: boolean } {
  const dir = emidecCacheFolder(src, cacheRoot, mvo);
  if (existsSync(path.join(dir, 'dataset.json'))) return { dir, created: false };
  removeStaleStaging(dir);
  const staging = `${dir}.${process.pid}.staging`;
  importEmidec(src, staging, { mvo, force: true });
  try {
    renameSync(staging, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    // another process put the same import in place first: use it
    if (existsSync(path.join(dir, 'dataset.json'))) return { dir, created: false };
    throw new Error(`could not move the EMIDEC import into ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return { dir, created: true };
}
