/**
 * withSharedRenderer (lib/study/report.ts): reports written inside it share one Chromium — the
 * renderer is closed once, when the outermost hold ends — and a report outside it closes its own.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls = { render: 0, close: 0 };
vi.mock('../../lib/plot/render', async (orig) => ({
  ...(await orig<typeof import('../../lib/plot/render')>()),
  renderAvailability: () => ({ ok: true, executablePath: '/usr/bin/chromium' }),
  renderFigure: async () => {
    calls.render++;
    return Buffer.from('png');
  },
  closeSharedRenderer: async () => {
    calls.close++;
  },
}));

import { renderPngs, withSharedRenderer } from '../../lib/study/report';

const figs = { a: { data: [], layout: {} }, b: { data: [], layout: {} } };

describe('withSharedRenderer', () => {
  beforeEach(() => {
    calls.render = 0;
    calls.close = 0;
  });

  it('closes the renderer after each report outside a hold', async () => {
    await renderPngs(figs, () => undefined, () => undefined);
    await renderPngs(figs, () => undefined, () => undefined);
    expect(calls).toEqual({ render: 4, close: 2 });
  });

  it('keeps it open across reports inside a hold (nested too) and closes it once at the end', async () => {
    const value = await withSharedRenderer(async () => {
      await renderPngs(figs, () => undefined, () => undefined);
      await withSharedRenderer(() => renderPngs(figs, () => undefined, () => undefined));
      expect(calls.close).toBe(0);
      return 7;
    });
    expect(value).toBe(7);
    expect(calls).toEqual({ render: 4, close: 1 });
  });

  it('closes it when the work inside throws', async () => {
    await expect(withSharedRenderer(async () => {
      await renderPngs(figs, () => undefined, () => undefined);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(calls.close).toBe(1);
  });
});
