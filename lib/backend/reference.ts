/**
 * Float64 reference implementations of the convolutions and the other ops whose kernels
 * lib/backend replaces, written as plain index loops so they share nothing with tfjs
 * kernels. They give the forward value and the gradients of `sum(y * dy)` for 2D/3D
 * convolution, 2D transposed convolution, max pooling, bilinear/nearest resizing and
 * slicing, with TensorFlow's 'same'/'valid' padding rules (same: pad total
 * `max((out-1)*stride + k - in, 0)`, the smaller half before). Used by the backend smoke
 * test and by the gradient tests.
 */

export type PadMode = 'same' | 'valid';

/** Output length and leading padding of one spatial axis under TF padding rules. */
export function convAxis(inSize: number, kernel: number, stride: number, pad: PadMode): { out: number; before: number } {
  if (pad === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + kernel - inSize, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const out = Math.ceil((inSize - kernel + 1) / stride);
  if (out < 1) throw new Error(`convAxis: kernel ${kernel} larger than input ${inSize} with 'valid' padding`);
  return { out, before: 0 };
}

/** A dense float64 tensor: data in row-major (last axis fastest) order. */
export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Wrap numbers (e.g. a tfjs `dataSync()` result) as a float64 reference tensor. */
export function refTensor(shape: number[], values?: ArrayLike<number>): RefTensor {
  const n = size(shape);
  const data = new Float64Array(n);
  if (values) {
    if (values.length !== n) throw new Error(`refTensor: shape [${shape}] needs ${n} values, got ${values.length}`);
    for (let i = 0; i < n; i++) data[i] = values[i];
  }
  return { shape: shape.slice(), data };
}

/**
 * Visit every (input position, output position, kernel position) triple of an N-d
 * channels-last convolution with batch N and `spatial` dims. The callback receives flat
 * spatial offsets (without batch/channel) for input, output and kernel.
 */
function forEachTap(
  inSpatial: number[],
  outSpatial: number[],
  kernel: number[],
  strides: number[],
  before: number[],
  visit: (inOff: number, outOff: number, kOff: number) => void,
): void {
  const rank = inSpatial.length;
  const outIdx = new Array(rank).fill(0);
  const kIdx = new Array(rank).fill(0);
  const outTotal = size(outSpatial);
  const kTotal = size(kernel);
  for (let o = 0; o < outTotal; o++) {
    let rem = o;
    for (let a = rank - 1; a >= 0; a--) {
      outIdx[a] = rem % outSpatial[a];
      rem = Math.floor(rem / outSpatial[a]);
    }
    for (let k = 0; k < kTotal; k++) {
      let r = k;
      for (let a = rank - 1; a >= 0; a--) {
        kIdx[a] = r % kernel[a];
        r = Math.floor(r / kernel[a]);
      }
      let inOff = 0;
      let inside = true;
      for (let a = 0; a < rank; a++) {
        const p = outIdx[a] * strides[a] + kIdx[a] - before[a];
        if (p < 0 || p >= inSpatial[a]) {
          inside = false;
          break;
        }
        inOff = inOff * inSpatial[a] + p;
      }
      if (inside) visit(inOff, o, k);
    }
  }
}

/** Result of a reference convolution: value and gradients of `sum(y * dy)`. */
export interface ConvReference {
  y: RefTensor;
  /** Gradient with respect to the convolution's input (x). */
  dx: RefTensor;
  /** Gradient with respect to the filter. */
  dFilter: RefTensor;
}

/**
 * Channels-last N-d convolution (2D: x [N,H,W,C], filter [kh,kw,C,O]; 3D: x [N,D,H,W,C],
 * filter [kd,kh,kw,C,O]) in float64, with the gradients of `sum(y * dy)`.
 * @param dy upstream gradient with the output's shape; omitted → only `y` is meaningful.
 */
export function convNdReference(x: RefTensor, filter: RefTensor, strides: number[], pad: PadMode, dy?: RefTensor): ConvReference {
  const rank = x.shape.length - 2;
  if (filter.shape.length !== rank + 2) throw new Error(`convNdReference: filter rank ${filter.shape.length} does not match input rank ${x.shape.length}`);
  const [n] = x.shape;
  const inC = x.shape[rank + 1];
  const kernel = filter.shape.slice(0, rank);
  if (filter.shape[rank] !== inC) throw new Error(`convNdReference: filter in-channels ${filter.shape[rank]} != input channels ${inC}`);
  const outC = filter.shape[rank + 1];
  const inSpatial = x.shape.slice(1, rank + 1);
  const axes = inSpatial.map((s, a) => convAxis(s, kernel[a], strides[a], pad));
  const outSpatial = axes.map((a) => a.out);
  const before = axes.map((a) => a.before);
  const y = refTensor([n, ...outSpatial, outC]);
  const dx = refTensor(x.shape);
  const dFilter = refTensor(filter.shape);
  const inPer = size(inSpatial);
  const outPer = size(outSpatial);
  if (dy && size(dy.shape) !== size(y.shape)) throw new Error(`convNdReference: dy shape [${dy.shape}] != output [${y.shape}]`);
  for (let b = 0; b < n; b++) {
    forEachTap(inSpatial, outSpatial, kernel, strides, before, (inOff, outOff, kOff) => {
      const xBase = (b * inPer + inOff) * inC;
      const yBase = (b * outPer + outOff) * outC;
      const fBase = kOff * inC * outC;
      for (let c = 0; c < inC; c++) {
        const xv = x.data[xBase + c];
        for (let o = 0; o < outC; o++) {
          const w = filter.data[fBase + c * outC + o];
          y.data[yBase + o] += xv * w;
          if (dy) {
            const g = dy.data[yBase + o];
            dx.data[xBase + c] += g * w;
            dFilter.data[fBase + c * outC + o] += g * xv;
          }
        }
      }
    });
  }
  return { y, dx, dFilter };
}

/**
 * 2D transposed convolution (tf.conv2dTranspose semantics: x [N,h,w,inDepth], filter
 * [kh,kw,outDepth,inDepth], `outShape` [N,H,W,outDepth]) in float64 with the gradients of
 * `sum(y * dy)`. It is the adjoint of convNdReference on an input of shape `outShape`.
 */
export function conv2dTransposeReference(
  x: RefTensor,
  filter: RefTensor,
  outShape: number[],
  strides: number[],
  pad: PadMode,
  dy?: RefTensor,
): ConvReference {
  const [n, , , inDepth] = x.shape;
  const [kh, kw, outDepth, fIn] = filter.shape;
  if (fIn !== inDepth) throw new Error(`conv2dTransposeReference: filter in-depth ${fIn} != input depth ${inDepth}`);
  const inSpatial = outShape.slice(1, 3);
  const axes = inSpatial.map((s, a) => convAxis(s, [kh, kw][a], strides[a], pad));
  if (axes[0].out !== x.shape[1] || axes[1].out !== x.shape[2]) {
    throw new Error(`conv2dTransposeReference: outShape [${outShape}] does not map to input [${x.shape}]`);
  }
  const y = refTensor(outShape);
  const dx = refTensor(x.shape);
  const dFilter = refTensor(filter.shape);
  const inPer = inSpatial[0] * inSpatial[1];
  const outPer = x.shape[1] * x.shape[2];
  for (let b = 0; b < n; b++) {
    forEachTap(inSpatial, [x.shape[1], x.shape[2]], [kh, kw], strides, axes.map((a) => a.before), (yOff, xOff, kOff) => {
      const yBase = (b * inPer + yOff) * outDepth;
      const xBase = (b * outPer + xOff) * inDepth;
      const fBase = kOff * outDepth * inDepth;
      for (let c = 0; c < outDepth; c++) {
        for (let o = 0; o < inDepth; o++) {
          const w = filter.data[fBase + c * inDepth + o];
          const xv = x.data[xBase + o];
          y.data[yBase + c] += xv * w;
          if (dy) {
            const g = dy.data[yBase + c];
            dx.data[xBase + o] += g * w;
            dFilter.data[fBase + c * inDepth + o] += g * xv;
          }
        }
      }
    });
  }
  return { y, dx, dFilter };
}

/** Result of a reference pooling, resize or slice: value and input gradient of `sum(y * dy)`. */
export interface OpReference {
  y: RefTensor;
  dx: RefTensor;
}

/** The multi-index of row-major offset `flat` in `shape`. */
function unravel(flat: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  let rem = flat;
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = rem % shape[a];
    rem = Math.floor(rem / shape[a]);
  }
  return idx;
}

