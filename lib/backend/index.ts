/**
 * Public surface of lib/backend: run-time tfjs backend selection with a gradient smoke
 * test, kernel fixes for tfjs 4.22's cpu/wasm defects, and ops whose gradients are right
 * on every backend (3D convolution, 3D transposed convolution, nearest upsampling).
 * See docs/backends.md.
 */
export { initBackend, parseBackendName, BACKEND_NAMES } from './select';
export type { BackendReport } from './select';
export { registerBackendKernels } from './kernels/index';
export { conv3dSafe, upsampleNearest3d } from './gradient-safe-ops';
export { smokeTestGradients } from './smoke';
export { installWebGpu, vulkanLoaderPresent } from './webgpu';
