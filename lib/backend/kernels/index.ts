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
import { concatWasm } from './concat-wasm';
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
  concatWasm,
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
 * The speed-only fixes named in `BACKSPLIT_STOCK_KERNELS` (comma-separated `backend:Kernel`, or
 * `speed` for all of them), which registerBackendKernels leaves out so that a benchmark can
 * measure what they gain. Empty when the variable is unset.
 * @throws Error naming the entry when it is not a speed-only fix (a fix of a wrong or missing kernel cannot be left out)
 */
export function stockKernelsFromEnv(value = process.env.BACKSPLIT_STOCK_KERNELS): Set<string> {
  const out = new Set<string>();
  const speed = KERNEL_FIXES.filter((f) => f.speedOnly).map((f) => `${f.backend}:${f.kernel}`);
  for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    if (entry === 'speed') speed.forEach((k) => out.add(k));
    else if (speed.includes(entry)) out.add(entry);
    else {
      const known = KERNEL_FIXES.some((f) => `${f.backend}:${f.kernel}` === entry);
      throw new Error(`BACKSPLIT_STOCK_KERNELS: '${entry}' ${known ? 'fixes a wrong or missing kernel and cannot be left out' : 'is no kernel fix'}; speed-only fixes: ${speed.join(', ')} (or 'speed' for all)`);
    }
  }
  return out;
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
  const stock = stockKernelsFromEnv();
  for (const fix of KERNEL_FIXES) {
    if (fix.requires && !tf.getKernel(fix.requires, fix.backend)) continue;
    if (stock.has(`${fix.backend}:${fix.kernel}`)) continue;
    install(fix);
  }
  return installed.slice();
}
