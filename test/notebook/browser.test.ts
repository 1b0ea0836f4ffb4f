/**
 * The course as a student meets it: classic Jupyter Notebook (Debian's jupyter-notebook) on
 * 127.0.0.1 with a random token, driven in Debian's Chromium by playwright-core. Each notebook
 * is opened (it must not be marked "unsaved" by the kernel's metadata), run with Kernel →
 * Restart & Run All in small mode (BACKSPLIT_SMOKE=1 in Jupyter's environment, which the
 * kernels inherit), and checked: every code cell ran, no error output, every plotly figure drew
 * an SVG with data, progress lines are rewritten in place without stale characters, and the
 * defects of issue 16 stay fixed. Screenshots go to build/notebooks/<name>.png and the times to
 * build/notebooks/browser-times.json. Jupyter serves a temporary copy of notebooks/, so autosave
 * can never write outputs into the committed files; everything it started is stopped at the end.
 * Skips, with the reason, when Jupyter Notebook or Chromium is missing.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notebookRequirements, unmetRequirement } from '../../lib/notebook/requirements';
import { readNotebook } from '../../lib/notebook/runner';
import { CHROMIUM_FLAGS, renderAvailability } from '../../lib/plot/render';
import { browserSkipReason, jupyterCommand } from './browser-env';

const root = path.resolve(__dirname, '..', '..');
const outDir = path.join(root, 'build', 'notebooks');
/** BACKSPLIT_BROWSER_NOTEBOOKS=01_data.ipynb,03_training.ipynb runs only those (for debugging). */
const only = (process.env.BACKSPLIT_BROWSER_NOTEBOOKS ?? '').split(',').filter(Boolean);
const notebooks = fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb') && (only.length === 0 || only.includes(f))).sort();
/** Notebooks with a long-running cell that must show a live progress line. */
const PROGRESS_NOTEBOOKS = ['03_training.ipynb', '04_fisher.ipynb', '05_evaluation.ipynb', '06_your_data.ipynb', '07_real_data.ipynb'];
/** Most seconds one notebook may take in small mode before the test gives up on it. */
const NOTEBOOK_TIMEOUT_S = Number(process.env.BACKSPLIT_BROWSER_TIMEOUT_S ?? 600);

