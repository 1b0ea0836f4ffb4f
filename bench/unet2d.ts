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
 * Written with plain tf ops, independent of lib/model.
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
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';
import { ConvMacs, familyTable, profileTrainingStep, StepProfile, TorchFamilies } from './kernel-profile';

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

const CHANNELS = [16, 32, 64, 128];
const CLASSES = 4;
const IN_CHANNELS = 1;

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

/**
 * Multiply-accumulates of one forward pass per example; training counts as 3× forward
 * (forward, input gradient, weight gradient), the usual convention (the first layer's
 * input gradient is not needed, which this ignores).
 */
function unetForwardMacs(size: number): number {
  let macs = 0;
  let cin = IN_CHANNELS;
  for (let l = 0; l < CHANNELS.length; l++) {
    const px = (size >> l) ** 2;
    const c = CHANNELS[l];
    macs += px * 9 * (cin * c + c * c);
    cin = c;
  }
  for (let l = CHANNELS.length - 2; l >= 0; l--) {
    const px = (size >> l) ** 2;
    const c = CHANNELS[l];
    const up = CHANNELS[l + 1];
    macs += (px / 4) * 4 * up * c; // 2x2 stride-2 transposed conv: each input pixel feeds 4 outputs
    macs += px * 9 * (2 * c * c + c * c); // conv on concat(skip, up) = 2c -> c, then c -> c
  }
  macs += size * size * CHANNELS[0] * CLASSES;
  return macs;
}

/** Multiply-accumulates per conv family of one training step of the whole batch. */
function convMacs(size: number, batch: number): ConvMacs {
  const all = unetForwardMacs(size) * batch;
  // the image is not a variable: the first conv's input gradient is never computed
  const first = size * size * 9 * IN_CHANNELS * CHANNELS[0] * batch;
  return { forward: all, inputGradient: all - first, filterGradient: all };
}

interface Params {
  [name: string]: tf.Variable;
}

function makeParams(seed: number): Params {
  const p: Params = {};
  let s = seed;
  const he = (shape: number[], fanIn: number, name: string) => {
    p[name] = tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', s++), true, name);
  };
  const zeros = (n: number, name: string) => {
    p[name] = tf.variable(tf.zeros([n]), true, name);
  };
  let cin = IN_CHANNELS;
  CHANNELS.forEach((c, l) => {
    he([3, 3, cin, c], 9 * cin, `enc${l}a`);
    zeros(c, `enc${l}a_b`);
    he([3, 3, c, c], 9 * c, `enc${l}b`);
    zeros(c, `enc${l}b_b`);
    cin = c;
  });
  for (let l = CHANNELS.length - 2; l >= 0; l--) {
    const c = CHANNELS[l];
    he([2, 2, c, CHANNELS[l + 1]], 4 * CHANNELS[l + 1], `up${l}`);
    zeros(c, `up${l}_b`);
    he([3, 3, 2 * c, c], 18 * c, `dec${l}a`);
    zeros(c, `dec${l}a_b`);
    he([3, 3, c, c], 9 * c, `dec${l}b`);
    zeros(c, `dec${l}b_b`);
  }
  he([1, 1, CHANNELS[0], CLASSES], CHANNELS[0], 'head');
  zeros(CLASSES, 'head_b');
  return p;
}

