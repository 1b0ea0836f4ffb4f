/**
 * Run-time choice of the tfjs backend. Explicit choice (`initBackend({backend})` or the
 * TFJS_BACKEND environment variable) tries only that backend and fails loudly; otherwise
 * the candidates are tried in order — WebGPU on a hardware adapter, tfjs-node-gpu on a
 * GPU, tfjs-node, wasm (multi-threaded where possible), cpu — and the first that passes
 * the gradient smoke test wins. The report says what was chosen and why each other
 * candidate was skipped, as data and as one line for CLIs, notebooks and run metadata.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { registerBackendKernels, KernelPatchInfo } from './kernels/index';
import { smokeTestGradients } from './smoke';
import { withWasmThreads } from './wasm-threads';
import { installWebGpu, setWebGpuBackend } from './webgpu';

/** Backend names accepted by initBackend() and TFJS_BACKEND ('auto' = try in order). */
export const BACKEND_NAMES = ['webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** One candidate's outcome. */
export interface BackendAttempt {
  backend: BackendName;
  status: 'selected' | 'skipped' | 'failed' | 'not-tried';
  detail: string;
}

/** What initBackend() chose and why. */
export interface BackendReport {
  /** The chosen candidate (tfjs's own backend name is `tfjsName`). */
  name: BackendName;
  /** Name registered in tfjs ('webgpu', 'tensorflow', 'wasm', 'cpu'). */
  tfjsName: string;
  /** Every candidate in order, with why it was or was not used. */
  reasons: BackendAttempt[];
  /** Compute threads the backend uses (XNNPACK pool on wasm; 1 on cpu; 0 if unknown). */
  threads: number;
  /** Device description (GPU adapter, or CPU model). */
  device: string;
  /** How the backend was chosen. */
  requestedBy: 'option' | 'TFJS_BACKEND' | 'auto';
  /** Largest relative error of the gradient smoke test on the chosen backend. */
  smokeRelativeError: number;
  /** Kernels this project installed to work around tfjs defects. */
  kernelPatches: KernelPatchInfo[];
  tfjsVersion: string;
  /** Wall time of the whole selection, ms. */
  elapsedMs: number;
  /** One line: "backend wasm (2 threads) | webgpu: skipped (...) | ...". */
  summary: string;
}

/** Options of initBackend(). */
export interface InitBackendOptions {
  /** One of BACKEND_NAMES or 'auto'; overrides TFJS_BACKEND. */
  backend?: string;
  /** Receives progress lines and finally the summary line. */
  log?: (line: string) => void;
  /** wasm XNNPACK threads (default TFJS_WASM_THREADS, else the number of CPUs; 1 = single-threaded binary). */
  threads?: number;
  /** Accept WebGPU on a software adapter (llvmpipe) in automatic selection (default false; explicit 'webgpu' always accepts it). */
  allowSoftwareWebGpu?: boolean;
}

let cached: Promise<BackendReport> | null = null;
let cachedRequest = '';

/** Parse a backend name, throwing a clear error that lists the valid names. */
export function parseBackendName(raw: string, source: string): BackendName | 'auto' {
  const name = raw.trim().toLowerCase();
  if (name === 'auto' || name === '') return 'auto';
  const aliases: Record<string, BackendName> = { tensorflow: 'tfjs-node', node: 'tfjs-node', 'node-gpu': 'tfjs-node-gpu' };
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  if (aliases[name]) return aliases[name];
  throw new Error(`Unknown backend '${raw}' (from ${source}); valid names: ${BACKEND_NAMES.join(', ')}, auto`);
}

function errMsg(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function cpuModel(): string {
  const c = os.cpus();
  return c.length > 0 ? `${c[0].model.trim()} x${c.length}` : 'unknown CPU';
}

interface Activation {
  ok: boolean;
  detail: string;
  tfjsName: string;
  threads: number;
  device: string;
}

async function activateNode(gpu: boolean): Promise<Activation> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const fail = (detail: string): Activation => ({ ok: false, detail, tfjsName: 'tensorflow', threads: 0, device: '' });
  if (!tf.findBackendFactory('tensorflow')) {
    try {
      require.resolve(pkg);
    } catch {
      return fail(`${pkg} not installed`);
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg);
    } catch (e) {
      return fail(`${pkg} failed to load: ${errMsg(e)}`);
    }
  }
  if (!(await tf.setBackend('tensorflow'))) return fail(`tf.setBackend('tensorflow') failed after loading ${pkg}`);
  const onGpu = Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
  if (gpu && !onGpu) return fail(`${pkg} loaded but TensorFlow runs on the CPU (no usable CUDA 11.2/cuDNN 8.1 GPU)`);
  return { ok: true, detail: '', tfjsName: 'tensorflow', threads: 0, device: onGpu ? 'CUDA GPU' : cpuModel() };
}

