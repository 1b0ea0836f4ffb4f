/**
 * Headless notebook execution: runs every code cell of a notebook in order in
 * a fresh project-local tslab kernel, records the outputs, and fails on any
 * cell error, timeout, or error that escapes a cell (un-awaited rejection,
 * throw in a timer). The executed copy is written atomically to an output
 * folder so a partial copy never looks complete. A notebook whose declared
 * requirements (lib/notebook/requirements.ts) are missing is skipped, not run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomic';
import { CellOutput, CellProgress, KernelClient } from './kernel';
import { notebookRequirements, unmetRequirement } from './requirements';

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: CellOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export interface CellFailure {
  /** 1-based index among all cells of the notebook. */
  cellIndex: number;
  source: string;
  error: string;
}

export interface NotebookResult {
  file: string;
  ok: boolean;
  codeCells: number;
  executedCells: number;
  seconds: number;
  failure?: CellFailure;
  /** Where the executed copy was written (absent for a skipped notebook). */
  outputPath?: string;
  /** Why the notebook was not run (a missing requirement); absent when it ran. */
  skipped?: string;
  /** Every executed code cell: its 1-based index among all cells, wall seconds and what progress it showed. */
  cells: CellTiming[];
}

/** One executed cell's wall time and progress display (lib/notebook/kernel CellProgress). */
export interface CellTiming {
  cellIndex: number;
  seconds: number;
  progress: CellProgress;
}

/**
 * Cells that ran longer than `limitS` seconds without an ETA on screen (a live line or printed
 * progress lines): what issue #16's time budget forbids in full mode.
 */
export function slowCellsWithoutEta(result: Pick<NotebookResult, 'cells'>, limitS = 10): CellTiming[] {
  return result.cells.filter((c) => c.seconds > limitS && c.progress.eta === 'none');
}

export interface RunOptions {
  /** Per-cell timeout in seconds. */
  cellTimeoutS?: number;
  /** Folder for executed copies (default build/notebooks). */
  outDir?: string;
  /** Extra environment for the kernel (e.g. BACKSPLIT_SMOKE=1). */
  env?: NodeJS.ProcessEnv;
  /** Called after each cell with a one-line progress message. */
  onCell?: (message: string) => void;
  /** Project root: the kernel's working directory, where requirement paths start (default: this checkout). */
  root?: string;
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Parse a notebook file, with a clear error naming the file when it is not nbformat 4. */
export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable notebook (${(e as Error).message})`, { cause: e });
  }
  if (!nb || !Array.isArray(nb.cells) || nb.nbformat !== 4) {
    throw new Error(`${file}: not an nbformat-4 notebook (expected "nbformat": 4 and a "cells" array)`);
  }
  return nb;
}

/**
 * Execute one notebook in a fresh kernel. Never throws for cell failures. A notebook whose
 * metadata requirements are missing is not run: `ok` is false and `skipped` says why.
 */
export async function runNotebook(file: string, opts: RunOptions = {}): Promise<NotebookResult> {
  const t0 = Date.now();
  const nb = readNotebook(file);
  const codeCells = nb.cells.filter((c) => c.cell_type === 'code').length;
  const result: NotebookResult = { file, ok: false, codeCells, executedCells: 0, seconds: 0, cells: [] };
  const root = opts.root ?? path.resolve(__dirname, '..', '..');
  const skipped = unmetRequirement(notebookRequirements(nb.metadata || {}, file), root, { ...process.env, ...(opts.env || {}) });
  if (skipped) return { ...result, skipped };
  const kernel = new KernelClient();
  try {
    await kernel.start({ env: opts.env });
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      if (cell.cell_type !== 'code') continue;
      cell.outputs = [];
      cell.execution_count = null;
      const source = cellSource(cell);
      if (!source.trim()) continue;
      opts.onCell?.(`cell ${i + 1}/${nb.cells.length}`);
      const res = await kernel.execute(source, opts.cellTimeoutS ?? 600);
      cell.outputs = res.outputs;
      cell.execution_count = res.executionCount;
      result.executedCells++;
      result.cells.push({ cellIndex: i + 1, seconds: res.seconds, progress: res.progress });
      let error = res.status === 'ok' ? undefined : res.error || res.status;
      if (!error) {
        const escaped = await kernel.takeAsyncErrors();
        if (escaped.length) error = `error outside the cell's await chain:\n${escaped.join('\n')}`;
      }
      if (error) {
        result.failure = { cellIndex: i + 1, source, error };
        cell.outputs.push({ output_type: 'stream', name: 'stderr', text: `[runner] ${error}\n` });
        break;
      }
    }
    if (!result.failure) {
      // A rejection can land just after the last cell returned.
      await new Promise((r) => setTimeout(r, 100));
      const escaped = await kernel.takeAsyncErrors();
      if (escaped.length) {
        result.failure = { cellIndex: nb.cells.length, source: '(after the last cell)', error: escaped.join('\n') };
      }
    }
    result.ok = !result.failure;
  } catch (e) {
    result.failure = { cellIndex: 0, source: '(kernel)', error: (e as Error).message };
  } finally {
    await kernel.shutdown();
    result.seconds = (Date.now() - t0) / 1000;
  }
  const outDir = opts.outDir ?? path.resolve(__dirname, '..', '..', 'build', 'notebooks');
  result.outputPath = path.join(outDir, path.basename(file));
  nb.metadata = {
    ...nb.metadata,
    backsplit_run: { ok: result.ok, seconds: result.seconds, finished: new Date().toISOString() },
  };
  writeFileAtomic(result.outputPath, JSON.stringify(nb, null, 1) + '\n');
  return result;
}
