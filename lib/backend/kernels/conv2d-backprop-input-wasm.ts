/**
 * Conv2DBackpropInput for wasm (speed, not correctness). The stock kernel is a plain loop
 * (~12x slower than the XNNPACK Conv2D for a 3x3 stride-1 layer), and it runs once per
 * conv layer per step; the common cases are rewritten onto the XNNPACK Conv2D / MatMul.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, disposeIntermediate, KernelBackend, KernelFix, makeFloatOutput, NamedAttrMap, readValues, TensorInfo, wrapStock } from './shared';

const name = 'wasm';

interface AxisPhase {
  /** Taps of the filter this phase uses, already in flipped (correlation) order. */
  taps: number[];
  /** dy window: slice [start, start+len) then pad (before, after). */
  start: number;
  len: number;
  padBefore: number;
  padAfter: number;
}

/**
 * Sub-pixel decomposition of one axis of a strided conv's input gradient: input rows
 * y = s*q + r (phase r) receive dy[o] W[i] exactly when i = i0 + s*t (i0 = (r+before) mod s)
 * and o = q + d - t, d = (r + before - i0)/s, so each phase is a stride-1 correlation of a
 * dy window with the flipped sub-filter. Returns null when a phase has no taps or no dy.
 */
function axisPhases(inSize: number, outSize: number, k: number, s: number, before: number): { q: number; phases: AxisPhase[] } | null {
  const q = Math.ceil(inSize / s);
  const phases: AxisPhase[] = [];
  for (let r = 0; r < s; r++) {
    const i0 = (r + before) % s;
    const count = i0 < k ? Math.ceil((k - i0) / s) : 0;
    if (count === 0) return null;
    const d = (r + before - i0) / s;
    const lo = d - (count - 1);
    const hi = q - 1 + d;
    const start = Math.max(lo, 0);
    const end = Math.min(hi, outSize - 1);
    if (end < start) return null;
    const taps: number[] = [];
    for (let t = 0; t < count; t++) taps.push(i0 + s * (count - 1 - t));
    phases.push({ taps, start, len: end - start + 1, padBefore: Math.max(-lo, 0), padAfter: Math.max(hi - (outSize - 1), 0) });
  }
  return { q, phases };
}

/** One input-gradient problem: what every fast path reads, and where it parks intermediates. */
interface InputGrad {
  backend: KernelBackend;
  dy: TensorInfo;
  filter: TensorInfo;
  info: tf.backend_util.Conv2DInfo;
  inputShape: [number, number, number, number];
  /** Intermediates the caller frees when the kernel returns. */
  temps: TensorInfo[];
}

/**
 * Stride 1: the input gradient is a forward Conv2D of dy with the filter rotated by 180°
 * and its channel axes swapped, padded by (k-1-before, in+k-1-out-(k-1-before)).
 * Null when that padding would be negative.
 */
function strideOneInputGrad({ backend, dy, filter, info, inputShape, temps }: InputGrad): TensorInfo | null {
  const [, h, w] = inputShape;
  const [fh, fw] = filter.shape;
  const { top, left } = info.padInfo;
  const pt = fh - 1 - top;
  const pb = h + fh - 1 - info.outHeight - pt;
  const pl = fw - 1 - left;
  const pr = w + fw - 1 - info.outWidth - pl;
  if (!(pt >= 0 && pb >= 0 && pl >= 0 && pr >= 0)) return null;
  const rev = callKernel('Reverse', name, backend, { x: filter }, { dims: [0, 1] });
  temps.push(rev);
  const wT = callKernel('Transpose', name, backend, { x: rev }, { perm: [0, 1, 3, 2] }); // [fh,fw,Cout,Cin]
  temps.push(wT);
  return callKernel('Conv2D', name, backend, { x: dy, filter: wT }, {
    strides: [1, 1],
    pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]] as unknown as NamedAttrMap[string],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
}

/**
 * Kernel == stride with no padding (U-Net 2x2/2 transposed conv forward):
 * dx[oy*s+i, ox*s+j, c] = sum_o dy[oy, ox, o] W[i, j, c, o]: one plain MatMul of dy
 * [M, Cout] with W^T [Cout, s*s*Cin] (wasm's transposed MatMul is ~10x slower, so the
 * small filter is transposed instead), then the blocks are put in place by a rank-4
 * transpose [N*OH, OW, s, s*Cin] -> [N*OH, s, OW, s*Cin] (DepthToSpace is slower).
 */
function kernelIsStrideInputGrad({ backend, dy, filter, info, inputShape, temps }: InputGrad, s: number): TensorInfo {
  const [n, h, w, cin] = inputShape;
  const [fh, fw, , cout] = filter.shape;
  const m = n * info.outHeight * info.outWidth;
  const k = fh * fw * cin;
  const dy3 = callKernel('Reshape', name, backend, { x: dy }, { shape: [1, m, cout] });
  temps.push(dy3);
  const w2 = callKernel('Reshape', name, backend, { x: filter }, { shape: [k, cout] });
  temps.push(w2);
  const wT = callKernel('Transpose', name, backend, { x: w2 }, { perm: [1, 0] });
  temps.push(wT);
  const wT3 = callKernel('Reshape', name, backend, { x: wT }, { shape: [1, cout, k] });
  temps.push(wT3);
  const prod = callKernel('BatchMatMul', name, backend, { a: dy3, b: wT3 }, { transposeA: false, transposeB: false }); // [1, M, s*s*Cin]
  temps.push(prod);
  const blocks = callKernel('Reshape', name, backend, { x: prod }, { shape: [n * info.outHeight, info.outWidth, s, s * cin] });
  temps.push(blocks);
  const placed = callKernel('Transpose', name, backend, { x: blocks }, { perm: [0, 2, 1, 3] });
  temps.push(placed);
  return callKernel('Reshape', name, backend, { x: placed }, { shape: [n, h, w, cin] });
}

