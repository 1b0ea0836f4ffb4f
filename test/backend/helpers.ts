/**
 * Shared helpers for the backend tests: seeded tensors mirrored as float64 reference
 * tensors, and switching tfjs between the backends available on this machine.
 */
import * as tf from '@tensorflow/tfjs';
import { registerBackendKernels } from '../../lib/backend/kernels';
import { RefTensor, refTensor, seededValues } from '../../lib/backend/reference';

/** A seeded tfjs tensor and the same values as a float64 reference tensor. */
export function seededPair(shape: number[], seed: number): { t: tf.Tensor; ref: RefTensor } {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = seededValues(n, seed);
  return { t: tf.tensor(Float32Array.from(v), shape), ref: refTensor(shape, v) };
}

/** Register the project's kernels and switch to `name` (throws when it cannot). */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  registerBackendKernels();
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`test setup: could not switch tfjs to '${name}' (now '${tf.getBackend()}')`);
}

/** Backends every gradient test runs on here (WebGPU has its own test file). */
export const CPU_BACKENDS: Array<'cpu' | 'wasm'> = ['cpu', 'wasm'];
