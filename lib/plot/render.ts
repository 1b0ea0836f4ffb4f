/**
 * Static export of figures to PNG or SVG through headless Chromium.
 *
 * Uses Debian's /usr/bin/chromium driven by npm playwright-core (an optional
 * dependency); no browser is ever downloaded. One browser and one page (with
 * plotly.js loaded from node_modules) are reused across renders; Plotly.toImage
 * produces the image. Playwright starts Chromium with a new, empty temporary
 * profile (user-data-dir) and deletes it on close.
 */
import * as fs from 'fs';
import type { Figure } from './types';
import { plotlyBundlePath } from './bundle';
import { writeFileAtomic } from '../core/atomic';

/** Output of {@link FigureRenderer.render}. */
export type ImageFormat = 'png' | 'svg';

export interface RenderOptions {
  format: ImageFormat;
  /** Image width in CSS pixels (default: layout.width, else 900). */
  width?: number;
  /** Image height in CSS pixels (default: layout.height, else 500). */
  height?: number;
  /** Pixel density for PNG (default 1: the PNG is exactly width × height). */
  scale?: number;
  /** Also write the image to this path (atomically). */
  path?: string;
}

/** A reusable browser that renders figures; call close() when done. */
export interface FigureRenderer {
  render(fig: Figure, opts: RenderOptions): Promise<Buffer>;
  close(): Promise<void>;
}

/** Flags passed to Chromium besides Playwright's own headless defaults. */
export const CHROMIUM_FLAGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);

/** Where Chromium is looked for: $BACKSPLIT_CHROMIUM, then Debian's paths. */
export function chromiumCandidates(): string[] {
  const env = process.env.BACKSPLIT_CHROMIUM;
  return [...(env ? [env] : []), '/usr/bin/chromium', '/usr/bin/chromium-browser'];
}

/**
 * Whether static export can work here: the Chromium path when ok, else why not (one line).
 * (Not a discriminated union: tslab compiles without strictNullChecks, where those do not narrow.)
 */
export interface RenderAvailability {
  ok: boolean;
  executablePath?: string;
  reason?: string;
}

/** Check for a Chromium executable and the playwright-core package without starting anything. */
export function renderAvailability(): RenderAvailability {
  const exe = chromiumCandidates().find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!exe) return { ok: false, reason: `no Chromium executable at ${chromiumCandidates().join(' or ')} (Debian: apt-get install chromium)` };
  try {
    require.resolve('playwright-core');
  } catch {
    return { ok: false, reason: 'npm package playwright-core (optional dependency) is not installed' };
  }
  return { ok: true, executablePath: exe };
}

// The few Playwright shapes we use; playwright-core is optional, so it is required at run time.
interface PwPage {
  setContent(html: string): Promise<void>;
  addScriptTag(opts: { path: string }): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
  setDefaultTimeout(ms: number): void;
}
interface PwBrowser {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}
interface PwChromium {
  launch(opts: { executablePath: string; headless: boolean; args: string[]; chromiumSandbox: boolean; timeout: number }): Promise<PwBrowser>;
}

function checkSize(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > 10000) throw new RangeError(`renderFigure: ${name} must be an integer in 1..10000, got ${v}`);
}

/**
 * Start Chromium and load plotly.js into a blank page.
 * @param opts executablePath (default: first of {@link chromiumCandidates}), timeoutMs per step (default 60000)
 * @throws Error with the reason when Chromium or playwright-core is missing
 */