/**
 * Channels-last N-d max pooling (2D: x [N,H,W,C]; 3D: x [N,D,H,W,C]) in float64 with TF
 * 'same'/'valid' windows: padded positions never win, and on ties the first maximum in
 * window order does (as tfjs cpu). The gradient sends each dy to its window's maximum.
 * @param dy upstream gradient with the output's shape; omitted → only `y` is meaningful.
 */
export function maxPoolReference(x: RefTensor, kernel: number[], strides: number[], pad: PadMode, dy?: RefTensor): OpReference {
  const rank = x.shape.length - 2;
  const n = x.shape[0];
  const c = x.shape[rank + 1];
  const inSpatial = x.shape.slice(1, rank + 1);
  const axes = inSpatial.map((s, a) => convAxis(s, kernel[a], strides[a], pad));
  const outSpatial = axes.map((a) => a.out);
  const y = refTensor([n, ...outSpatial, c]);
  const dx = refTensor(x.shape);
  const inPer = size(inSpatial);
  const outPer = size(outSpatial);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < outPer; o++) {
      const oi = unravel(o, outSpatial);
      const window: number[] = [];
      for (let k = 0; k < size(kernel); k++) {
        const ki = unravel(k, kernel);
        const pos = oi.map((v, a) => v * strides[a] + ki[a] - axes[a].before);
        if (pos.every((q, a) => q >= 0 && q < inSpatial[a])) window.push(pos.reduce((off, q, a) => off * inSpatial[a] + q, 0));
      }
      for (let ch = 0; ch < c; ch++) {
        let best = -1;
        for (const off of window) {
          const idx = (b * inPer + off) * c + ch;
          if (best < 0 || x.data[idx] > x.data[best]) best = idx;
        }
        const yi = (b * outPer + o) * c + ch;
        y.data[yi] = x.data[best];
        if (dy) dx.data[best] += dy.data[yi];
      }
    }
  }
  return { y, dx };
}

