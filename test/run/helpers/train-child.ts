/**
 * Child process for the SIGKILL resume and run-lock tests: trains the tiny
 * config into the run folder given as argv[2] (resuming if checkpoints exist),
 * printing "step N" after each step. BACKSPLIT_TEST_STEP_DELAY_MS slows each
 * step so that the parent can kill it mid-run; with BACKSPLIT_TEST_PAUSE_FILE
 * set, it waits after step 1 until that file exists (the parent holds it there
 * while it starts a second trainer on the same folder).
 */
import * as fs from 'fs';
import { initBackend } from '../../../lib/backend';
import { train } from '../../../lib/run';
import { killTestConfig, killTestCases } from './kill-config';

async function main(): Promise<void> {
  const dir = process.argv[2];
  await initBackend({ backend: 'cpu' });
  const delay = Number(process.env.BACKSPLIT_TEST_STEP_DELAY_MS ?? 0);
  const pauseFile = process.env.BACKSPLIT_TEST_PAUSE_FILE;
  const shared = new Int32Array(new SharedArrayBuffer(4));
  await train({
    config: killTestConfig(dir),
    trainCases: killTestCases(),
    onProgress: (p) => {
      process.stdout.write(`step ${p.step}\n`);
      if (delay > 0) Atomics.wait(shared, 0, 0, delay);
      if (pauseFile && p.step === 1) while (!fs.existsSync(pauseFile)) Atomics.wait(shared, 0, 0, 20);
    },
  });
  process.stdout.write('done\n');
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
