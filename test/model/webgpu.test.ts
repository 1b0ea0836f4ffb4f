/**
 * The model and training code on WebGPU (Dawn's OpenGL ES compatibility adapter
 * over Mesa llvmpipe when there is no GPU; skipped, saying why, without any
 * adapter): losses and gradients of all three families, 2D and 3D with deep
 * supervision, match the cpu backend, and a short training run gives the same
 * loss curve. Guards the WebGPU pitfalls the code works around: rank-5 'where'
 * and broadcasting, int32 one-hot reductions, dataSync, and the 8-storage-buffer
 * limit (tf.addN over many gradients).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, installWebGpu } from '../../lib/backend';
import { createModel, totalLoss, ModelConfig } from '../../lib/model';
import { resolveTrainConfig } from '../../lib/train';
import { train } from '../../lib/run';
import { tinyCases } from '../train/helpers/fixtures';

async function lossAndGradNorms(cfg: Partial<ModelConfig>, shape: number[]): Promise<number[]> {
  const m = createModel(cfg, 1);
  const n = shape.reduce((a, c) => a * c, 1);
  const x = tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3)), shape);
  const y = tf.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % 3), shape.slice(0, -1), 'int32');
  const { value, grads } = tf.variableGrads(() => totalLoss(m.apply(x, true), y, { kind: 'dice-ce' }), [...m.variables.values()]);
  const out = [(await value.data())[0]];
  for (const v of m.variables.values()) {
    const g = (await grads[v.name].data()) as Float32Array;
    out.push(Math.sqrt(g.reduce((s, a) => s + a * a, 0)));
  }
  tf.dispose([x, y, value, ...Object.values(grads)]);
  m.dispose();
  return out;
}

describe('models on WebGPU', () => {
  it('match cpu losses, gradients and a short training loss curve', async (ctx) => {
    const probe = await installWebGpu(true);
    if (!probe.found) {
      ctx.skip(`no WebGPU adapter: ${probe.detail}`);
      return;
    }
    await initBackend({ backend: 'webgpu' });
    const nets: [Partial<ModelConfig>, number[]][] = [
      [{ family: 'unet', spatialDims: 2, channels: [4, 8], numClasses: 3, deepSupervision: true }, [2, 8, 8, 1]],
      [{ family: 'segresnet', spatialDims: 3, channels: [4, 8], numClasses: 3, deepSupervision: true, norm: 'group', groups: 2 }, [2, 4, 4, 4, 1]],
      [{ family: 'resenc-unet', spatialDims: 3, channels: [4, 8], numClasses: 3, norm: 'instance' }, [2, 4, 4, 4, 1]],
    ];
    const cases = tinyCases(3);
    const config = resolveTrainConfig({
      mode: 'backsplit',
      model: { channels: [4, 8], deepSupervision: true },
      patchSize: [8, 8],
      batchSize: 2,
      steps: 6,
      learningRate: 0.01,
      validation: { cases: 0, every: 0, overlap: 0 },
      outputDir: 'unused',
    });
    const results: Record<string, { nets: number[][]; curve: number[] }> = {};
    for (const backend of ['webgpu', 'cpu']) {
      await tf.setBackend(backend);
      const netResults: number[][] = [];
      for (const [cfg, shape] of nets) netResults.push(await lossAndGradNorms(cfg, shape));
      const r = await train({ config, trainCases: cases, runDir: null });
      results[backend] = { nets: netResults, curve: r.lossCurve.map((l) => l.loss) };
      r.model.dispose();
    }
    await tf.setBackend('cpu');
    results.webgpu.nets.forEach((vals, i) => {
      vals.forEach((v, j) => {
        const c = results.cpu.nets[i][j];
        expect(Math.abs(v - c) / (Math.abs(c) + 1e-6), `net ${i}, ${j === 0 ? 'loss' : `gradient ${j - 1}`}`).toBeLessThan(1e-4);
      });
    });
    results.webgpu.curve.forEach((v, i) => expect(v).toBeCloseTo(results.cpu.curve[i], 4));
  });
});
