/**
 * What `npm run bench:gpu` (bench/gpu.ts) needs around the measurement: its options, the
 * NVIDIA GPU and Vulkan loader checks (and the loader's install from a kit's .debs), the
 * driver's ICD files, the search for a python3 whose torch sees CUDA, and the result lines.
 * The decisions are pure functions (tested in test/bench/gpu.test.ts); the probes around
 * them only run commands.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Options of bench/gpu.ts. */
export interface GpuOptions {
  steps: number;
  warmup: number;
  batch: number;
  size: number;
  fused: boolean;
  /** Run on Dawn's OpenGL ES adapter on a software rasteriser (llvmpipe) when there is no GPU. */
  allowSoftware: boolean;
  torch: boolean;
  /** Allow TF32 in PyTorch's CUDA convolutions (PyTorch's default); default strict fp32 like WebGPU. */
  tf32: boolean;
  /** Profile one extra tfjs step kernel by kernel (needs the adapter's timestamp queries). */
  profile: boolean;
  /** The python to run the PyTorch twin with (default: the first of python3, /usr/bin/python3 that imports torch). */
  python?: string;
}

export const GPU_USAGE =
  'npm run bench:gpu -- [--steps 10] [--warmup 3] [--batch 8] [--size 128] [--unfused] [--allow-software] [--no-torch] [--tf32] [--profile] [--python PATH]';

/** Parse bench/gpu.ts's arguments; throws on an unknown or malformed one. */
export function parseGpuOptions(argv: string[]): GpuOptions {
  const o: GpuOptions = { steps: 10, warmup: 3, batch: 8, size: 128, fused: true, allowSoftware: false, torch: true, tf32: false, profile: false };
  const int = (i: number, name: string, min: number): number => {
    const raw = argv[i + 1];
    const v = Number(raw);
    if (raw === undefined || !Number.isInteger(v) || v < min) throw new Error(`bench:gpu: ${name} needs an integer >= ${min}, got '${raw ?? ''}'`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--steps') o.steps = int(i++, a, 1);
    else if (a === '--warmup') o.warmup = int(i++, a, 0);
    else if (a === '--batch') o.batch = int(i++, a, 1);
    else if (a === '--size') o.size = int(i++, a, 8);
    else if (a === '--unfused') o.fused = false;
    else if (a === '--allow-software') o.allowSoftware = true;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--tf32') o.tf32 = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--python') {
      const p = argv[++i];
      if (!p || p.startsWith('--')) throw new Error('bench:gpu: --python needs a path');
      o.python = p;
    } else throw new Error(`bench:gpu: unknown argument '${a}'; usage: ${GPU_USAGE}`);
  }
  if (o.size % 8 !== 0) throw new Error(`bench:gpu: --size must be a multiple of 8 (3 poolings), got ${o.size}`);
  return o;
}

/** The GPUs nvidia-smi lists ("name, driver, memory" each), or why there are none. */
export function findNvidiaGpus(): { gpus: string[]; detail: string } {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { gpus: [], detail: `nvidia-smi not runnable (${(r.error as NodeJS.ErrnoException).code || r.error.message})` };
  if (r.status !== 0) return { gpus: [], detail: `nvidia-smi failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n')[0]}` };
  const gpus = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return { gpus, detail: gpus.length > 0 ? '' : 'nvidia-smi lists no GPU' };
}

/** What to do about the Vulkan loader (libvulkan.so.1), which Dawn needs for a GPU. */
export type VulkanPlan = { action: 'none' } | { action: 'install'; debs: string[] } | { action: 'explain'; message: string };

/**
 * Decide: nothing when the loader is there; unpack the kit's .debs (`dpkg -x` into / and
 * ldconfig) when running as root with a libvulkan1 .deb at hand; else say exactly what to install.
 */
export function planVulkan(s: { loaderPresent: boolean; root: boolean; debs: string[] }): VulkanPlan {
  if (s.loaderPresent) return { action: 'none' };
  const hasLoaderDeb = s.debs.some((d) => /^libvulkan1_.*\.deb$/.test(path.basename(d)));
  if (hasLoaderDeb && s.root) return { action: 'install', debs: s.debs };
  const unpack = hasLoaderDeb ? `for f in ${path.dirname(s.debs[0])}/*.deb; do dpkg -x "$f" /; done; ldconfig` : '';
  const how = [
    'install the Vulkan loader: as root `apt-get install libvulkan1` (Debian/Ubuntu)',
    unpack ? `or, offline, unpack this kit's packages as root: \`${unpack}\`` : 'or build a kit with the .debs on a machine with apt (`npm run bench:gpu:kit`)',
  ];
  return { action: 'explain', message: `libvulkan.so.1 not found, so Dawn cannot reach the GPU; ${how.join(', ')}. The NVIDIA driver provides the Vulkan ICD (nvidia_icd.json).` };
}

