/**
 * Every notebook in small mode (BACKSPLIT_SMOKE=1) through the project's headless runner (no
 * Python, no Jupyter) — on machines where the real-browser test cannot run. Where Jupyter Notebook
 * and Chromium are present, browser.test.ts runs the same notebooks in small mode with stricter
 * checks (figures drawn, progress lines in place), and this file skips rather than execute each
 * notebook a second time.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../lib/notebook/runner';
import { browserSkipReason } from './browser-env';

const root = path.resolve(__dirname, '..', '..');
const notebooks = fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
const browserCovers = browserSkipReason() === undefined;
if (browserCovers) console.warn('[test/notebook/headless] skipped: Jupyter Notebook and Chromium are present, so browser.test.ts runs every notebook');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-nb-headless-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe.skipIf(browserCovers)('every notebook headless in small mode', () => {
  for (const name of notebooks) {
    it(name, async () => {
      const res = await runNotebook(path.join(root, 'notebooks', name), { cellTimeoutS: 600, outDir: out, env: { BACKSPLIT_SMOKE: '1' }, root });
      if (res.skipped) {
        console.warn(`[test/notebook/headless] ${name} not run: ${res.skipped}`);
        return;
      }
      const f = res.failure;
      expect(res.ok, f ? `cell ${f.cellIndex} failed:\n${f.source.split('\n').slice(0, 8).join('\n')}\n${f.error}` : '').toBe(true);
      expect(res.executedCells).toBe(res.codeCells);
      console.log(`[test/notebook/headless] ${name}: ${res.seconds.toFixed(1)} s, ${res.executedCells} cells`);
    }, 1_800_000);
  }
});
