/**
 * Whether the real-browser notebook test can run here: Debian's jupyter-notebook and a Chromium
 * that playwright-core can drive. Shared by browser.test.ts (runs when they are present) and
 * headless.test.ts (runs every notebook headless when they are not), so that `npm test` executes
 * each notebook exactly once, in the strictest setting the machine offers.
 */
import { spawnSync } from 'child_process';
import { renderAvailability } from '../../lib/plot/render';

export function jupyterCommand(): string | undefined {
  for (const cmd of ['jupyter-notebook']) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0) return cmd;
  }
  return undefined;
}

/** Why the browser test cannot run here, or undefined when it can (BACKSPLIT_NO_BROWSER=1 forces the headless path). */
export function browserSkipReason(): string | undefined {
  if (process.env.BACKSPLIT_NO_BROWSER === '1') return 'BACKSPLIT_NO_BROWSER=1';
  if (!jupyterCommand()) return 'jupyter-notebook is not installed (Debian: apt-get install jupyter-notebook)';
  const render = renderAvailability();
  return render.ok ? undefined : render.reason;
}
