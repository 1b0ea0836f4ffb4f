/**
 * What the kernel fixes in this folder share: calling a backend's own kernels from
 * inside a kernel, disposing their intermediates, reading and making float32 tensors on
 * cpu and wasm, the record that describes one fix, and the max-pool window argmax that
 * the three max-pool fixes route values and gradients through.
 */
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;
export type KernelBackend = tf.KernelBackend;
export type NamedAttrMap = tf.NamedAttrMap;

/** The arguments tfjs passes to a kernel function, with the backend typed. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}

/**
 * One kernel fix: the kernel it replaces on one backend, why (the text the backend report
 * and every run's metadata record), and how to build it.
 */
export interface KernelFix {
  backend: 'cpu' | 'wasm';
  kernel: string;
  reason: string;
  /**
   * A fix for speed alone (the stock kernel is right, only slow): `BACKSPLIT_STOCK_KERNELS` can
   * leave it out to measure what it gains (bench/study-step.ts). Fixes of wrong or missing kernels
   * cannot be left out.
   */
  speedOnly?: boolean;
  /** Install only when `backend` has this kernel (that is, when it is loaded); omitted: always. */
  requires?: string;
  /** The replacement, given the backend's own kernel of that name (undefined where it has none). */
  build(stock: tf.KernelConfig | undefined): Pick<tf.KernelConfig, 'kernelFunc' | 'setupFunc'>;
}

/** A fix that wraps the stock kernel `stock` (falling back to it) keeps its setupFunc. */
export function wrapStock(stock: tf.KernelConfig | undefined, wrap: (f: tf.KernelFunc) => tf.KernelFunc): Pick<tf.KernelConfig, 'kernelFunc' | 'setupFunc'> {
  if (!stock) throw new Error('kernel fix: no stock kernel to wrap');
  return { kernelFunc: wrap(stock.kernelFunc), setupFunc: stock.setupFunc };
}

/** Free a kernel-internal tensor (wasm's disposeIntermediateTensorInfo, else disposeData). */
export function disposeIntermediate(backend: KernelBackend, t: TensorInfo): void {
  const b = backend as KernelBackend & { disposeIntermediateTensorInfo?: (t: TensorInfo) => void };
  if (typeof b.disposeIntermediateTensorInfo === 'function') b.disposeIntermediateTensorInfo(t);
  else backend.disposeData(t.dataId);
}

/**
 * Run `f` with `temp`, which marks a kernel-internal tensor (and returns it); every marked tensor
 * is freed when `f` returns or throws. The result of `f` must not be marked.
 */
export function withIntermediates<T>(backend: KernelBackend, f: (temp: (t: TensorInfo) => TensorInfo) => T): T {
  const temps: TensorInfo[] = [];
  try {
    return f((t) => {
      temps.push(t);
      return t;
    });
  } finally {
    for (const t of temps) disposeIntermediate(backend, t);
  }
}

