/**
 * `backsplit predict --run <dir> --image <nii> --out <nii>`: sliding-window
 * inference of a trained run on a whole volume; writes the lesion mask (or the
 * full class map, or the lesion probability) as NIfTI on the input grid.
 */
import { Command, parseArgs, UsageError, BACKEND_FLAG, flagHelp, NONFINITE_FLAG, nonFiniteFlag } from '../args';
import { initBackend } from '../../backend/select';
import { readNifti } from '../../io/nifti';
import { writeNifti } from '../../io/nifti-write';
import { makeVolume, Vec3, Volume } from '../../core/volume';
import { zscore } from '../../core/zscore';
import { argmaxClasses } from '../../train/inference';
import { loadRun } from '../../run/open';
import { lesionMask, predictProbabilities } from '../../run/predict';

const specs = {
  run: { type: 'string' as const, required: true, description: 'run folder written by backsplit train' },
  image: { type: 'string' as const, required: true, description: 'input NIfTI; several channels as a comma-separated list' },
  out: { type: 'string' as const, required: true, description: 'output NIfTI (.nii or .nii.gz)' },
  probabilities: { type: 'boolean' as const, description: 'write the lesion probability (float32) instead of labels' },
  labels: { type: 'string' as const, description: "'lesion' (default: 0/1 lesion mask) or 'all' (arg-max class map)" },
  overlap: { type: 'number' as const, description: 'sliding-window overlap in [0, 1) (default: the run config inferenceOverlap)' },
  backend: BACKEND_FLAG,
  nonfinite: {
    ...NONFINITE_FLAG,
    description: "NaN/Inf voxels of an image: 'error' (default), 'zero' (read as 0), or 'mask' (left out of the z-scoring and written as 0 / background)",
  },
};

/** Read the channels; with policy 'mask', z-score over finite voxels and return where any channel was NaN/Inf. */
function readChannels(files: string[], nonfinite: 'error' | 'zero' | 'mask'): { vols: Volume[]; inputs: Float32Array[]; masked: Uint8Array | null } {
  const reads = files.map((f) => readNifti(f, { nonfinite }));
  const vols = reads.map((r) => r.volume);
  const ref = vols[0];
  vols.forEach((v, i) => {
    if (v.dims.some((d, j) => d !== ref.dims[j])) throw new Error(`predict: ${files[i]} has dims ${v.dims}, ${files[0]} has ${ref.dims}`);
  });
  let masked: Uint8Array | null = null;
  for (const r of reads) {
    const m = r.nonFinite.mask;
    if (!m) continue;
    masked ??= new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) masked[i] |= m[i];
  }
  const finite = masked ? masked.map((x) => 1 - x) : undefined;
  return { vols, inputs: vols.map((v) => zscore(v.data, finite)), masked };
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'segment a whole volume with a trained run (sliding window, Gaussian weighting)',
  usage: [
    'usage: backsplit predict --run <dir> --image <nii>[,<nii>...] --out <nii> [--probabilities] [--labels lesion|all]',
    '                         [--overlap F] [--backend <name>] [--nonfinite zero|mask]',
    '',
    ...flagHelp(specs),
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { flags } = parseArgs(argv, specs, 0);
    const labelsMode = (flags.labels as string | undefined) ?? 'lesion';
    if (labelsMode !== 'lesion' && labelsMode !== 'all') throw new UsageError(`--labels must be 'lesion' or 'all', got '${labelsMode}'`);
    if (flags.probabilities && flags.labels !== undefined) throw new UsageError('--probabilities and --labels exclude each other');
    const overlap = flags.overlap as number | undefined;
    if (overlap !== undefined && !(overlap >= 0 && overlap < 1)) throw new UsageError(`--overlap must be in [0, 1), got ${overlap}`);
    const report = await initBackend({ backend: typeof flags.backend === 'string' ? flags.backend : undefined });
    process.stderr.write(`${report.summary}\n`);
    const run = loadRun(flags.run as string);
    const files = (flags.image as string).split(',').filter(Boolean);
    if (files.length !== run.model.config.inChannels) {
      throw new UsageError(`the run's model takes ${run.model.config.inChannels} channel(s), --image names ${files.length}`);
    }
    const { vols, inputs, masked } = readChannels(files, nonFiniteFlag(flags.nonfinite));
    const ref = vols[0];
    const t0 = Date.now();
    const { numClasses, lesionClass } = run.layout;
    const probs = await predictProbabilities(run.model, run.layout, inputs, ref.dims as Vec3, {
      patchSize: run.config.patchSize,
      overlap: overlap ?? run.config.inferenceOverlap,
    });
    const nvox = ref.data.length;
    const mask = lesionMask(probs, run.layout, 'argmaxIsLesion');
    if (masked) {
      for (let c = 0; c < numClasses; c++) for (let i = 0; i < nvox; i++) if (masked[i]) probs[c * nvox + i] = c === 0 ? 1 : 0;
      for (let i = 0; i < nvox; i++) if (masked[i]) mask[i] = 0;
    }
    let lesionVoxels = 0;
    for (let i = 0; i < nvox; i++) lesionVoxels += mask[i];
    if (flags.probabilities) {
      const out = makeVolume(probs.slice(lesionClass * nvox, (lesionClass + 1) * nvox), ref.dims, ref.spacing, ref.affine);
      writeNifti(flags.out as string, out, { datatype: 'float32', description: 'backsplit lesion probability' });
    } else {
      const labels = labelsMode === 'lesion' ? mask : argmaxClasses(probs, numClasses);
      const out = makeVolume(labels, ref.dims, ref.spacing, ref.affine);
      writeNifti(flags.out as string, out, { datatype: 'uint8', description: `backsplit ${labelsMode === 'lesion' ? 'lesion mask' : 'class map'}` });
    }
    process.stdout.write(
      `predict: ${files[0]} (${ref.dims.join('x')}) → ${flags.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
        `(run ${flags.run}, step ${run.step}, ${run.layout.mode}, ${lesionVoxels} lesion voxels)\n`,
    );
    run.model.dispose();
    return 0;
  },
};
