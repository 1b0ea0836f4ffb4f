/**
 * JSON-ready Fisher traces of a network under both likelihoods, for the
 * `backsplit fisher` CLI and the notebooks: total and per-layer traces of F_Y
 * (multiclass labels) and F_Z (lesion-vs-rest labels) at the same weights,
 * with the kind of "Fisher" stated in every report.
 */
import * as tf from '@tensorflow/tfjs';
import { parameterName } from '../model/params';
import { lesionVsRest } from './closed-form';
import { fisherPencil, PencilSummary } from './invariants';
import { FisherBatch, FisherEstimate, ProgressFn } from './network';
import { empiricalFisher } from './network-empirical';
import { exactFisher } from './network-exact';
import { monteCarloFisher } from './network-monte-carlo';

/** A network as the CLI knows it. */
export interface ReportModel {
  logits: (x: tf.Tensor) => tf.Tensor;
  variables: tf.Variable[];
  lesionClass: number;
  numClasses: number;
}

export type ReportKind = 'mc' | 'exact' | 'empirical';

export interface FisherReportOptions {
  kind?: ReportKind;
  /** Label samples per image for 'mc' (default 1). */
  samples?: number;
  seed?: number;
  onProgress?: ProgressFn;
}

export interface LikelihoodTraces {
  trace: number;
  traceStdError?: number;
  perLayer: { name: string; shape: number[]; size: number; trace: number; stdError?: number }[];
}

export interface FisherReport {
  kind: ReportKind;
  /** What the numbers are, in words. */
  description: string;
  backend: string;
  numClasses: number;
  lesionClass: number;
  numExamples: number;
  samplesPerExample: number;
  numParams: number;
  /** Multiclass likelihood (labels Y). */
  y: LikelihoodTraces;
  /** Coarsened lesion-vs-rest likelihood (labels Z) of the same network. */
  z: LikelihoodTraces;
  /**
   * trace F_Y / trace F_Z: PARAMETERISATION-DEPENDENT (a rescaling of the weights changes it, while
   * the Loewner order and the generalised eigenvalues in `pencil` do not); ≥ 1 for the exact Fisher
   * by the chain rule; not guaranteed for 'empirical'.
   */
  traceRatio: number;
  /** Invariant summary (kind 'exact' only): generalised eigenvalues of (F_Y, F_Z) on the range of F_Z. */
  pencil?: PencilSummary;
  seconds: number;
}

const DESCRIPTIONS: Record<ReportKind, string> = {
  exact: 'exact (expected) Fisher, dense, per image averaged over images',
  mc: 'Monte-Carlo Fisher: labels sampled per voxel from the model; unbiased estimate of the expected Fisher per image, averaged over images',
  empirical: 'empirical Fisher: squared gradients at the observed labels; NOT an estimate of the Fisher information',
};

function traces(e: FisherEstimate): LikelihoodTraces {
  const out: LikelihoodTraces = {
    trace: e.trace,
    perLayer: e.perVariable.map((v) => ({ name: parameterName(v.name), shape: v.shape, size: v.size, trace: v.trace, ...(v.stdError !== undefined ? { stdError: v.stdError } : {}) })),
  };
  if (e.traceStdError !== undefined) out.traceStdError = e.traceStdError;
  return out;
}

/**
 * Fisher traces (total, per layer) under the multiclass and the coarsened
 * likelihood at the same weights, as plain JSON.
 * @example
 * const rep = await fisherReport({ logits: (x) => net.apply(x) as tf.Tensor, variables: layersModelVariables(net), lesionClass: 4, numClasses: 5 }, [{ x }], { kind: 'mc', samples: 2 });
 * process.stdout.write(JSON.stringify(rep, null, 2));
 * @param model logits function, variables, lesion class index and number of classes
 * @param batches input images; 'empirical' also needs observed labels
 * @param opts kind (default 'mc'), samples (default 1), seed (default 0), onProgress
 */
export async function fisherReport(model: ReportModel, batches: FisherBatch[], opts: FisherReportOptions = {}): Promise<FisherReport> {
  const kind = opts.kind ?? 'mc';
  const t0 = Date.now();
  const fm = { logits: model.logits, variables: model.variables, groups: lesionVsRest(model.numClasses, model.lesionClass) };
  let y: FisherEstimate;
  let z: FisherEstimate;
  let pencil: PencilSummary | undefined;
  if (kind === 'exact') {
    const ex = await exactFisher(fm, batches, { onProgress: opts.onProgress });
    ({ y, z } = ex);
    if (model.numClasses > 2) pencil = fisherPencil(ex.y.matrix, ex.z.matrix, ex.y.numParams);
  } else if (kind === 'mc') {
    const r = await monteCarloFisher(fm, batches, { samples: opts.samples ?? 1, seed: opts.seed ?? 0, onProgress: opts.onProgress });
    y = r.y!;
    z = r.z!;
  } else if (kind === 'empirical') {
    const r = await empiricalFisher(fm, batches, { onProgress: opts.onProgress });
    y = r.y!;
    z = r.z!;
  } else {
    throw new Error(`fisherReport: kind must be 'mc', 'exact' or 'empirical', got '${String(kind)}'`);
  }
  return {
    kind,
    description: DESCRIPTIONS[kind],
    backend: tf.getBackend(),
    numClasses: model.numClasses,
    lesionClass: model.lesionClass,
    numExamples: y.numExamples,
    samplesPerExample: y.samplesPerExample,
    numParams: y.numParams,
    y: traces(y),
    z: traces(z),
    traceRatio: y.trace / z.trace,
    ...(pencil ? { pencil } : {}),
    seconds: (Date.now() - t0) / 1000,
  };
}
