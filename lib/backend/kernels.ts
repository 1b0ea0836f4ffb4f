/**
 * Kernel fixes for tfjs 4.22 so that the cpu and wasm backends can train the project's
 * networks:
 *
 * - `Conv2DBackpropFilter` is missing on wasm (tensorflow/tfjs#8474) and ~40x slower
 *   than Conv2D on cpu. Both get a kernel that computes the filter gradient as one
 *   *forward* Conv2D: the input transposed to [Cin,H,W,N] convolved with the output
 *   gradient transposed to [OH,OW,N,Cout] as the filter, dilation = stride, using the
 *   forward pass's own (possibly asymmetric) padding, then cropped to the filter size and
 *   transposed back. The heavy lifting is the backend's optimised Conv2D (XNNPACK on wasm).
 * - cpu `ResizeNearestNeighborGrad` uses the input's batch stride for `dy` (wrong for
 *   batch > 1) and ignores `halfPixelCenters`; wasm's also ignores `halfPixelCenters`.
 *   Both are replaced by a scatter that mirrors the forward kernel's index mapping.
 * - wasm `Conv2DBackpropInput` is a plain loop; the common cases are rewritten onto the
 *   XNNPACK Conv2D / MatMul (speed, not correctness).
 * - wasm `Slice` is ~400x slower on rank >= 5; such slices are run on merged-axis views.
 * - wasm `MaxPoolGrad` routes gradients wrongly, wasm `MaxPool3D` is wrong with
 *   asymmetric 'same' padding, `ResizeBilinearGrad` is wrongly shaped on cpu when
 *   H != W and ignores halfPixelCenters on wasm: replaced by JS kernels.
 *
 * `registerBackendKernels()` is idempotent and is called by `initBackend()`.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type KernelBackend = tf.KernelBackend;
type NamedAttrMap = tf.NamedAttrMap;

/** Backends whose Conv2DBackpropFilter this module replaces or supplies. */
export const FILTER_GRAD_BACKENDS = ['wasm', 'cpu'] as const;

/** What registerBackendKernels() installed, for the backend report. */
export interface KernelPatchInfo {
  backend: string;
  kernel: string;
  reason: string;
}

const installed: KernelPatchInfo[] = [];
let registered = false;

function disposeIntermediate(backend: KernelBackend, t: TensorInfo): void {
  const b = backend as KernelBackend & { disposeIntermediateTensorInfo?: (t: TensorInfo) => void };
  if (typeof b.disposeIntermediateTensorInfo === 'function') b.disposeIntermediateTensorInfo(t);
  else backend.disposeData(t.dataId);
}