/** The .debs in the first of `dirs` that has any (sorted). */
export function findDebs(dirs: string[]): string[] {
  for (const d of dirs) {
    if (!fs.existsSync(d)) continue;
    const debs = fs.readdirSync(d).filter((f) => f.endsWith('.deb')).sort().map((f) => path.join(d, f));
    if (debs.length > 0) return debs;
  }
  return [];
}

/** `dpkg -x` each .deb into / and run ldconfig; throws with dpkg's message on failure. */
export function installDebs(debs: string[], log: (line: string) => void): void {
  for (const deb of debs) {
    const r = spawnSync('dpkg', ['-x', deb, '/'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`dpkg -x ${deb} / failed: ${r.error ? r.error.message : (r.stderr || '').trim()}`);
  }
  const l = spawnSync('ldconfig', [], { encoding: 'utf8' });
  if (l.error || l.status !== 0) throw new Error(`ldconfig failed: ${l.error ? l.error.message : (l.stderr || '').trim()}`);
  log(`vulkan: unpacked ${debs.length} .debs into / (${debs.map((d) => path.basename(d)).join(', ')}) and ran ldconfig`);
}

/** Where the device machines' NVIDIA driver keeps its Vulkan ICD and EGL vendor files. */
export const NVIDIA_DRIVER_FILES = {
  VK_DRIVER_FILES: '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json',
  __EGL_VENDOR_LIBRARY_FILENAMES: '/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json',
} as const;

/** The variables to set: each driver file that exists, unless the variable is already set. */
export function driverFileEnv(env: Record<string, string | undefined>, exists: (file: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, file] of Object.entries(NVIDIA_DRIVER_FILES)) {
    if (!env[name] && exists(file)) out[name] = file;
  }
  return out;
}

/** A python3 with torch, as its probe saw it. */
export interface TorchPython {
  python: string;
  torch: string;
  cuda: boolean;
  gpu?: string;
}

const TORCH_PROBE =
  'import json, torch; c = torch.cuda.is_available(); ' +
  "print(json.dumps({'torch': torch.__version__, 'cuda': c, 'gpu': torch.cuda.get_device_name(0) if c else None}))";

/** The first candidate whose torch sees CUDA, else the first with torch at all, else why none. */
export function findTorchPython(candidates: string[]): TorchPython | string {
  const found: TorchPython[] = [];
  const why: string[] = [];
  for (const python of Array.from(new Set(candidates))) {
    const r = spawnSync(python, ['-c', TORCH_PROBE], { encoding: 'utf8', timeout: 120_000 });
    if (r.error) {
      why.push(`${python}: not runnable`);
      continue;
    }
    if (r.status !== 0) {
      why.push(`${python}: ${(r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`}`);
      continue;
    }
    try {
      const j = JSON.parse(r.stdout.trim().split('\n').pop() || '') as { torch: string; cuda: boolean; gpu: string | null };
      const t: TorchPython = { python, torch: j.torch, cuda: j.cuda, gpu: j.gpu ?? undefined };
      if (t.cuda) return t; // importing torch takes seconds: stop at the first that has CUDA
      found.push(t);
    } catch {
      why.push(`${python}: unreadable probe output`);
    }
  }
  return found[0] || `no python3 with torch (${why.join('; ')})`;
}

/** One side of the comparison, as the result lines show it. */
export interface Measured {
  label: string;
  ms: number;
}

/** "median 349 ms/step, 79.2 GFLOP/s". */
export function speedText(ms: number, flops: number): string {
  return `median ${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms/step, ${(flops / 1e9 / (ms / 1000)).toFixed(1)} GFLOP/s`;
}

/** The tfjs side's label: "tfjs webgpu", marked when the adapter is a software rasteriser. */
export function tfjsLabel(software: boolean): string {
  return software ? 'tfjs webgpu [SOFTWARE adapter, not a GPU number]' : 'tfjs webgpu';
}

/** The PyTorch side's label: "PyTorch CUDA" (and TF32 when allowed) or "PyTorch CPU (N threads)". */
export function torchLabel(device: 'cpu' | 'cuda', threads: number, tf32 = false): string {
  if (device === 'cuda') return tf32 ? 'PyTorch CUDA (TF32)' : 'PyTorch CUDA';
  return `PyTorch CPU (${threads} thread${threads === 1 ? '' : 's'})`;
}

/** The goal of issue #15: a WebGPU step at most this many times PyTorch eager's on the same GPU. */
export const GPU_GOAL_RATIO = 3;

/** The last lines: the goal's verdict (GPU against CUDA only), then `ratio A / B: N.NNx`. */
export function ratioLines(tfjs: Measured, torch: Measured, onGpu: boolean): string[] {
  const ratio = tfjs.ms / torch.ms;
  const lines: string[] = [];
  if (onGpu) {
    const verdict = ratio <= GPU_GOAL_RATIO ? 'met' : 'not met';
    lines.push(`goal (WebGPU step <= ${GPU_GOAL_RATIO}x PyTorch eager on the same GPU): ${verdict}`);
  }
  lines.push(`ratio ${tfjs.label} / ${torch.label}: ${ratio.toFixed(2)}x`);
  return lines;
}