/** The flipped sub-filter of phase (a, b) with channel axes swapped: [Ta, Tb, Cout, Cin]. */
function subFilter(wv: Float32Array, a: AxisPhase, b: AxisPhase, fw: number, cin: number, cout: number): Float32Array {
  const sub = new Float32Array(a.taps.length * b.taps.length * cout * cin);
  let z = 0;
  for (const i of a.taps) {
    for (const j of b.taps) {
      const base = (i * fw + j) * cin * cout;
      for (let o = 0; o < cout; o++) for (let c = 0; c < cin; c++) sub[z++] = wv[base + c * cout + o];
    }
  }
  return sub;
}

/**
 * Other strides (equal in both axes): s*s phases ("sub-pixel" decomposition), each a
 * stride-1 Conv2D of a dy window with a flipped sub-filter, interleaved by one transpose.
 * Null when some phase gets no taps or no dy (e.g. 1x1 kernels with stride 2).
 */
function subPixelInputGrad({ backend, dy, filter, info, inputShape, temps }: InputGrad, s: number): TensorInfo | null {
  const [n, h, w, cin] = inputShape;
  const [fh, fw, , cout] = filter.shape;
  const ph = axisPhases(h, info.outHeight, fh, s, info.padInfo.top);
  const pw = axisPhases(w, info.outWidth, fw, s, info.padInfo.left);
  if (!ph || !pw) return null;
  const wv = readValues(backend, filter); // [fh, fw, Cin, Cout], small
  const parts: TensorInfo[] = [];
  for (const a of ph.phases) {
    for (const b of pw.phases) {
      const subT = makeFloatOutput(backend, [a.taps.length, b.taps.length, cout, cin], subFilter(wv, a, b, fw, cin, cout));
      temps.push(subT);
      let win = dy;
      if (a.start !== 0 || b.start !== 0 || a.len !== info.outHeight || b.len !== info.outWidth) {
        win = callKernel('Slice', name, backend, { x: dy }, { begin: [0, a.start, b.start, 0], size: [n, a.len, b.len, cout] });
        temps.push(win);
      }
      const part = callKernel('Conv2D', name, backend, { x: win, filter: subT }, {
        strides: [1, 1],
        pad: [[0, 0], [a.padBefore, a.padAfter], [b.padBefore, b.padAfter], [0, 0]] as unknown as NamedAttrMap[string],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      }); // [N, Qh, Qw, Cin]
      temps.push(part);
      parts.push(part);
    }
  }
  // channel index (ry*s + rx)*Cin + c -> rows qy*s + ry, columns qx*s + rx
  const cat = callKernel('Concat', name, backend, parts as unknown as Record<string, TensorInfo>, { axis: 3 });
  temps.push(cat);
  const blocks = callKernel('Reshape', name, backend, { x: cat }, { shape: [n * ph.q, pw.q, s, s * cin] });
  temps.push(blocks);
  const placed = callKernel('Transpose', name, backend, { x: blocks }, { perm: [0, 2, 1, 3] });
  temps.push(placed);
  if (ph.q * s === h && pw.q * s === w) return callKernel('Reshape', name, backend, { x: placed }, { shape: [n, h, w, cin] });
  const full = callKernel('Reshape', name, backend, { x: placed }, { shape: [n, ph.q * s, pw.q * s, cin] });
  temps.push(full);
  return callKernel('Slice', name, backend, { x: full }, { begin: [0, 0, 0, 0], size: [n, h, w, cin] });
}

/**
 * Conv2DBackpropInput for wasm: stride 1, kernel == stride and equal strides > 1 run on
 * the fast paths above; anything else (NCHW, unequal strides, phases without taps) on
 * the stock kernel.
 */
function makeConv2DBackpropInputWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as KernelBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as {
      strides: number | [number, number];
      pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
      dataFormat?: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') return stock(args);
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode);
    const [, h, w] = a.inputShape;
    const [fh, fw] = filter.shape;
    const { top, bottom, left, right } = info.padInfo;
    const p: InputGrad = { backend, dy, filter, info, inputShape: a.inputShape, temps: [] };
    try {
      if (info.strideHeight === 1 && info.strideWidth === 1) {
        const out = strideOneInputGrad(p);
        if (out) return out;
      }
      const s = info.strideHeight;
      if (fh === s && fw === s && info.strideWidth === s && top === 0 && bottom === 0 && left === 0 && right === 0 && h === info.outHeight * s && w === info.outWidth * s) {
        return kernelIsStrideInputGrad(p, s);
      }
      if (info.strideWidth === s && s > 1) {
        const out = subPixelInputGrad(p, s);
        if (out) return out;
      }
      return stock(args);
    } finally {
      for (const t of p.temps) disposeIntermediate(backend, t);
    }
  };
}

export const conv2dBackpropInputWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'Conv2DBackpropInput',
  speedOnly: true,
  reason: 'stock kernel is a plain loop ~12x slower than Conv2D; stride 1 and kernel==stride run on XNNPACK Conv2D / MatMul',
  requires: 'Conv2DBackpropInput',
  build: (stock) => wrapStock(stock, makeConv2DBackpropInputWasm),
};
