/**
 * `backsplit info <file> [--json]`: header and value statistics of a NIfTI file
 * (`.nii`, `.nii.gz`, or either file of a `.hdr`/`.img` pair, NIfTI or Analyze).
 *
 * With --json it prints exactly one JSON object
 *   {"dims":[x,y,z(,t)],"datatype":"float32","pixdim":[sx,sy,sz],"pixdim_nonfinite":[],
 *    "affine":[[4x4]],"min":..,"max":..,"mean":..,"nonzero":..,"nonfinite":..}
 * where dims is nibabel's shape, datatype the on-disk type, affine the one the reader
 * selects, and the statistics are taken after scaling over every finite voxel of every
 * volume. JSON has no NaN/Infinity: a non-finite pixdim entry is printed as null and its
 * index (0-based into "pixdim") is listed in "pixdim_nonfinite"; "nonfinite" counts the
 * NaN/±Inf voxels left out of the statistics (the text output warns about them).
 */
import { Command, parseArgs, UsageError } from '../args';
import { readNiftiAll } from '../../io/nifti';
import { NiftiHeader } from '../../io/nifti-header';
import { StatsAccumulator, VolumeStats } from '../../io/ops';

/** The object `info --json` prints. */
export interface InfoJson {
  dims: number[];
  datatype: string;
  /** pixdim[1..3]; null for a NaN/±Inf entry (listed in pixdim_nonfinite). */
  pixdim: (number | null)[];
  /** 0-based indices into pixdim of the entries that are NaN/±Inf in the header. */
  pixdim_nonfinite: number[];
  affine: number[][];
  min: number | null;
  max: number | null;
  mean: number | null;
  nonzero: number;
  /** NaN/±Inf voxels, not counted in min/max/mean/nonzero. */
  nonfinite: number;
}

/**
 * Header summary and statistics of one NIfTI file; NaN/Inf voxels are counted and left
 * out of the statistics.
 * @throws NiftiError for unreadable files
 */
export function niftiInfo(path: string): { json: InfoJson; header: NiftiHeader; stats: VolumeStats } {
  const { volumes, header } = readNiftiAll(path, { nonfinite: 'keep' });
  const acc = new StatsAccumulator();
  for (const v of volumes) acc.add(v.data);
  const stats = acc.result();
  const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);
  const dims = header.shape.length >= 3 ? [...header.shape] : [...header.shape, 1, 1].slice(0, 3);
  const json: InfoJson = {
    dims,
    datatype: header.datatype,
    pixdim: header.pixdim.map(finiteOrNull),
    pixdim_nonfinite: [0, 1, 2].filter((i) => !Number.isFinite(header.pixdim[i])),
    affine: header.affine.map((r) => [...r]),
    min: finiteOrNull(stats.min),
    max: finiteOrNull(stats.max),
    mean: finiteOrNull(stats.mean),
    nonzero: stats.nonzero,
    nonfinite: stats.nonFinite,
  };
  return { json, header, stats };
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : String(+x.toPrecision(7));
}

const FORMAT_NAMES: Record<NiftiHeader['format'], string> = {
  nifti1: 'NIfTI-1',
  nifti2: 'NIfTI-2',
  'nifti1-pair': 'NIfTI-1 pair (.hdr/.img)',
  'nifti2-pair': 'NIfTI-2 pair (.hdr/.img)',
  analyze: 'Analyze 7.5 pair (.hdr/.img; SPM2 conventions as nibabel)',
};

function humanSummary(path: string, header: NiftiHeader, json: InfoJson, stats: VolumeStats): string {
  const scaling = header.scaling ? `slope ${header.scaling.slope}, intercept ${header.scaling.inter}` : 'none';
  const lines = [
    `file:      ${path}`,
    `format:    ${FORMAT_NAMES[header.format]}, ${header.littleEndian ? 'little' : 'big'}-endian`,
    `dims:      ${json.dims.join(' x ')}${header.nVolumes > 1 ? ` (${header.nVolumes} volumes)` : ''}`,
    `datatype:  ${header.datatype}${header.scaling ? ' (scaled to float32)' : ''}`,
    `pixdim:    ${header.pixdim.map((p) => String(+p.toPrecision(7))).join(' x ')} mm`,
    `scaling:   ${scaling}`,
    `qform:     code ${header.qformCode}   sform: code ${header.sformCode}   affine from ${header.affineSource}`,
    'affine:',
    ...json.affine.map((r) => '  ' + r.map((v) => fmt(v).padStart(12)).join(' ')),
    `values:    min ${fmt(json.min)}, max ${fmt(json.max)}, mean ${fmt(json.mean)}, nonzero ${json.nonzero} of ${stats.count + stats.nonFinite}`,
  ];
  if (stats.nonFinite) lines.push(`warning:   ${stats.nonFinite} NaN/Inf voxel(s), left out of the statistics (loaders refuse them unless --nonfinite zero|mask)`);
  if (header.description) lines.push(`descrip:   ${header.description}`);
  return lines.join('\n');
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'print the header and value statistics of a NIfTI file (.nii[.gz], .hdr/.img pairs, Analyze)',
  usage: [
    'usage: backsplit info <file.nii[.gz] | file.hdr[.gz] | file.img[.gz]> [--json]',
    '',
    '  --json   print one JSON object: dims, datatype, pixdim, pixdim_nonfinite, affine, min, max, mean,',
    '           nonzero, nonfinite (statistics after scaling, over the finite voxels of all volumes;',
    '           NaN/Inf voxels are counted in nonfinite)',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { flags, positionals } = parseArgs(
      argv,
      { json: { type: 'boolean' } },
      1,
    );
    if (positionals.length !== 1) throw new UsageError('expected one file');
    const path = positionals[0];
    const { json, header, stats } = niftiInfo(path);
    process.stdout.write((flags.json ? JSON.stringify(json) : humanSummary(path, header, json, stats)) + '\n');
    return 0;
  },
};
