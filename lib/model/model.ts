/**
 * createModel: a network of any family with its variables created up front
 * (deterministically from a seed) and an `apply` function to run it.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelConfig, resolveModelConfig } from './config';
import { ParamStore } from './params';
import { ARCHITECTURES } from './architectures/index';

export interface SegmentationModel {
  /**
   * Run the network. Input [N,H,W,C] (2D) or [N,D,H,W,C] (3D), spatial sizes divisible
   * by 2^(stages-1). Returns full-resolution logits [..., numClasses]; with deep
   * supervision and `training` true, a list of logits, highest resolution first.
   */
  apply(x: tf.Tensor, training?: boolean): tf.Tensor | tf.Tensor[];
  /** Variables by name, in creation order. */
  variables: Map<string, tf.Variable>;
  /** The resolved configuration. */
  config: Required<ModelConfig>;
  /** Seed the weights were initialised from. */
  seed: number;
  /** Number of scalar parameters. */
  parameterCount(): number;
  /** Spatial sizes must be multiples of this. */
  sizeDivisor: number;
  /** Dispose every variable. */
  dispose(): void;
}

/**
 * Build a segmentation network and initialise its weights (He normal, seeded).
 *
 * @example
 * const model = createModel({ family: 'unet', spatialDims: 2, channels: [16, 32, 64], numClasses: 2 }, 42);
 * const logits = model.apply(tf.zeros([1, 64, 64, 1])) as tf.Tensor4D; // [1,64,64,2]
 * @param config model configuration (defaults from DEFAULT_MODEL_CONFIG)
 * @param seed weight initialisation seed
 */
export function createModel(config: Partial<ModelConfig>, seed: number): SegmentationModel {
  const cfg = resolveModelConfig(config);
  const store = new ParamStore(seed);
  const sizeDivisor = 2 ** (cfg.channels.length - 1);
  const check = (x: tf.Tensor) => {
    if (x.rank !== cfg.spatialDims + 2) {
      throw new Error(`model.apply: expected a rank-${cfg.spatialDims + 2} input for a ${cfg.spatialDims}D model, got shape [${x.shape}]`);
    }
    if (x.shape[x.rank - 1] !== cfg.inChannels) {
      throw new Error(`model.apply: expected ${cfg.inChannels} input channel(s), got shape [${x.shape}]`);
    }
    const bad = x.shape.slice(1, x.rank - 1).filter((d) => d % sizeDivisor !== 0);
    if (bad.length) throw new Error(`model.apply: spatial sizes [${x.shape.slice(1, x.rank - 1)}] must be multiples of ${sizeDivisor}`);
  };
  // Create every variable by running the network once on a minimal input.
  tf.tidy(() => {
    ARCHITECTURES[cfg.family].forward(store, cfg, tf.zeros([1, ...new Array(cfg.spatialDims).fill(sizeDivisor), cfg.inChannels]), cfg.deepSupervision);
  });
  return {
    apply(x: tf.Tensor, training = false): tf.Tensor | tf.Tensor[] {
      check(x);
      const deep = training && cfg.deepSupervision;
      const outs = ARCHITECTURES[cfg.family].forward(store, cfg, x, deep);
      return deep ? outs : outs[0];
    },
    variables: store.variables,
    config: cfg,
    seed,
    parameterCount: () => store.count(),
    sizeDivisor,
    dispose() {
      for (const v of store.variables.values()) v.dispose();
    },
  };
}
