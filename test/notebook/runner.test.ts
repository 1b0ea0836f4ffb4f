import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook, slowCellsWithoutEta } from '../../lib/notebook/runner';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backsplit-nb-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function notebook(name: string, cells: string[]): string {
  const file = path.join(dir, name);
  const nb = {
    cells: [
      { cell_type: 'markdown', source: '# test', metadata: {} },
      ...cells.map((source) => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null })),
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

const out = path.join(dir, 'out');

describe('headless notebook runner', () => {
  it('runs cells in order, imports project code from the project root, keeps outputs', async () => {
    const file = notebook('good.ipynb', [
      "import { voxelCount } from './lib/core/volume';\nconst n = voxelCount([2, 3, 4]);",
      'console.log(`voxels=${n}`); console.log(`smoke=${process.env.BACKSPLIT_SMOKE}`);',
    ]);
    const res = await runNotebook(file, { outDir: out, env: { BACKSPLIT_SMOKE: '1' } });
    expect(res.failure).toBeUndefined();
    expect(res.ok).toBe(true);
    expect(res.executedCells).toBe(2);
    const executed = JSON.parse(fs.readFileSync(res.outputPath!, 'utf8'));
    const text = executed.cells[2].outputs.map((o: { text?: string }) => o.text ?? '').join('');
    expect(text).toContain('voxels=24');
    expect(text).toContain('smoke=1');
  });

  it('records each cell\'s time and the progress it showed: a live line with an ETA, printed ETA lines, or none', async () => {
    const file = notebook('progress.ipynb', [
      "import { notebookWorkProgress } from './lib/train/progress';\nconst p = notebookWorkProgress({ label: 'work', intervalMs: 0 });\nfor (let i = 1; i <= 3; i++) { await new Promise((r) => setTimeout(r, 50)); p.update(i / 4); }\np.done();",
      "console.log('step 1 of 2 ETA 3s'); console.log('step 2 of 2 ETA 0s');",
      'await new Promise((r) => setTimeout(r, 300));',
    ]);
    const res = await runNotebook(file, { outDir: out });
    expect(res.failure).toBeUndefined();
    expect(res.cells.map((c) => c.cellIndex)).toEqual([2, 3, 4]);
    expect(res.cells[0].progress.eta).toBe('live');
    expect(res.cells[0].progress.liveUpdates).toBeGreaterThanOrEqual(3);
    expect(res.cells[1].progress).toEqual({ liveUpdates: 0, eta: 'printed' });
    expect(res.cells[2].progress).toEqual({ liveUpdates: 0, eta: 'none' });
    expect(res.cells[2].seconds).toBeGreaterThanOrEqual(0.3);
    expect(slowCellsWithoutEta(res, 0.25).map((c) => c.cellIndex)).toEqual([4]);
    expect(slowCellsWithoutEta(res, 10)).toEqual([]);
  });

  it('delivers several large displays published back to back, complete and in order, through the launcher\'s serialised zeromq sends', async () => {
    const file = notebook('displays.ipynb', [
      "const tslab = require('tslab');\nfor (let i = 0; i < 6; i++) tslab.display.html(`<pre>${String(i).repeat(4_000_000)}</pre>`);",
      "console.log('still alive');",
    ]);
    const res = await runNotebook(file, { outDir: out });
    expect(res.failure).toBeUndefined();
    expect(res.ok).toBe(true);
    const executed = JSON.parse(fs.readFileSync(res.outputPath!, 'utf8'));
    const shown = executed.cells[1].outputs.filter((o: { output_type: string }) => o.output_type === 'display_data');
    expect(shown).toHaveLength(6);
    shown.forEach((o: { data: Record<string, string | string[]> }, i: number) => {
      const html = ([] as string[]).concat(o.data['text/html']).join('');
      expect(html.length).toBe(4_000_000 + '<pre></pre>'.length);
      expect(html.slice(5, 10)).toBe(String(i).repeat(5));
    });
    expect(executed.cells[2].outputs.map((o: { text?: string }) => o.text ?? '').join('')).toContain('still alive');
  }, 180_000);

  it('fails on a thrown error and reports the cell and its message; later cells do not run', async () => {
    const file = notebook('throws.ipynb', ['const a = 1;', "throw new Error('deliberate failure 42')", 'console.log("never")']);
    const res = await runNotebook(file, { outDir: out });
    expect(res.ok).toBe(false);
    expect(res.failure!.cellIndex).toBe(3);
    expect(res.failure!.error).toContain('deliberate failure 42');
    expect(res.executedCells).toBe(2);
  });

  it('fails on a type error (tslab compiles cells)', async () => {
    const file = notebook('types.ipynb', ['const x: number = "not a number";']);
    const res = await runNotebook(file, { outDir: out });
    expect(res.ok).toBe(false);
    expect(res.failure!.error).toMatch(/not assignable/);
  });

  it('fails on an un-awaited promise rejection and on a throw inside a timer', async () => {
    const rejected = await runNotebook(notebook('reject.ipynb', ["Promise.reject(new Error('late rejection'));"]), { outDir: out });
    expect(rejected.ok).toBe(false);
    expect(rejected.failure!.error).toContain('late rejection');
    const timer = await runNotebook(
      notebook('timer.ipynb', ["setTimeout(() => { throw new Error('timer throw'); }, 5);", 'await new Promise((r) => setTimeout(r, 50));']),
      { outDir: out },
    );
    expect(timer.ok).toBe(false);
    expect(timer.failure!.error).toContain('timer throw');
  });

  it('interrupts a cell that runs past its timeout', async () => {
    const res = await runNotebook(notebook('hang.ipynb', ['while (true) {}']), { outDir: out, cellTimeoutS: 2 });
    expect(res.ok).toBe(false);
    expect(res.failure!.error).toContain('timed out');
  });

  it('rejects a file that is not a notebook with its name in the error', async () => {
    const file = path.join(dir, 'broken.ipynb');
    fs.writeFileSync(file, '{"cells": 3}');
    await expect(runNotebook(file, { outDir: out })).rejects.toThrow(/broken\.ipynb.*nbformat-4/);
  });
});
