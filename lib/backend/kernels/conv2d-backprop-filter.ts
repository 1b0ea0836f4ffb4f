/**
 * Conv2DBackpropFilter for cpu and wasm. It is missing on wasm (tensorflow/tfjs#8474) and
 * ~40x slower than Conv2D on cpu. Both get a kernel that computes the filter gradient as
 * one *forward* Conv2D: the input transposed to [Cin,H,W,N] convolved with the output
 * gradient transposed to [OH,OW,N,Cout] as the filter, dilation = stride, using the
 * forward pass's own (possibly asymmetric) padding, then cropped to the filter size and
 * transposed back. The heavy lifting is the backend's optimised Conv2D (XNNPACK on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, KernelBackend, KernelFix, NamedAttrMap, TensorInfo, withIntermediates } from './shared';

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
    return withIntermediates(backend, (temp) => {
      const xT = temp(callKernel('Transpose', backendName, backend, { x }, { perm: [3, 1, 2, 0] })); // [Cin,H,W,N]
      const dyT = temp(callKernel('Transpose', backendName, backend, { x: dy }, { perm: [1, 2, 0, 3] })); // [OH,OW,N,Cout]
      const g = temp(callKernel('Conv2D', backendName, backend, { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as NamedAttrMap[string],
        dataFormat: 'NHWC',
        dilations: [strideH, strideW],
      })); // [Cin, fh', fw', Cout] with fh' >= fh (extra rows come from 'valid' remainders)
      let cropped = g;
      if (g.shape[1] !== fh || g.shape[2] !== fw) {
        if (g.shape[1] < fh || g.shape[2] < fw) {
          throw new Error(`Conv2DBackpropFilter (${backendName}): internal shape [${g.shape}] smaller than filter [${a.filterShape}]`);
        }
        cropped = temp(callKernel('Slice', backendName, backend, { x: g }, { begin: [0, 0, 0, 0], size: [cin, fh, fw, cout] }));
      }
      return callKernel('Transpose', backendName, backend, { x: cropped }, { perm: [1, 2, 0, 3] });
    });
  };
}

/** wasm: the kernel is missing. */
export const conv2dBackpropFilterWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'Conv2DBackpropFilter',
  reason: 'missing in tfjs-backend-wasm 4.22 (tfjs#8474)',
  requires: 'Conv2D',
  build: () => ({ kernelFunc: makeConv2DBackpropFilter('wasm') }),
};

/** cpu: the stock kernel is slow. */
export const conv2dBackpropFilterCpu: KernelFix = {
  backend: 'cpu',
  kernel: 'Conv2DBackpropFilter',
  speedOnly: true,
  reason: 'stock kernel ~40x slower than Conv2D',
  build: () => ({ kernelFunc: makeConv2DBackpropFilter('cpu') }),
};
