/**
 * The filter gradient of a 3×3 'same' convolution (Conv2DBackpropFilter) on wasm: the project's
 * kernel (lib/backend/kernels/conv2d-backprop-filter: one forward Conv2D of the transposed
 * input with the transposed output gradient as its filter) against the MatMul formulations that
 * issue #15 proposed, on the layer shapes of the benchmark U-Net (`npm run bench`, batch 8 of
 * 128×128) or of the study's network (batch 4 of 64×64):
 *
 * - `shift·MatMul(Aᵀ)`: nine shifted copies of the padded input, each `matMul(x_s, dy, transposeA)`
 * - `dyᵀ·shift`: the output gradient transposed once, then nine `matMul(dyᵀ, x_s)`
 * - `dyᵀ·im2col`: the nine shifts concatenated into one [P, 9·Cin] matrix, one `matMul(dyᵀ, col)`
 * - `im2colᵀ·dy`: the same matrix, one `matMul(col, dy, transposeA)`
 *
 * Every variant is checked against the project's kernel (largest absolute difference relative to
 * the largest entry) and timed over `--reps` calls after one warm-up call; the last line compares
 * the totals. Timings on a shared machine are noisy: compare numbers from the same run only.
 *
 *   npx ts-node --transpile-only bench/filter-gradient.ts [--shapes bench|study] [--reps 5] [--threads 2]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend';

type FilterGrad = (x: tf.Tensor4D, dy: tf.Tensor4D) => tf.Tensor;

const project: FilterGrad = (x, dy) =>
  tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', filterShape: [3, 3, x.shape[3], dy.shape[3]] } as unknown as tf.NamedAttrMap) as tf.Tensor;

/** The nine shifted copies of the zero-padded input, each [P, Cin]. */
function shifts(x: tf.Tensor4D): tf.Tensor2D[] {
  const [n, h, w, ci] = x.shape;
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const out: tf.Tensor2D[] = [];
  for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) out.push(tf.reshape(tf.slice(xp, [0, kh, kw, 0], [n, h, w, ci]), [n * h * w, ci]));
  return out;
}

const flatDy = (dy: tf.Tensor4D): tf.Tensor2D => tf.reshape(dy, [dy.shape[0] * dy.shape[1] * dy.shape[2], dy.shape[3]]);

const VARIANTS: [string, FilterGrad][] = [
  ['project (Conv2D)', project],
  ['shift·MatMul(Aᵀ)', (x, dy) => tf.tidy(() => {
    const d = flatDy(dy);
    return tf.reshape(tf.stack(shifts(x).map((s) => tf.matMul(s, d, true, false))), [3, 3, x.shape[3], dy.shape[3]]);
  })],
  ['dyᵀ·shift', (x, dy) => tf.tidy(() => {
    const dT = tf.transpose(flatDy(dy));
    return tf.transpose(tf.reshape(tf.stack(shifts(x).map((s) => tf.matMul(dT, s))), [3, 3, dy.shape[3], x.shape[3]]), [0, 1, 3, 2]);
  })],
  ['dyᵀ·im2col', (x, dy) => tf.tidy(() => {
    const col = tf.concat(shifts(x), 1);
    return tf.transpose(tf.reshape(tf.matMul(tf.transpose(flatDy(dy)), col), [dy.shape[3], 3, 3, x.shape[3]]), [1, 2, 3, 0]);
  })],
  ['im2colᵀ·dy', (x, dy) => tf.tidy(() => tf.reshape(tf.matMul(tf.concat(shifts(x), 1), flatDy(dy), true, false), [3, 3, x.shape[3], dy.shape[3]]))],
];