export async function createRenderer(opts: { executablePath?: string; timeoutMs?: number } = {}): Promise<FigureRenderer> {
  const avail = renderAvailability();
  const executablePath = opts.executablePath ?? avail.executablePath;
  if (!executablePath || (!avail.ok && !opts.executablePath)) {
    throw new Error(`createRenderer: static export unavailable: ${avail.reason ?? 'no Chromium executable'}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as { chromium: PwChromium };
  const timeout = opts.timeoutMs ?? 60_000;
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    // Playwright adds --headless and --no-sandbox itself; the rest keep Chromium off the network.
    args: CHROMIUM_FLAGS.filter((f) => f !== '--headless' && f !== '--no-sandbox'),
    timeout,
  });
  let page: PwPage;
  try {
    page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ path: plotlyBundlePath() });
    const ok = await page.evaluate('typeof window.Plotly === "object" && typeof window.Plotly.toImage === "function"');
    if (ok !== true) throw new Error('plotly.js did not define window.Plotly.toImage in the page');
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw new Error(`createRenderer: could not prepare the page with ${plotlyBundlePath()}: ${(e as Error).message}`, { cause: e });
  }
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const renderOne = async (fig: Figure, ro: RenderOptions): Promise<Buffer> => {
    if (closed) throw new Error('renderFigure: renderer is closed');
    if (ro.format !== 'png' && ro.format !== 'svg') throw new RangeError(`renderFigure: format must be 'png' or 'svg', got '${String(ro.format)}'`);
    const width = ro.width ?? (typeof fig.layout.width === 'number' ? fig.layout.width : 900);
    const height = ro.height ?? (typeof fig.layout.height === 'number' ? fig.layout.height : 500);
    checkSize('width', width);
    checkSize('height', height);
    const scale = ro.scale ?? 1;
    if (!(scale > 0 && scale <= 8)) throw new RangeError(`renderFigure: scale must be in (0, 8], got ${scale}`);
    const spec = JSON.stringify({ data: fig.data, layout: { ...fig.layout, width, height }, config: { ...(fig.config ?? {}), responsive: false } });
    const expr = `(async () => window.Plotly.toImage(${spec}, ${JSON.stringify({ format: ro.format, width, height, scale })}))()`;
    const url = await page.evaluate(expr);
    if (typeof url !== 'string') throw new Error(`renderFigure: Plotly.toImage returned ${typeof url}, expected a data URL`);
    let out: Buffer;
    if (ro.format === 'png') {
      const m = /^data:image\/png;base64,(.*)$/s.exec(url);
      if (!m) throw new Error(`renderFigure: expected a PNG data URL, got '${url.slice(0, 40)}…'`);
      out = Buffer.from(m[1], 'base64');
    } else {
      const comma = url.indexOf(',');
      if (!url.startsWith('data:image/svg+xml') || comma < 0) throw new Error(`renderFigure: expected an SVG data URL, got '${url.slice(0, 40)}…'`);
      const payload = url.slice(comma + 1);
      out = url.slice(0, comma).endsWith(';base64') ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8');
    }
    if (ro.path) writeFileAtomic(ro.path, out);
    return out;
  };
  return {
    render(fig, ro) {
      // One page, one render at a time.
      const next = queue.then(() => renderOne(fig, ro));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await browser.close();
    },
  };
}

let shared: Promise<FigureRenderer> | null = null;

/** The process-wide renderer used by {@link renderFigure} (started on first use). */
export function sharedRenderer(): Promise<FigureRenderer> {
  if (!shared) {
    shared = createRenderer();
    shared.catch(() => {
      shared = null;
    });
  }
  return shared;
}

/** Close the process-wide renderer, if one was started (lets a script exit). */
export async function closeSharedRenderer(): Promise<void> {
  const s = shared;
  shared = null;
  if (s) await (await s).close();
}

/**
 * Render a figure to PNG or SVG bytes in headless Chromium, optionally writing
 * the file atomically. Reuses one browser per process; call
 * {@link closeSharedRenderer} at the end of a script.
 * @example await renderFigure(fig, {format: 'png', width: 900, height: 500, path: 'report/dice.png'})
 */
export async function renderFigure(fig: Figure, opts: RenderOptions & { renderer?: FigureRenderer }): Promise<Buffer> {
  const r = opts.renderer ?? (await sharedRenderer());
  return r.render(fig, opts);
}