const render = renderAvailability();
const jupyter = jupyterCommand();
const skipReason = browserSkipReason();
if (skipReason) console.warn(`[test/notebook/browser] skipped: ${skipReason}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The few Playwright shapes we use (playwright-core is an optional dependency).
interface Page {
  goto(url: string, opts?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
  reload(opts?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, opts?: { timeout?: number; polling?: number }): Promise<unknown>;
  evaluate<T>(fn: string | ((arg: never) => T), arg?: unknown): Promise<T>;
  click(selector: string, opts?: { timeout?: number }): Promise<void>;
  screenshot(opts: { path: string; fullPage?: boolean }): Promise<unknown>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  on(event: 'dialog', fn: (d: { accept(): Promise<void> }) => void): void;
  close(): Promise<void>;
}
interface Browser {
  newContext(opts: { viewport: { width: number; height: number } }): Promise<{ newPage(): Promise<Page>; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** One status message of the kernel as the page received it. */
interface StatusRecord {
  state: string;
  parentId: string | null;
  parentType: string | null;
  /** the kernel's time stamp of the message (ms since the epoch) */
  kernelMs: number;
  /** when the page handled it */
  pageMs: number;
  cell: number;
}

/**
 * What the kernel's status messages say about serialisation: execute requests whose busy came before the
 * previous one's idle (overlaps: the defect of issue 16, whatever the load; any other shell request that
 * overlaps one counts too), kernel_info requests that went busy while another request ran (outOfBand:
 * reported, not a defect, see below), and the longest stretch, by the kernel's
 * clock, from one execute request's idle to the next one's busy while more cells were queued.
 *
 * Why kernel_info requests are set apart: when the page's websocket (re)connects, the Notebook server
 * "nudges" the kernel with a kernel_info_request on the shell and on the control channel every 0.5 s until
 * it hears back (notebook 6.4, services/kernels/handlers.py). The control channel is answered out of band
 * by the Jupyter protocol, while a cell runs (the launcher serialises the shell socket only, as IPython
 * does), so its busy/idle pair lands inside the running cell. CI saw five of them inside one cell of 05
 * and four in 06 under the full suite's load (stop 27); they are the server's, not the notebook's.
 */
function statusSerialisation(status: readonly StatusRecord[]): { overlaps: string[]; outOfBand: string[]; longestGapMs: number; gapCell: number } {
  const overlaps: string[] = [];
  const outOfBand: string[] = [];
  const open = new Map<string, StatusRecord>();
  let longestGapMs = 0;
  let gapCell = 0;
  let lastIdle: StatusRecord | undefined;
  for (const m of status) {
    if (!m.parentId) continue;
    if (m.state === 'busy') {
      for (const o of open.values()) {
        const line = `${m.parentType} of cell ${m.cell} went busy while ${o.parentType} of cell ${o.cell} had not gone idle`;
        if (m.parentType === 'kernel_info_request' || o.parentType === 'kernel_info_request') outOfBand.push(line);
        else overlaps.push(line);
      }
      open.set(m.parentId, m);
      if (lastIdle && m.parentType === 'execute_request' && m.kernelMs - lastIdle.kernelMs > longestGapMs) {
        longestGapMs = m.kernelMs - lastIdle.kernelMs;
        gapCell = m.cell;
      }
    } else if (m.state === 'idle') {
      open.delete(m.parentId);
      if (m.parentType === 'execute_request') lastIdle = m;
    }
  }
  return { overlaps, outOfBand, longestGapMs, gapCell };
}

/** What the page reports about a finished notebook run. */
interface RunState {
  dirtyOnOpen: boolean;
  codeCells: number;
  unrun: number[];
  /** longest time (ms) the kernel indicator showed idle while a cell was running or queued */
  idleWhileRunningMs: number;
  /** the cell that was running during that longest stretch, when it began and the kernel's connection events */
  idleWhere: string;
  kernelEvents: string[];
  /** the kernel's status messages in the order the page received them (cell: 1-based index of the cell whose request it answers, 0 = none) */
  status: StatusRecord[];
  /** code cells whose "finished" event (all outputs in) never came: the wait ended on a quiet page instead */
  unfinished: number[];
  errors: string[];
  figures: {
    id: string; drawn: boolean; traces: number; svg: boolean; marks: number; title: string; sliderValue: string | null;
    /** Axis titles and tick labels that stick out of the figure (clipped when drawn). */
    clipped: string[];
    colorscale: [number, string][] | null;
  }[];
  progress: { cell: number; label: string; texts: string[]; finalCount: number }[];
  outputsText: string;
}

const times: Record<string, { seconds: number; ok: boolean; skipped?: string; phases?: string}> = {};

// The judgement on status messages, on sequences written by hand (runs without a browser)
describe('statusSerialisation', () => {
  const rec = (state: string, parentId: string, parentType: string, kernelMs: number, cell: number): StatusRecord =>
    ({ state, parentId, parentType, kernelMs, pageMs: kernelMs, cell });
  it('fails two requests that overlap, reports a control-channel kernel_info inside a cell, and measures the idle-to-busy gap', () => {
    const serial = statusSerialisation([
      rec('busy', 'a', 'execute_request', 0, 1), rec('busy', 'k', 'kernel_info_request', 10, 0),
      rec('idle', 'k', 'kernel_info_request', 11, 0), rec('idle', 'a', 'execute_request', 100, 1),
      rec('busy', 'b', 'execute_request', 1300, 2), rec('idle', 'b', 'execute_request', 1400, 2),
    ]);
    expect(serial).toEqual({ overlaps: [], outOfBand: ['kernel_info_request of cell 0 went busy while execute_request of cell 1 had not gone idle'],
      longestGapMs: 1200, gapCell: 2 });
    const overlapping = statusSerialisation([
      rec('busy', 'a', 'execute_request', 0, 1), rec('busy', 'b', 'execute_request', 1, 2),
      rec('idle', 'a', 'execute_request', 5, 1), rec('idle', 'b', 'execute_request', 9, 2),
    ]);
    expect(overlapping.overlaps).toEqual(['execute_request of cell 2 went busy while execute_request of cell 1 had not gone idle']);
    const completion = statusSerialisation([
      rec('busy', 'a', 'execute_request', 0, 1), rec('busy', 'c', 'complete_request', 1, 0),
      rec('idle', 'c', 'complete_request', 2, 0), rec('idle', 'a', 'execute_request', 5, 1),
    ]);
    expect(completion.overlaps).toEqual(['complete_request of cell 0 went busy while execute_request of cell 1 had not gone idle']);
  });
});

describe.skipIf(Boolean(skipReason))('notebooks in a real browser (Jupyter Notebook + Chromium)', () => {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let base = '';
  let token = '';
  let work = '';
  let serverLog = '';

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-browser-'));
    const served = path.join(work, 'notebooks');
    fs.mkdirSync(served);
    for (const f of notebooks) fs.copyFileSync(path.join(root, 'notebooks', f), path.join(served, f));
    for (const d of ['config', 'data', 'runtime', 'home']) fs.mkdirSync(path.join(work, d));
    token = randomBytes(24).toString('hex');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      jupyter!,
      ['--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--NotebookApp.token=${token}`, `--notebook-dir=${served}`, ...(process.getuid?.() === 0 ? ['--allow-root'] : [])],
      {
        cwd: work,
        detached: true, // its own process group: kernels included, all stopped together at the end
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          BACKSPLIT_SMOKE: '1',
          JUPYTER_PATH: path.join(root, 'jupyter'),
          JUPYTER_CONFIG_DIR: path.join(work, 'config'),
          JUPYTER_DATA_DIR: path.join(work, 'data'),
          JUPYTER_RUNTIME_DIR: path.join(work, 'runtime'),
          IPYTHONDIR: path.join(work, 'home'),
        },
      },
    );
    const keep = (d: Buffer) => {
      serverLog = (serverLog + d.toString()).slice(-20000);
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const res = await fetch(`${base}/api/kernelspecs?token=${token}`);
        if (res.ok) {
          const specs = (await res.json()) as { kernelspecs: Record<string, unknown> };
          expect(Object.keys(specs.kernelspecs)).toContain('backsplit-tslab');
          break;
        }
      } catch {
        // not listening yet
      }
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`Jupyter did not start:\n${serverLog}`);
      await sleep(300);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core') as { chromium: { launch(o: unknown): Promise<Browser> } };
    browser = await chromium.launch({
      executablePath: render.executablePath,
      headless: true,
      chromiumSandbox: false,
      args: [...CHROMIUM_FLAGS], // playwright gives each launch a fresh temporary profile
      timeout: 60_000,
    });
    fs.mkdirSync(outDir, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server && server.exitCode === null && base) {
      // shut kernels down through the API, then Jupyter itself; then make sure the group is gone
      try {
        const res = await fetch(`${base}/api/kernels?token=${token}`);
        const kernels = (await res.json()) as { id: string }[];
        await Promise.all(kernels.map((k) => fetch(`${base}/api/kernels/${k.id}?token=${token}`, { method: 'DELETE' })));
      } catch {
        // Jupyter already gone
      }
      const exited = new Promise((r) => server!.once('exit', r));
      process.kill(-server.pid!, 'SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      try {
        process.kill(-server.pid!, 'SIGKILL');
      } catch {
        // the whole group has exited
      }
    }
    fs.writeFileSync(path.join(outDir, 'browser-times.json'), JSON.stringify(times, null, 1) + '\n');
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it.each(notebooks.map((n) => [n]))('%s: Restart & Run All in small mode', async (name) => {
    const t0 = Date.now();
    const skipped = unmetRequirement(notebookRequirements(readNotebook(path.join(root, 'notebooks', name)).metadata, name), root, {
      ...process.env,
      BACKSPLIT_SMOKE: '1',
    });
    if (skipped) {
      times[name] = { seconds: 0, ok: true, skipped };
      console.warn(`[test/notebook/browser] ${name} not run: ${skipped}`);
      return;
    }
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept()); // "leave page?" prompts
    let state: RunState | undefined;
    let phases = '';
    try {
      // the page, then the kernel's first reply; a kernel that has not answered after 90 s (seen once in
      // a full npm test on a loaded machine, never reproduced alone) gets one more chance: the page is
      // reloaded, which connects to the kernel again or starts a new one. The failure names what was missing.
      const ready = 'window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded && Jupyter.notebook.kernel && Jupyter.notebook.kernel.info_reply && Jupyter.notebook.kernel.info_reply.language_info';
      const missing = `(() => { const J = window.Jupyter; if (!J || !J.notebook) return 'the notebook app'; if (!J.notebook._fully_loaded) return 'the notebook (not fully loaded)'; ` +
        `if (!J.notebook.kernel) return 'a kernel'; return 'the kernel\\'s kernel_info reply (kernel ' + J.notebook.kernel.id + ')'; })()`;
      await page.goto(`${base}/notebooks/${encodeURIComponent(name)}?token=${token}`, { waitUntil: 'load', timeout: 60_000 });
      for (let attempt = 1; ; attempt++) {
        try {
          await page.waitForFunction(ready, undefined, { timeout: 90_000, polling: 200 });
          break;
        } catch (e) {
          const what = await page.evaluate<string>(missing).catch(() => 'the page');
          if (attempt >= 2) throw new Error(`${name}: after 2 × 90 s still waiting for ${what}: ${(e as Error).message}`);
          console.warn(`[test/notebook/browser] ${name}: after 90 s still waiting for ${what}; reloading the page once`);
          await page.reload({ waitUntil: 'load', timeout: 60_000 });
        }
      }
      await sleep(500); // let kernel_ready handlers settle the dirty flag
      const dirtyOnOpen = await page.evaluate<boolean>('Jupyter.notebook.dirty');
      const tOpen = Date.now();
      await page.evaluate(`(() => {
        Jupyter.notebook.set_autosave_interval(0);
        // every text each progress line shows, per cell and label (the text before its bar), as it
        // changes; Jupyter replaces a display's element on update_display_data, so key by label
        // cells whose outputs have all arrived: Jupyter fires finished_execute.CodeCell at the kernel's idle
        // status for the cell's request, which comes on iopub after every output. The execute reply (which
        // numbers the cell) comes on shell and can overtake them: under load 02's later figures were not in
        // the page yet when every cell already had its number.
        window.__finished = new WeakSet();
        window.__finishedCount = 0;
        Jupyter.notebook.events.on('finished_execute.CodeCell', (e, d) => { window.__finished.add(d.cell); window.__finishedCount++; });
        window.__progress = new Map();
        const seen = (el) => {
          const pre = el.closest && el.closest('.output_subarea');
          if (!pre || !/ETA [0-9?]/.test(pre.textContent)) return;
          const cell = pre.closest('.cell');
          const idx = Jupyter.notebook.get_cells().findIndex((c) => c.element[0] === cell);
          const text = pre.textContent;
          const label = text.split(' [')[0].trim();
          const key = idx + '|' + label;
          if (!window.__progress.has(key)) window.__progress.set(key, { cell: idx, label: label, texts: [] });
          const rec = window.__progress.get(key);
          if (rec.texts[rec.texts.length - 1] !== text) rec.texts.push(text);
        };
        window.__lastChange = Date.now();
        // the longest stretch with a cell running or queued while the kernel indicator said idle (issue 16:
        // 03 and 04 showed idle for 12–31 s while their cells still ran), counted from the first finished cell on: Restart &
        // Run All queues every cell while the kernel is still starting, which is not that symptom
        window.__idleWhileRunning = 0;
        window.__idleWhere = '';
        // the kernel's connection events, to tell a dropped websocket from a kernel that said idle
        window.__kernelEvents = [];
        const tStart = Date.now();
        for (const ev of ['kernel_disconnected', 'kernel_reconnecting', 'kernel_connected', 'kernel_restarting', 'kernel_dead', 'kernel_connection_failed', 'kernel_autorestarting']) {
          Jupyter.notebook.events.on(ev + '.Kernel', () => window.__kernelEvents.push(ev + ' at ' + ((Date.now() - tStart) / 1000).toFixed(1) + ' s'));
        }
        // every status message the kernel publishes, with its parent request and the kernel's own time stamp
        // (header.date): whether requests overlapped and how long the kernel itself took from one cell's
        // "idle" to the next one's "busy", apart from what the server, the websocket and the page add
        window.__status = [];
        const kernel = Jupyter.notebook.kernel;
        const handleStatus = kernel._handle_status_message.bind(kernel);
        kernel.register_iopub_handler('status', (msg) => {
          window.__status.push({ state: msg.content.execution_state, parentId: msg.parent_header.msg_id || null,
            parentType: msg.parent_header.msg_type || null, kernelMs: Date.parse(msg.header.date), pageMs: Date.now() });
          return handleStatus(msg);
        });
        let idleSince = null;
        setInterval(() => {
          const now = Date.now();
          const running = document.querySelector('.cell.running');
          if (window.__finishedCount > 0 && running && !Jupyter.notebook.kernel_busy) {
            if (idleSince === null) idleSince = now;
            if (now - idleSince > window.__idleWhileRunning) {
              window.__idleWhileRunning = now - idleSince;
              const idx = Jupyter.notebook.get_cells().findIndex((c) => c.element[0] === running);
              window.__idleWhere = 'cell ' + (idx + 1) + ' from ' + ((idleSince - tStart) / 1000).toFixed(1) + ' s' +
                (window.__kernelEvents.length ? '; kernel events: ' + window.__kernelEvents.join(', ') : '');
            }
          } else idleSince = null;
        }, 200);
        new MutationObserver((muts) => {
          window.__lastChange = Date.now();
          for (const m of muts) {
            const t = m.target.nodeType === 3 ? m.target.parentElement : m.target;
            if (t) { seen(t); t.querySelectorAll && t.querySelectorAll('.output_subarea').forEach(seen); }
          }
        }).observe(document.getElementById('notebook-container'), { subtree: true, childList: true, characterData: true });
      })()`);
      // Kernel → Restart & Run All, as a student does it
      await page.click('#kernellink');
      await page.click('#restart_run_all');
      await page.click('.modal-dialog .btn-danger', { timeout: 10_000 });
      // finished: no cell running or queued, kernel idle, every non-empty code cell numbered and its outputs
      // all in (or a cell failed, which stops the rest)
      await page.waitForFunction(
        `(() => {
          const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code' && c.get_text().trim());
          if (document.querySelector('.cell.running') || Jupyter.notebook.kernel_busy) return false;
          if (document.querySelector('.output_error, .output_stderr')) return true;
          if (!cells.every((c) => typeof c.input_prompt_number === 'number')) return false;
          // every cell's outputs in. Should Jupyter's event for one ever go missing, a page unchanged for 120 s
          // also ends the wait (not less: under load 02's outputs once trailed the numbered cells by over 20 s)
          return cells.every((c) => window.__finished.has(c)) || Date.now() - window.__lastChange > 120000;
        })()`,
        undefined,
        { timeout: NOTEBOOK_TIMEOUT_S * 1000, polling: 500 },
      );
      const tRun = Date.now();
      // then every figure drawn (plotly draws after its output is in the page); one that never draws is
      // reported by the checks below, so a timeout here only ends the wait
      await page
        .waitForFunction(
          `[...document.querySelectorAll('[id^="bsplot-"]')].every((el) => el.querySelector('svg.main-svg'))`,
          undefined,
          { timeout: 60_000, polling: 500 },
        )
        .catch(() => undefined);
      await sleep(500);
      state = await page.evaluate<RunState>(`(() => {
        const nb = Jupyter.notebook;
        const cells = nb.get_cells();
        const code = cells.filter((c) => c.cell_type === 'code' && c.get_text().trim());
        const unrun = code.filter((c) => typeof c.input_prompt_number !== 'number').map((c) => cells.indexOf(c) + 1);
        const unfinished = code.filter((c) => !window.__finished.has(c)).map((c) => cells.indexOf(c) + 1);
        const errors = [...document.querySelectorAll('.output_error, .output_stderr')].map((e) => {
          const cell = e.closest('.cell');
          return 'cell ' + (cells.findIndex((c) => c.element[0] === cell) + 1) + ': ' + e.textContent.slice(0, 600);
        });
        const figures = [...document.querySelectorAll('[id^="bsplot-"]')].map((el) => {
          const plot = el.classList.contains('js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
          const data = plot && plot._fullData ? plot._fullData : [];
          const slider = plot && plot.querySelector('.slider-container .slider-current-value, .slider-group .slider-current-value, text.slider-current-value');
          return {
            id: el.id,
            drawn: Boolean(plot),
            traces: data.filter((t) => (t.z && t.z.length) || (t.x && t.x.length) || (t.y && t.y.length) || (t.values && t.values.length)).length,
            svg: Boolean(plot && plot.querySelector('svg.main-svg')),
            marks: plot ? plot.querySelectorAll('g.trace, g.heatmaplayer image, g.imagelayer image, .point, .bars path').length : 0,
            title: plot && plot._fullLayout && plot._fullLayout.title ? String(plot._fullLayout.title.text || '') : '',
            sliderValue: slider ? slider.textContent : null,
            clipped: (() => {
              const svg = plot && plot.querySelector('svg.main-svg');
              if (!svg) return [];
              const box = svg.getBoundingClientRect();
              return [...plot.querySelectorAll('.xtitle, .ytitle, .xtick text, .ytick text')].filter((t) => {
                const r = t.getBoundingClientRect();
                return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1);
              }).map((t) => t.textContent);
            })(),
            colorscale: data[0] && Array.isArray(data[0].colorscale) ? data[0].colorscale : null,
          };
        });
        // how many outputs of its cell show that line at the end: 1 when it was rewritten in place
        const progress = [...window.__progress.values()].map((rec) => ({
          cell: rec.cell + 1, label: rec.label, texts: rec.texts,
          finalCount: [...cells[rec.cell].element[0].querySelectorAll('.output_subarea')]
            .filter((o) => /ETA [0-9?]/.test(o.textContent) && o.textContent.split(' [')[0].trim() === rec.label).length,
        }));
        const outputsText = [...document.querySelectorAll('.output_area')].map((e) => e.innerText).join('\\n');
        return { dirtyOnOpen: false, codeCells: code.length, unrun, unfinished, idleWhileRunningMs: window.__idleWhileRunning, idleWhere: window.__idleWhere, kernelEvents: window.__kernelEvents,
          status: window.__status.map((m) => ({ ...m, cell: m.parentId ? cells.findIndex((c) => c.last_msg_id === m.parentId) + 1 : 0 })), errors, figures, progress, outputsText };
      })()`);
      state.dirtyOnOpen = dirtyOnOpen;
      // a picture of the run: the notebook laid out in full (its scrolling container opened up)
      await page.evaluate(`(() => {
        const site = document.getElementById('site');
        site.style.height = 'auto'; site.style.overflow = 'visible';
        document.body.style.overflow = 'visible'; document.documentElement.style.overflow = 'visible';
        document.body.style.height = 'auto';
      })()`);
      await page.screenshot({ path: path.join(outDir, name.replace(/\.ipynb$/, '.png')), fullPage: true });
      phases = `open ${((tOpen - t0) / 1000).toFixed(1)} s, run ${((tRun - tOpen) / 1000).toFixed(1)} s, checks + screenshot ${((Date.now() - tRun) / 1000).toFixed(1)} s`;
    } finally {
      times[name] = { seconds: (Date.now() - t0) / 1000, ok: false };
      await context.close();
    }
    const s = state!;
    if (s.unfinished.length) console.warn(`[test/notebook/browser] ${name}: no "finished" event from Jupyter for cell(s) ${s.unfinished.join(', ')}; the wait ended on a page unchanged for 120 s`);
    expect(s.dirtyOnOpen, 'opening the notebook marked it as changed: its metadata differs from the kernel\'s').toBe(false);
    expect(s.errors, 'error or stderr output').toEqual([]);
    expect(s.unrun, 'code cells that did not run').toEqual([]);
    for (const f of s.figures) {
      expect(f, `figure ${f.id} "${f.title}" did not draw an SVG with data`).toMatchObject({ drawn: true, svg: true });
      expect(f.traces, `figure "${f.title}" has no trace with data`).toBeGreaterThan(0);
      expect(f.marks, `figure "${f.title}" drew no marks`).toBeGreaterThan(0);
      expect(f.clipped, `figure "${f.title}": labels outside the figure`).toEqual([]);
    }
    if (PROGRESS_NOTEBOOKS.includes(name)) {
      expect(s.progress.length, 'no live progress line was seen').toBeGreaterThan(0);
      // in place: a line showed several states, and each line is one output at the end (not one per update)
      expect(Math.max(...s.progress.map((p) => p.texts.length)), 'the progress line never changed').toBeGreaterThan(1);
      for (const p of s.progress) expect(p.finalCount, `cell ${p.cell} '${p.label}': outputs showing the line at the end`).toBe(1);
    }
    for (const p of s.progress) {
      for (const t of p.texts) expect(t, 'stale characters after a shorter progress line').not.toMatch(/ETA (\d+h\d\dm|\d+m\d\ds|\d+s)[^\s]/);
    }
    // the launcher has tslab handle queued requests one at a time (test/notebook/kernel-queue.test.ts):
    // the indicator may show idle only for the moment between one cell's end and the next one's start.
    // Judged on the kernel's status messages: no request may go busy before the one before it went idle
    // (except the server's kernel_info nudges: see statusSerialisation), and by the kernel's clock the
    // next queued cell goes busy within 5 s of the last one's idle. What the page showed also includes
    // the server's and the browser's delays (CI once saw 14 s in 05 under the full suite's load):
    // reported, and a failure only when far beyond that (60 s)
    const ser = statusSerialisation(s.status);
    expect(ser.overlaps, 'kernel requests that overlapped (status busy before the previous idle)').toEqual([]);
    if (ser.outOfBand.length) {
      console.warn(`[test/notebook/browser] ${name}: ${ser.outOfBand.length} kernel_info request(s) went busy while another request ran ` +
        `(the server's connection nudge on the control channel): ${[...new Set(ser.outOfBand)].join('; ')}; kernel events: ${s.kernelEvents.join(', ') || 'none'}`);
    }
    expect(ser.longestGapMs, `the kernel took this long from a cell's idle to the next queued cell's busy (cell ${ser.gapCell})`).toBeLessThan(5000);
    if (s.idleWhileRunningMs >= 5000) {
      console.warn(`[test/notebook/browser] ${name}: the page showed the kernel idle for ${(s.idleWhileRunningMs / 1000).toFixed(1)} s while a cell ran (${s.idleWhere}); ` +
        `by the kernel's clock its longest idle-to-busy gap was ${(ser.longestGapMs / 1000).toFixed(1)} s, so the rest was the server's or the browser's delay`);
    }
    expect(s.idleWhileRunningMs, `the kernel indicator showed idle while a cell ran or waited (${s.idleWhere})`).toBeLessThan(60_000);
    notebookSpecificChecks(name, s);
    times[name] = { seconds: (Date.now() - t0) / 1000, ok: true, phases: phases };
    console.log(`[test/notebook/browser] ${name}: ${times[name].seconds.toFixed(1)} s (${phases}), ${s.codeCells} code cells, ${s.figures.length} figures, ` +
      `${s.progress.length} progress line(s) with ${s.progress.map((p) => p.texts.length).join('/')} states, indicator idle while a cell ran ≤ ${(s.idleWhileRunningMs / 1000).toFixed(1)} s ` +
      `(kernel's idle-to-busy gap ≤ ${(ser.longestGapMs / 1000).toFixed(1)} s, ${s.status.length} status messages)`);
    if (s.progress.length) console.log(`[test/notebook/browser] ${name} progress states: ${JSON.stringify(s.progress.map((p) => [p.label, p.texts.slice(0, 2), p.texts[p.texts.length - 1]]))}`);
  }, (NOTEBOOK_TIMEOUT_S + 180) * 1000);
});

