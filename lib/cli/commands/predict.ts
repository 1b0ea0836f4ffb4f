/**
 * `backsplit predict --run <dir> --image <nii> --out <nii>`: sliding-window
 * inference of a trained run on a whole volume; writes the lesion mask (or the
 * full class map, or the lesion probability) as NIfTI on the input grid.
 */
import { Command, parseArgs, UsageError, BACKEND_FLAG, flagHelp } from '../args';
import { initBackend } from '../../backend/select';
import { readNifti } from '../../io/nifti';
import { writeNifti } from '../../io/nifti-write';
import { makeVolume, Vec3 } from '../../io/volume';
import { zScore } from '../../train/prepare';
import { argmaxClasses, slidingWindowProbabilities } from '../../train/inference';
import { loadRun } from '../../train/trainer';

const specs = {
  run: { type: 'string' as const, required: true, description: 'run folder written by backsplit train' },
  image: { type: 'string' as const, required: true, description: 'input NIfTI; several channels as a comma-separated list' },
  out: { type: 'string' as const, required: true, description: 'output NIfTI (.nii or .nii.gz)' },
  probabilities: { type: 'boolean' as const, description: 'write the lesion probability (float32) instead of labels' },
  labels: { type: 'string' as const, description: "'lesion' (default: 0/1 lesion mask) or 'all' (arg-max class map)" },
  overlap: { type: 'number' as const, description: 'sliding-window overlap in [0, 1) (default: the run config inferenceOverlap)' },
  backend: BACKEND_FLAG,
};

export const predictCommand: Command = {
  name: 'predict',
  summary: 'segment a whole volume with a trained run (sliding window, Gaussian weighting)',
  usage: [
    'usage: backsplit predict --run <dir> --image <nii>[,<nii>...] --out <nii> [--probabilities] [--labels lesion|all]',
    '                         [--overlap F] [--backend <name>]',
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
    const vols = files.map((f) => readNifti(f).volume);
    const ref = vols[0];
    vols.forEach((v, i) => {
      if (v.dims.some((d, j) => d !== ref.dims[j])) throw new Error(`predict: ${files[i]} has dims ${v.dims}, ${files[0]} has ${ref.dims}`);
    });
    const t0 = Date.now();
    const probs = await slidingWindowProbabilities(run.model, vols.map((v) => zScore(v.data)), ref.dims as Vec3, {
      patchSize: run.config.patchSize,
      overlap: overlap ?? run.config.inferenceOverlap,
    });
    const { numClasses, lesionClass } = run.meta.layout;
    const nvox = ref.data.length;
    const classes = argmaxClasses(probs, numClasses);
    let lesionVoxels = 0;
    for (let i = 0; i < nvox; i++) if (classes[i] === lesionClass) lesionVoxels++;
    let out;
    if (flags.probabilities) {
      out = makeVolume(probs.slice(lesionClass * nvox, (lesionClass + 1) * nvox), ref.dims, ref.spacing, ref.affine);
      writeNifti(flags.out as string, out, { datatype: 'float32', description: 'backsplit lesion probability' });
    } else {
      const labels = classes;
      if (labelsMode === 'lesion') for (let i = 0; i < labels.length; i++) labels[i] = labels[i] === lesionClass ? 1 : 0;
      out = makeVolume(labels, ref.dims, ref.spacing, ref.affine);
      writeNifti(flags.out as string, out, { datatype: 'uint8', description: `backsplit ${labelsMode === 'lesion' ? 'lesion mask' : 'class map'}` });
    }
    process.stdout.write(
      `predict: ${files[0]} (${ref.dims.join('x')}) → ${flags.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
        `(run ${flags.run}, step ${run.step}, ${run.meta.layout.mode}, ${lesionVoxels} lesion voxels)\n`,
    );
    run.model.dispose();
    return 0;
  },
};
