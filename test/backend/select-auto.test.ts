/**
 * Automatic backend selection (no option, no TFJS_BACKEND): every candidate is listed in
 * order with a reason, exactly one is selected, and the chosen one passes the smoke test.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, BACKEND_NAMES } from '../../lib/backend';

describe('initBackend() automatic selection', () => {
  it('tries candidates in order and explains each one', async () => {
    delete process.env.TFJS_BACKEND;
    const report = await initBackend();
    expect(report.requestedBy).toBe('auto');
    expect(report.reasons.map((r) => r.backend)).toEqual([...BACKEND_NAMES]);
    const idx = report.reasons.findIndex((r) => r.status === 'selected');
    expect(idx).toBeGreaterThanOrEqual(0);
    expect(report.reasons[idx].backend).toBe(report.name);
    for (const r of report.reasons.slice(0, idx)) expect(['skipped', 'failed']).toContain(r.status);
    for (const r of report.reasons.slice(idx + 1)) expect(r.status).toBe('not-tried');
    for (const r of report.reasons) expect(r.detail.length).toBeGreaterThan(0);
    expect(tf.getBackend()).toBe(report.tfjsName);
    expect(report.smokeRelativeError).toBeLessThan(1e-4);
    // every skipped candidate appears in the one-line summary with its reason
    for (const r of report.reasons) if (r.status !== 'selected') expect(report.summary).toContain(`${r.backend}: ${r.status} (`);
  });
});
