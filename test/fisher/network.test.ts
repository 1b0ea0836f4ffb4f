import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fisherY, fisherZ, lesionVsRest, softmaxRows } from '../../lib/fisher/closed-form';
import { FisherBatch, measurePerExampleCost } from '../../lib/fisher/network';
import { empiricalFisher } from '../../lib/fisher/network-empirical';
import { exactFisher, ExactFisher } from '../../lib/fisher/network-exact';
import { monteCarloFisher } from '../../lib/fisher/network-monte-carlo';
import { Random } from '../../lib/core/random';
import { makeTinyNet, referenceJacobian, TinyNet } from './tiny-model';

const N = 3;
const V = 5;
let net: TinyNet;
let xData: Float64Array;
let batches: FisherBatch[];
let exact: Record<'y' | 'z', ExactFisher>;

/** Float64 reference Fisher of the tiny net: (1/N) Σ_n Σ_v Jᵀ I J. */
function referenceFisher(theta: Float64Array, coarse: boolean): Float64Array {
  const { C, H, K } = net;
  const P = theta.length;
  const F = new Float64Array(P * P);
  for (let i = 0; i < N * V; i++) {
    const { eta, jac } = referenceJacobian(theta, xData.subarray(i * C, (i + 1) * C), C, H, K);
    const p = softmaxRows(eta, K);
    const I = coarse ? fisherZ(p, lesionVsRest(K, K - 1)) : fisherY(p, K);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) {
      const w = I[a * K + b] / N;
      for (let r = 0; r < P; r++) for (let c = 0; c < P; c++) F[r * P + c] += w * jac[a * P + r] * jac[b * P + c];
    }
  }
  return F;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  net = makeTinyNet(1);
  const rng = new Random(3);
  xData = Float64Array.from({ length: N * V * net.C }, () => rng.normal());
  batches = [{ x: tf.tensor3d(Float32Array.from(xData), [N, V, net.C]) }];
  exact = await exactFisher(net.model, batches);
});

afterAll(() => {
  batches.forEach((b) => b.x.dispose());
  net.dispose();
});

