/**
 * Where a training step's time goes, by kernel family: one step of a tfjs model profiled
 * kernel by kernel (tf.profile) in three parts — the forward pass alone (to count its kernels),
 * forward + backward (tf.variableGrads), and the optimizer update (applyGradients) — and each
 * kernel put in a family by its phase and name. PyTorch's side comes from torch.profiler in
 * bench/unet2d_torch.py (`--profile`) with the same families, so `npm run bench` can print the
 * two splits side by side and locate the gap.
 *
 * Families:
 * - conv forward: Conv2D / FusedConv2D / Conv2DBackpropInput (a transposed conv's forward) in the forward pass
 * - conv input gradient: Conv2DBackpropInput / Conv2D / FusedConv2D in the backward pass
 * - conv filter gradient: Conv2DBackpropFilter (tfjs computes the bias gradient of a fused conv apart, as a Sum)
 * - norm: PyTorch's normalisation ops; tfjs runs a norm layer as element-wise kernels that cannot
 *   be told apart by name, so they count as element-wise there (the bench network has no norm)
 * - element-wise & other: activations, pooling, concatenation, loss, their gradients, bias sums
 * - optimizer: everything applyGradients runs (Adam's moment updates and the variable writes)
 */
import * as tf from '@tensorflow/tfjs';

export const KERNEL_FAMILIES = ['conv forward', 'conv input gradient', 'conv filter gradient', 'norm', 'element-wise & other', 'optimizer'] as const;
export type KernelFamily = (typeof KERNEL_FAMILIES)[number];

export type StepPhase = 'forward' | 'backward' | 'optimizer';

const FORWARD_CONV = new Set(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D', 'Conv3D', 'Conv3DBackpropInputV2']);
const INPUT_GRAD = new Set(['Conv2DBackpropInput', 'Conv2D', 'FusedConv2D', 'DepthwiseConv2dNativeBackpropInput', 'Conv3DBackpropInputV2', 'Conv3D']);
const FILTER_GRAD = new Set(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'Conv3DBackpropFilterV2']);

/**
 * The family of one kernel by its phase and name.
 * @example classifyKernel('Conv2D', 'backward') // 'conv input gradient' (a transposed conv's input gradient)
 */
export function classifyKernel(name: string, phase: StepPhase): KernelFamily {
  if (phase === 'optimizer') return 'optimizer';
  if (phase === 'forward') return FORWARD_CONV.has(name) ? 'conv forward' : 'element-wise & other';
  if (FILTER_GRAD.has(name)) return 'conv filter gradient';
  if (INPUT_GRAD.has(name)) return 'conv input gradient';
  return 'element-wise & other';
}

/** Milliseconds per family of one profiled step, and what they came from. */
export interface StepProfile {
  families: Record<KernelFamily, number>;
  /** Kernels run in the step, by phase. */
  kernels: Record<StepPhase, number>;
  /** Sum of every kernel's time (ms): the step without the time between kernels. */
  kernelMs: number;
  /** Wall time of the profiled step (ms), profiling overhead included. */
  wallMs: number;
  /** The slowest kernels by total time: name, phase, calls, ms. */
  top: { name: string; phase: StepPhase; calls: number; ms: number }[];
}

/** A record with every family at 0. */
export function emptyFamilies(): Record<KernelFamily, number> {
  return Object.fromEntries(KERNEL_FAMILIES.map((f) => [f, 0])) as Record<KernelFamily, number>;
}

interface EngineProfileState {
  state: { activeProfile?: { kernels: unknown[] } };
}

/**
 * Profile one training step kernel by kernel: forward + backward under tf.variableGrads, then
 * the optimizer's applyGradients. The forward pass ends where `lossFn` returns (the profile's
 * kernel count at that moment: under a gradient tape tfjs runs other kernels than without one,
 * e.g. it does not fuse conv + bias + relu, so a forward pass profiled alone would not tell).
 * Timing runs with tfjs's per-output error check off (it reads every output back), and restores it.
 */
