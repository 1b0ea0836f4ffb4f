/**
 * TFJS_BACKEND overrides automatic selection (here: the cpu backend, whose gradient
 * kernels this project patches) and is named in the report.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';

describe('TFJS_BACKEND', () => {
  it('selects the named backend', async () => {
    process.env.TFJS_BACKEND = 'cpu';
    try {
      const report = await initBackend();
      expect(report.name).toBe('cpu');
      expect(report.requestedBy).toBe('TFJS_BACKEND');
      expect(tf.getBackend()).toBe('cpu');
      expect(report.summary).toContain('[TFJS_BACKEND]');
    } finally {
      delete process.env.TFJS_BACKEND;
    }
  });
});