describe('exact Fisher of a tiny network', () => {
  it('matches a float64 JS reference (diagonal and full matrix)', () => {
    const theta = net.theta(); // the float32 weights, exactly, in float64
    for (const lik of ['y', 'z'] as const) {
      const ref = referenceFisher(theta, lik === 'z');
      const P = theta.length;
      let maxRef = 0;
      let maxDiagErr = 0;
      let maxErr = 0;
      for (let i = 0; i < P; i++) {
        maxRef = Math.max(maxRef, Math.abs(ref[i * P + i]));
        maxDiagErr = Math.max(maxDiagErr, Math.abs(exact[lik].diagonal![i] - ref[i * P + i]));
        for (let j = 0; j < P; j++) maxErr = Math.max(maxErr, Math.abs(exact[lik].matrix[i * P + j] - ref[i * P + j]));
      }
      // float32 forward/backward passes, float64 accumulation: observed ~1e-7 relative
      expect(maxDiagErr).toBeLessThan(1e-5 * Math.max(1, maxRef));
      expect(maxErr).toBeLessThan(1e-5 * Math.max(1, maxRef));
      const refTrace = Array.from({ length: P }, (_, i) => ref[i * P + i]).reduce((a, b) => a + b, 0);
      expect(Math.abs(exact[lik].trace - refTrace)).toBeLessThan(1e-5 * refTrace);
    }
  });

  it('orders the traces: trace F_Y ≥ trace F_Z, per variable too', () => {
    expect(exact.y.trace).toBeGreaterThan(exact.z.trace);
    exact.y.perVariable.forEach((v, i) => expect(v.trace).toBeGreaterThanOrEqual(exact.z.perVariable[i].trace - 1e-9));
    expect(exact.y.perVariable.reduce((s, v) => s + v.trace, 0)).toBeCloseTo(exact.y.trace, 9);
  });

  it('2·KL(p_θ ‖ p_θ+dw) ≈ dwᵀ F dw for small dw (ratio within 5%), under Y and Z', async () => {
    const theta = net.theta();
    const P = theta.length;
    const rng = new Random(17);
    const dir = Float64Array.from({ length: P }, () => rng.normal());
    const norm = Math.sqrt(dir.reduce((s, d) => s + d * d, 0));
    const eps = 1e-2;
    const dw = dir.map((d) => (eps * d) / norm);
    // logits at θ and θ + dw, from the tfjs model (float32), KL in float64
    const logitsAt = async (shift: Float64Array | null): Promise<Float64Array> => {
      const saved = net.model.variables.map((v) => v.clone());
      if (shift) {
        let o = 0;
        for (const v of net.model.variables) {
          const vals = await v.data();
          v.assign(tf.tensor(Array.from(vals, (a, i) => a + shift[o + i]), v.shape));
          o += v.size;
        }
      }
      const out = tf.tidy(() => net.model.logits(batches[0].x));
      const data = Float64Array.from(await out.data());
      out.dispose();
      net.model.variables.forEach((v, i) => v.assign(saved[i]));
      saved.forEach((s) => s.dispose());
      return data;
    };
    // use the float32-rounded perturbation actually applied
    const theta2 = Float64Array.from(Float32Array.from(theta.map((t, i) => t + dw[i])));
    const dwApplied = theta2.map((t, i) => t - theta[i]);
    const p0 = softmaxRows(await logitsAt(null), net.K);
    const p1 = softmaxRows(await logitsAt(dw), net.K);
    const K = net.K;
    let klY = 0;
    let klZ = 0;
    for (let i = 0; i < N * V; i++) {
      let pL0 = 0;
      let pL1 = 0;
      for (let k = 0; k < K; k++) {
        klY += p0[i * K + k] * Math.log(p0[i * K + k] / p1[i * K + k]);
      }
      pL0 = p0[i * K + K - 1];
      pL1 = p1[i * K + K - 1];
      klZ += pL0 * Math.log(pL0 / pL1) + (1 - pL0) * Math.log((1 - pL0) / (1 - pL1));
    }
    const quad = (F: Float64Array): number => {
      let s = 0;
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) s += dwApplied[i] * F[i * P + j] * dwApplied[j];
      return s;
    };
    const ratioY = (2 * klY) / N / quad(exact.y.matrix);
    const ratioZ = (2 * klZ) / N / quad(exact.z.matrix);
    expect(Math.abs(ratioY - 1)).toBeLessThan(0.05);
    expect(Math.abs(ratioZ - 1)).toBeLessThan(0.05);
  });
});