function callKernel(name: string, backendName: string, backend: KernelBackend, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`kernel fix (${backendName}): backend has no '${name}' kernel to build on`);
  const out = k.kernelFunc({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

function asPair(v: unknown, what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  throw new Error(`Conv2DBackpropFilter: ${what} must be a number or a pair, got ${JSON.stringify(v)}`);
}

/**
 * The filter gradient of a channels-last conv2d as a forward Conv2D on `backendName`.
 * Exported for tests; ordinary code reaches it through tf.grad of tf.conv2d.
 */
export function makeConv2DBackpropFilter(backendName: string): tf.KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as {
      strides: number | [number, number];
      pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
      dataFormat?: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
    };
    if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') {
      throw new Error(`Conv2DBackpropFilter (${backendName}): only NHWC is supported, got dataFormat '${a.dataFormat}'`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      a.filterShape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const [strideH, strideW] = asPair(a.strides, 'strides');
    const { top, bottom, left, right } = info.padInfo;
    const [fh, fw, cin, cout] = a.filterShape;
    const temps: TensorInfo[] = [];
    try {
      const xT = callKernel('Transpose', backendName, backend, { x }, { perm: [3, 1, 2, 0] }); // [Cin,H,W,N]
      temps.push(xT);
      const dyT = callKernel('Transpose', backendName, backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [OH,OW,N,Cout]
      temps.push(dyT);
      const g = callKernel('Conv2D', backendName, backend, { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as NamedAttrMap[string],
        dataFormat: 'NHWC',
        dilations: [strideH, strideW],
      }); // [Cin, fh', fw', Cout] with fh' >= fh (extra rows come from 'valid' remainders)
      temps.push(g);
      let cropped = g;
      if (g.shape[1] !== fh || g.shape[2] !== fw) {
        if (g.shape[1] < fh || g.shape[2] < fw) {
          throw new Error(`Conv2DBackpropFilter (${backendName}): internal shape [${g.shape}] smaller than filter [${a.filterShape}]`);
        }
        cropped = callKernel('Slice', backendName, backend, { x: g }, { begin: [0, 0, 0, 0], size: [cin, fh, fw, cout] });
        temps.push(cropped);
      }
      return callKernel('Transpose', backendName, backend, { x: cropped }, { perm: [1, 2, 0, 3] });
    } finally {
      for (const t of temps) disposeIntermediate(backend, t);
    }
  };
}

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

/**
 * Conv2DBackpropInput for wasm. The stock kernel is a plain loop (~12x slower than the
 * XNNPACK Conv2D for a 3x3 stride-1 layer), and it runs once per conv layer per step.
 * - stride 1: the input gradient is a forward Conv2D of dy with the filter rotated by 180°
 *   and its channel axes swapped, padded by (k-1-before, in+k-1-out-(k-1-before));
 * - kernel == stride with no padding (U-Net 2x2/2 transposed conv forward): a MatMul of
 *   dy with the transposed filter, blocks put in place by one rank-4 transpose;
 * - other strides (equal in both axes): s*s phases ("sub-pixel" decomposition), each a
 *   stride-1 Conv2D of a dy window with a flipped sub-filter, interleaved by one transpose;
 * - anything else (e.g. 1x1 kernels with stride 2, where some phases get no taps): the
 *   stock kernel.
 */
export function makeConv2DBackpropInputWasm(stock: tf.KernelFunc): tf.KernelFunc {
  const name = 'wasm';
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
    const [n, h, w, cin] = a.inputShape;
    const [fh, fw, , cout] = filter.shape;
    const { top, bottom, left, right } = info.padInfo;
    const temps: TensorInfo[] = [];
    try {
      if (info.strideHeight === 1 && info.strideWidth === 1) {
        const pt = fh - 1 - top;
        const pb = h + fh - 1 - info.outHeight - pt;
        const pl = fw - 1 - left;
        const pr = w + fw - 1 - info.outWidth - pl;
        if (pt >= 0 && pb >= 0 && pl >= 0 && pr >= 0) {
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
      }
      const s = info.strideHeight;
      if (fh === s && fw === s && info.strideWidth === s && top === 0 && bottom === 0 && left === 0 && right === 0 && h === info.outHeight * s && w === info.outWidth * s) {
        // dx[oy*s+i, ox*s+j, c] = sum_o dy[oy, ox, o] W[i, j, c, o]: one plain MatMul of dy
        // [M, Cout] with W^T [Cout, s*s*Cin] (wasm's transposed MatMul is ~10x slower, so the
        // small filter is transposed instead), then the blocks are put in place by a rank-4
        // transpose [N*OH, OW, s, s*Cin] -> [N*OH, s, OW, s*Cin] (DepthToSpace is slower).
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
      if (info.strideWidth === s && s > 1) {
        const ph = axisPhases(h, info.outHeight, fh, s, top);
        const pw = axisPhases(w, info.outWidth, fw, s, left);
        if (ph && pw) {
          const wv = readValues(backend, filter); // [fh, fw, Cin, Cout], small
          const parts: TensorInfo[] = [];
          for (const a of ph.phases) {
            for (const b of pw.phases) {
              // flipped sub-filter with channel axes swapped: [Ta, Tb, Cout, Cin]
              const sub = new Float32Array(a.taps.length * b.taps.length * cout * cin);
              let z = 0;
              for (const i of a.taps) {
                for (const j of b.taps) {
                  const base = (i * fw + j) * cin * cout;
                  for (let o = 0; o < cout; o++) for (let c = 0; c < cin; c++) sub[z++] = wv[base + c * cout + o];
                }
              }
              const subT = makeFloatOutput(backend, [a.taps.length, b.taps.length, cout, cin], sub);
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
      }
      return stock(args);
    } finally {
      for (const t of temps) disposeIntermediate(backend, t);
    }
  };
}

/**
 * ResizeNearestNeighborGrad as a scatter-add of dy through exactly the forward kernel's
 * source-index mapping (alignCorners, halfPixelCenters, any batch). Used on cpu (stock
 * kernel wrong for batch > 1 and for halfPixelCenters) and wasm (stock kernel ignores
 * halfPixelCenters). Plain JS: upsampling in the networks should use upsampleNearest2d.
 */
export function resizeNearestNeighborGradJs({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: KernelBackend; attrs?: NamedAttrMap }): TensorInfo {
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const alignCorners = Boolean(attrs && attrs.alignCorners);
  const halfPixelCenters = Boolean(attrs && attrs.halfPixelCenters);
  const [batch, inH, inW, depth] = images.shape;
  const [dyBatch, outH, outW, dyDepth] = dy.shape;
  if (dyBatch !== batch || dyDepth !== depth) {
    throw new Error(`ResizeNearestNeighborGrad: dy shape [${dy.shape}] does not match images [${images.shape}]`);
  }
  const dyValues = backend.readSync(dy.dataId) as Float32Array;
  const out = new Float32Array(batch * inH * inW * depth);
  const source = (outSize: number, inSize: number): Int32Array => {
    const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
    const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
    const ratio = effIn / effOut;
    const map = new Int32Array(outSize);
    for (let o = 0; o < outSize; o++) {
      const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
      let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
      if (halfPixelCenters) s = Math.max(0, s);
      map[o] = s;
    }
    return map;
  };
  const rows = source(outH, inH);
  const cols = source(outW, inW);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rows[r]) * inW;
      for (let c = 0; c < outW; c++) {
        const base = (rowBase + cols[c]) * depth;
        for (let d = 0; d < depth; d++) out[base + d] += dyValues[k++];
      }
    }
  }
  const b = backend as KernelBackend & {
    makeOutput?: (shape: number[], dtype: string, offset: undefined, values: Float32Array) => TensorInfo;
    makeTensorInfo?: (shape: number[], dtype: string, values: Float32Array) => TensorInfo;
  };
  // cpu has makeTensorInfo(shape, dtype, values); wasm has only makeOutput(shape, dtype, offset, values)
  // (cpu's makeOutput takes other arguments, so the order of these checks matters).
  if (typeof b.makeTensorInfo === 'function') return b.makeTensorInfo(images.shape, 'float32', out);
  if (typeof b.makeOutput === 'function') return b.makeOutput(images.shape, 'float32', undefined, out);
  throw new Error('ResizeNearestNeighborGrad: backend can make no output tensor');
}

function readValues(backend: KernelBackend, t: TensorInfo): Float32Array {
  const v = backend.readSync(t.dataId);
  if (!(v instanceof Float32Array)) throw new Error(`kernel fix: expected float32 data, got ${t.dtype}`);
  return v;
}

/** Make a float32 output on cpu (makeTensorInfo) or wasm (makeOutput with values). */
function makeFloatOutput(backend: KernelBackend, shape: number[], values: Float32Array): TensorInfo {
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
function maxPoolArgmax(
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

interface PoolGeometry {
  outSpatial: number[];
  filter: number[];
  strides: number[];
  before: number[];
  /** Whether any side is padded. */
  padded: boolean;
}

function pool2dGeometry(shape: number[], attrs: NamedAttrMap): PoolGeometry {
  const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'same' | 'valid' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  return {
    outSpatial: [info.outHeight, info.outWidth],
    filter: [info.effectiveFilterHeight, info.effectiveFilterWidth],
    strides: [info.strideHeight, info.strideWidth],
    before: [info.padInfo.top, info.padInfo.left],
    padded: info.padInfo.top + info.padInfo.bottom + info.padInfo.left + info.padInfo.right > 0,
  };
}

function pool3dGeometry(shape: number[], attrs: NamedAttrMap): PoolGeometry {
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

function scatterGrad(arg: Int32Array, dy: Float32Array, size: number): Float32Array {
  const dx = new Float32Array(size);
  for (let i = 0; i < arg.length; i++) dx[arg[i]] += dy[i];
  return dx;
}

/** MaxPoolGrad (2D) in JS: wasm's stock kernel routes gradients wrongly (even 2x2/2 'valid'). */
export function maxPoolGradJs({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: KernelBackend; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const g = pool2dGeometry(input.shape, attrs || {});
  const xv = readValues(backend, input);
  const dyv = readValues(backend, dy);
  const [kh, kw] = g.filter;
  if (kh === 2 && kw === 2 && g.strides[0] === 2 && g.strides[1] === 2 && g.before[0] === 0 && g.before[1] === 0) {
    return makeFloatOutput(backend, input.shape, maxPool2x2Grad(xv, dyv, input.shape, g.outSpatial));
  }
  const arg = maxPoolArgmax(xv, input.shape, g.outSpatial, g.filter, g.strides, g.before);
  return makeFloatOutput(backend, input.shape, scatterGrad(arg, dyv, tf.util.sizeFromShape(input.shape)));
}

/** The U-Net's 2x2 stride-2 unpadded pool, unrolled (windows are disjoint; edge windows may be cut). */
function maxPool2x2Grad(x: Float32Array, dy: Float32Array, shape: number[], out: number[]): Float32Array {
  const [batch, h, w, ch] = shape;
  const [oh, ow] = out;
  const dx = new Float32Array(x.length);
  const row = w * ch;
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = 2 * oy;
      const hasY1 = y0 + 1 < h;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = 2 * ox;
        const hasX1 = x0 + 1 < w;
        const base = ((b * h + y0) * w + x0) * ch;
        for (let c = 0; c < ch; c++, k++) {
          // window order (0,0), (0,1), (1,0), (1,1); first maximum wins, as in tfjs cpu
          let best = base + c;
          let v = x[best];
          if (hasX1 && x[base + ch + c] > v) {
            best = base + ch + c;
            v = x[best];
          }
          if (hasY1) {
            if (x[base + row + c] > v) {
              best = base + row + c;
              v = x[best];
            }
            if (hasX1 && x[base + row + ch + c] > v) best = base + row + ch + c;
          }
          dx[best] += dy[k];
        }
      }
    }
  }
  return dx;
}

/** MaxPool3DGrad in JS (wasm's stock kernel is tied to its wrong padded forward). */
export function maxPool3dGradJs({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: KernelBackend; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const g = pool3dGeometry(input.shape, attrs || {});
  const arg = maxPoolArgmax(readValues(backend, input), input.shape, g.outSpatial, g.filter, g.strides, g.before);
  return makeFloatOutput(backend, input.shape, scatterGrad(arg, readValues(backend, dy), tf.util.sizeFromShape(input.shape)));
}

/**
 * MaxPool3D for wasm: the stock kernel is right without padding and wrong with
 * (asymmetric) 'same' padding; padded cases run in JS, the rest on the stock kernel.
 */
export function makeMaxPool3dWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const backend = args.backend as KernelBackend;
    const g = pool3dGeometry(x.shape, args.attrs || {});
    if (!g.padded) return stock(args);
    const xv = readValues(backend, x);
    const arg = maxPoolArgmax(xv, x.shape, g.outSpatial, g.filter, g.strides, g.before);
    const out = new Float32Array(arg.length);
    for (let i = 0; i < arg.length; i++) out[i] = xv[arg[i]];
    return makeFloatOutput(backend, [x.shape[0], ...g.outSpatial, x.shape[4]], out);
  };
}

/**
 * ResizeBilinearGrad in JS, the exact adjoint of tfjs's bilinear forward (same source
 * rows/columns and fractions, alignCorners and halfPixelCenters). cpu's stock kernel
 * returns a gradient of the wrong shape when height != width; wasm's ignores
 * halfPixelCenters.
 */
export function resizeBilinearGradJs({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: KernelBackend; attrs?: NamedAttrMap }): TensorInfo {
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const alignCorners = Boolean(attrs && attrs.alignCorners);
  const halfPixelCenters = Boolean(attrs && attrs.halfPixelCenters);
  const [batch, inH, inW, depth] = images.shape;
  const [, outH, outW] = dy.shape;
  const dyv = readValues(backend, dy);
  const dx = new Float32Array(batch * inH * inW * depth);
  const axis = (outSize: number, inSize: number) => {
    const ratio = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
    const lo = new Int32Array(outSize);
    const hi = new Int32Array(outSize);
    const frac = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) {
      const src = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
      lo[o] = Math.max(0, Math.floor(src));
      hi[o] = Math.min(inSize - 1, Math.ceil(src));
      frac[o] = src - lo[o];
    }
    return { lo, hi, frac };
  };
  const R = axis(outH, inH);
  const C = axis(outW, inW);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const fr = R.frac[r];
      const top = (b * inH + R.lo[r]) * inW;
      const bot = (b * inH + R.hi[r]) * inW;
      for (let c = 0; c < outW; c++) {
        const fc = C.frac[c];
        const tl = (top + C.lo[c]) * depth;
        const tr = (top + C.hi[c]) * depth;
        const bl = (bot + C.lo[c]) * depth;
        const br = (bot + C.hi[c]) * depth;
        for (let d = 0; d < depth; d++) {
          const g = dyv[k++];
          // forward: top = tl + (tr - tl) fc; bottom likewise; value = top + (bottom - top) fr
          const gTop = g * (1 - fr);
          const gBot = g * fr;
          dx[tl + d] += gTop * (1 - fc);
          dx[tr + d] += gTop * fc;
          dx[bl + d] += gBot * (1 - fc);
          dx[br + d] += gBot * fc;
        }
      }
    }
  }
  return makeFloatOutput(backend, images.shape, dx);
}

