/**
 * The binary and the BackSplit network side by side in the Fisher notebook:
 * find a pair of trained runs or train two small ones, the patches they are
 * measured on, Monte-Carlo Fisher of both at their final weights and at every
 * checkpoint, and the tables and sentences that compare them. The measuring is
 * ./fisher and ./fisher-runs; this file pairs the arms and writes them up.
 */
import type { LabelMode } from '../core/types';
import { formatSignificant as fmt } from '../core/format';
import { notebookWorkProgress } from '../train/progress';
import { formatTrace, traceDifference } from '../fisher/summaries';
import type { FisherReport } from '../fisher/report';
import type { RunFolder, RunModel } from '../run/open';
import { FisherPatches, modelFisher, ModelFisherOptions } from './fisher';
import { CheckpointFisher, findArmRuns, fisherThroughTraining, ThroughTrainingOptions, trainSmallArms } from './fisher-runs';

type Arms<T> = { binary: T; backsplit: T };

/**
 * Training config of the two small Fisher runs: a tiny 2D U-Net for 40 steps on 4 synthetic cases in
 * small mode; 64² patches for 300 steps on 24 cases otherwise. Checkpoints along the way for the
 * through-training curves.
 */
export function fisherArmsConfig(smoke: boolean): Record<string, unknown> {
  return smoke
    ? {
        model: { family: 'unet', channels: [4, 8], norm: 'instance', groups: 4, deepSupervision: false, leakySlope: 0.01 },
        patchSize: [32, 32], batchSize: 4, steps: 40, checkpointEvery: 10, keepCheckpoints: 10, logEvery: 10,
        dataset: { kind: 'synthetic', cases: 4, seed: 0 }, validation: { cases: 1, every: 0, overlap: 0.25 },
      }
    : {
        patchSize: [64, 64], steps: 300, checkpointEvery: 50, keepCheckpoints: 10,
        dataset: { kind: 'synthetic', cases: 24, seed: 0 }, validation: { cases: 4, every: 0, overlap: 0.5 },
      };
}

/** Options of {@link findOrTrainArms}. */
export interface FindOrTrainOptions {
  /** A folder that may hold a binary + BackSplit pair of runs ('' = none). */
  runsDir: string;
  /** How the message names that folder (default the path itself). */
  source?: string;
  /** Training config of the small runs ({@link fisherArmsConfig}). */
  config: Record<string, unknown>;
  /** Where to train them; called only when training is needed. */
  outDir: () => string;
  /** Ignore the pair in `runsDir` and any finished runs in `outDir()`: train afresh. */
  retrain?: boolean;
  log?: (line: string) => void;
}

/**
 * The run folders of a binary and a BackSplit run: the pair in `runsDir` when there is one,
 * otherwise two small runs trained (or reused) in `outDir()`, logging about four progress
 * lines per arm.
 */
export async function findOrTrainArms(opts: FindOrTrainOptions): Promise<Record<LabelMode, string>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const found = opts.runsDir ? findArmRuns(opts.runsDir) : null;
  if (found && !opts.retrain) {
    log(`using the trained runs in ${opts.source ?? opts.runsDir}: binary ${found.binary}, BackSplit ${found.backsplit} (nothing is trained here; set retrain = true to train two small runs instead)`);
    return found;
  }
  if (found) log(`retrain = true: not using the runs in ${opts.source ?? opts.runsDir}; training two small runs here`);
  else if (opts.runsDir) log(`${opts.source ?? opts.runsDir} holds no binary + BackSplit pair of runs; training here instead`);
  const outDir = opts.outDir();
  // one live line with the time left over both arms (a kernel's display; outside one, a line on stderr every 10 s)
  const progress = notebookWorkProgress({ label: 'training the two small runs' });
  const dirs = await trainSmallArms({
    outDir: outDir, config: opts.config, retrain: opts.retrain,
    onReady: (mode, dir, reused) => log(reused
      ? `${mode}: REUSED the finished run in ${dir} (same config, from an earlier run of this notebook); set retrain = true to train it again`
      : `${mode}: trained into ${dir}${opts.retrain ? ' (retrain = true)' : ''}`),
    onProgress: (mode, step, total) => progress.update((mode === 'binary' ? 0 : 0.5) + (0.5 * step) / total, `${mode} step ${step}/${total}`),
  });
  progress.done();
  return dirs;
}

/** One line on the Fisher patches: count and size, how many are centred on a lesion, the lesion share, label samples per patch. */
export function describePatches(patches: FisherPatches, patchSize: readonly number[], samples: number): string {
  return `${patches.origins.length} patches of [${patchSize}] voxels from the validation cases ` +
    `(${patches.origins.filter((o) => o.forced).length} centred on a lesion), lesion share of voxels ${fmt(patches.lesionFraction)}; ${samples} label samples per patch`;
}