/** The issue-16 defects, checked where a student sees them. */
function notebookSpecificChecks(name: string, s: RunState): void {
  if (name === '01_data.ipynb') {
    // the case id follows the seed the notebook sets
    const m = /const seed = (\d+);/.exec(readNotebook(path.join(root, 'notebooks', name)).cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source)).join('\n'));
    expect(m, 'notebook 01 declares `const seed = N;`').not.toBeNull();
    expect(s.outputsText).toContain(`case 'synth_seed${m![1]}_000'`);
  }
  if (name === '02_backsplit_labels.ipynb') {
    // "the lesion row is the darkest cell": the probability scale must draw high values dark
    const heat = s.figures.find((f) => f.title === 'BackSplit probabilities of five voxels');
    expect(heat, 'the probability heatmap').toBeDefined();
    const lum = (c: string) => {
      const hex = /^#([0-9a-f]{6})$/i.exec(c);
      const rgb = hex ? [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16)) : (c.match(/\d+(\.\d+)?/g) || []).slice(0, 3).map(Number);
      return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    };
    const scale = heat!.colorscale!;
    expect(lum(scale[scale.length - 1][1]), `colour scale ${JSON.stringify(scale)}`).toBeLessThan(lum(scale[0][1]));
  }
  if (name === '03_training.ipynb') {
    // §5: the reference and both models open on the same axial slice
    const views = s.figures.filter((f) => /^(Reference|Binary model|BackSplit model)/.test(f.title));
    expect(views.map((f) => f.title.split(':')[0])).toEqual(['Reference', 'Binary model (seed 0)', 'BackSplit model (seed 0)']);
    expect(new Set(views.map((f) => f.sliderValue)).size, `slices shown: ${views.map((f) => f.sliderValue).join(', ')}`).toBe(1);
  }
}
