/**
 * Kernel fixes for tfjs 4.22 so that the cpu and wasm backends can train the project's
 * networks, one fix per file in this folder (a file named after its kernel, with the
 * backend as suffix where the fix is for one backend only; without a suffix it serves cpu
 * and wasm). `registerBackendKernels()` installs them in the order of `KERNEL_FIXES`;
 * the list it returns is recorded in every backend report and run, so that order and the
 * reasons' text are part of the run metadata. It is idempotent and is called by
 * `initBackend()`.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulWasm } from './batch-mat-mul-wasm';
import { conv2dBackpropFilterCpu, conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input-wasm';
import { identityWasm } from './identity-wasm';
import { leakyReluWasm } from './leaky-relu-wasm';
import { maxPoolGradWasm } from './max-pool-grad-wasm';
import { maxPool3dGradWasm } from './max-pool3d-grad-wasm';
import { maxPool3dWasm } from './max-pool3d-wasm';
import { resizeBilinearGradCpu, resizeBilinearGradWasm } from './resize-bilinear-grad';
import { resizeNearestNeighborGradCpu, resizeNearestNeighborGradWasm } from './resize-nearest-neighbor-grad';
import { KernelFix } from './shared';
import { sliceWasm } from './slice-wasm';

/** What registerBackendKernels() installed, for the backend report. */
export interface KernelPatchInfo {
  backend: string;
  kernel: string;
  reason: string;
}

/** Every fix, in installation order. */
const KERNEL_FIXES: KernelFix[] = [
  conv2dBackpropFilterWasm,
  conv2dBackpropFilterCpu,
  resizeNearestNeighborGradCpu,
  resizeNearestNeighborGradWasm,
  resizeBilinearGradCpu,
  sliceWasm,
  conv2dBackpropInputWasm,
  resizeBilinearGradWasm,
  maxPoolGradWasm,
  maxPool3dWasm,
  maxPool3dGradWasm,
  identityWasm,
  batchMatMulWasm,
  leakyReluWasm,
];

const installed: KernelPatchInfo[] = [];
let registered = false;

function install(fix: KernelFix): void {
  const stock = tf.getKernel(fix.kernel, fix.backend);
  const config: tf.KernelConfig = { kernelName: fix.kernel, backendName: fix.backend, ...fix.build(stock) };
  if (stock) tf.unregisterKernel(fix.kernel, fix.backend);
  tf.registerKernel(config);
  installed.push({ backend: fix.backend, kernel: fix.kernel, reason: fix.reason });
}

/**
 * Register the kernel fixes (idempotent). Safe to call before or after a backend is
 * initialised: kernels are looked up at dispatch time, and these need no setupFunc of
 * their own (wrappers keep the stock kernel's).
 * @returns the list of kernels installed.
 */
export function registerBackendKernels(): KernelPatchInfo[] {
  if (registered) return installed.slice();
  registered = true;
  // Importing the wasm backend registers its kernels; ours must come after to win.
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
  } catch {
    // wasm backend not installed: nothing to patch for it
  }
  for (const fix of KERNEL_FIXES) {
    if (fix.requires && !tf.getKernel(fix.requires, fix.backend)) continue;
    install(fix);
  }
  return installed.slice();
}