/** [input shape, output channels] of every 3×3 convolution that trains. */
const SHAPES: Record<string, [[number, number, number, number], number][]> = {
  bench: [
    [[8, 128, 128, 1], 16], [[8, 128, 128, 16], 16], [[8, 64, 64, 16], 32], [[8, 64, 64, 32], 32], [[8, 32, 32, 32], 64], [[8, 32, 32, 64], 64],
    [[8, 16, 16, 64], 128], [[8, 16, 16, 128], 128], [[8, 32, 32, 128], 64], [[8, 64, 64, 64], 32], [[8, 128, 128, 32], 16],
  ],
  study: [
    [[4, 64, 64, 1], 16], [[4, 64, 64, 16], 16], [[4, 32, 32, 16], 32], [[4, 32, 32, 32], 32], [[4, 16, 16, 32], 64], [[4, 16, 16, 64], 64],
    [[4, 32, 32, 64], 32], [[4, 64, 64, 32], 16],
  ],
};

function parse(argv: string[]): { shapes: string; reps: number; threads: number } {
  const o = { shapes: 'bench', reps: 5, threads: 2 };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--shapes' && v in SHAPES) o.shapes = v;
    else if ((k === '--reps' || k === '--threads') && Number.isInteger(Number(v)) && Number(v) > 0) o[k === '--reps' ? 'reps' : 'threads'] = Number(v);
    else throw new Error(`filter-gradient bench: bad argument '${k}${v === undefined ? '' : ` ${v}`}'; usage: [--shapes bench|study] [--reps N] [--threads N]`);
    i++;
  }
  return o;
}

async function timeVariant(f: FilterGrad, x: tf.Tensor4D, dy: tf.Tensor4D, reference: Float32Array, reps: number): Promise<{ ms: number; relErr: number }> {
  const first = f(x, dy);
  const d = (await first.data()) as Float32Array;
  first.dispose();
  let err = 0;
  let scale = 0;
  for (let i = 0; i < d.length; i++) {
    err = Math.max(err, Math.abs(d[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) {
    const y = f(x, dy);
    await y.data();
    y.dispose();
  }
  return { ms: (performance.now() - t0) / reps, relErr: err / scale };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const backend = await initBackend({ backend: 'wasm', threads: o.threads });
  console.log(`${backend.summary.split(' | ')[0]}; ${o.shapes} shapes, ${o.reps} timed calls each; ms per call (GFLOP/s), max |Δ| / max |reference|`);
  const total = new Array<number>(VARIANTS.length).fill(0);
  let worst = 0;
  for (const [xs, co] of SHAPES[o.shapes]) {
    const x = tf.randomNormal(xs) as tf.Tensor4D;
    const dy = tf.randomNormal([xs[0], xs[1], xs[2], co]) as tf.Tensor4D;
    const ref = project(x, dy);
    const reference = (await ref.data()) as Float32Array;
    ref.dispose();
    const gflop = (2 * xs[0] * xs[1] * xs[2] * 9 * xs[3] * co) / 1e9;
    const cells: string[] = [];
    for (let v = 0; v < VARIANTS.length; v++) {
      const { ms, relErr } = await timeVariant(VARIANTS[v][1], x, dy, reference, o.reps);
      total[v] += ms;
      worst = Math.max(worst, relErr);
      cells.push(`${ms.toFixed(1).padStart(6)} (${(gflop / ms * 1e3).toFixed(0).padStart(2)})${v ? ` ${relErr.toExponential(0)}` : ''}`);
    }
    console.log(`  ${`[${xs.join(',')}]→${co}`.padEnd(20)} ${cells.join(' | ')}`);
    x.dispose();
    dy.dispose();
  }
  console.log(`  ${'columns'.padEnd(20)} ${VARIANTS.map(([n]) => n).join(' | ')}`);
  console.log(`largest relative difference from the project's kernel: ${worst.toExponential(1)}; tensors left: ${tf.memory().numTensors}`);
  console.log(`total per training step's filter gradients: ${VARIANTS.map(([n], v) => `${n} ${total[v].toFixed(0)} ms (${(total[v] / total[0]).toFixed(2)}×)`).join(', ')}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