async function activate(name: BackendName, opts: InitBackendOptions, explicit: boolean, log: (l: string) => void): Promise<Activation> {
  switch (name) {
    case 'webgpu': {
      // Dawn's GLES compatibility adapter is only ever a software rasteriser on the machines
      // this targets, which automatic selection would skip anyway: probe it only when it
      // could be used (and spare the CLI Dawn's GLES warnings).
      const probe = await installWebGpu(explicit || Boolean(opts.allowSoftwareWebGpu));
      if (!probe.found) return { ok: false, detail: probe.detail || 'no adapter', tfjsName: 'webgpu', threads: 0, device: '' };
      if (probe.software && !explicit && !opts.allowSoftwareWebGpu) {
        return {
          ok: false,
          detail: `only a software adapter (${probe.description}); slower than wasm — use TFJS_BACKEND=webgpu to force it`,
          tfjsName: 'webgpu',
          threads: 0,
          device: probe.description,
        };
      }
      let ok: boolean;
      try {
        ok = await setWebGpuBackend();
      } catch (e) {
        return { ok: false, detail: `backend init threw: ${errMsg(e)}`, tfjsName: 'webgpu', threads: 0, device: probe.description };
      }
      const device = `${probe.description} (${probe.via}${probe.software ? ', software' : ''})`;
      return { ok, detail: ok ? '' : 'tf.setBackend(webgpu) failed', tfjsName: 'webgpu', threads: 0, device };
    }
    case 'tfjs-node-gpu':
      return activateNode(true);
    case 'tfjs-node':
      return activateNode(false);
    case 'wasm': {
      let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm');
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        wasmModule = require('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        return { ok: false, detail: `@tensorflow/tfjs-backend-wasm not installed: ${errMsg(e)}`, tfjsName: 'wasm', threads: 0, device: '' };
      }
      const envThreads = Number(process.env.TFJS_WASM_THREADS);
      const want = Math.max(1, Math.floor(opts.threads ?? (envThreads > 0 ? envThreads : os.cpus().length)));
      let ok = false;
      let note = '';
      if (want > 1) {
        try {
          ok = await withWasmThreads(want, () => tf.setBackend('wasm'));
          if (!ok) note = 'threaded wasm failed to initialise; ';
        } catch (e) {
          note = `threaded wasm failed (${errMsg(e)}); `;
        }
        if (!ok) log(`backend: ${note}falling back to the single-threaded wasm binary`);
      }
      if (!ok) {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        ok = await tf.setBackend('wasm');
      }
      let threads: number;
      try {
        threads = wasmModule.getThreadsCount();
      } catch {
        threads = 0;
      }
      return { ok, detail: ok ? note : `${note}tf.setBackend('wasm') failed`, tfjsName: 'wasm', threads, device: cpuModel() };
    }
    case 'cpu':
      return { ok: await tf.setBackend('cpu'), detail: '', tfjsName: 'cpu', threads: 1, device: cpuModel() };
  }
}

