/**
 * ResizeBilinearGrad for cpu and wasm: cpu's stock kernel returns a gradient of the wrong
 * shape when height != width, wasm's ignores halfPixelCenters. Both are replaced by a JS
 * kernel, the exact adjoint of tfjs's bilinear forward.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, KernelFix, makeFloatOutput, readValues, TensorInfo } from './shared';

/**
 * ResizeBilinearGrad in JS, the exact adjoint of tfjs's bilinear forward (same source
 * rows/columns and fractions, alignCorners and halfPixelCenters). cpu's stock kernel
 * returns a gradient of the wrong shape when height != width; wasm's ignores
 * halfPixelCenters.
 */
function resizeBilinearGradJs({ inputs, backend, attrs }: KernelArgs): TensorInfo {
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

/** cpu: wrongly shaped gradient when height != width. */
export const resizeBilinearGradCpu: KernelFix = {
  backend: 'cpu',
  kernel: 'ResizeBilinearGrad',
  reason: 'stock kernel returns a wrongly shaped gradient when height != width',
  build: () => ({ kernelFunc: resizeBilinearGradJs as unknown as tf.KernelFunc }),
};

/** wasm: ignores halfPixelCenters (installed with the other wasm pooling fixes, when wasm has MaxPool3D). */
export const resizeBilinearGradWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'ResizeBilinearGrad',
  reason: 'stock kernel ignores halfPixelCenters',
  requires: 'MaxPool3D',
  build: () => ({ kernelFunc: resizeBilinearGradJs as unknown as tf.KernelFunc }),
};
