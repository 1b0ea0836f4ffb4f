/**
 * `backsplit labels`: build a BackSplit class map (0 = unlabelled, 1..K = aux
 * groups, K+1 = lesion) from a lesion mask plus auxiliary label maps and/or
 * tissue classes clustered from an image; writes it as uint8 NIfTI and prints
 * the class table as one JSON object.
 */
import { Command, NONFINITE_FLAG, nonFiniteFlag, parseArgs, UsageError, VOLUME_FLAG, volumeFlag } from '../args';
import { buildLabelsFromFiles } from '../../labels/from-files';

const USAGE = `usage: backsplit labels [--lesion <nii>] [--lesion-values 1,2] [--aux <nii>[,<nii>...]] [--groups <spec>[,<spec>...]]
                       [--tissue-from <nii> [--tissue-classes 3] [--mask <nii>] [--tissue-method kmeans|gmm]
                        [--tissue-names csf,grey_matter,white_matter] [--seed 0]] --out <nii> [--binary-out <nii>]
                       [--volume N] [--nonfinite zero|mask]

Builds one class map: 0 = unlabelled background, 1..K = auxiliary groups, K+1 = lesion.
The lesion overrides auxiliary labels; aux files take precedence in the order given, tissue classes last.
--groups: a built-in spec (total, total_mr, synthseg, tissue) or a JSON file; one for all aux files or one per file.
Without --lesion the lesion mask is empty (e.g. to inspect organ groups). Prints {"out", "lesionClass", "classes": [...]} as JSON.
Lesion and aux files must be 3D and hold whole numbers; --volume N takes volume N (0-based) of 4D ones.
--nonfinite: NaN/Inf voxels are refused (error, default), read as 0 (zero), or left out (mask: label 0,
and not clustered in the --tissue-from image).`;

const list = (v: unknown) => (typeof v === 'string' && v.length ? v.split(',').map((s) => s.trim()) : undefined);

export const labelsCommand: Command = {
  name: 'labels',
  summary: 'build a BackSplit label map (lesion + auxiliary background classes)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const { flags } = parseArgs(
      argv,
      {
        lesion: { type: 'string' },
        'lesion-values': { type: 'string' },
        aux: { type: 'string' },
        groups: { type: 'string' },
        'tissue-from': { type: 'string' },
        'tissue-classes': { type: 'number' },
        'tissue-method': { type: 'string' },
        'tissue-names': { type: 'string' },
        mask: { type: 'string' },
        seed: { type: 'number' },
        out: { type: 'string', required: true },
        'binary-out': { type: 'string' },
        volume: VOLUME_FLAG,
        nonfinite: NONFINITE_FLAG,
      },
      0,
    );
    const lesionValues = list(flags['lesion-values'])?.map((s) => {
      const v = Number(s);
      if (!Number.isInteger(v)) throw new UsageError(`--lesion-values: '${s}' is not an integer`);
      return v;
    });
    const method = flags['tissue-method'] as string | undefined;
    if (method !== undefined && method !== 'kmeans' && method !== 'gmm') throw new UsageError(`--tissue-method must be kmeans or gmm, got '${method}'`);
    const tissueOnly = ['tissue-classes', 'tissue-method', 'tissue-names', 'mask'].filter((f) => flags[f] !== undefined);
    if (!flags['tissue-from'] && tissueOnly.length) throw new UsageError(`--${tissueOnly[0]} needs --tissue-from`);
    const classes = flags['tissue-classes'] as number | undefined;
    if (classes !== undefined && (!Number.isInteger(classes) || classes < 1)) throw new UsageError(`--tissue-classes must be a positive integer, got ${classes}`);
    if (!flags.lesion && !flags.aux && !flags['tissue-from']) throw new UsageError('give --lesion, --aux or --tissue-from');
    const r = buildLabelsFromFiles({
      lesion: flags.lesion as string | undefined,
      lesionValues,
      aux: list(flags.aux),
      groups: typeof flags.groups === 'string' ? flags.groups.split(',').map((s) => s.trim()) : undefined,
      tissueFrom: flags['tissue-from'] as string | undefined,
      tissueClasses: classes,
      tissueMask: flags.mask as string | undefined,
      tissueMethod: method as 'kmeans' | 'gmm' | undefined,
      tissueNames: list(flags['tissue-names']),
      seed: flags.seed as number | undefined,
      volume: volumeFlag(flags.volume),
      nonfinite: nonFiniteFlag(flags.nonfinite),
      out: flags.out as string,
      binaryOut: flags['binary-out'] as string | undefined,
    });
    if (r.emptyLesion) process.stderr.write('backsplit labels: no --lesion given, the lesion class is empty\n');
    const json = {
      out: flags.out,
      binaryOut: flags['binary-out'] ?? null,
      lesionClass: r.lesionClass,
      sources: r.sources,
      tissue: r.tissue ? { method: r.tissue.method, names: r.tissue.names, means: r.tissue.means, iterations: r.tissue.iterations, converged: r.tissue.converged } : undefined,
      classes: r.classes,
    };
    process.stdout.write(JSON.stringify(json, null, 1) + '\n');
    return 0;
  },
};