/**
 * Slice for wasm: the stock kernel takes a generic path for rank >= 5 that is ~400x
 * slower than a rank-3 slice (7.3 s vs 19 ms for a depth crop of 2x32x64x64x16). Axes
 * taken whole are merged into their outer neighbour (a free reshape), so typical crops
 * run as rank <= 4 slices; anything that cannot be reduced goes to the stock kernel.
 */
export function makeSliceWasm(stock: tf.KernelFunc): tf.KernelFunc {
  const name = 'wasm';
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.shape.length < 5) return stock(args);
    const backend = args.backend as KernelBackend;
    const a = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, a.begin, a.size);
    // merge from the innermost axis outwards while the inner group is taken whole
    const shape: number[] = [];
    const b: number[] = [];
    const sz: number[] = [];
    for (let i = x.shape.length - 1; i >= 0; i--) {
      const groupFull = shape.length > 0 && b[0] === 0 && sz[0] === shape[0];
      if (groupFull) {
        shape[0] *= x.shape[i];
        b[0] = begin[i] * (shape[0] / x.shape[i]);
        sz[0] = size[i] * (shape[0] / x.shape[i]);
      } else {
        shape.unshift(x.shape[i]);
        b.unshift(begin[i]);
        sz.unshift(size[i]);
      }
    }
    if (shape.length >= 5) return stock(args);
    const temps: TensorInfo[] = [];
    try {
      const view = callKernel('Reshape', name, backend, { x }, { shape });
      temps.push(view);
      const cut = stock({ inputs: { x: view }, backend: args.backend, attrs: { begin: b, size: sz } }) as TensorInfo;
      temps.push(cut);
      return callKernel('Reshape', name, backend, { x: cut }, { shape: size });
    } finally {
      for (const t of temps) disposeIntermediate(backend, t);
    }
  };
}

