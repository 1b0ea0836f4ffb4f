/**
 * The headless smoke run skips a notebook only when the browser test passed that exact content
 * within the hour.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { BROWSER_RESULTS, notebookSha256, passedInBrowser } from '../../lib/notebook/browser-passed';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-passed-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('passedInBrowser', () => {
  const nb = path.join(root, 'a.ipynb');
  fs.writeFileSync(nb, '{"cells": []}\n');
  const write = (entry: object) => {
    fs.mkdirSync(path.dirname(path.join(root, BROWSER_RESULTS)), { recursive: true });
    fs.writeFileSync(path.join(root, BROWSER_RESULTS), JSON.stringify({ 'a.ipynb': entry }));
  };
  const now = Date.parse('2026-12-02T20:00:00Z');

  it('skips the same content passed within the hour', () => {
    write({ ok: true, seconds: 3, sha256: notebookSha256(nb), at: '2026-12-02T19:30:00Z' });
    expect(passedInBrowser(nb, root, 3600, now)).toMatch(/passed in the real-browser test 1800 s ago/);
  });

  it('runs it otherwise: changed content, too old, failed, skipped, no record', () => {
    write({ ok: true, sha256: 'f'.repeat(64), at: '2026-12-02T19:30:00Z' });
    expect(passedInBrowser(nb, root, 3600, now)).toBeNull();
    write({ ok: true, sha256: notebookSha256(nb), at: '2026-12-02T18:30:00Z' });
    expect(passedInBrowser(nb, root, 3600, now)).toBeNull();
    write({ ok: false, sha256: notebookSha256(nb), at: '2026-12-02T19:30:00Z' });
    expect(passedInBrowser(nb, root, 3600, now)).toBeNull();
    write({ ok: true, skipped: 'no Jupyter', sha256: notebookSha256(nb), at: '2026-12-02T19:30:00Z' });
    expect(passedInBrowser(nb, root, 3600, now)).toBeNull();
    fs.rmSync(path.join(root, BROWSER_RESULTS));
    expect(passedInBrowser(nb, root, 3600, now)).toBeNull();
  });
});