describe('Monte-Carlo Fisher of a tiny network', () => {
  it('matches the exact Fisher within 4 standard errors (400 samples per image, seed 5), keeps tensor count flat, reports progress', async () => {
    const rng = new Random(23);
    const dirs = [net.model.variables.map((v) => tf.tensor(Array.from({ length: v.size }, () => rng.normal()), v.shape))];
    const exactDir = await exactFisher(net.model, batches, { directions: dirs });
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const mc = await monteCarloFisher(net.model, batches, { samples: 400, seed: 5, diagonal: true, directions: dirs, onProgress: (d) => progress.push(d) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([1, 2, 3]);
    for (const lik of ['y', 'z'] as const) {
      const est = mc[lik]!;
      const ex = exactDir[lik];
      expect(est.kind).toBe('monte-carlo');
      expect(est.samplesPerExample).toBe(400);
      expect(Math.abs(est.trace - ex.trace)).toBeLessThan(4 * est.traceStdError!);
      // the stated tolerance in relative terms at this sample count
      expect(Math.abs(est.trace - ex.trace) / ex.trace).toBeLessThan(0.1);
      est.perVariable.forEach((v, i) => expect(Math.abs(v.trace - ex.perVariable[i].trace)).toBeLessThan(4 * v.stdError! + 1e-12));
      expect(Math.abs(est.directional![0] - ex.directional![0])).toBeLessThan(4 * est.directionalStdError![0]);
      // diagonal: aggregate check (individual entries have no per-entry SE): relative L1 error
      let l1 = 0;
      let tot = 0;
      for (let i = 0; i < ex.numParams; i++) {
        l1 += Math.abs(est.diagonal![i] - ex.diagonal![i]);
        tot += ex.diagonal![i];
      }
      expect(l1 / tot).toBeLessThan(0.15);
    }
    // same θ, coupled samples: the Y trace exceeds the Z trace
    expect(mc.y!.trace).toBeGreaterThan(mc.z!.trace);
    dirs.flat().forEach((t) => t.dispose());
  });

  it('is reproducible from the seed and rejects bad arguments', async () => {
    const a = await monteCarloFisher(net.model, batches, { samples: 2, seed: 9, likelihoods: ['y'] });
    const b = await monteCarloFisher(net.model, batches, { samples: 2, seed: 9, likelihoods: ['y'] });
    const c = await monteCarloFisher(net.model, batches, { samples: 2, seed: 10, likelihoods: ['y'] });
    expect(a.y!.trace).toBe(b.y!.trace);
    expect(a.y!.trace).not.toBe(c.y!.trace);
    expect(a.z).toBeUndefined();
    await expect(monteCarloFisher(net.model, batches, { samples: 0 })).rejects.toThrow(/samples must be a positive integer, got 0/);
    const wrong = { ...net.model, groups: lesionVsRest(5, 4) };
    await expect(monteCarloFisher(wrong, batches)).rejects.toThrow(/logits have 4 classes, class groups expect 5/);
  });
});

describe('empirical Fisher', () => {
  it('uses the observed labels, says it is not a Fisher estimate, and matches float64 gradients', async () => {
    const { C, H, K } = net;
    const rng = new Random(31);
    const labels = Int32Array.from({ length: N * V }, () => rng.int(K));
    const emp = await empiricalFisher(net.model, [{ x: batches[0].x, labels }], { diagonal: true });
    expect(emp.y!.kind).toBe('empirical');
    expect(emp.y!.warning).toMatch(/not an estimate of the Fisher/);
    // reference: per image g = Σ_v Jᵀ (e_y − p) (Y) or Jᵀ (m_z − p) (Z); diag = mean_n g²
    const theta = net.theta();
    const P = theta.length;
    for (const lik of ['y', 'z'] as const) {
      const diag = new Float64Array(P);
      for (let n = 0; n < N; n++) {
        const g = new Float64Array(P);
        for (let v = 0; v < V; v++) {
          const i = n * V + v;
          const { eta, jac } = referenceJacobian(theta, xData.subarray(i * C, (i + 1) * C), C, H, K);
          const p = softmaxRows(eta, K);
          const y = labels[i];
          const lesion = K - 1;
          const pB = 1 - p[lesion];
          for (let k = 0; k < K; k++) {
            let s: number;
            if (lik === 'y') s = (k === y ? 1 : 0) - p[k];
            else if (y === lesion) s = (k === lesion ? 1 : 0) - p[k];
            else s = (k === lesion ? 0 : p[k] / pB) - p[k];
            for (let r = 0; r < P; r++) g[r] += s * jac[k * P + r];
          }
        }
        for (let r = 0; r < P; r++) diag[r] += (g[r] * g[r]) / N;
      }
      const maxRef = Math.max(...diag);
      for (let r = 0; r < P; r++) expect(Math.abs(emp[lik]!.diagonal![r] - diag[r])).toBeLessThan(1e-5 * Math.max(1, maxRef));
    }
    await expect(empiricalFisher(net.model, batches)).rejects.toThrow(/batch has no observed labels/);
  });
});

describe('per-example cost', () => {
  it('reports the loop time against one batched gradient', async () => {
    const cost = await measurePerExampleCost(net.model, batches[0], 3);
    expect(cost.backend).toBe('cpu');
    expect(cost.images).toBe(N);
    expect(cost.batchedMs).toBeGreaterThan(0);
    expect(cost.ratio).toBeGreaterThan(0);
    console.log(`per-example cost (tiny net, cpu): batched ${cost.batchedMs.toFixed(2)} ms, loop ${cost.perExampleLoopMs.toFixed(2)} ms, ratio ${cost.ratio.toFixed(2)}`);
  });
});
