// knip: exports, files and dependencies that nothing uses. Part of `npm run lint`.
// The consumers are the CLI, the notebook runner, the scripts, the benchmarks, the
// tests and the notebooks themselves (their code cells import './lib/...' from the
// project root, where the kernel runs; the compiler below hands knip those cells).
import type { KnipConfig } from 'knip';

interface NotebookCell {
  cell_type: string;
  source: string | string[];
}

function notebookCode(text: string): string {
  const nb = JSON.parse(text) as { cells: NotebookCell[] };
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source))
    .join('\n')
    .replace(/(['"])\.\/lib\//g, '$1../lib/');
}

const config: KnipConfig = {
  entry: [
    'lib/cli/main.ts',
    'lib/notebook/cli.ts',
    'lib/notebook/jupyter.ts',
    // forked by lib/study/pool.ts
    'lib/study/study-worker.ts',
    'lib/notebook/strip.ts',
    'data-scripts/**/*.ts',
    'bench/*.ts',
    'notebooks/*.ipynb',
    'test/**/*.test.ts',
    // spawned as child processes by tests
    'test/**/helpers/*.ts',
  ],
  project: ['lib/**/*.ts', 'bin/**/*.js', 'data-scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'notebooks/*.ipynb'],
  compilers: { ipynb: notebookCode },
  ignoreExportsUsedInFile: true,
  // plotly.js-dist is read from disk (require.resolve) to embed in notebooks and reports
  ignoreDependencies: ['plotly.js-dist'],
  // Slurm's client commands, run by lib/study/sweep-slurm.ts and the sweep test (Debian's slurm-wlm)
  // and the GPU bench's system commands (bench/gpu-env.ts: the NVIDIA driver's, Debian's dpkg and ldconfig)
  ignoreBinaries: ['sbatch', 'scancel', 'squeue', 'nvidia-smi', 'dpkg', 'ldconfig'],
};

export default config;
