/**
 * The benchmark network and training step shared by `npm run bench` (bench/unet2d.ts, CPU
 * backends) and `npm run bench:gpu` (bench/gpu.ts, WebGPU): a fixed 2D U-Net — 4 levels with
 * 16/32/64/128 channels, two 3x3 conv + bias + ReLU per level, 2x2 max-pool down, 2x2 stride-2
 * transposed conv up, skip concatenation, 1x1 head to 4 classes, softmax cross-entropy, Adam —
 * its analytic FLOP count, the timed step loop, and the launcher of the PyTorch twin
 * (bench/unet2d_torch.py, same network, on CPU or CUDA).
 *
 * Written with plain tf ops, independent of lib/model. Works on every backend: the step is
 * read back with `await loss.data()` (WebGPU has no dataSync in Node).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ConvMacs } from './kernel-profile';

export const CHANNELS = [16, 32, 64, 128];
export const CLASSES = 4;
export const IN_CHANNELS = 1;

/**
 * Multiply-accumulates of one forward pass per example; training counts as 3× forward
 * (forward, input gradient, weight gradient), the usual convention (the first layer's
 * input gradient is not needed, which this ignores).
 */
export function unetForwardMacs(size: number): number {
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

/** FLOP of one training step of the whole batch (3 × forward MACs × 2). */
export function trainingFlops(size: number, batch: number): number {
  return 3 * 2 * unetForwardMacs(size) * batch;
}

/** Multiply-accumulates per conv family of one training step of the whole batch. */
export function convMacs(size: number, batch: number): ConvMacs {
  const all = unetForwardMacs(size) * batch;
  // the image is not a variable: the first conv's input gradient is never computed
  const first = size * size * 9 * IN_CHANNELS * CHANNELS[0] * batch;
  return { forward: all, inputGradient: all - first, filterGradient: all };
}

/** The one-line description of the network and step both benches print. */
export function describeUnet(batch: number, size: number, fused: boolean): string {
  return (
    `U-Net 2D: ${CHANNELS.length} levels ${CHANNELS.join('/')} ch, batch ${batch}x${size}x${size}x${IN_CHANNELS}, ${CLASSES} classes, Adam, ` +
    `${fused ? 'fused conv+bias+relu' : 'unfused'}; ${(trainingFlops(size, batch) / 1e9).toFixed(2)} GFLOP per training step (3x forward MACs x2)`
  );
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

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The network's variables, its optimizer and a fixed batch, on the current backend. */
export interface UnetStep {
  vars: tf.Variable[];
  optimizer: tf.Optimizer;
  /** The loss of the fixed batch (forward pass only; the caller differentiates it). */
  lossFn: () => tf.Scalar;
  dispose(): void;
}

/** Build the network (seeded), Adam (lr 1e-3) and a random batch with random labels. */
export function makeUnetStep(batch: number, size: number, fused: boolean): UnetStep {
  const params = makeParams(1);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, size, size, IN_CHANNELS], 0, 1, 'float32', 7) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch * size * size], 0, CLASSES, 'int32', 8), CLASSES));
  return {
    vars: Object.values(params),
    optimizer,
    lossFn: () => tf.losses.softmaxCrossEntropy(labels, tf.reshape(forward(params, x, fused), [-1, CLASSES])) as tf.Scalar,
    dispose: () => {
      tf.dispose([x, labels]);
      optimizer.dispose();
      tf.disposeVariables();
    },
  };
}

/** Wall times of the timed steps, their median and the last loss. */
export interface StepTimes {
  times: number[];
  medianMs: number;
  lastLoss: number;
}

/**
 * Run `warmup + steps` training steps, each timed until its loss is read back (the read waits
 * for the optimizer's update too: every backend runs its queue in order). Throws when the loss
 * is not finite.
 */
export async function timeSteps(step: UnetStep, warmup: number, steps: number, log: (line: string) => void): Promise<StepTimes> {
  const times: number[] = [];
  let lastLoss = Number.NaN;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const loss = step.optimizer.minimize(step.lossFn, true, step.vars) as tf.Scalar;
    lastLoss = (await loss.data())[0];
    loss.dispose();
    const ms = performance.now() - t0;
    if (i >= warmup) times.push(ms);
    log(`  step ${i + 1}/${warmup + steps}${i < warmup ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms, loss ${lastLoss.toFixed(4)}`);
  }
  if (!Number.isFinite(lastLoss)) throw new Error(`bench: loss is ${lastLoss} — training diverged or a kernel is broken`);
  return { times, medianMs: median(times), lastLoss };
}

/** The JSON line bench/unet2d_torch.py prints last. */
export interface TorchResult {
  median_ms: number;
  threads: number;
  torch: string;
  flops: number;
  /** 'cpu' or 'cuda' (absent from runs before the --device option). */
  device?: string;
  /** The CUDA device's name, on CUDA. */
  gpu?: string;
  /** Whether TF32 was allowed for convolutions and matrix products, on CUDA. */
  tf32?: boolean;
  /** Milliseconds per kernel family of one profiled step (torch.profiler), when asked with --profile. */
  families?: Record<string, number>;
}

/** How to run the PyTorch twin. */
export interface TorchRun {
  python: string;
  device: 'cpu' | 'cuda';
  steps: number;
  warmup: number;
  batch: number;
  size: number;
  /** CPU threads (torch.set_num_threads); ignored on CUDA. */
  threads?: number;
  /** One more step under torch.profiler, split by kernel family (CPU only). */
  profile?: boolean;
  /** Allow TF32 on CUDA (PyTorch's default for convolutions); default strict fp32. */
  tf32?: boolean;
}

/** Run bench/unet2d_torch.py; its result, or why there is none. */
export function runTorch(r: TorchRun): TorchResult | string {
  const script = path.join(__dirname, 'unet2d_torch.py');
  if (!fs.existsSync(script)) return `${script} not found`;
  const args = [script, '--device', r.device, '--steps', String(r.steps), '--warmup', String(r.warmup), '--batch', String(r.batch), '--size', String(r.size)];
  if (r.threads !== undefined) args.push('--threads', String(r.threads));
  if (r.profile) args.push('--profile');
  if (r.tf32) args.push('--tf32');
  const p = spawnSync(r.python, args, { encoding: 'utf8', timeout: 300_000 });
  if (p.error) return `could not run ${r.python}: ${p.error.message}`;
  if (p.status !== 0) return `PyTorch run failed (exit ${p.status}): ${(p.stderr || '').trim().split('\n').slice(-3).join(' | ')}`;
  const line = p.stdout.trim().split('\n').pop() || '';
  try {
    return JSON.parse(line) as TorchResult;
  } catch {
    return `PyTorch run printed no JSON result: ${line.slice(0, 200)}`;
  }
}
