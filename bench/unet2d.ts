/**
 * Speed benchmark (issue 4 §4): one training step of a fixed 2D U-Net — 4 levels with
 * 16/32/64/128 channels, two 3x3 conv + bias + ReLU per level, 2x2 max-pool down,
 * 2x2 stride-2 transposed conv up, skip concatenation, 1x1 head to 4 classes, softmax
 * cross-entropy, Adam — on a batch of 8×128×128×1, on the backend lib/backend selects.
 * Prints the analytic FLOP count, median ms/step and GFLOP/s, and, when Debian's
 * python3-torch is importable by /usr/bin/python3, runs the same network and step in
 * PyTorch CPU (bench/unet2d_torch.py, with 1 thread and with one per CPU) in the same run
 * and prints the ratio to the faster PyTorch run.
 *
 * The network and the timed step live in bench/unet2d-net.ts (shared with `npm run bench:gpu`),
 * written with plain tf ops, independent of lib/model.
 *
 *   npm run bench -- [--steps 5] [--warmup 2] [--backend wasm] [--threads 2]
 *                    [--batch 8] [--size 128] [--unfused] [--no-torch] [--torch-threads N] [--no-profile]
 *
 * Besides the timed steps, one more step of each framework is profiled kernel by kernel and
 * split into families (conv forward, conv input / filter gradient, norm, element-wise, optimizer;
 * bench/kernel-profile.ts) with GFLOP/s of the conv families, printed side by side; the
 * `ratio … N.NNx` line stays last.
 *
 * Timings on a shared machine are noisy: compare numbers from the same run only.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';
import { familyTable, profileTrainingStep, StepProfile, TorchFamilies } from './kernel-profile';
import { convMacs, describeUnet, makeUnetStep, runTorch, timeSteps, trainingFlops, TorchResult } from './unet2d-net';

interface BenchOptions {
  steps: number;
  warmup: number;
  backend?: string;
  threads?: number;
  batch: number;
  size: number;
  fused: boolean;
  torch: boolean;
  /** PyTorch thread counts to run; the ratio is against the fastest. */
  torchThreads: number[];
  /** Profile one extra step by kernel family (both frameworks). */
  profile: boolean;
}

function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { steps: 5, warmup: 2, batch: 8, size: 128, fused: true, torch: true, profile: true, torchThreads: Array.from(new Set([1, os.cpus().length])) };
  const num = (i: number, name: string): number => {
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`bench: ${name} needs a non-negative number, got '${argv[i + 1]}'`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--steps') o.steps = Math.max(1, num(i++, a));
    else if (a === '--warmup') o.warmup = num(i++, a);
    else if (a === '--backend') o.backend = argv[++i];
    else if (a === '--threads') o.threads = num(i++, a);
    else if (a === '--batch') o.batch = Math.max(1, num(i++, a));
    else if (a === '--size') o.size = num(i++, a);
    else if (a === '--unfused') o.fused = false;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-profile') o.profile = false;
    else if (a === '--torch-threads') o.torchThreads = [Math.max(1, num(i++, a))];
    else throw new Error(`bench: unknown argument '${a}' (see the header of bench/unet2d.ts)`);
  }
  if (o.size % 8 !== 0) throw new Error(`bench: --size must be a multiple of 8 (3 poolings), got ${o.size}`);
  return o;
}

/** Debian's python3-torch, as the CPU measurements in docs/backends.md used. */
function cpuTorch(o: BenchOptions, threads: number): TorchResult | string {
  const py = '/usr/bin/python3';
  if (!fs.existsSync(py)) return `${py} not found`;
  if (spawnSync(py, ['-c', 'import torch']).status !== 0) return `python3-torch not importable by ${py}`;
  return runTorch({ python: py, device: 'cpu', steps: o.steps, warmup: o.warmup, batch: o.batch, size: o.size, threads, profile: o.profile });
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const report = await initBackend({ backend: o.backend, threads: o.threads, log: (l) => console.log(l) });
  const flops = trainingFlops(o.size, o.batch);
  console.log(describeUnet(o.batch, o.size, o.fused));
  const step = makeUnetStep(o.batch, o.size, o.fused);
  const { medianMs: ms } = await timeSteps(step, o.warmup, o.steps, (l) => console.log(l));
  const gflops = flops / 1e9 / (ms / 1000);
  const tfLabel = `tfjs ${report.name}`;
  console.log(`${tfLabel} (${report.threads} thread${report.threads === 1 ? '' : 's'}): median ${ms.toFixed(0)} ms/step, ${gflops.toFixed(1)} GFLOP/s, ${tf.memory().numTensors} tensors live`);
  let profile: StepProfile | null = null;
  if (o.profile) {
    profile = await profileTrainingStep(step.lossFn, step.vars, step.optimizer);
    const k = profile.kernels;
    console.log(`profiled step (${tfLabel}): ${profile.wallMs.toFixed(0)} ms wall, ${profile.kernelMs.toFixed(0)} ms in ${k.forward} forward + ${k.backward} backward + ${k.optimizer} optimizer kernels; slowest kernels:`);
    for (const t of profile.top) console.log(`  ${`${t.phase} ${t.name}`.padEnd(36)} ${String(t.calls).padStart(3)} calls ${t.ms.toFixed(0).padStart(6)} ms`);
  }
  let best: TorchResult | null = null;
  if (o.torch) {
    for (const threads of o.torchThreads) {
      const t = cpuTorch(o, threads);
      if (typeof t === 'string') {
        console.log(`PyTorch: skipped (${t})`);
        break;
      }
      const tg = t.flops / 1e9 / (t.median_ms / 1000);
      console.log(`PyTorch ${t.torch} CPU (${t.threads} thread${t.threads === 1 ? '' : 's'}): median ${t.median_ms.toFixed(0)} ms/step, ${tg.toFixed(1)} GFLOP/s`);
      if (Math.abs(t.flops - flops) > 1e-6 * flops) console.log(`  warning: PyTorch counted ${t.flops} FLOP, tfjs ${flops}`);
      if (!best || t.median_ms < best.median_ms) best = t;
    }
  }
  if (profile) {
    const torchFamilies = best?.families as TorchFamilies | undefined;
    const torchLabel = best ? `PyTorch ${best.threads}t` : '';
    console.log(`time per kernel family, one profiled step${torchFamilies ? ` (PyTorch: torch.profiler, top-level ops, ${best!.threads} thread${best!.threads === 1 ? '' : 's'}; its conv backward is one op)` : ''}:`);
    for (const l of familyTable(profile, tfLabel, convMacs(o.size, o.batch), torchFamilies ? { families: torchFamilies, label: torchLabel } : undefined)) console.log(`  ${l}`);
  }
  if (best) console.log(`ratio ${tfLabel} / fastest PyTorch (${best.threads} thread${best.threads === 1 ? '' : 's'}): ${(ms / best.median_ms).toFixed(2)}x`);
  step.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
