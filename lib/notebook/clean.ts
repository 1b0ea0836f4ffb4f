/**
 * Notebooks as they are committed: no outputs, no execution counts, and the
 * notebook metadata the project-local tslab kernel writes when Jupyter opens
 * it (kernelspec from jupyter/kernels/backsplit-tslab/kernel.json,
 * language_info from tslab's kernel_info reply), so opening a notebook does
 * not mark it "(unsaved changes)" and a saved run never reaches git.
 *
 * The text is serialised the way Jupyter saves (keys sorted, one-space
 * indent, sources as lists of lines, a final newline), so opening and saving
 * a clean notebook without running it leaves the file byte for byte as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Notebook, NotebookCell } from './runner';

const KERNEL_DIR = path.resolve(__dirname, '..', '..', 'jupyter', 'kernels', 'backsplit-tslab');

/** Cell metadata keys that only record a reader's view or a run (collapsed outputs, scrolling, timings). */
const VIEW_STATE_KEYS = ['collapsed', 'scrolled', 'execution', 'ExecuteTime'];

/** The kernelspec block Jupyter writes into a notebook run with the project-local kernel. */
export function kernelspecMetadata(): { display_name: string; language: string; name: string } {
  const file = path.join(KERNEL_DIR, 'kernel.json');
  const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as { display_name?: string; language?: string };
  if (!spec.display_name || !spec.language) throw new Error(`${file}: expected display_name and language`);
  return { display_name: spec.display_name, language: spec.language, name: path.basename(KERNEL_DIR) };
}

/**
 * The language_info tslab sends in its kernel_info reply (read from tslab itself, without
 * starting a kernel); Jupyter copies it into the notebook's metadata when the kernel is ready.
 */
export function kernelLanguageInfo(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jupyter = require('tslab/dist/jupyter') as {
    JupyterHandlerImpl: new (executor: unknown, isJs: boolean) => { handleKernel(): { language_info: Record<string, unknown> } };
  };
  return new jupyter.JupyterHandlerImpl(null, false).handleKernel().language_info;
}

function sourceLines(source: string | string[]): string[] {
  const text = Array.isArray(source) ? source.join('') : source;
  // Jupyter stores a source as its lines, each but the last keeping its '\n'
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/**
 * A copy of `nb` as it should be committed: outputs and execution counts removed, view state and
 * run records dropped, metadata set to what the kernel writes, missing cell ids filled in from
 * `idPrefix` (nbformat 4.5 requires them; Jupyter would otherwise invent random ones on save).
 */
export function cleanNotebook(nb: Notebook, idPrefix: string): Notebook {
  const { backsplit_run: _run, ...metadata } = nb.metadata as Record<string, unknown>;
  void _run;
  const cells = nb.cells.map((cell, i): NotebookCell => {
    const meta = { ...(cell.metadata || {}) };
    for (const k of VIEW_STATE_KEYS) delete meta[k];
    const id = (cell as { id?: unknown }).id;
    const out: NotebookCell & { id: string } = {
      cell_type: cell.cell_type,
      id: typeof id === 'string' && id ? id : `${idPrefix}-${String(i).padStart(2, '0')}`,
      metadata: meta,
      source: sourceLines(cell.source),
    };
    if (cell.cell_type === 'code') {
      out.outputs = [];
      out.execution_count = null;
    }
    return out;
  });
  return {
    cells,
    metadata: { ...metadata, kernelspec: kernelspecMetadata(), language_info: kernelLanguageInfo() },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
  }
  return value;
}

/** The file text Jupyter writes for `nb`: sorted keys, indent 1, non-ASCII kept, final newline. */
export function notebookText(nb: Notebook): string {
  return JSON.stringify(sortKeys(nb), null, 1) + '\n';
}

/** The cell-id prefix of a notebook file: 'nb03' for 03_training.ipynb, else the file's base name. */
export function idPrefixOf(file: string): string {
  const base = path.basename(file, '.ipynb');
  const m = /^(\d+)_/.exec(base);
  return m ? `nb${m[1]}` : base.replace(/[^A-Za-z0-9_-]/g, '-');
}

/**
 * What keeps a committed notebook from being clean, one line each (empty when clean):
 * outputs, execution counts, metadata that differs from the kernel's, text not in Jupyter's format.
 */
export function notebookProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  let nb: Notebook;
  try {
    nb = JSON.parse(text) as Notebook;
  } catch (e) {
    return [`${file}: not JSON (${(e as Error).message})`];
  }
  nb.cells.forEach((c, i) => {
    if (c.outputs && c.outputs.length) problems.push(`${file}: cell ${i + 1} has ${c.outputs.length} saved output(s)`);
    if (c.execution_count !== undefined && c.execution_count !== null) problems.push(`${file}: cell ${i + 1} has execution_count ${c.execution_count}`);
  });
  const want = cleanNotebook(nb, idPrefixOf(file));
  for (const key of ['kernelspec', 'language_info']) {
    const have = JSON.stringify(sortKeys(nb.metadata?.[key]));
    const expected = JSON.stringify(sortKeys(want.metadata[key]));
    if (have !== expected) problems.push(`${file}: metadata.${key} is ${have}, the kernel writes ${expected}`);
  }
  if (problems.length === 0 && text !== notebookText(want)) {
    problems.push(`${file}: not in the form Jupyter saves (sorted keys, indent 1, cell ids, no view state); run npm run notebooks:strip`);
  }
  return problems;
}
