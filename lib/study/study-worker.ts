/**
 * A throughput-mode worker (lib/study/pool.ts): a child process that receives one
 * run of the study over IPC, trains (or resumes) it, evaluates it and measures its
 * Fisher, exactly as the sequential study would, then exits. Progress and phases
 * go back to the study over IPC; everything it prints lands in `<run>/worker.log`.
 * Not meant to be started by hand.
 */
import { runOneStudyRun } from './pipeline';
import { WorkerJob, WorkerMessage } from './pool';

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

if (!process.send) {
  process.stderr.write('study-worker: this is a worker of `backsplit reproduce` (throughput mode); it runs only as a child process with an IPC channel\n');
  process.exit(2);
}

process.once('message', (job: WorkerJob) => {
  let lastSent = 0;
  runOneStudyRun(job.cfg, { mode: job.mode, seed: job.seed }, {
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastSent < 1000 && p.step < p.totalSteps) return;
      lastSent = now;
      void send({ type: 'progress', progress: p });
    },
    onPhase: (phase) => void send({ type: 'phase', phase }),
  }, job.preloaded).then(
    async () => {
      await send({ type: 'done' });
      process.exit(0);
    },
    async (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${err instanceof Error && err.stack ? err.stack : message}\n`);
      await send({ type: 'error', message });
      process.exit(1);
    },
  );
});
