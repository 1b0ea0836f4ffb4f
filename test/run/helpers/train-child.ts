/**
 * Child process for the SIGKILL resume test: trains the tiny config into the
 * run folder given as argv[2] (resuming if checkpoints exist), printing
 * "step N" after each step. BACKSPLIT_TEST_STEP_DELAY_MS slows each step so
 * that the parent can kill it mid-run.
 */
import { initBackend } from '../../../lib/backend';
import { train } from '../../../lib/run';
import { killTestConfig, killTestCases } from './kill-config';

async function main(): Promise<void> {
  const dir = process.argv[2];
  await initBackend({ backend: 'cpu' });
  const delay = Number(process.env.BACKSPLIT_TEST_STEP_DELAY_MS ?? 0);
  const shared = new Int32Array(new SharedArrayBuffer(4));
  await train({
    config: killTestConfig(dir),
    trainCases: killTestCases(),
    onProgress: (p) => {
      process.stdout.write(`step ${p.step}\n`);
      if (delay > 0) Atomics.wait(shared, 0, 0, delay);
    },
  });
  process.stdout.write('done\n');
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
