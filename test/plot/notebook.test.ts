/**
 * show() in a real tslab kernel: executes a small notebook with Debian's
 * jupyter-nbconvert and a throw-away kernel spec whose launcher starts tslab in
 * the project root. This also proves lib/plot compiles under tslab's bundled
 * TypeScript 5.0 with its own (non-strict) options. Skipped when
 * jupyter-nbconvert is missing.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const NBCONVERT = '/usr/bin/jupyter-nbconvert';
const haveJupyter = fs.existsSync(NBCONVERT);
if (!haveJupyter) console.warn(`[test/plot/notebook] skipped: ${NBCONVERT} not found (Debian: apt-get install jupyter-nbconvert python3-nbclient)`);

describe.skipIf(!haveJupyter)('show() in a tslab kernel', () => {
  it('emits plotly with the first figure only, each figure in its own div', () => {
    const root = path.resolve(__dirname, '../..');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plot-nb-'));
    try {
      fs.mkdirSync(path.join(dir, 'kernels', 'bsplot-test'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'launch.js'),
        `process.chdir(${JSON.stringify(root)});\nrequire(${JSON.stringify(path.join(root, 'node_modules/tslab/dist/main.js'))}).startKernel({ configPath: process.argv[2], enableFindLocal: false });\n`);
      fs.writeFileSync(path.join(dir, 'kernels', 'bsplot-test', 'kernel.json'), JSON.stringify({
        argv: [process.execPath, path.join(dir, 'launch.js'), '{connection_file}'], display_name: 'bsplot test', language: 'typescript',
      }));
      const cells = [
        "import { show, lineFigure, plotlyLoaded, inTslabKernel } from './lib/plot/index';\nshow(lineFigure([{name: 'a', x: [1, 2], y: [1, 2]}], {xTitle: 'x', yTitle: 'y'}));",
        "show(lineFigure([{name: 'b', x: [1, 2], y: [2, 1]}], {xTitle: 'x', yTitle: 'y'}));\nconsole.log(`kernel=${inTslabKernel()} loaded=${plotlyLoaded()}`);",
      ];
      const nb = {
        cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null })),
        metadata: { kernelspec: { name: 'bsplot-test', display_name: 'bsplot test', language: 'typescript' } },
        nbformat: 4, nbformat_minor: 5,
      };
      fs.writeFileSync(path.join(dir, 'in.ipynb'), JSON.stringify(nb));
      execFileSync(NBCONVERT, ['--to', 'notebook', '--execute', '--allow-errors', 'in.ipynb', '--output', 'out.ipynb'], {
        cwd: dir, env: { ...process.env, JUPYTER_PATH: dir }, stdio: 'pipe', timeout: 120_000,
      });
      const out = JSON.parse(fs.readFileSync(path.join(dir, 'out.ipynb'), 'utf8'));
      const outputs = out.cells.map((c: { outputs: { output_type: string; data?: Record<string, string | string[]>; text?: string | string[] }[] }) => c.outputs);
      const html = (o: { data?: Record<string, string | string[]> }) => [o.data?.['text/html'] ?? ''].flat().join('');
      const text = (o: { text?: string | string[] }) => [o.text ?? ''].flat().join('');
      // Cell errors (e.g. a TypeScript 5.0 compile error in lib/plot) arrive as stream text: show them.
      expect(outputs[0].map((o: { output_type: string }) => o.output_type), outputs[0].map(text).join('')).toEqual(['display_data']);
      expect(html(outputs[0][0])).toContain('var b64=');
      expect(html(outputs[0][0])).toMatch(/<div id="bsplot-[0-9a-f]{12}"/);
      const second = outputs[1].find((o: { output_type: string }) => o.output_type === 'display_data');
      expect(html(second)).not.toContain('var b64=');
      expect(html(second).length).toBeLessThan(10_000);
      expect(outputs[1].map(text).join('')).toContain('kernel=true loaded=true');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