/** Run the kernel `name` registered on `backendName` now (a fix may build on other fixes). */
export function callKernel(name: string, backendName: string, backend: KernelBackend, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`kernel fix (${backendName}): backend has no '${name}' kernel to build on`);
  const out = k.kernelFunc({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

/** The float32 values of `t` (throws for any other dtype). */
export function readValues(backend: KernelBackend, t: TensorInfo): Float32Array {
  const v = backend.readSync(t.dataId);
  if (!(v instanceof Float32Array)) throw new Error(`kernel fix: expected float32 data, got ${t.dtype}`);
  return v;
}

/** Make a float32 output on cpu (makeTensorInfo) or wasm (makeOutput with values). */
export function makeFloatOutput(backend: KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  const b = backend as KernelBackend & {
    makeOutput?: (shape: number[], dtype: string, offset: undefined, values: Float32Array) => TensorInfo;
    makeTensorInfo?: (shape: number[], dtype: string, values: Float32Array) => TensorInfo;
  };
  // cpu has makeTensorInfo(shape, dtype, values); wasm has only makeOutput(shape, dtype, offset, values)
  // (cpu's makeOutput takes other arguments, so the order of these checks matters).
  if (typeof b.makeTensorInfo === 'function') return b.makeTensorInfo(shape, 'float32', values);
  if (typeof b.makeOutput === 'function') return b.makeOutput(shape, 'float32', undefined, values);
  throw new Error('kernel fix: backend can make no output tensor');
}

/**
 * For every output element of a channels-last max pool (rank 4 or 5), the flat input
 * index of its window's maximum (first one in window order on ties, like tfjs cpu).
 * Padded positions never win (TF 'same' pooling ignores padding).
 */
export function maxPoolArgmax(
  x: Float32Array,
  inShape: number[],
  outSpatial: number[],
  filter: number[],
  strides: number[],
  before: number[],
): Int32Array {
  const rank = inShape.length - 2;
  const batch = inShape[0];
  const ch = inShape[rank + 1];
  const inSpatial = inShape.slice(1, rank + 1);
  const inPer = inSpatial.reduce((a, b) => a * b, 1);
  const outPer = outSpatial.reduce((a, b) => a * b, 1);
  const fTotal = filter.reduce((a, b) => a * b, 1);
  const arg = new Int32Array(batch * outPer * ch);
  const o = new Array(rank).fill(0);
  const k = new Array(rank).fill(0);
  const offsets = new Int32Array(fTotal);
  for (let p = 0; p < outPer; p++) {
    let rem = p;
    for (let a = rank - 1; a >= 0; a--) {
      o[a] = rem % outSpatial[a];
      rem = Math.floor(rem / outSpatial[a]);
    }
    let count = 0;
    for (let f = 0; f < fTotal; f++) {
      let r = f;
      for (let a = rank - 1; a >= 0; a--) {
        k[a] = r % filter[a];
        r = Math.floor(r / filter[a]);
      }
      let off = 0;
      let inside = true;
      for (let a = 0; a < rank; a++) {
        const q = o[a] * strides[a] + k[a] - before[a];
        if (q < 0 || q >= inSpatial[a]) {
          inside = false;
          break;
        }
        off = off * inSpatial[a] + q;
      }
      if (inside) offsets[count++] = off;
    }
    for (let b = 0; b < batch; b++) {
      const outBase = (b * outPer + p) * ch;
      const inBatch = b * inPer;
      for (let c = 0; c < ch; c++) {
        let best = -1;
        let bestVal = -Infinity;
        for (let i = 0; i < count; i++) {
          const idx = (inBatch + offsets[i]) * ch + c;
          const v = x[idx];
          if (v > bestVal || best < 0) {
            bestVal = v;
            best = idx;
          }
        }
        arg[outBase + c] = best;
      }
    }
  }
  return arg;
}

/** Spatial geometry of a max pool, axis by axis. */
export interface PoolGeometry {
  outSpatial: number[];
  filter: number[];
  strides: number[];
  before: number[];
  /** Whether any side is padded. */
  padded: boolean;
}

/** Window geometry of a channels-last 3D max pool from its attributes. */
export function pool3dGeometry(shape: number[], attrs: NamedAttrMap): PoolGeometry {
  const a = attrs as unknown as {
    filterSize: number | [number, number, number];
    strides: number | [number, number, number];
    pad: 'same' | 'valid' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool3DInfo(shape as [number, number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  return {
    outSpatial: [info.outDepth, info.outHeight, info.outWidth],
    filter: [info.effectiveFilterDepth, info.effectiveFilterHeight, info.effectiveFilterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    before: [info.padInfo.front, info.padInfo.top, info.padInfo.left],
    padded: info.padInfo.front + info.padInfo.back + info.padInfo.top + info.padInfo.bottom + info.padInfo.left + info.padInfo.right > 0,
  };
}

/** The max-pool gradient: each dy value added to the input its window's argmax picked. */
export function scatterGrad(arg: Int32Array, dy: Float32Array, size: number): Float32Array {
  const dx = new Float32Array(size);
  for (let i = 0; i < arg.length; i++) dx[arg[i]] += dy[i];
  return dx;
}
