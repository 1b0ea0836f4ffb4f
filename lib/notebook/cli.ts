/**
 * `npm run notebooks:run [-- <files>] [--timeout S] [--out DIR]`: execute
 * notebooks headless (no Python, no Jupyter) and end with "N passed, N failed"
 * (", N skipped" when a notebook's declared requirements, e.g. a dataset beside the
 * project, are missing: lib/notebook/requirements.ts). With no files, every
 * notebooks/*.ipynb runs, in name order.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseScriptArgs } from '../cli/args';
import { runNotebook, slowCellsWithoutEta } from './runner';

const USAGE = `usage: npm run notebooks:run -- [notebook.ipynb ...] [--timeout <seconds per cell>] [--out <dir>] [--smoke]
  Runs each notebook in a fresh project-local tslab kernel; executed copies go to build/notebooks/.
  --smoke sets BACKSPLIT_SMOKE=1 (small mode), as npm run notebooks:smoke does.
  --timings prints every cell over 10 s with its time and the progress it showed (a live line with an
            ETA, printed lines with an ETA, or none) and fails a notebook with such a cell that showed none.`;

export async function notebooksMain(argv: string[]): Promise<number> {
  const args = parseScriptArgs(argv, {
    timeout: { type: 'number' },
    out: { type: 'string' },
    smoke: { type: 'boolean' },
    timings: { type: 'boolean' },
  }, USAGE);
  if (typeof args === 'number') return args;
  const root = path.resolve(__dirname, '..', '..');
  let files = args.positionals;
  if (files.length === 0) {
    const dir = path.join(root, 'notebooks');
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ipynb'))
      .sort()
      .map((f) => path.join(dir, f));
  }
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    process.stderr.write(`notebook not found: ${missing.join(', ')}\n`);
    return 2;
  }
  const env: NodeJS.ProcessEnv = {};
  if (args.flags.smoke) env.BACKSPLIT_SMOKE = '1';
  const smoke = args.flags.smoke || process.env.BACKSPLIT_SMOKE === '1';
  process.stdout.write(`running ${files.length} notebook(s)${smoke ? ' in small mode (BACKSPLIT_SMOKE=1)' : ''}\n`);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const tty = process.stdout.isTTY;
  for (const file of files) {
    const name = path.relative(process.cwd(), file);
    const res = await runNotebook(file, {
      cellTimeoutS: (args.flags.timeout as number | undefined) ?? 600,
      outDir: args.flags.out ? path.resolve(args.flags.out as string) : undefined,
      env,
      onCell: tty ? (m) => process.stdout.write(`\r  ${name}: ${m}   `) : undefined,
    });
    if (tty) process.stdout.write('\r\x1b[K');
    if (res.skipped) {
      skipped++;
      process.stdout.write(`SKIP ${name} (skipped: ${res.skipped})\n`);
    } else if (res.ok && !(args.flags.timings && slowCellsWithoutEta(res).length)) {
      passed++;
      process.stdout.write(`PASS ${name} (${res.executedCells} cells, ${res.seconds.toFixed(1)} s)\n`);
    } else if (res.ok) {
      failed++;
      const silent = slowCellsWithoutEta(res).map((c) => `cell ${c.cellIndex} (${c.seconds.toFixed(1)} s)`);
      process.stdout.write(`FAIL ${name} (${res.seconds.toFixed(1)} s): over 10 s without an ETA on screen: ${silent.join(', ')}\n`);
    } else {
      failed++;
      const f = res.failure!;
      const excerpt = f.source.split('\n').slice(0, 8).map((l) => `  | ${l}`).join('\n');
      process.stdout.write(`FAIL ${name} at cell ${f.cellIndex} (${res.seconds.toFixed(1)} s)\n${excerpt}\n  error:\n${f.error.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
    }
    if (args.flags.timings) {
      for (const c of res.cells.filter((x) => x.seconds > 10)) {
        const shown = c.progress.eta === 'live' ? `live line with ETA (${c.progress.liveUpdates} updates)` : c.progress.eta === 'printed' ? 'printed lines with ETA' : 'no ETA';
        process.stdout.write(`  cell ${c.cellIndex}: ${c.seconds.toFixed(1)} s, ${shown}\n`);
      }
    }
    if (res.outputPath) process.stdout.write(`  executed copy: ${path.relative(process.cwd(), res.outputPath)}\n`);
  }
  process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  notebooksMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
}