function replaceKernel(config: tf.KernelConfig, reason: string): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
  installed.push({ backend: config.backendName, kernel: config.kernelName, reason });
}

/**
 * Register the kernel fixes above (idempotent). Safe to call before or after a backend is
 * initialised: kernels are looked up at dispatch time, and these need no setupFunc.
 * @returns the list of kernels this module installed.
 */
export function registerBackendKernels(): KernelPatchInfo[] {
  if (registered) return installed.slice();
  registered = true;
  // Importing the wasm backend registers its kernels; ours must come after to win.
  try {
    require('@tensorflow/tfjs-backend-wasm');
  } catch {
    // wasm backend not installed: nothing to patch for it
  }
  for (const b of FILTER_GRAD_BACKENDS) {
    if (b === 'wasm' && !tf.getKernel('Conv2D', 'wasm')) continue;
    replaceKernel(
      { kernelName: 'Conv2DBackpropFilter', backendName: b, kernelFunc: makeConv2DBackpropFilter(b) },
      b === 'wasm' ? 'missing in tfjs-backend-wasm 4.22 (tfjs#8474)' : 'stock kernel ~40x slower than Conv2D',
    );
  }
  replaceKernel(
    { kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc: resizeNearestNeighborGradJs as unknown as tf.KernelFunc },
    'stock kernel wrong for batch > 1 and ignores halfPixelCenters',
  );
  if (tf.getKernel('ResizeNearestNeighborGrad', 'wasm')) {
    replaceKernel(
      { kernelName: 'ResizeNearestNeighborGrad', backendName: 'wasm', kernelFunc: resizeNearestNeighborGradJs as unknown as tf.KernelFunc },
      'stock kernel ignores halfPixelCenters',
    );
  }
  replaceKernel(
    { kernelName: 'ResizeBilinearGrad', backendName: 'cpu', kernelFunc: resizeBilinearGradJs as unknown as tf.KernelFunc },
    'stock kernel returns a wrongly shaped gradient when height != width',
  );
  const wasmSlice = tf.getKernel('Slice', 'wasm');
  if (wasmSlice) {
    replaceKernel(
      { kernelName: 'Slice', backendName: 'wasm', kernelFunc: makeSliceWasm(wasmSlice.kernelFunc), setupFunc: wasmSlice.setupFunc },
      'stock kernel ~400x slower for rank >= 5; whole inner axes are merged to reach rank <= 4',
    );
  }
  const wasmMaxPool3d = tf.getKernel('MaxPool3D', 'wasm');
  const wasmBackpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (wasmBackpropInput) {
    replaceKernel(
      {
        kernelName: 'Conv2DBackpropInput',
        backendName: 'wasm',
        kernelFunc: makeConv2DBackpropInputWasm(wasmBackpropInput.kernelFunc),
        setupFunc: wasmBackpropInput.setupFunc,
      },
      'stock kernel is a plain loop ~12x slower than Conv2D; stride 1 and kernel==stride run on XNNPACK Conv2D / MatMul',
    );
  }
  if (wasmMaxPool3d) {
    replaceKernel(
      { kernelName: 'ResizeBilinearGrad', backendName: 'wasm', kernelFunc: resizeBilinearGradJs as unknown as tf.KernelFunc },
      'stock kernel ignores halfPixelCenters',
    );
    replaceKernel(
      { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradJs as unknown as tf.KernelFunc },
      'stock kernel routes gradients to the wrong inputs',
    );
    replaceKernel(
      { kernelName: 'MaxPool3D', backendName: 'wasm', kernelFunc: makeMaxPool3dWasm(wasmMaxPool3d.kernelFunc), setupFunc: wasmMaxPool3d.setupFunc },
      "stock kernel wrong with asymmetric 'same' padding (padded cases run in JS)",
    );
    replaceKernel(
      { kernelName: 'MaxPool3DGrad', backendName: 'wasm', kernelFunc: maxPool3dGradJs as unknown as tf.KernelFunc },
      'consistent with the fixed forward',
    );
  }
  return installed.slice();
}