/** Monte-Carlo Fisher of both networks on the same patches with the same options (binary first). */
export async function modelFisherArms(
  arms: Arms<RunModel>,
  patches: FisherPatches,
  opts: ModelFisherOptions & { onFraction?: (fraction: number, detail: string) => void },
): Promise<Arms<FisherReport>> {
  const { onFraction, ...rest } = opts;
  const armOpts = (offset: number, name: string): ModelFisherOptions => ({
    ...rest,
    onProgress: (done, total) => {
      rest.onProgress?.(done, total);
      onFraction?.(offset + (0.5 * done) / total, `${name} ${done}/${total}`);
    },
  });
  const binary = await modelFisher(arms.binary, patches, armOpts(0, 'binary'));
  const backsplit = await modelFisher(arms.backsplit, patches, armOpts(0.5, 'BackSplit'));
  return { binary, backsplit };
}

/** Table rows per arm: model, classes, step, tr F_Y ± SE, tr F_Z ± SE, F_Y / F_Z, seconds. */
export function fisherArmsRows(arms: Arms<RunModel>, reports: Arms<FisherReport>): (string | number)[][] {
  return (['binary', 'backsplit'] as const).map((m) => [m, reports[m].numClasses, arms[m].step, formatTrace(reports[m].y), formatTrace(reports[m].z),
    fmt(reports[m].traceRatio), fmt(reports[m].seconds, 2)]);
}

/**
 * One sentence on Y against Z at the same weights: both traces, their ratio, their difference in
 * combined SEs, and in how many layers Y ≥ Z.
 * @param label how the sentence names the network, e.g. 'BackSplit network'
 * @param layers per-layer Y and Z values
 */
export function describeYvsZ(label: string, report: FisherReport, layers: readonly { Y: number; Z: number }[]): string {
  const d = traceDifference(report.y, report.z);
  return `${label}: tr F_Y = ${formatTrace(report.y)}, tr F_Z = ${formatTrace(report.z)}; trace ratio ${fmt(report.traceRatio)} (depends on the parameterisation); ` +
    `difference ${fmt(d.difference)} (${fmt(d.inStdErrors, 2)} combined SEs, conservative since Y and Z share samples); ` +
    `Y ≥ Z in ${layers.filter((v) => v.Y >= v.Z).length} of ${layers.length} layers.`;
}

/** Options of {@link fisherThroughTrainingArms}: those of fisherThroughTraining, and progress over both runs. */
export interface ThroughTrainingArmsOptions extends ThroughTrainingOptions {
  /** Called as the work advances: the fraction of all checkpoints of both runs done, and e.g. 'backsplit checkpoint 3/7'. */
  onFraction?: (fraction: number, detail: string) => void;
}

/** fisherThroughTraining for both runs on the same patches (binary first), with one progress fraction over both. */
export async function fisherThroughTrainingArms(runs: Arms<RunFolder>, patches: FisherPatches, opts: ThroughTrainingArmsOptions): Promise<Arms<CheckpointFisher[]>> {
  const points = (run: RunFolder) => ((opts.includeInitial ?? true) ? 1 : 0) + run.checkpoints.length;
  const total = points(runs.binary) + points(runs.backsplit);
  const arm = async (mode: LabelMode, offset: number) => {
    let done = 0;
    const report = (within: number) => opts.onFraction?.((offset + done + within) / total, `${mode} checkpoint ${Math.min(done + 1, points(runs[mode]))}/${points(runs[mode])}`);
    return fisherThroughTraining(runs[mode], patches, {
      ...opts,
      onProgress: (d, n) => {
        opts.onProgress?.(d, n);
        report(n > 0 ? Math.min(1, d / n) * 0.9 : 0); // the gradient-noise pass takes the rest of a checkpoint
      },
      onCheckpoint: (d, n) => {
        opts.onCheckpoint?.(d, n);
        done = d;
        report(0);
      },
    });
  };
  const binary = await arm('binary', 0);
  const backsplit = await arm('backsplit', points(runs.binary));
  return { binary, backsplit };
}

/** Table rows per BackSplit checkpoint: step, binary tr F (same index), BackSplit tr F_Y, tr F_Z, F_Y / F_Z. */
export function throughTrainingRows(through: Arms<CheckpointFisher[]>): (string | number)[][] {
  return through.backsplit.map((p, i) => [p.step, fmt(through.binary[i] ? through.binary[i].report.z.trace : NaN), fmt(p.report.y.trace), fmt(p.report.z.trace), fmt(p.report.traceRatio)]);
}

/** Table rows per BackSplit checkpoint: step, then ‖mean g‖², tr Cov and noise/signal of the binary (same index) and the BackSplit run. */
export function gradientNoiseRows(through: Arms<CheckpointFisher[]>): (string | number)[][] {
  return through.backsplit.map((p, i) => {
    const b = through.binary[i] && through.binary[i].noise ? through.binary[i].noise!.total : { meanGradSqNorm: NaN, varianceTrace: NaN, noiseToSignal: NaN };
    const s = p.noise!.total;
    return [p.step, fmt(b.meanGradSqNorm), fmt(b.varianceTrace), fmt(b.noiseToSignal), fmt(s.meanGradSqNorm), fmt(s.varianceTrace), fmt(s.noiseToSignal)];
  });
}
