/**
 * Notebooks the real-browser test (test/notebook/browser.test.ts) has just run in small mode
 * without an error: `npm test` runs the browser test first, then the headless smoke run, which
 * skips a notebook the browser already ran with the same content in the last hour rather than
 * execute it a second time (the browser test is the stricter of the two: a real Jupyter, plotly
 * drawn in Chromium). Where Jupyter or Chromium is missing the browser test records nothing
 * passed and the headless run executes every notebook.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Where the browser test writes its per-notebook results. */
export const BROWSER_RESULTS = path.join('build', 'notebooks', 'browser-times.json');

/** SHA-256 of a notebook file's bytes. */
export function notebookSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Why the headless run may skip `file`, or null when it must run it: the browser test passed this
 * exact notebook (same SHA-256) less than `maxAgeS` seconds ago.
 * @param root the project root (where build/ lives)
 */
export function passedInBrowser(file: string, root: string, maxAgeS = 3600, now = Date.now()): string | null {
  let results: Record<string, { ok?: boolean; skipped?: string; sha256?: string; at?: string }>;
  try {
    results = JSON.parse(fs.readFileSync(path.join(root, BROWSER_RESULTS), 'utf8'));
  } catch {
    return null;
  }
  const r = results[path.basename(file)];
  if (!r || !r.ok || r.skipped || !r.sha256 || !r.at) return null;
  const age = (now - Date.parse(r.at)) / 1000;
  if (!(age >= 0 && age <= maxAgeS)) return null;
  if (r.sha256 !== notebookSha256(file)) return null;
  return `passed in the real-browser test ${Math.round(age)} s ago with the same content`;
}
