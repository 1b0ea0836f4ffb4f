/**
 * Second-order gradients that tfjs 4.22 lacks. tfjs differentiates a backward pass like any other
 * computation (its ops are recorded on the tape when an outer gradient is being taken), but the
 * filter gradient of a convolution, Conv2DBackpropFilter, has no gradient of its own, so nothing
 * that differentiates a convolutional network's backward pass can run. The project needs that for
 * exact Jacobian–vector products (lib/fisher/network-lesion: J v as the derivative of ⟨Jᵀu, v⟩
 * with respect to u).
 *
 * Conv2DBackpropFilter(x, dy) = Σ over output positions of x's patch ⊗ dy, bilinear in (x, dy).
 * For an upstream gradient G of the filter's shape:
 *   ∂⟨G, dW⟩/∂dy = conv2d(x, G) with the same strides and padding,
 *   ∂⟨G, dW⟩/∂x  = Conv2DBackpropInput(dy, G), the transposed convolution.
 * Registration is global (every backend) and idempotent; tested against finite differences and
 * the closed form in test/backend/second-order.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | number[][];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

let registered = false;

/** Register the missing second-order gradients (once per process). */
export function registerSecondOrderGradients(): void {
  if (registered) return;
  registered = true;
  if (tf.getGradient('Conv2DBackpropFilter')) return; // a later tfjs brings its own
  tf.registerGradient({
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (G: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = G as tf.Tensor4D;
      const a = attrs as unknown as FilterGradAttrs;
      if (a.dataFormat === 'NCHW') throw new Error('second-order gradient of Conv2DBackpropFilter: only NHWC data is supported');
      return {
        dy: () => tf.conv2d(x, g, a.strides, a.pad as 'valid' | 'same' | number, 'NHWC', 1, a.dimRoundingMode),
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: g }, {
            strides: a.strides,
            pad: a.pad,
            dataFormat: 'NHWC',
            dimRoundingMode: a.dimRoundingMode,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      };
    },
  });
}
