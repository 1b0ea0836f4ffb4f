/**
 * GPU speed benchmark (issue #15 item 4): the U-Net training step of `npm run bench`
 * (bench/unet2d-net.ts: 4 levels 16/32/64/128, batch 8×128×128×1, Adam) on tfjs's WebGPU
 * backend (Dawn through Vulkan) and, when a python3's torch sees CUDA, the same network and step
 * in PyTorch eager on that GPU (bench/unet2d_torch.py --device cuda, strict fp32 unless --tf32);
 * prints `ratio tfjs webgpu / PyTorch CUDA: N.NNx` last. Goal: at most 3×.
 *
 *   npm run bench:gpu -- [--steps 10] [--warmup 3] [--batch 8] [--size 128] [--unfused]
 *                        [--allow-software] [--no-torch] [--tf32] [--profile] [--python PATH]
 *
 * Before measuring it looks for an NVIDIA GPU (nvidia-smi); with one, it points the Vulkan loader
 * at the driver's ICD files where the device machines keep them (/usr/local/nvidia/share/...), and
 * when libvulkan.so.1 is missing it unpacks the kit's Debian packages (`dpkg -x` into /, then
 * ldconfig) if it runs as root, or says what to install. Without a GPU it says so and exits 0;
 * `--allow-software` then runs the WebGPU path on Dawn's OpenGL ES adapter on Mesa llvmpipe (and
 * PyTorch on the CPU) to exercise the script — those numbers are marked as software.
 *
 * On the device machine (no network; 64 MiB travel), run the kit `npm run bench:gpu:kit` builds
 * (bench/gpu-kit.ts; compiled JS, trimmed node_modules, node, the .debs): with `carry: ["kit"]`,
 *
 *   sh kit/run.sh
 *
 * which is, by hand, `for f in kit/debs/*.deb; do dpkg -x $f /; done; ldconfig; node kit/bench/gpu.js`
 * (kit/run.sh also unpacks the bundled node when there is none on PATH).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, installWebGpu, vulkanLoaderPresent } from '../lib/backend';
import {
  driverFileEnv,
  findDebs,
  findNvidiaGpus,
  findTorchPython,
  GpuOptions,
  installDebs,
  Measured,
  parseGpuOptions,
  planVulkan,
  ratioLines,
  speedText,
  tfjsLabel,
  torchLabel,
} from './gpu-env';
import { familyTable, profileTrainingStep } from './kernel-profile';
import { unpackKit } from './kit-files';
import { convMacs, describeUnet, makeUnetStep, runTorch, timeSteps, trainingFlops, UnetStep } from './unet2d-net';

const log = (line: string): void => console.log(line);

/** The kit's root when this runs compiled from a kit (kit/bench/gpu.js), else the repository's. */
const ROOT = path.resolve(__dirname, '..');

/** Find the GPU; with one, make the Vulkan loader and the driver's ICD reachable for Dawn. */
function prepareGpu(): { gpus: string[]; detail: string } {
  const n = findNvidiaGpus();
  log(n.gpus.length > 0 ? `GPU: ${n.gpus.join(' | ')}` : `GPU: none found (${n.detail})`);
  if (n.gpus.length === 0) return n;
  for (const [name, file] of Object.entries(driverFileEnv(process.env, fs.existsSync))) {
    process.env[name] = file;
    log(`vulkan: ${name}=${file}`);
  }
  const debs = findDebs([path.join(ROOT, 'debs'), path.join(ROOT, 'kit', 'debs'), path.join(ROOT, '.gl')]);
  const plan = planVulkan({ loaderPresent: vulkanLoaderPresent(), root: process.getuid?.() === 0, debs });
  if (plan.action === 'install') {
    installDebs(plan.debs, log);
    if (!vulkanLoaderPresent()) log('vulkan: libvulkan.so.1 still not found after unpacking the .debs');
  }
  else if (plan.action === 'explain') log(`vulkan: ${plan.message}`);
  return n;
}

/** Select tfjs's webgpu backend on a usable adapter: its description, or why there is none. */
async function setupWebGpu(o: GpuOptions): Promise<{ software: boolean; device: string } | string> {
  const probe = await installWebGpu(o.allowSoftware);
  if (!probe.found) return probe.detail || 'no adapter';
  if (probe.software && !o.allowSoftware) return `only a software adapter (${probe.description}); --allow-software runs on it`;
  const report = await initBackend({ backend: 'webgpu', log });
  return { software: probe.software, device: report.device };
}

