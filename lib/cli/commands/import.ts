/**
 * `backsplit import emidec <src> --out <dir>`: convert a downloaded dataset into the
 * Medical Segmentation Decathlon layout the loaders read. One format so far: EMIDEC
 * (PNG slices or NIfTI case folders; lib/data/emidec.ts). Prints a summary.
 */
import { Command, flagHelp, FlagSpecs, parseArgs, UsageError } from '../args';
import { EmidecImportSummary, importEmidec } from '../../data/emidec';

const FLAGS: FlagSpecs = {
  out: { type: 'string', description: 'output folder (dataset.json, imagesTr/, labelsTr/); must not exist unless --force' },
  mvo: { type: 'string', description: "no-reflow (label 4): 'merge' (default: lesion = infarct + no-reflow) or 'separate' (an auxiliary class)" },
  force: { type: 'boolean', description: 'replace an existing output folder' },
};

const USAGE = [
  'usage: backsplit import emidec <src> --out <dir> [--mvo merge|separate] [--force]',
  '',
  'Imports EMIDEC (delayed-enhancement cardiac MRI) as a Medical Segmentation Decathlon folder:',
  '<src> holds images/ and labels/ with Case_<id>_slice<n>.png (8-bit grey PNG slices), or',
  'Case_<id>/Images/Case_<id>.nii.gz with Case_<id>/Contours/Case_<id>.nii.gz (the challenge layout).',
  'Labels keep their values 0-4; the label policy goes into dataset.json. PNG slices carry no spacing:',
  'they get a nominal 1.40625 x 1.40625 x 13 mm, so volumes in mL are approximate (docs/emidec.md).',
  '',
  ...flagHelp(FLAGS),
].join('\n');

/** The summary printed after an import. */
function summaryText(s: EmidecImportSummary): string {
  const other = s.cases - s.positive - s.negative;
  const lesion = s.mvo === 'merge' ? 'infarct + no-reflow' : 'infarct (no-reflow an auxiliary class)';
  return [
    `imported ${s.cases} case(s), ${s.slices} slice(s) from ${s.source} (${s.layout})`,
    `  ${s.positive} with infarct (Case_P), ${s.negative} normal (Case_N)${other ? `, ${other} other` : ''}`,
    `  lesion = ${lesion}: ${s.lesionVoxels} voxels, ${s.lesionMl.toFixed(1)} mL${s.layout === 'png-slices' ? ' (approximate)' : ''}`,
    `  label voxels 0-4: ${s.labelVoxels.join(', ')}`,
    `  spacing: ${s.spacing}`,
    `  written to ${s.out}`,
  ].join('\n');
}

export const importCommand: Command = {
  name: 'import',
  summary: 'import a downloaded dataset (emidec) as an MSD folder',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const { flags, positionals } = parseArgs(argv, FLAGS, 2);
    const [format, src] = positionals;
    if (format === undefined) throw new UsageError('give the format (emidec) and the source folder');
    if (format !== 'emidec') throw new UsageError(`unknown format '${format}' (known: emidec)`);
    if (src === undefined) throw new UsageError('give the EMIDEC source folder');
    if (typeof flags.out !== 'string') throw new UsageError('missing required flag --out');
    const mvo = flags.mvo ?? 'merge';
    if (mvo !== 'merge' && mvo !== 'separate') throw new UsageError(`--mvo must be merge or separate, got '${String(mvo)}'`);
    const summary = importEmidec(src, flags.out, { mvo, force: flags.force === true });
    process.stdout.write(summaryText(summary) + '\n');
    return 0;
  },
};
