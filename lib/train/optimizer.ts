/**
 * Optimisers with explicit, serialisable state: Adam (with bias correction,
 * optional decoupled weight decay) and SGD with Nesterov momentum (nnU-Net's
 * default), a poly learning-rate schedule and gradient clipping by global norm.
 *
 * tf.train optimisers keep their slots behind an API that is awkward to save
 * and restore bit-exactly; here every slot is a named tf.Variable, so a
 * checkpoint holds them like the weights and a resumed run continues exactly.
 */
import * as tf from '@tensorflow/tfjs';

/** Learning rate at `step` (0-based) of `steps`: lr·(1 − step/steps)^power. */
export function polyLearningRate(base: number, step: number, steps: number, power: number): number {
  if (power === 0) return base;
  return base * Math.pow(Math.max(0, 1 - step / steps), power);
}

/**
 * Scale gradients so that their global L2 norm is at most `maxNorm` (0 = no clipping).
 * @returns the clipped gradients and the global norm before clipping (a scalar tensor)
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  // a chain of scalar adds, not tf.addN: WebGPU limits a shader to 8 storage buffers
  let total: tf.Tensor = tf.scalar(0);
  for (const g of grads.values()) total = tf.add(total, tf.sum(tf.square(g)));
  const norm = tf.sqrt(total) as tf.Scalar;
  if (!(maxNorm > 0)) return { grads, norm };
  const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) out.set(k, tf.mul(g, scale));
  return { grads: out, norm };
}

export interface OptimizerSettings {
  kind: 'adam' | 'sgd';
  momentum: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Serialised optimizer state: the step count and every slot's values by name. */
export interface OptimizerState {
  kind: 'adam' | 'sgd';
  step: number;
  slots: Map<string, Float32Array>;
}

export class Optimizer {
  /** Number of updates applied so far. */
  step = 0;
  private readonly slots = new Map<string, tf.Variable>();

  /**
   * @param variables the parameters to update, by name
   * @param settings optimizer kind and hyper-parameters
   */
  constructor(
    private readonly variables: Map<string, tf.Variable>,
    readonly settings: OptimizerSettings,
  ) {
    const names = settings.kind === 'adam' ? ['m', 'v'] : ['momentum'];
    for (const [name, v] of variables) {
      for (const s of names) this.slots.set(`${s}:${name}`, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    }
  }

  /**
   * Apply one update. Must be called inside tf.tidy (or the caller disposes the gradients).
   * @param grads gradient per variable name
   * @param lr learning rate of this step
   */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { kind, momentum, weightDecay } = this.settings;
    const b1 = this.settings.beta1 ?? 0.9;
    const b2 = this.settings.beta2 ?? 0.999;
    const eps = this.settings.epsilon ?? 1e-8;
    const t = this.step;
    tf.tidy(() => {
      for (const [name, v] of this.variables) {
        const g = grads.get(name);
        if (!g) throw new Error(`Optimizer: no gradient for variable '${name}'`);
        if (kind === 'adam') {
          const m = this.slots.get(`m:${name}`)!;
          const s = this.slots.get(`v:${name}`)!;
          const m1 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
          const s1 = tf.add(tf.mul(s, b2), tf.mul(tf.square(g), 1 - b2));
          m.assign(m1);
          s.assign(s1);
          const mHat = tf.div(m1, 1 - Math.pow(b1, t));
          const sHat = tf.div(s1, 1 - Math.pow(b2, t));
          let update = tf.div(mHat, tf.add(tf.sqrt(sHat), eps));
          if (weightDecay > 0) update = tf.add(update, tf.mul(v, weightDecay));
          v.assign(tf.sub(v, tf.mul(update, lr)));
        } else {
          const buf = this.slots.get(`momentum:${name}`)!;
          const gd = weightDecay > 0 ? tf.add(g, tf.mul(v, weightDecay)) : g;
          const b = tf.add(tf.mul(buf, momentum), gd);
          buf.assign(b);
          const update = tf.add(gd, tf.mul(b, momentum)); // Nesterov
          v.assign(tf.sub(v, tf.mul(update, lr)));
        }
      }
    });
  }

  /** Copy the state out (for checkpoints); asynchronous reads work on every backend (WebGPU has no dataSync). */
  async getState(): Promise<OptimizerState> {
    const slots = new Map<string, Float32Array>();
    for (const [k, v] of this.slots) slots.set(k, ((await v.data()) as Float32Array).slice());
    return { kind: this.settings.kind, step: this.step, slots };
  }

  /** Restore a state produced by getState (same variables, same kind). */
  setState(state: OptimizerState, source = 'checkpoint'): void {
    if (state.kind !== this.settings.kind) throw new Error(`Optimizer.setState: ${source} holds '${state.kind}' state, the run uses '${this.settings.kind}'`);
    for (const [k, v] of this.slots) {
      const arr = state.slots.get(k);
      if (!arr || arr.length !== v.size) throw new Error(`Optimizer.setState: ${source} slot '${k}' missing or of wrong size (${arr?.length} vs ${v.size})`);
      tf.tidy(() => v.assign(tf.tensor(arr, v.shape, 'float32')));
    }
    this.step = state.step;
  }

  /** Dispose the slot variables. */
  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
  }
}