/**
 * Source taps [index, weight] of every output position along one resized axis, as tfjs
 * maps them (alignCorners, halfPixelCenters): one tap for nearest, two for bilinear.
 */
function resizeTaps(inSize: number, outSize: number, mode: 'bilinear' | 'nearest', alignCorners: boolean, halfPixelCenters: boolean): Array<Array<[number, number]>> {
  const scale = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const taps: Array<Array<[number, number]>> = [];
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      const src = halfPixelCenters ? scale * (o + 0.5) : scale * o;
      const idx = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
      taps.push([[halfPixelCenters ? Math.max(0, idx) : idx, 1]]);
    } else {
      const src = halfPixelCenters ? scale * (o + 0.5) - 0.5 : scale * o;
      const lo = Math.max(0, Math.floor(src));
      const hi = Math.min(inSize - 1, Math.ceil(src));
      taps.push([
        [lo, 1 - (src - lo)],
        [hi, src - lo],
      ]);
    }
  }
  return taps;
}

/**
 * tf.image.resizeBilinear / resizeNearestNeighbor of x [N,H,W,C] to `outSize` in float64:
 * every output is a weighted sum of input pixels, and the gradient of `sum(y * dy)` sends
 * dy back along the same weights.
 */
export function resizeReference(
  x: RefTensor,
  outSize: [number, number],
  mode: 'bilinear' | 'nearest',
  alignCorners: boolean,
  halfPixelCenters: boolean,
  dy?: RefTensor,
): OpReference {
  const [n, h, w, c] = x.shape;
  const [oh, ow] = outSize;
  const rows = resizeTaps(h, oh, mode, alignCorners, halfPixelCenters);
  const cols = resizeTaps(w, ow, mode, alignCorners, halfPixelCenters);
  const y = refTensor([n, oh, ow, c]);
  const dx = refTensor(x.shape);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (const [i, wr] of rows[r]) {
          for (const [j, wc] of cols[q]) {
            for (let ch = 0; ch < c; ch++) {
              const src = ((b * h + i) * w + j) * c + ch;
              const dst = ((b * oh + r) * ow + q) * c + ch;
              y.data[dst] += wr * wc * x.data[src];
              if (dy) dx.data[src] += wr * wc * dy.data[dst];
            }
          }
        }
      }
    }
  }
  return { y, dx };
}

/** tf.slice of x at `begin` with `sizes` (no -1) in float64, with the gradient of `sum(y * dy)`. */
export function sliceReference(x: RefTensor, begin: number[], sizes: number[], dy?: RefTensor): OpReference {
  const y = refTensor(sizes);
  const dx = refTensor(x.shape);
  for (let o = 0; o < y.data.length; o++) {
    const src = unravel(o, sizes).reduce((off, v, a) => off * x.shape[a] + begin[a] + v, 0);
    y.data[o] = x.data[src];
    if (dy) dx.data[src] += dy.data[o];
  }
  return { y, dx };
}

/**
 * Largest absolute difference divided by the largest absolute reference value (0 when
 * both are all zero). The relative error measure used by every gradient check here.
 */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) {
    throw new Error(`relativeError: length ${actual.length} != reference length ${reference.length}`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(actual[i] - reference[i]);
    if (Number.isNaN(d)) return Number.NaN; // a NaN anywhere is a failure, never a pass
    if (d > maxDiff) maxDiff = d;
    const r = Math.abs(reference[i]);
    if (r > maxRef) maxRef = r;
  }
  if (maxRef === 0) return maxDiff;
  return maxDiff / maxRef;
}

/** A small seeded generator (mulberry32) for deterministic test and smoke-test data. */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` seeded values uniform in [-1, 1). */
export function seededValues(count: number, seed: number): Float64Array {
  const rnd = seededUniform(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = rnd() * 2 - 1;
  return out;
}
