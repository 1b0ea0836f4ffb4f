/**
 * A named parameter store: the networks are plain functions over tf.Variables
 * named like 'enc0/conv1/kernel', so that weights are easy to save, restore,
 * count and group per layer (the Fisher code needs per-variable traces).
 *
 * Initial values are drawn in JavaScript from a seeded stream forked by the
 * variable's name: the same seed gives bit-identical weights on every backend,
 * and adding a layer does not change the others' initial values.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../core/random';

/** How a parameter is initialised. */
export type Initialiser =
  | { kind: 'he'; fanIn: number }
  | { kind: 'constant'; value: number };

export class ParamStore {
  /** The variables in creation order. */
  readonly variables = new Map<string, tf.Variable>();
  private readonly root: Random;

  /** @param seed seed of the initialisation stream */
  constructor(readonly seed: number) {
    this.root = new Random(seed);
  }

  /**
   * Get the variable `name`, creating it with `shape` and `init` on first use.
   * A later call with a different shape is an error (a bug in the network code).
   */
  get(name: string, shape: number[], init: Initialiser): tf.Variable {
    const existing = this.variables.get(name);
    if (existing) {
      if (existing.shape.length !== shape.length || existing.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`ParamStore: variable '${name}' has shape [${existing.shape}] but was requested as [${shape}]`);
      }
      return existing;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init.kind === 'he') {
      // He (Kaiming) normal: std = sqrt(2 / fan_in), suited to (leaky) ReLU networks.
      const rng = this.root.fork(name);
      const sd = Math.sqrt(2 / init.fanIn);
      for (let i = 0; i < size; i++) values[i] = rng.normal(0, sd);
    } else {
      values.fill(init.value);
    }
    // tf.tidy does not track variables, so creating one inside a tidy scope is safe.
    const varName = `${name}_${this.seed}_${uniqueSuffix()}`;
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, varName));
    this.variables.set(name, v);
    return v;
  }

  /** Total number of scalar parameters. */
  count(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }
}

let suffixCounter = 0;
/** tfjs variable names must be globally unique within a process. */
/**
 * The parameter's own name (`enc1/conv0/kernel`) from its tf variable's name, which adds the init
 * seed and a process-wide counter (`enc1/conv0/kernel_0_46`) so that two models can live side by
 * side; reports use this one, which does not depend on how many models the process built before.
 */
export function parameterName(variableName: string): string {
  return variableName.replace(/_\d+_\d+$/, '');
}

function uniqueSuffix(): number {
  return ++suffixCounter;
}

/** Copy every variable's values to plain arrays, asynchronously (works on every backend, WebGPU included). */
export async function readVariables(variables: Map<string, tf.Variable>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of variables) out.set(name, ((await v.data()) as Float32Array).slice());
  return out;
}

/** Copy every variable's values to plain arrays (synchronous: cpu/wasm only, not WebGPU). */
export function snapshotVariables(variables: Map<string, tf.Variable>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of variables) out.set(name, (v.dataSync() as Float32Array).slice());
  return out;
}

/**
 * Overwrite variables from named arrays; every variable must be present with the right size.
 * @param source label used in error messages (e.g. the checkpoint path)
 */
export function restoreVariables(variables: Map<string, tf.Variable>, values: Map<string, Float32Array>, source = 'snapshot'): void {
  for (const [name, v] of variables) {
    const arr = values.get(name);
    if (!arr) throw new Error(`restoreVariables: ${source} has no values for variable '${name}'`);
    if (arr.length !== v.size) {
      throw new Error(`restoreVariables: ${source} has ${arr.length} values for '${name}', the model needs ${v.size} (shape [${v.shape}])`);
    }
    tf.tidy(() => v.assign(tf.tensor(arr, v.shape, 'float32')));
  }
  for (const name of values.keys()) {
    if (!variables.has(name)) throw new Error(`restoreVariables: ${source} has variable '${name}' that the model does not have`);
  }
}
