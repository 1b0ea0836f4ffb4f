/**
 * WebGPU for tfjs in Node through npm `webgpu` (Dawn): find an adapter and install
 * `navigator.gpu` so that @tensorflow/tfjs-backend-webgpu registers and initialises.
 *
 * Adapters are tried in order: Dawn's default (Vulkan on Linux: a real GPU with its
 * driver's ICD), then, when allowed, Dawn's OpenGL ES backend in compatibility mode, which
 * on a machine without a GPU runs on Mesa's llvmpipe software rasteriser
 * (EGL_PLATFORM=surfaceless, Debian packages libegl1 libgles2 libegl-mesa0
 * libgl1-mesa-dri). Software adapters are reported as such so that automatic selection
 * can skip them: they exercise the WebGPU code path but are slower than wasm.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

/**
 * On Linux Dawn's default adapter needs the Vulkan loader; without it Dawn prints a warning
 * and finds nothing, so look for libvulkan.so.1 first (LD_LIBRARY_PATH and the usual
 * library directories). Other platforms: assume present.
 */
export function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH || '').split(':').filter((d) => d.length > 0),
    '/usr/lib/x86_64-linux-gnu',
    '/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

/** What probing found. `adapter` is the Dawn adapter object when one was found. */
export interface WebGpuProbe {
  found: boolean;
  /** 'vulkan' (Dawn default) or 'opengles-compat'. */
  via?: 'default' | 'opengles-compat';
  /** Human-readable adapter description (vendor / device / driver). */
  description: string;
  /** True for CPU rasterisers (llvmpipe, lavapipe, SwiftShader, softpipe). */
  software: boolean;
  /** Why nothing usable was found, when found is false. */
  detail?: string;
}

interface DawnAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface DawnAdapter {
  info?: DawnAdapterInfo;
}
interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

function describe(a: DawnAdapter): string {
  const i = a.info || {};
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s && String(s).length > 0).join(' / ') || 'unnamed adapter';
}

let installed: WebGpuProbe | null = null;

/**
 * Find a WebGPU adapter and install `globalThis.navigator.gpu` so that requests from
 * tfjs-backend-webgpu reach it (with `featureLevel: 'compatibility'` for the GLES path).
 * Call before requiring @tensorflow/tfjs-backend-webgpu. Idempotent once an adapter was
 * installed.
 * @param allowCompat also try Dawn's OpenGL ES compatibility adapter (default true).
 */
export async function installWebGpu(allowCompat = true): Promise<WebGpuProbe> {
  if (installed) return installed;
  let dawn: { create(flags: string[]): DawnGpu; globals: Record<string, unknown> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dawn = require('webgpu');
  } catch (e) {
    return { found: false, description: '', software: false, detail: `npm 'webgpu' not installed (${(e as Error).message.split('\n')[0]})` };
  }
  const tries: string[] = [];
  const attempt = async (via: 'default' | 'opengles-compat'): Promise<WebGpuProbe | null> => {
    let gpu: DawnGpu;
    let options: Record<string, unknown> = {};
    try {
      if (via === 'default') {
        if (!vulkanLoaderPresent()) {
          tries.push('default (Vulkan): libvulkan.so.1 not found (Debian package libvulkan1 + a GPU driver)');
          return null;
        }
        gpu = dawn.create([]);
      } else {
        if (!process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
        gpu = dawn.create(['backend=opengles']);
        options = { featureLevel: 'compatibility' };
      }
      const adapter = await gpu.requestAdapter(options);
      if (!adapter) {
        tries.push(via === 'default' ? 'default (Vulkan): no adapter' : `${via}: no adapter`);
        return null;
      }
      const description = describe(adapter);
      const software = SOFTWARE.test(description) || Boolean(adapter.info && adapter.info.isFallbackAdapter);
      Object.assign(globalThis, dawn.globals);
      const shim = {
        requestAdapter: (o?: Record<string, unknown>) => gpu.requestAdapter({ ...(o || {}), ...options }),
        getPreferredCanvasFormat: () => 'rgba8unorm',
      };
      const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
      if (g.navigator) {
        Object.defineProperty(g.navigator, 'gpu', { value: shim, configurable: true, writable: true });
      } else {
        g.navigator = { gpu: shim };
      }
      return { found: true, via, description, software };
    } catch (e) {
      tries.push(`${via}: ${(e as Error).message.split('\n')[0]}`);
      return null;
    }
  };
  const first = await attempt('default');
  const probe = first || (allowCompat ? await attempt('opengles-compat') : null);
  if (!probe && !allowCompat) tries.push('software OpenGL ES adapter not probed (TFJS_BACKEND=webgpu uses it)');
  if (probe) {
    installed = probe;
    return probe;
  }
  return { found: false, description: '', software: false, detail: tries.join('; ') || 'no adapter' };
}

/**
 * Register and initialise tfjs's webgpu backend after installWebGpu() found an adapter.
 * @returns true when `tf.setBackend('webgpu')` succeeded.
 */
export async function setWebGpuBackend(): Promise<boolean> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) return false;
  return tf.setBackend('webgpu');
}