export async function profileTrainingStep(lossFn: () => tf.Scalar, vars: tf.Variable[], optimizer: tf.Optimizer): Promise<StepProfile> {
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const engine = tf.engine() as unknown as EngineProfileState;
  try {
    let forwardCount = -1;
    const t0 = performance.now();
    let grads: tf.NamedTensorMap = {};
    // tf.profile returns the engine's one profile object, which the next tf.profile refills: copy the kernels out
    const fbKernels = (await tf.profile(() => {
      const g = tf.variableGrads(() => {
        const loss = lossFn();
        forwardCount = engine.state.activeProfile?.kernels.length ?? -1;
        return loss;
      }, vars);
      g.value.dispose();
      grads = g.grads;
    })).kernels.slice();
    const optKernels = (await tf.profile(() => {
      optimizer.applyGradients(grads);
    })).kernels.slice();
    // the step ends when the updated variables are there
    await Promise.all(vars.map((v) => v.data()));
    const wallMs = performance.now() - t0;
    tf.dispose(Object.values(grads));
    if (forwardCount < 0) throw new Error('profileTrainingStep: could not read the profile at the end of the forward pass (tfjs engine internals changed?)');
    const families = emptyFamilies();
    const kernels: Record<StepPhase, number> = { forward: forwardCount, backward: fbKernels.length - forwardCount, optimizer: optKernels.length };
    const byKernel = new Map<string, { name: string; phase: StepPhase; calls: number; ms: number }>();
    let kernelMs = 0;
    const add = (name: string, ms: number, phase: StepPhase): void => {
      families[classifyKernel(name, phase)] += ms;
      kernelMs += ms;
      const key = `${phase}/${name}`;
      const e = byKernel.get(key) ?? { name, phase, calls: 0, ms: 0 };
      e.calls++;
      e.ms += ms;
      byKernel.set(key, e);
    };
    fbKernels.forEach((k, i) => add(k.name, Number(k.kernelTimeMs), i < forwardCount ? 'forward' : 'backward'));
    optKernels.forEach((k) => add(k.name, Number(k.kernelTimeMs), 'optimizer'));
    const top = [...byKernel.values()].sort((a, b) => b.ms - a.ms).slice(0, Number(process.env.BENCH_TOP ?? 8));
    return { families, kernels, kernelMs, wallMs, top };
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}

/** PyTorch's families as bench/unet2d_torch.py reports them (conv backward is one op there). */
export interface TorchFamilies {
  'conv forward': number;
  /** input + filter gradient: one op (ConvolutionBackward0) in PyTorch's CPU path */
  'conv backward': number;
  norm: number;
  'element-wise & other': number;
  optimizer: number;
}

/** Multiply-accumulates per conv family of one training step, for GFLOP/s columns. */
export interface ConvMacs {
  forward: number;
  inputGradient: number;
  filterGradient: number;
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined ? '—' : ms.toFixed(0);
}

function pct(ms: number, total: number): string {
  return total > 0 ? `${((100 * ms) / total).toFixed(0)}%` : '—';
}

/**
 * The family table `npm run bench` prints: tfjs ms and share, GFLOP/s of the conv families, and,
 * when given, PyTorch's ms, share and the tfjs/PyTorch ratio per family (conv gradients compared
 * as their sum, which is one op in PyTorch).
 */
export function familyTable(tfjs: StepProfile, label: string, macs: ConvMacs, torch?: { families: TorchFamilies; label: string }, hasNorm = false): string[] {
  const t = tfjs.families;
  const tTotal = tfjs.kernelMs;
  const pTotal = torch ? Object.values(torch.families).reduce((a, b) => a + b, 0) : 0;
  const gf = (macsN: number, ms: number): string => (ms > 0 ? `${((2 * macsN) / 1e9 / (ms / 1000)).toFixed(1)}` : '—');
  const rows: string[][] = [];
  // a row without a PyTorch number (the conv gradients apart) leaves PyTorch's columns empty
  const row = (name: string, ms: number, gflops: string, p?: number): void => {
    rows.push([name, fmtMs(ms), pct(ms, tTotal), gflops, ...(torch && p !== undefined ? [fmtMs(p), pct(p, pTotal), p > 0 ? `${(ms / p).toFixed(2)}x` : '—'] : [])]);
  };
  const convBack = t['conv input gradient'] + t['conv filter gradient'];
  row('conv forward', t['conv forward'], gf(macs.forward, t['conv forward']), torch?.families['conv forward']);
  row('conv backward (input + filter)', convBack, gf(macs.inputGradient + macs.filterGradient, convBack), torch?.families['conv backward']);
  row('  input gradient', t['conv input gradient'], gf(macs.inputGradient, t['conv input gradient']));
  row('  filter gradient', t['conv filter gradient'], gf(macs.filterGradient, t['conv filter gradient']));
  if (hasNorm || t.norm > 0 || (torch && torch.families.norm > 0)) row('norm (forward)', t.norm, '', torch?.families.norm);
  row('element-wise & other', t['element-wise & other'], '', torch?.families['element-wise & other']);
  row('optimizer', t.optimizer, '', torch?.families.optimizer);
  row('total (sum of kernels)', tTotal, gf(macs.forward + macs.inputGradient + macs.filterGradient, tTotal), torch ? pTotal : undefined);
  const header = ['family', `${label} ms`, '%', 'GFLOP/s', ...(torch ? [`${torch.label} ms`, '%', 'ratio'] : [])];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}