function forward(p: Params, x: tf.Tensor4D, fused: boolean): tf.Tensor4D {
  const convRelu = (h: tf.Tensor4D, name: string): tf.Tensor4D =>
    fused
      ? tf.fused.conv2d({ x: h, filter: p[name] as tf.Tensor4D, strides: 1, pad: 'same', bias: p[`${name}_b`], activation: 'relu' })
      : (tf.relu(tf.add(tf.conv2d(h, p[name] as tf.Tensor4D, 1, 'same'), p[`${name}_b`])) as tf.Tensor4D);
  const skips: tf.Tensor4D[] = [];
  let h = x;
  CHANNELS.forEach((_c, l) => {
    h = convRelu(convRelu(h, `enc${l}a`), `enc${l}b`);
    if (l < CHANNELS.length - 1) {
      skips.push(h);
      h = tf.maxPool(h, 2, 2, 'valid');
    }
  });
  for (let l = CHANNELS.length - 2; l >= 0; l--) {
    const [n, hh, ww] = h.shape;
    const up = tf.add(tf.conv2dTranspose(h, p[`up${l}`] as tf.Tensor4D, [n, hh * 2, ww * 2, CHANNELS[l]], 2, 'same'), p[`up${l}_b`]) as tf.Tensor4D;
    h = tf.concat([skips[l], up], 3);
    h = convRelu(convRelu(h, `dec${l}a`), `dec${l}b`);
  }
  return tf.add(tf.conv2d(h, p.head as tf.Tensor4D, 1, 'same'), p.head_b) as tf.Tensor4D;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface TorchResult {
  median_ms: number;
  threads: number;
  torch: string;
  flops: number;
  /** Milliseconds per kernel family of one profiled step (torch.profiler), when asked with --profile. */
  families?: Record<string, number>;
}

function runTorch(o: BenchOptions, threads: number, profile = false): TorchResult | string {
  const py = '/usr/bin/python3';
  if (!fs.existsSync(py)) return `${py} not found`;
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'python3-torch not importable by /usr/bin/python3';
  const script = path.join(__dirname, 'unet2d_torch.py');
  const args = [script, '--steps', String(o.steps), '--warmup', String(o.warmup), '--batch', String(o.batch), '--size', String(o.size), '--threads', String(threads), ...(profile ? ['--profile'] : [])];
  const r = spawnSync(py, args, { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return `PyTorch run failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`;
  const line = r.stdout.trim().split('\n').pop() || '';
  try {
    return JSON.parse(line) as TorchResult;
  } catch {
    return `PyTorch run printed no JSON result: ${line.slice(0, 200)}`;
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const report = await initBackend({ backend: o.backend, threads: o.threads, log: (l) => console.log(l) });
  const flops = 3 * 2 * unetForwardMacs(o.size) * o.batch;
  console.log(
    `U-Net 2D: ${CHANNELS.length} levels ${CHANNELS.join('/')} ch, batch ${o.batch}x${o.size}x${o.size}x${IN_CHANNELS}, ${CLASSES} classes, Adam, ` +
      `${o.fused ? 'fused conv+bias+relu' : 'unfused'}; ${(flops / 1e9).toFixed(2)} GFLOP per training step (3x forward MACs x2)`,
  );
  const params = makeParams(1);
  const vars = Object.values(params);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([o.batch, o.size, o.size, IN_CHANNELS], 0, 1, 'float32', 7) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([o.batch * o.size * o.size], 0, CLASSES, 'int32', 8), CLASSES));
  const times: number[] = [];
  let lastLoss = Number.NaN;
  for (let i = 0; i < o.warmup + o.steps; i++) {
    const t0 = performance.now();
    const loss = optimizer.minimize(() => {
      const logits = forward(params, x, o.fused);
      return tf.losses.softmaxCrossEntropy(labels, tf.reshape(logits, [-1, CLASSES])) as tf.Scalar;
    }, true, vars) as tf.Scalar;
    lastLoss = (await loss.data())[0];
    loss.dispose();
    const ms = performance.now() - t0;
    if (i >= o.warmup) times.push(ms);
    console.log(`  step ${i + 1}/${o.warmup + o.steps}${i < o.warmup ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms, loss ${lastLoss.toFixed(4)}`);
  }
  if (!Number.isFinite(lastLoss)) throw new Error(`bench: loss is ${lastLoss} — training diverged or a kernel is broken`);
  const ms = median(times);
  const gflops = flops / 1e9 / (ms / 1000);
  const tfLabel = `tfjs ${report.name}`;
  console.log(`${tfLabel} (${report.threads} thread${report.threads === 1 ? '' : 's'}): median ${ms.toFixed(0)} ms/step, ${gflops.toFixed(1)} GFLOP/s, ${tf.memory().numTensors} tensors live`);
  let profile: StepProfile | null = null;
  if (o.profile) {
    profile = await profileTrainingStep(
      () => tf.losses.softmaxCrossEntropy(labels, tf.reshape(forward(params, x, o.fused), [-1, CLASSES])) as tf.Scalar,
      vars,
      optimizer,
    );
    const k = profile.kernels;
    console.log(`profiled step (${tfLabel}): ${profile.wallMs.toFixed(0)} ms wall, ${profile.kernelMs.toFixed(0)} ms in ${k.forward} forward + ${k.backward} backward + ${k.optimizer} optimizer kernels; slowest kernels:`);
    for (const t of profile.top) console.log(`  ${`${t.phase} ${t.name}`.padEnd(36)} ${String(t.calls).padStart(3)} calls ${t.ms.toFixed(0).padStart(6)} ms`);
  }
  let best: TorchResult | null = null;
  if (o.torch) {
    for (const threads of o.torchThreads) {
      const t = runTorch(o, threads, o.profile);
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
  tf.dispose([x, labels]);
  optimizer.dispose();
  tf.disposeVariables();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
