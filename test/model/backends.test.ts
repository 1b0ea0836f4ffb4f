/**
 * Whole-network gradients agree across backends: a small U-Net (2D) and ResEnc
 * U-Net (3D, which runs conv3dSafe's depth-sliced path on wasm) give the same
 * loss gradients on wasm as on the cpu backend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerBackendKernels } from '../../lib/backend';
import { createModel, totalLoss, ModelConfig } from '../../lib/model';
import { Random } from '../../lib/core/random';

let wasmOk = false;
beforeAll(async () => {
  registerBackendKernels();
  await tf.setBackend('cpu');
  try {
    wasmOk = await tf.setBackend('wasm');
  } catch {
    wasmOk = false;
  }
  await tf.setBackend('cpu');
});

async function gradsOn(backend: string, cfg: Partial<ModelConfig>, shape: number[]): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  await tf.setBackend(backend);
  const m = createModel(cfg, 3);
  const rng = new Random(4);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
  const y = tf.tensor(Int32Array.from({ length: n }, () => rng.int(cfg.numClasses!)), shape.slice(0, -1), 'int32');
  const { value, grads } = tf.variableGrads(() => totalLoss(m.apply(x, true), y, { kind: 'dice-ce' }), [...m.variables.values()]);
  const out = new Map<string, Float32Array>();
  for (const [name, v] of m.variables) out.set(name, (await grads[v.name].data()) as Float32Array);
  const loss = (await value.data())[0];
  m.dispose();
  return { loss, grads: out };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

describe('gradients on wasm equal cpu', () => {
  const cases: [string, Partial<ModelConfig>, number[]][] = [
    ['2D U-Net, instance norm, deep supervision', { family: 'unet', spatialDims: 2, channels: [4, 8, 8], numClasses: 3, deepSupervision: true }, [2, 16, 16, 1]],
    ['3D ResEnc U-Net, group norm', { family: 'resenc-unet', spatialDims: 3, channels: [4, 8], encoderBlocks: [1, 2], numClasses: 3, norm: 'group', groups: 2 }, [2, 8, 8, 8, 1]],
  ];
  for (const [label, cfg, shape] of cases) {
    it(label, async (ctx) => {
      if (!wasmOk) ctx.skip();
      const cpu = await gradsOn('cpu', cfg, shape);
      const wasm = await gradsOn('wasm', cfg, shape);
      await tf.setBackend('cpu');
      expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
      let worst = 0;
      let worstName = '';
      for (const [name, g] of cpu.grads) {
        const e = relErr(wasm.grads.get(name)!, g);
        if (e > worst) {
          worst = e;
          worstName = name;
        }
      }
      expect(worst, `worst variable ${worstName}`).toBeLessThan(1e-3);
    });
  }
});