async function select(opts: InitBackendOptions): Promise<BackendReport> {
  const t0 = Date.now();
  const log = opts.log || (() => undefined);
  let requestedBy: BackendReport['requestedBy'] = 'auto';
  let wanted: BackendName | 'auto' = 'auto';
  if (opts.backend !== undefined) {
    wanted = parseBackendName(opts.backend, 'initBackend option "backend"');
    requestedBy = wanted === 'auto' ? 'auto' : 'option';
  } else if (process.env.TFJS_BACKEND) {
    wanted = parseBackendName(process.env.TFJS_BACKEND, 'environment variable TFJS_BACKEND');
    requestedBy = wanted === 'auto' ? 'auto' : 'TFJS_BACKEND';
  }
  const kernelPatches = registerBackendKernels();
  const explicit = wanted !== 'auto';
  const order: BackendName[] = explicit ? [wanted as BackendName] : BACKEND_NAMES.slice();
  const reasons: BackendAttempt[] = [];
  let chosen: { name: BackendName; act: Activation; smoke: number } | null = null;
  for (const name of order) {
    if (chosen) {
      reasons.push({ backend: name, status: 'not-tried', detail: `${chosen.name} already selected` });
      continue;
    }
    let act: Activation;
    try {
      act = await activate(name, opts, explicit, log);
    } catch (e) {
      act = { ok: false, detail: `threw: ${errMsg(e)}`, tfjsName: name, threads: 0, device: '' };
    }
    if (!act.ok) {
      reasons.push({ backend: name, status: 'skipped', detail: act.detail });
      log(`backend: ${name} skipped: ${act.detail}`);
      continue;
    }
    const smoke = await smokeTestGradients();
    if (!smoke.ok) {
      reasons.push({ backend: name, status: 'failed', detail: `gradient smoke test: ${smoke.detail}` });
      log(`backend: ${name} failed the gradient smoke test: ${smoke.detail}`);
      continue;
    }
    reasons.push({ backend: name, status: 'selected', detail: `${act.detail}smoke test ${smoke.detail} in ${smoke.elapsedMs} ms` });
    chosen = { name, act, smoke: smoke.maxRelativeError };
  }
  if (!chosen) {
    const why = reasons.map((r) => `${r.backend}: ${r.detail}`).join('; ');
    throw new Error(explicit ? `Backend '${wanted}' (requested by ${requestedBy}) is not usable: ${why}` : `No tfjs backend usable: ${why}`);
  }
  const { name, act } = chosen;
  const head = `backend ${name}${act.threads > 0 ? ` (${act.threads} thread${act.threads === 1 ? '' : 's'})` : ''} on ${act.device || 'unknown device'}${explicit ? ` [${requestedBy}]` : ''}`;
  const others = reasons.filter((r) => r.status !== 'selected').map((r) => `${r.backend}: ${r.status} (${r.detail})`);
  const summary = [head, ...others].join(' | ');
  log(summary);
  return {
    name,
    tfjsName: act.tfjsName,
    reasons,
    threads: act.threads,
    device: act.device,
    requestedBy,
    smokeRelativeError: chosen.smoke,
    kernelPatches,
    tfjsVersion: tf.version_core,
    elapsedMs: Date.now() - t0,
    summary,
  };
}

/**
 * Choose and initialise the tfjs backend for this process (see the module header).
 * Idempotent: later calls return the first call's report; asking later for a different
 * explicit backend throws, because tfjs backends are process-global.
 *
 * @example
 *   const report = await initBackend({ log: console.log });
 *   // "backend wasm (2 threads) on ... | webgpu: skipped (...) | ..."
 * @param opts.backend one of BACKEND_NAMES or 'auto' (default: TFJS_BACKEND, else 'auto').
 * @param opts.log progress and summary lines (default: silent).
 * @param opts.threads wasm threads (default: TFJS_WASM_THREADS, else all CPUs).
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  const request = opts.backend !== undefined ? String(opts.backend) : process.env.TFJS_BACKEND || 'auto';
  // Validate before touching the cache so a typo always gets the clear message.
  let parsed: BackendName | 'auto';
  try {
    parsed = parseBackendName(request, opts.backend !== undefined ? 'initBackend option "backend"' : 'environment variable TFJS_BACKEND');
  } catch (e) {
    return Promise.reject(e);
  }
  if (cached) {
    if (parsed !== 'auto' && parsed !== parseBackendName(cachedRequest, 'cache')) {
      return cached.then((r) => {
        if (r.name !== parsed) {
          throw new Error(`initBackend: backend already initialised as '${r.name}' in this process; cannot switch to '${parsed}'`);
        }
        return r;
      });
    }
    return cached;
  }
  cachedRequest = request;
  cached = select(opts).catch((e) => {
    cached = null; // let a corrected call retry
    throw e;
  });
  return cached;
}
