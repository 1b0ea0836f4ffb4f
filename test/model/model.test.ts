/**
 * createModel: shapes for every family in 2D and 3D, deep supervision outputs,
 * deterministic seeded initialisation, parameter naming/counting, config
 * validation, and per-example separability of gradients (no batch coupling).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ARCHITECTURES, createModel, resolveModelConfig, ModelFamily, snapshotVariables, restoreVariables } from '../../lib/model';
import { initBackend } from '../../lib/backend';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

// Every registered architecture is built and checked, so a new one is tested on arrival.
const families = Object.keys(ARCHITECTURES) as ModelFamily[];

describe('createModel', () => {
  for (const family of families) {
    for (const dims of [2, 3] as const) {
      it(`${family} ${dims}D: logits shape, deep supervision outputs, finite values`, () => {
        const m = createModel({ family, spatialDims: dims, channels: [4, 8, 8], numClasses: 5, deepSupervision: true, norm: 'group', groups: 2 }, 1);
        const size = dims === 2 ? [2, 16, 16] : [2, 8, 8, 8];
        const x = tf.randomNormal([...size, 1], 0, 1, 'float32', 1);
        const out = m.apply(x, false) as tf.Tensor;
        expect(out.shape).toEqual([...size, 5]);
        const deep = m.apply(x, true) as tf.Tensor[];
        expect(deep.map((t) => t.shape)).toEqual([
          [...size, 5],
          [size[0], ...size.slice(1).map((s) => s / 2), 5],
        ]);
        expect(Number.isFinite(tf.sum(out).dataSync()[0])).toBe(true);
        expect(m.sizeDivisor).toBe(4);
        const count = [...m.variables.values()].reduce((s, v) => s + v.size, 0);
        expect(m.parameterCount()).toBe(count);
        m.dispose();
      });
    }
  }

  it('names variables by layer and grows with encoder blocks (ResEnc)', () => {
    const small = createModel({ family: 'resenc-unet', channels: [4, 8], encoderBlocks: [1, 1] }, 0);
    const big = createModel({ family: 'resenc-unet', channels: [4, 8], encoderBlocks: [1, 3] }, 0);
    expect([...small.variables.keys()]).toContain('enc1/block0/conv1/kernel');
    expect([...small.variables.keys()]).toContain('enc1/block0/skip/kernel');
    expect([...big.variables.keys()]).toContain('enc1/block2/conv2/kernel');
    expect(big.parameterCount()).toBeGreaterThan(small.parameterCount());
    expect(small.variables.get('stem/kernel')!.shape).toEqual([3, 3, 1, 4]);
  });

  it('same seed gives identical weights, another seed different ones; He scale', () => {
    const a = snapshotVariables(createModel({ channels: [8, 16] }, 7).variables);
    const b = snapshotVariables(createModel({ channels: [8, 16] }, 7).variables);
    const c = snapshotVariables(createModel({ channels: [8, 16] }, 8).variables);
    const k = 'enc1/conv1/kernel';
    expect(Array.from(a.get(k)!)).toEqual(Array.from(b.get(k)!));
    expect(Array.from(a.get(k)!)).not.toEqual(Array.from(c.get(k)!));
    const w = a.get(k)!; // fan-in 3*3*16
    const sd = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(sd).toBeGreaterThan(0.9 * Math.sqrt(2 / 144));
    expect(sd).toBeLessThan(1.1 * Math.sqrt(2 / 144));
  });

  it('restoreVariables round-trips and names missing variables', () => {
    const m = createModel({ channels: [4, 8] }, 1);
    const other = createModel({ channels: [4, 8] }, 2);
    restoreVariables(m.variables, snapshotVariables(other.variables));
    expect(Array.from(m.variables.get('head/kernel')!.dataSync())).toEqual(Array.from(other.variables.get('head/kernel')!.dataSync()));
    const partial = snapshotVariables(other.variables);
    partial.delete('head/bias');
    expect(() => restoreVariables(m.variables, partial, 'ck.bin')).toThrow(/ck\.bin has no values for variable 'head\/bias'/);
  });

  it('gradients of a batch are the sum of per-example gradients (instance norm, sum loss)', () => {
    const m = createModel({ family: 'unet', channels: [4, 8], norm: 'instance', numClasses: 3 }, 3);
    const vars = [...m.variables.values()];
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 11);
    const f = (xx: tf.Tensor) => () => tf.sum(tf.mul(m.apply(xx) as tf.Tensor, tf.linspace(-1, 1, 3))) as tf.Scalar;
    const gBatch = tf.variableGrads(f(x), vars).grads;
    const g0 = tf.variableGrads(f(tf.slice(x, [0], [1])), vars).grads;
    const g1 = tf.variableGrads(f(tf.slice(x, [1], [1])), vars).grads;
    let worst = 0;
    for (const v of vars) {
      const diff = tf.max(tf.abs(tf.sub(gBatch[v.name], tf.add(g0[v.name], g1[v.name])))).dataSync()[0];
      const scale = tf.max(tf.abs(gBatch[v.name])).dataSync()[0] + 1e-6;
      worst = Math.max(worst, diff / scale);
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('rejects bad configs and inputs with the field or shape in the message', () => {
    expect(() => resolveModelConfig({ family: 'vnet' as ModelFamily })).toThrow(/family must be one of unet\|resenc-unet\|segresnet, got 'vnet'/);
    expect(() => resolveModelConfig({ numClasses: 1 })).toThrow(/numClasses must be an integer ≥ 2, got 1/);
    expect(() => resolveModelConfig({ channels: [4, 8], encoderBlocks: [1] })).toThrow(/encoderBlocks must list 2/);
    expect(() => resolveModelConfig({ norm: 'batch' as never })).toThrow(/norm must be one of/);
    expect(() => resolveModelConfig({ foo: 1 } as never)).toThrow(/unknown field 'foo'/);
    const m = createModel({ channels: [4, 8, 8] }, 0);
    expect(() => m.apply(tf.zeros([1, 6, 8, 1]))).toThrow(/multiples of 4/);
    expect(() => m.apply(tf.zeros([1, 8, 8, 8, 1]))).toThrow(/rank-4 input/);
  });
});

describe('architecture registry', () => {
  it('fills the default depths from the registry entry of each family', () => {
    expect(families).toEqual(['unet', 'resenc-unet', 'segresnet']);
    expect(resolveModelConfig({ family: 'unet', channels: [4, 8, 8] }).encoderBlocks).toEqual([2, 2, 2]);
    expect(resolveModelConfig({ family: 'resenc-unet', channels: [4, 8, 8, 8, 8, 8, 8] }).encoderBlocks).toEqual([1, 3, 4, 6, 6, 6, 6]);
    expect(resolveModelConfig({ family: 'segresnet', channels: [4, 8, 8, 8, 8] }).encoderBlocks).toEqual([1, 2, 2, 4, 4]);
    expect(families.map((f) => resolveModelConfig({ family: f }).decoderBlocks)).toEqual([2, 1, 1]);
  });

  it('counts the convolutions per stage that the memory pre-flight uses', () => {
    const cfg = { channels: [4, 8, 16], encoderBlocks: [1, 2, 3], decoderBlocks: 2 };
    // U-Net: 1 conv per encoder block; decoder stages add 2 convs + 1 up-convolution
    expect(ARCHITECTURES.unet.convsPerStage(cfg)).toEqual([1 + 3, 2 + 3, 3]);
    // ResEnc: 2 convs per residual block in the encoder; plain decoder
    expect(ARCHITECTURES['resenc-unet'].convsPerStage(cfg)).toEqual([2 + 3, 4 + 3, 6]);
    // SegResNet: 2 convs per residual block in both encoder and decoder
    expect(ARCHITECTURES.segresnet.convsPerStage(cfg)).toEqual([2 + 5, 4 + 5, 6]);
    for (const f of families) expect(ARCHITECTURES[f].convsPerStage(resolveModelConfig({ family: f }))).toHaveLength(3);
  });
});
