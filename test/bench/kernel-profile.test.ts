import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { classifyKernel, emptyFamilies, familyTable, KERNEL_FAMILIES, profileTrainingStep } from '../../bench/kernel-profile';

describe('classifyKernel', () => {
  it('puts a kernel in its family by phase and name', () => {
    expect(classifyKernel('Conv2D', 'forward')).toBe('conv forward');
    expect(classifyKernel('Conv2DBackpropInput', 'forward')).toBe('conv forward'); // a transposed conv's forward
    expect(classifyKernel('Conv2DBackpropInput', 'backward')).toBe('conv input gradient');
    expect(classifyKernel('Conv2D', 'backward')).toBe('conv input gradient'); // a transposed conv's input gradient
    expect(classifyKernel('Conv2DBackpropFilter', 'backward')).toBe('conv filter gradient');
    expect(classifyKernel('Relu', 'forward')).toBe('element-wise & other');
    expect(classifyKernel('Sum', 'backward')).toBe('element-wise & other');
    expect(classifyKernel('Conv2D', 'optimizer')).toBe('optimizer');
  });
});

describe('profileTrainingStep', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('splits one step of a two-conv model into forward, backward and optimizer kernels', async () => {
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w1 = tf.variable(tf.randomNormal([3, 3, 1, 4], 0, 0.3, 'float32', 2), true, 'w1');
    const w2 = tf.variable(tf.randomNormal([3, 3, 4, 2], 0, 0.3, 'float32', 3), true, 'w2');
    const opt = tf.train.adam(1e-3);
    const before = tf.memory().numTensors;
    const loss = (): tf.Scalar => tf.mean(tf.square(tf.conv2d(tf.relu(tf.conv2d(x, w1 as unknown as tf.Tensor4D, 1, 'same')), w2 as unknown as tf.Tensor4D, 1, 'same')));
    const p = await profileTrainingStep(loss, [w1, w2], opt);
    // forward: 2 Conv2D, Relu, Square, Mean (+ reshapes); backward: filter gradients of both, input gradient of the second only
    expect(p.kernels.forward).toBeGreaterThanOrEqual(5);
    expect(p.kernels.backward).toBeGreaterThanOrEqual(3);
    expect(p.kernels.optimizer).toBeGreaterThan(0);
    expect(p.families['conv forward']).toBeGreaterThan(0);
    expect(p.families['conv filter gradient']).toBeGreaterThan(0);
    expect(p.families['conv input gradient']).toBeGreaterThan(0);
    expect(p.families.optimizer).toBeGreaterThan(0);
    expect(p.families.norm).toBe(0);
    const sum = KERNEL_FAMILIES.reduce((s, f) => s + p.families[f], 0);
    expect(sum).toBeCloseTo(p.kernelMs, 9);
    const calls = (phase: string, name: string) => p.top.concat().find((t) => t.phase === phase && t.name === name)?.calls;
    const filterCalls = calls('backward', 'Conv2DBackpropFilter');
    if (filterCalls !== undefined) expect(filterCalls).toBe(2);
    // the variables were updated and nothing leaked
    expect(tf.memory().numTensors).toBe(before + 2 * 2); // Adam's two moments per variable, nothing else
    tf.dispose([x, w1, w2]);
    opt.dispose();
  });
});

describe('familyTable', () => {
  it('prints tfjs and PyTorch side by side with per-family ratios and conv GFLOP/s', () => {
    const families = { ...emptyFamilies(), 'conv forward': 50, 'conv input gradient': 30, 'conv filter gradient': 70, 'element-wise & other': 40, optimizer: 10 };
    const lines = familyTable({ families, kernels: { forward: 1, backward: 1, optimizer: 1 }, kernelMs: 200, wallMs: 210, top: [] }, 'tfjs wasm', { forward: 1e9, inputGradient: 1e9, filterGradient: 1e9 }, {
      families: { 'conv forward': 25, 'conv backward': 50, norm: 0, 'element-wise & other': 20, optimizer: 5 },
      label: 'PyTorch 1t',
    });
    const row = (name: string) => lines.find((l) => l.trimStart().startsWith(name))!.trim().split(/\s{2,}/);
    expect(row('conv forward')).toEqual(['conv forward', '50', '25%', '40.0', '25', '25%', '2.00x']);
    expect(row('conv backward')).toEqual(['conv backward (input + filter)', '100', '50%', '40.0', '50', '50%', '2.00x']);
    expect(row('filter gradient')).toEqual(['filter gradient', '70', '35%', '28.6']);
    expect(row('optimizer').slice(-1)).toEqual(['2.00x']);
    expect(row('total')).toEqual(['total (sum of kernels)', '200', '100%', '30.0', '100', '100%', '2.00x']);
    expect(lines.some((l) => l.includes('norm'))).toBe(false);
  });
});
