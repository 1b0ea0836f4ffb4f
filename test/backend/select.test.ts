/**
 * initBackend with an explicit backend: validation of names, the report, idempotence,
 * refusal to switch, and that the (multi-threaded) wasm backend it sets up computes
 * conv gradients that match the float64 reference.
 */
import * as os from 'os';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName, BACKEND_NAMES } from '../../lib/backend';
import { convNdReference, relativeError } from '../../lib/backend/reference';
import { seededPair } from './helpers';

describe('backend names', () => {
  it('accepts the five names, auto and aliases', () => {
    for (const n of BACKEND_NAMES) expect(parseBackendName(n, 'test')).toBe(n);
    expect(parseBackendName(' WASM ', 'test')).toBe('wasm');
    expect(parseBackendName('auto', 'test')).toBe('auto');
    expect(parseBackendName('tensorflow', 'test')).toBe('tfjs-node');
  });

  it('rejects an unknown name with the list of valid names, before touching tfjs', async () => {
    await expect(initBackend({ backend: 'cuda' })).rejects.toThrow(
      "Unknown backend 'cuda' (from initBackend option \"backend\"); valid names: webgpu, tfjs-node-gpu, tfjs-node, wasm, cpu, auto",
    );
  });
});

// captured before initBackend patches (and must restore) them
const realBlob = globalThis.Blob;
const realCreateObjectURL = URL.createObjectURL;
// eslint-disable-next-line @typescript-eslint/no-var-requires
const realCpus = require('os').cpus;

describe('initBackend({backend: "wasm"})', () => {
  const requested = 2;
  const lines: string[] = [];

  it('selects wasm with the requested threads and reports why', async () => {
    const report = await initBackend({ backend: 'wasm', threads: requested, log: (l) => lines.push(l) });
    expect(report.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.requestedBy).toBe('option');
    expect(report.reasons).toHaveLength(1);
    expect(report.reasons[0].status).toBe('selected');
    expect(report.smokeRelativeError).toBeLessThan(1e-5);
    // the XNNPACK pool is capped at the machine's cores (and 8)
    expect(report.threads).toBe(Math.min(requested, os.cpus().length, 8));
    expect(report.summary).toMatch(/^backend wasm \(\d threads?\) on .+ \[option\]$/);
    expect(lines[lines.length - 1]).toBe(report.summary);
    expect(report.kernelPatches.map((k) => `${k.backend}:${k.kernel}`)).toEqual(
      expect.arrayContaining(['wasm:Conv2DBackpropFilter', 'cpu:Conv2DBackpropFilter', 'cpu:ResizeNearestNeighborGrad', 'wasm:MaxPoolGrad']),
    );
  });

  it('restores every global it patched to start the threaded binary', () => {
    expect(globalThis.Blob).toBe(realBlob);
    expect(URL.createObjectURL).toBe(realCreateObjectURL);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    expect(require('os').cpus).toBe(realCpus);
  });

  it('is idempotent and refuses to switch backends', async () => {
    const a = await initBackend({ backend: 'wasm' });
    const b = await initBackend();
    expect(b).toBe(a);
    await expect(initBackend({ backend: 'cpu' })).rejects.toThrow("backend already initialised as 'wasm' in this process; cannot switch to 'cpu'");
  });

  it('the threaded wasm backend computes conv2d gradients that match float64', () => {
    for (const [s, pad] of [[1, 'same'], [2, 'valid'], [2, 'same']] as const) {
      const x = seededPair([4, 17, 15, 8], 40 + s);
      const f = seededPair([3, 3, 8, 16], 41 + s);
      const y = tf.conv2d(x.t as tf.Tensor4D, f.t as tf.Tensor4D, s, pad);
      const dy = seededPair(y.shape, 42 + s);
      const ref = convNdReference(x.ref, f.ref, [s, s], pad, dy.ref);
      const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), dy.t)))([x.t, f.t]);
      expect(relativeError(y.dataSync(), ref.y.data)).toBeLessThan(1e-5);
      expect(relativeError(gx.dataSync(), ref.dx.data)).toBeLessThan(1e-5);
      expect(relativeError(gf.dataSync(), ref.dFilter.data)).toBeLessThan(1e-5);
      tf.dispose([x.t, f.t, y, dy.t, gx, gf]);
    }
  });
});
