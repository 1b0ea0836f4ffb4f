import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { cleanNotebook, kernelLanguageInfo, kernelspecMetadata, notebookProblems, notebookText } from '../../lib/notebook/clean';
import { KernelClient } from '../../lib/notebook/kernel';
import type { Notebook } from '../../lib/notebook/runner';
import { committedNotebooks } from '../../lib/notebook/strip';

const root = path.resolve(__dirname, '..', '..');

describe('committed notebooks open clean', () => {
  const files = committedNotebooks(root);

  it('finds the course notebooks', () => {
    expect(files.filter((f) => path.dirname(f) === path.join(root, 'notebooks')).length).toBeGreaterThanOrEqual(7);
  });

  it.each(files.map((f) => [path.relative(root, f)]))('%s: no outputs, no execution counts, the kernel metadata, Jupyter format', (rel) => {
    expect(notebookProblems(rel, fs.readFileSync(path.join(root, rel), 'utf8'))).toEqual([]);
  });

  it('the metadata the strip step writes is what the running kernel reports (kernel_info reply)', async () => {
    const kernel = new KernelClient();
    try {
      await kernel.start();
      expect(kernel.info?.language_info).toEqual(kernelLanguageInfo());
    } finally {
      await kernel.shutdown();
    }
    expect(kernelspecMetadata()).toEqual({ name: 'backsplit-tslab', display_name: 'TypeScript (BackSplit, tslab)', language: 'typescript' });
  });
});

describe('cleanNotebook / notebookProblems', () => {
  const run: Notebook = {
    cells: [
      { cell_type: 'markdown', source: '# t\n', metadata: {} },
      {
        cell_type: 'code', source: 'console.log(1)\nconsole.log(2)', metadata: { scrolled: true, tags: ['keep'] }, execution_count: 3,
        outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n2\n' }],
      },
    ],
    metadata: { kernelspec: { name: 'tslab', display_name: 'x', language: 'typescript' }, backsplit_run: { ok: true }, backsplit: { requires: [] } },
    nbformat: 4,
    nbformat_minor: 4,
  };

  it('a run notebook is reported with each problem named', () => {
    const problems = notebookProblems('run.ipynb', JSON.stringify(run));
    expect(problems.join('\n')).toMatch(/cell 2 has 1 saved output/);
    expect(problems.join('\n')).toMatch(/cell 2 has execution_count 3/);
    expect(problems.join('\n')).toMatch(/metadata.kernelspec is .*"tslab".* the kernel writes .*backsplit-tslab/);
    expect(problems.join('\n')).toMatch(/metadata.language_info is undefined/);
  });

  it('cleaning removes outputs, counts, view state and run records, keeps tags and declared requirements, fills ids', () => {
    const clean = cleanNotebook(run, 'nb09');
    const code = clean.cells[1] as Notebook['cells'][number] & { id: string };
    expect(code.outputs).toEqual([]);
    expect(code.execution_count).toBeNull();
    expect(code.metadata).toEqual({ tags: ['keep'] });
    expect(code.id).toBe('nb09-01');
    expect(code.source).toEqual(['console.log(1)\n', 'console.log(2)']);
    expect(clean.metadata.backsplit_run).toBeUndefined();
    expect(clean.metadata.backsplit).toEqual({ requires: [] });
    expect(clean.nbformat_minor).toBe(5);
    expect(notebookProblems('clean.ipynb', notebookText(clean))).toEqual([]);
    // idempotent: cleaning a clean notebook changes nothing
    expect(notebookText(cleanNotebook(clean, 'other'))).toBe(notebookText(clean));
  });
});
