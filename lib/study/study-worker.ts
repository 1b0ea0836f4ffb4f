/**
 * A throughput-mode worker (lib/study/pool.ts): a child process that receives runs of the study
 * over IPC, one after another, and trains (or resumes), evaluates and measures each exactly as the
 * sequential study would. One worker serves a lane of the pool until the pool stops it, so the
 * start-up (compiling the library, loading tfjs and the wasm backend, receiving the study's cases)
 * is paid once per lane, not once per run. Progress and phases go back over IPC; each run's log
 * lines go to its own `<run>/worker.log`. After a failed run the worker reports the error and
 * exits, and the pool starts a fresh one for the next run.
 * Not meant to be started by hand.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { runOneStudyRun } from './pipeline';
import { PreloadedCases, WorkerMessage, WorkerRequest } from './pool';

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

/** The cases each study sent, by their hash: a later run of the same study refers to them by hash. */
const received = new Map<string, PreloadedCases>();

async function runJob(request: Extract<WorkerRequest, { type: 'job' }>): Promise<void> {
  const { job } = request;
  const write = (text: string) => fs.appendFileSync(job.logFile, text);
  let preloaded: PreloadedCases | undefined;
  if (job.preloaded) {
    preloaded = job.preloaded;
    received.set(preloaded.datasetHash, preloaded);
  } else if (job.preloadedHash) {
    preloaded = received.get(job.preloadedHash);
    if (!preloaded) throw new Error(`study-worker: the study's cases with hash ${job.preloadedHash.slice(0, 12)}… were never sent to this worker`);
  }
  let lastSent = 0;
  const tensorsBefore = tf.memory().numTensors;
  await runOneStudyRun(job.cfg, { mode: job.mode, seed: job.seed }, {
    log: (line) => write(`${new Date().toISOString()} ${line}\n`),
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastSent < 1000 && p.step < p.totalSteps) return;
      lastSent = now;
      void send({ type: 'progress', progress: p });
    },
    onPhase: (phase) => void send({ type: 'phase', phase }),
  }, preloaded);
  // a run that left tensors behind would make every later run of this worker slower and larger
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) write(`${new Date().toISOString()} warning: this run left ${leaked} tensor(s) allocated in the worker\n`);
}

let busy = false;
process.on('message', (request: WorkerRequest) => {
  if (request.type === 'stop') {
    if (!busy) process.exit(0);
    return;
  }
  busy = true;
  runJob(request).then(
    async () => {
      busy = false;
      await send({ type: 'done' });
      if (!process.connected) process.exit(0);
    },
    async (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      try {
        fs.appendFileSync(request.job.logFile, `${err instanceof Error && err.stack ? err.stack : message}\n`);
      } catch {
        process.stderr.write(`${message}\n`);
      }
      await send({ type: 'error', message });
      process.exit(1);
    },
  );
});
// the study process went away (or closed the channel): nothing more will come
process.on('disconnect', () => {
  if (!busy) process.exit(0);
});
