/**
 * Public surface of lib/backend: run-time tfjs backend selection with a gradient smoke
 * test, kernel fixes for tfjs 4.22's cpu/wasm defects, and ops whose gradients are right
 * on every backend (3D convolution, 3D transposed convolution, nearest upsampling).
 * See docs/backends.md.
 */
export { initBackend, parseBackendName, BACKEND_NAMES } from './select';
export type { BackendReport, BackendAttempt, BackendName, InitBackendOptions } from './select';
export { registerBackendKernels } from './kernels/index';
export type { KernelPatchInfo } from './kernels/index';
export { conv3dSafe, conv3dTransposeSafe, conv3dMethodFor, upsampleNearest2d, upsampleNearest3d } from './gradient-safe-ops';
export type { Conv3dMethod } from './gradient-safe-ops';
export { smokeTestGradients } from './smoke';
export type { SmokeResult } from './smoke';
export { installWebGpu, setWebGpuBackend } from './webgpu';
export type { WebGpuProbe } from './webgpu';
export { withWasmThreads } from './wasm-threads';
export { convNdReference, conv2dTransposeReference, convAxis, relativeError, refTensor, seededValues, seededUniform } from './reference';
export type { RefTensor, ConvReference, PadMode } from './reference';
