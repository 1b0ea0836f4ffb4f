import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lesionVsRest } from '../../lib/fisher/closed-form';
import { FisherBatch, layersModelVariables } from '../../lib/fisher/network';
import { exactFisher } from '../../lib/fisher/network-exact';
import { monteCarloFisher } from '../../lib/fisher/network-monte-carlo';
import { fisherReport } from '../../lib/fisher/report';
import { fisherPencil } from '../../lib/fisher/invariants';
import { Random } from '../../lib/core/random';

// A tf.LayersModel with spatial inputs [N, 3, 3, 2] → logits [N, 3, 3, 3] (two 1×1 convolutions),
// to exercise the generic interface with a real Layers model and spatial output.
let model: tf.Sequential;
let batches: FisherBatch[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [3, 3, 2], filters: 3, kernelSize: 1, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), biasInitializer: 'zeros' }),
      tf.layers.conv2d({ filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }), biasInitializer: 'ones' }),
    ],
  });
  const rng = new Random(4);
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 9 * 2 }, () => rng.normal()), [2, 3, 3, 2]);
  batches = [{ x, labels: Int32Array.from({ length: 18 }, () => rng.int(3)) }];
});

afterAll(() => {
  batches.forEach((b) => b.x.dispose());
  model.dispose();
});

describe('fisherReport', () => {
  const reportModel = () => ({ logits: (x: tf.Tensor) => model.apply(x) as tf.Tensor, variables: layersModelVariables(model), lesionClass: 2, numClasses: 3 });

  it('reports exact traces of a LayersModel that equal exactFisher, as plain JSON', async () => {
    const rm = reportModel();
    const rep = await fisherReport(rm, batches, { kind: 'exact' });
    const ex = await exactFisher({ logits: rm.logits, variables: rm.variables, groups: lesionVsRest(3, 2) }, batches);
    expect(rep.kind).toBe('exact');
    expect(rep.backend).toBe('cpu');
    expect(rep.numParams).toBe(2 * 3 + 3 + 3 * 3 + 3);
    expect(rep.y.trace).toBe(ex.y.trace);
    expect(rep.z.trace).toBe(ex.z.trace);
    expect(rep.y.perLayer.map((l) => l.size)).toEqual([6, 3, 9, 3]);
    expect(rep.traceRatio).toBeGreaterThan(1);
    const json = JSON.parse(JSON.stringify(rep));
    expect(json.y.perLayer[0].trace).toBeCloseTo(rep.y.perLayer[0].trace, 12);
    // the invariant summary beside the (parameterisation-dependent) trace ratio
    const pencil = fisherPencil(ex.y.matrix, ex.z.matrix, ex.y.numParams);
    expect(rep.pencil).toEqual(pencil);
    expect(rep.pencil!.dimension).toBeGreaterThan(0);
    expect(rep.pencil!.smallest).toBeGreaterThan(1 - 1e-6);
    expect(rep.pencil!.largest).toBeGreaterThan(1);
    expect(json.pencil.subspace).toMatch(/range of F_Z/);
  });

  it('MC report agrees with exact within 4 standard errors (150 samples, seed 2), and with monteCarloFisher', async () => {
    const rm = reportModel();
    const before = tf.memory().numTensors;
    const mc = await fisherReport(rm, batches, { kind: 'mc', samples: 150, seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const ex = await fisherReport(rm, batches, { kind: 'exact' });
    for (const lik of ['y', 'z'] as const) {
      expect(Math.abs(mc[lik].trace - ex[lik].trace)).toBeLessThan(4 * mc[lik].traceStdError!);
    }
    const direct = await monteCarloFisher({ logits: rm.logits, variables: rm.variables, groups: lesionVsRest(3, 2) }, batches, { samples: 150, seed: 2 });
    expect(mc.y.trace).toBe(direct.y!.trace);
    expect(mc.description).toMatch(/sampled per voxel from the model/);
  });

  it('labels the empirical kind as not a Fisher estimate and rejects unknown kinds', async () => {
    const rep = await fisherReport(reportModel(), batches, { kind: 'empirical' });
    expect(rep.description).toMatch(/NOT an estimate of the Fisher/);
    expect(rep.samplesPerExample).toBe(1);
    await expect(fisherReport(reportModel(), batches, { kind: 'bogus' as never })).rejects.toThrow(/kind must be 'mc', 'exact' or 'empirical', got 'bogus'/);
  });
});
