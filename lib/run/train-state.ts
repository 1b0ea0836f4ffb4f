/**
 * The training state a checkpoint holds — weights, optimizer slots and the
 * sampler's position — and the config check that guards a resume.
 * Sampling and augmentation streams are forked from (seed, step), so the step
 * is the sampler's whole state.
 */
import { hashString } from '../core/random';
import { SegmentationModel } from '../model/model';
import { readVariables, restoreVariables } from '../model/params';
import { TrainConfig } from '../train/config';
import { Optimizer } from '../train/optimizer';
import { CheckpointData, checkpointWeights } from './checkpoint';

function configDigest(config: TrainConfig): string {
  const { outputDir: _ignored, ...rest } = config;
  return hashString(JSON.stringify(rest)).toString(16);
}

/** Compare two configs ignoring outputDir (a run folder may be moved). */
export function sameConfig(a: TrainConfig, b: TrainConfig): boolean {
  const strip = (c: TrainConfig) => JSON.stringify({ ...c, outputDir: '' });
  return strip(a) === strip(b);
}

/** Weights + optimizer + sampler state as checkpoint arrays. */
export async function trainingCheckpoint(model: SegmentationModel, opt: Optimizer, step: number, config: TrainConfig): Promise<CheckpointData> {
  const arrays: CheckpointData['arrays'] = new Map();
  const weights = await readVariables(model.variables);
  for (const [name, v] of model.variables) arrays.set(`weights/${name}`, { shape: v.shape.slice(), values: weights.get(name)! });
  const st = await opt.getState();
  for (const [name, values] of st.slots) arrays.set(`optimizer/${name}`, { shape: [values.length], values });
  return {
    step,
    arrays,
    meta: {
      configDigest: configDigest(config),
      optimizer: { kind: st.kind, step: st.step },
      // sampling/augmentation streams are forked from (seed, step): this is their whole state
      sampler: { seed: config.seed, nextStep: step },
    },
  };
}

/** Put a checkpoint's weights and optimizer state back into a model and its optimizer. */
export function restoreTrainingState(model: SegmentationModel, optimizer: Optimizer, ck: CheckpointData, file: string): void {
  restoreVariables(model.variables, checkpointWeights(ck), file);
  const slots = new Map<string, Float32Array>();
  for (const [k, a] of ck.arrays) if (k.startsWith('optimizer/')) slots.set(k.slice('optimizer/'.length), a.values);
  const o = ck.meta.optimizer as { kind: 'adam' | 'sgd'; step: number };
  optimizer.setState({ kind: o.kind, step: o.step, slots }, file);
}
