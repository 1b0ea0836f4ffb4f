/**
 * `npm run jupyter`: open Jupyter on notebooks/ with the project-local tslab
 * kernel ("TypeScript (BackSplit, tslab)"), found through JUPYTER_PATH, so no
 * global `tslab install` is needed. Jupyter itself is optional: without it,
 * this prints how to install it and how to run the notebooks headless instead.
 */
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const jupyterPath = [path.join(root, 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const extra = process.argv.slice(2);
const candidates: [string, string[]][] = [
  ['jupyter', ['notebook', '--notebook-dir', path.join(root, 'notebooks'), ...extra]],
  ['jupyter-notebook', ['--notebook-dir', path.join(root, 'notebooks'), ...extra]],
];
const found = candidates.find(([cmd]) => has(cmd));
if (!found) {
  process.stderr.write(
    [
      'Jupyter is not installed. Either:',
      '  sudo apt-get install jupyter-notebook      # Debian/Ubuntu (classic notebook)',
      '  python3 -m pip install notebook            # or JupyterLab: pip install jupyterlab',
      'then run `npm run jupyter` again. The kernel spec lives in jupyter/kernels/backsplit-tslab;',
      `with your own Jupyter, set JUPYTER_PATH=${path.join(root, 'jupyter')}.`,
      'No Jupyter at all? Run the notebooks headless: npm run notebooks:run',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
process.stdout.write(`JUPYTER_PATH=${jupyterPath}\nkernel: TypeScript (BackSplit, tslab)\n`);
const child = spawn(found[0], found[1], { stdio: 'inherit', env: { ...process.env, JUPYTER_PATH: jupyterPath } });
child.on('exit', (code) => process.exit(code ?? 0));
