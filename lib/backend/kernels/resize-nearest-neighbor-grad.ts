/**
 * ResizeNearestNeighborGrad for cpu and wasm: cpu's stock kernel uses the input's batch
 * stride for `dy` (wrong for batch > 1) and ignores `halfPixelCenters`; wasm's also
 * ignores `halfPixelCenters`. Both are replaced by a scatter that mirrors the forward
 * kernel's index mapping.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, KernelFix, makeFloatOutput, TensorInfo } from './shared';

/**
 * ResizeNearestNeighborGrad as a scatter-add of dy through exactly the forward kernel's
 * source-index mapping (alignCorners, halfPixelCenters, any batch). Used on cpu (stock
 * kernel wrong for batch > 1 and for halfPixelCenters) and wasm (stock kernel ignores
 * halfPixelCenters). Plain JS: upsampling in the networks should use upsampleNearest2d.
 */
function resizeNearestNeighborGradJs({ inputs, backend, attrs }: KernelArgs): TensorInfo {
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
  return makeFloatOutput(backend, images.shape, out);
}

/** cpu: wrong for batch > 1, ignores halfPixelCenters. */
export const resizeNearestNeighborGradCpu: KernelFix = {
  backend: 'cpu',
  kernel: 'ResizeNearestNeighborGrad',
  reason: 'stock kernel wrong for batch > 1 and ignores halfPixelCenters',
  build: () => ({ kernelFunc: resizeNearestNeighborGradJs as unknown as tf.KernelFunc }),
};

/** wasm: ignores halfPixelCenters. */
export const resizeNearestNeighborGradWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'ResizeNearestNeighborGrad',
  reason: 'stock kernel ignores halfPixelCenters',
  requires: 'ResizeNearestNeighborGrad',
  build: () => ({ kernelFunc: resizeNearestNeighborGradJs as unknown as tf.KernelFunc }),
};
