/**
 * WebGPU smoke script: selects the webgpu backend through lib/backend (a real GPU via
 * Dawn/Vulkan, or on a CPU-only machine Dawn's OpenGL ES compatibility adapter on Mesa
 * llvmpipe — Debian packages libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri), runs the
 * gradient smoke test there, and times a conv2d forward + backward as a sanity figure.
 *
 *   npx ts-node --transpile-only bench/webgpu-smoke.ts
 * Exit code 0 = WebGPU works and its gradients match the float64 reference; 1 otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, smokeTestGradients } from '../lib/backend';

async function main(): Promise<void> {
  const report = await initBackend({ backend: 'webgpu', log: (l) => console.log(l) });
  const smoke = await smokeTestGradients();
  console.log(`smoke test on ${report.device}: ${smoke.ok ? 'ok' : 'FAILED'} (${smoke.detail}, ${smoke.elapsedMs} ms)`);
  if (!smoke.ok) throw new Error(`WebGPU gradient smoke test failed: ${smoke.detail}`);
  const x = tf.randomNormal([4, 64, 64, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 16, 16], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const step = async () => {
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, w]);
    await gw.data(); // read back: WebGPU has no dataSync in Node
    tf.dispose([gx, gw]);
  };
  await step();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const gflop = (3 * 2 * 4 * 64 * 64 * 16 * 16 * 9) / 1e9;
  console.log(`conv2d 3x3 16->16 on 4x64x64, forward + both gradients: median ${times[2].toFixed(1)} ms (${(gflop / (times[2] / 1000)).toFixed(1)} GFLOP/s)`);
  tf.dispose([x, w]);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
