/**
 * `backsplit info <file> [--json]`: header and value statistics of a NIfTI file.
 *
 * With --json it prints exactly one JSON object
 *   {"dims":[x,y,z(,t)],"datatype":"float32","pixdim":[sx,sy,sz],"affine":[[4x4]],
 *    "min":..,"max":..,"mean":..,"nonzero":..}
 * where dims is nibabel's shape, datatype the on-disk type, affine the one the reader
 * selects, and the statistics are taken after scaling over every volume of the file.
 */
import { Command, parseArgs, UsageError } from '../args';
import { readNiftiAll } from '../../io/nifti';
import { NiftiHeader } from '../../io/nifti-header';
import { StatsAccumulator, VolumeStats } from '../../io/ops';

/** The object `info --json` prints. */
export interface InfoJson {
  dims: number[];
  datatype: string;
  pixdim: number[];
  affine: number[][];
  min: number | null;
  max: number | null;
  mean: number | null;
  nonzero: number;
}

/**
 * Header summary and statistics of one NIfTI file.
 * @param allowNonFinite skip NaN/Inf voxels instead of failing
 * @throws NiftiError for unreadable files
 */
export function niftiInfo(path: string, allowNonFinite = false): { json: InfoJson; header: NiftiHeader; stats: VolumeStats } {
  const { volumes, header } = readNiftiAll(path, { allowNonFinite });
  const acc = new StatsAccumulator();
  for (const v of volumes) acc.add(v.data);
  const stats = acc.result();
  const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);
  const dims = header.shape.length >= 3 ? [...header.shape] : [...header.shape, 1, 1].slice(0, 3);
  const json: InfoJson = {
    dims,
    datatype: header.datatype,
    pixdim: [...header.pixdim],
    affine: header.affine.map((r) => [...r]),
    min: finiteOrNull(stats.min),
    max: finiteOrNull(stats.max),
    mean: finiteOrNull(stats.mean),
    nonzero: stats.nonzero,
  };
  return { json, header, stats };
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : String(+x.toPrecision(7));
}

function humanSummary(path: string, header: NiftiHeader, json: InfoJson, stats: VolumeStats): string {
  const scaling = header.scaling ? `slope ${header.scaling.slope}, intercept ${header.scaling.inter}` : 'none';
  const lines = [
    `file:      ${path}`,
    `format:    NIfTI-${header.version}, ${header.littleEndian ? 'little' : 'big'}-endian`,
    `dims:      ${json.dims.join(' x ')}${header.nVolumes > 1 ? ` (${header.nVolumes} volumes)` : ''}`,
    `datatype:  ${header.datatype}${header.scaling ? ' (scaled to float32)' : ''}`,
    `pixdim:    ${json.pixdim.map((p) => fmt(p)).join(' x ')} mm`,
    `scaling:   ${scaling}`,
    `qform:     code ${header.qformCode}   sform: code ${header.sformCode}   affine from ${header.affineSource}`,
    'affine:',
    ...json.affine.map((r) => '  ' + r.map((v) => fmt(v).padStart(12)).join(' ')),
    `values:    min ${fmt(json.min)}, max ${fmt(json.max)}, mean ${fmt(json.mean)}, nonzero ${json.nonzero} of ${stats.count + stats.nonFinite}`,
  ];
  if (stats.nonFinite) lines.push(`non-finite voxels skipped: ${stats.nonFinite}`);
  if (header.description) lines.push(`descrip:   ${header.description}`);
  return lines.join('\n');
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'print the header and value statistics of a NIfTI file (.nii / .nii.gz)',
  usage: [
    'usage: backsplit info <file.nii[.gz]> [--json] [--allow-non-finite]',
    '',
    '  --json               print one JSON object: dims, datatype, pixdim, affine, min, max, mean, nonzero',
    '                       (statistics after scl_slope/scl_inter scaling, over all volumes)',
    '  --allow-non-finite   skip NaN/Inf voxels in the statistics instead of failing',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { flags, positionals } = parseArgs(
      argv,
      { json: { type: 'boolean' }, 'allow-non-finite': { type: 'boolean' } },
      1,
    );
    if (positionals.length !== 1) throw new UsageError('expected one file');
    const path = positionals[0];
    const { json, header, stats } = niftiInfo(path, flags['allow-non-finite'] === true);
    process.stdout.write((flags.json ? JSON.stringify(json) : humanSummary(path, header, json, stats)) + '\n');
    return 0;
  },
};
