/**
 * The memory check of a training config, done before anything is allocated: an
 * estimate of what one training step of the configured network needs
 * (activations kept for the backward pass and their gradients, for one batch;
 * parameters with their gradients and two optimizer slots) plus the dataset's
 * voxels in memory, compared with a limit (default 80 % of this machine's
 * memory; `maxMemoryGB` or the environment variable BACKSPLIT_MAX_MEMORY_GB
 * set it). A config that cannot fit — batchSize 1e8, patchSize [4096, 4096],
 * 100000 cases — is refused with the estimate in the message instead of
 * running out of memory later.
 *
 * The estimate is deliberately coarse (it counts every convolution of a stage
 * at the stage's width, three kept tensors per convolution and as much again
 * for their gradients); it is meant to catch configs that are off by orders of
 * magnitude, not to budget memory to the last megabyte.
 */
import * as os from 'os';
import type { SegmentationCase } from '../core/types';
import { DatasetConfig, datasetVoxelEstimate } from '../data/registry';
import { ARCHITECTURES } from '../model/architectures/index';
import { TrainConfig, TrainConfigError, modelConfigFor } from './config';

/** Bytes a dataset voxel takes in memory: the loaded image and labels, plus their prepared (z-scored, target) copies. */
const BYTES_PER_DATASET_VOXEL = 16;
/** Tensors kept per convolution for the backward pass (convolution, norm, activation outputs). */
const KEPT_PER_CONV = 3;
/** Default share of the machine's memory a training run may plan to use. */
const DEFAULT_MEMORY_FRACTION = 0.8;

/** An estimate of a training run's memory need, in bytes. */
export interface MemoryEstimate {
  activations: number;
  parameters: number;
  /** null when the dataset's size is not known before loading it. */
  dataset: number | null;
  total: number;
}

/** Voxels of all image channels of some cases. */
export function datasetVoxels(cases: readonly SegmentationCase[]): number {
  return cases.reduce((s, c) => s + c.channels.reduce((t, ch) => t + ch.data.length, 0), 0);
}

/** Convolutions per resolution stage of the configured network (encoder + decoder). */
function convsPerStage(config: TrainConfig): number[] {
  const m = modelConfigFor(config, 2, 1);
  return ARCHITECTURES[m.family].convsPerStage(m);
}

/**
 * Estimated memory need of training `config`.
 * @param datasetVoxels voxels of all cases (datasetVoxels), or null to estimate them from the dataset config when its kind can
 */
export function estimateTrainMemory(config: TrainConfig, datasetVoxels: number | null = null): MemoryEstimate {
  const convs = convsPerStage(config);
  const voxels = config.patchSize.reduce((a, b) => a * b, 1);
  const kernel = 3 ** config.patchSize.length;
  let activations = 0;
  let parameters = 0;
  config.model.channels.forEach((c, s) => {
    activations += config.batchSize * (voxels / 2 ** (s * config.patchSize.length)) * c * convs[s] * KEPT_PER_CONV * 2 * 4;
    // weights, gradients and two optimizer slots
    parameters += convs[s] * kernel * c * c * 4 * 4;
  });
  const v = datasetVoxels ?? datasetVoxelEstimate(config.dataset as DatasetConfig);
  const dataset = v === null ? null : v * BYTES_PER_DATASET_VOXEL;
  return { activations, parameters, dataset, total: activations + parameters + (dataset ?? 0) };
}

function gb(bytes: number): string {
  return bytes >= 1e15 ? `${(bytes / 1e15).toPrecision(3)} PB` : bytes >= 1e12 ? `${(bytes / 1e12).toPrecision(3)} TB` : `${(bytes / 1e9).toPrecision(3)} GB`;
}

/** The memory limit in bytes and how it was chosen. */
function memoryLimit(maxMemoryGB?: number): { bytes: number; why: string } {
  const env = process.env.BACKSPLIT_MAX_MEMORY_GB;
  const given = maxMemoryGB ?? (env !== undefined && env !== '' ? Number(env) : undefined);
  if (given !== undefined) {
    if (!(given > 0)) throw new TrainConfigError(`config: the memory limit must be a positive number of GB, got ${maxMemoryGB ?? `BACKSPLIT_MAX_MEMORY_GB=${env}`}`);
    return { bytes: given * 1e9, why: maxMemoryGB !== undefined ? 'maxMemoryGB' : 'BACKSPLIT_MAX_MEMORY_GB' };
  }
  const total = os.totalmem();
  return { bytes: total * DEFAULT_MEMORY_FRACTION, why: `${DEFAULT_MEMORY_FRACTION * 100}% of this machine's ${gb(total)}` };
}

/**
 * Refuse a config whose estimated memory need exceeds the limit.
 * @param datasetVoxels see estimateTrainMemory
 * @param options.maxMemoryGB the limit (default: BACKSPLIT_MAX_MEMORY_GB, else 80 % of the machine's memory)
 * @param options.source names the config in the message (e.g. its file)
 * @throws TrainConfigError with the estimate, its parts and the limit
 */
export function checkTrainMemory(config: TrainConfig, datasetVoxels: number | null = null, options: { maxMemoryGB?: number; source?: string } = {}): MemoryEstimate {
  const est = estimateTrainMemory(config, datasetVoxels);
  const limit = memoryLimit(options.maxMemoryGB);
  if (est.total > limit.bytes) {
    const parts = [
      `activations ${gb(est.activations)} for batchSize ${config.batchSize} × patchSize [${config.patchSize.join(', ')}] × channels [${config.model.channels.join(', ')}]`,
      `parameters ${gb(est.parameters)}`,
      ...(est.dataset === null ? [] : [`dataset ${gb(est.dataset)}`]),
    ];
    throw new TrainConfigError(
      `${options.source ?? 'config'}: estimated memory need ${gb(est.total)} (${parts.join(', ')}) exceeds the limit of ${gb(limit.bytes)} ` +
        `(${limit.why}); lower batchSize, patchSize, the channels or the number of cases, or raise the limit (maxMemoryGB / --max-memory-gb / BACKSPLIT_MAX_MEMORY_GB)`,
    );
  }
  return est;
}