/** One step profiled kernel by kernel, when the adapter can time kernels (timestamp queries). */
async function profileStep(step: UnetStep, label: string, o: GpuOptions): Promise<void> {
  try {
    const p = await profileTrainingStep(step.lossFn, step.vars, step.optimizer);
    if (!(p.kernelMs > 0)) {
      log(`profile: no kernel timings on this adapter (tfjs needs the 'timestamp-query' feature); ${p.wallMs.toFixed(0)} ms wall`);
      return;
    }
    log(`profiled step (${label}): ${p.wallMs.toFixed(0)} ms wall, ${p.kernelMs.toFixed(0)} ms in kernels; by family:`);
    for (const l of familyTable(p, label, convMacs(o.size, o.batch))) log(`  ${l}`);
  } catch (e) {
    log(`profile: failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
}

/** The tfjs side: warm-up and timed steps on the webgpu backend (and the optional profile). */
async function measureTfjs(o: GpuOptions, web: { software: boolean; device: string }): Promise<Measured> {
  const step = makeUnetStep(o.batch, o.size, o.fused);
  const t = await timeSteps(step, o.warmup, o.steps, log);
  const label = tfjsLabel(web.software);
  log(`${label} on ${web.device}: ${speedText(t.medianMs, trainingFlops(o.size, o.batch))}, ${tf.memory().numTensors} tensors live`);
  if (o.profile) await profileStep(step, 'tfjs webgpu', o);
  step.dispose();
  return { label, ms: t.medianMs };
}

/** The PyTorch side: on CUDA, or on the CPU when `allowCpu` (the software run); null when skipped. */
function measureTorch(o: GpuOptions, allowCpu: boolean): (Measured & { cuda: boolean }) | null {
  if (!o.torch) {
    log('PyTorch: skipped (--no-torch)');
    return null;
  }
  const py = findTorchPython(o.python ? [o.python] : ['python3', '/usr/bin/python3']);
  if (typeof py === 'string') {
    log(`PyTorch: skipped (${py})`);
    return null;
  }
  if (!py.cuda && !allowCpu) {
    log(`PyTorch: skipped (${py.python}: torch ${py.torch} sees no CUDA device; the ratio needs PyTorch on the same GPU)`);
    return null;
  }
  const device = py.cuda ? 'cuda' : 'cpu';
  const threads = os.cpus().length;
  const r = runTorch({ python: py.python, device, steps: o.steps, warmup: o.warmup, batch: o.batch, size: o.size, threads: py.cuda ? undefined : threads, tf32: o.tf32 });
  if (typeof r === 'string') {
    log(`PyTorch: failed (${r})`);
    return null;
  }
  const label = torchLabel(device, r.threads, Boolean(r.tf32));
  log(`${label}: torch ${r.torch} on ${r.gpu ?? 'the CPU'} (${py.python}): ${speedText(r.median_ms, r.flops)}`);
  const flops = trainingFlops(o.size, o.batch);
  if (Math.abs(r.flops - flops) > 1e-6 * flops) log(`  warning: PyTorch counted ${r.flops} FLOP, tfjs ${flops}`);
  return { label, ms: r.median_ms, cuda: device === 'cuda' };
}

async function main(): Promise<void> {
  const o = parseGpuOptions(process.argv.slice(2));
  log(describeUnet(o.batch, o.size, o.fused));
  unpackKit(ROOT, log);
  const gpu = prepareGpu();
  const web = await setupWebGpu(o);
  if (typeof web === 'string') {
    if (gpu.gpus.length === 0 && !o.allowSoftware) {
      log(`no GPU on this machine (${gpu.detail}; WebGPU: ${web}): nothing measured.`);
      log('To exercise this script on the CPU: npm run bench:gpu -- --allow-software (Dawn OpenGL ES on llvmpipe; software numbers, not GPU ones).');
      return;
    }
    measureTorch(o, false); // the reference number, measured anyway
    throw new Error(`bench:gpu: no usable WebGPU adapter: ${web}`);
  }
  const tfjs = await measureTfjs(o, web);
  const torch = measureTorch(o, web.software);
  if (!torch) {
    log('no ratio: PyTorch was not measured');
    return;
  }
  for (const l of ratioLines(tfjs, torch, !web.software && torch.cuda)) log(l);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
