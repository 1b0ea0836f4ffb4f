/**
 * Throughput mode of the study: the runs that are still to do are trained (and
 * evaluated, and their Fisher measured) by N worker processes at once, each with
 * cores/N wasm threads, instead of one after another with every core.
 *
 * On a 2-core CPU two single-threaded runs side by side do much more work per
 * hour than one run with two threads: the network's kernels are small, so the
 * second XNNPACK thread mostly waits (measured numbers: README, "Throughput").
 * Each worker writes exactly what the sequential study writes into its run
 * folder (checkpoints, metrics, test-evaluation.json, fisher-mc.json); the study
 * then walks its runs in the usual order and finds every one finished, so the
 * report is built the same way whichever mode trained the runs.
 *
 * A worker is a child process of the same Node.js (this file's sibling
 * `study-worker.ts`, compiled on the fly by ts-node). Each lane of the pool forks
 * one and hands it its runs one after another, so the worker's start (~6 s: the
 * library compiled, tfjs and wasm loaded, the study's cases received) is paid once
 * per lane. It reports progress over the IPC channel; each run's log goes to
 * `<run>/worker.log`. When a run fails, its worker exits and the lane forks a fresh
 * one for its next run; the other runs finish and the study stops with the run,
 * the error and the last lines of its log. An interrupted study (Ctrl-C) resumes
 * every run from its newest checkpoint, as the sequential study does.
 */
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SegmentationCase } from '../core/types';
import type { ArmName } from '../train/arms';
import { formatDuration, TrainProgress } from '../train/progress';
import { StudyConfig } from './config';

/** One run of the study: an arm (lib/train/arms.ts, the run config's mode) and a seed. */
export interface StudyRunSpec {
  mode: ArmName;
  seed: number;
}

/** Message from a worker to the study. */
export type WorkerMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'phase'; phase: string }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** A study's cases as its process loaded them, with their hash (lib/data hashCases), for its workers. */
export interface PreloadedCases {
  cases: SegmentationCase[];
  datasetHash: string;
}

/** One run as a worker receives it: the study, the run, its log file, and the study's cases (or their hash, when this worker already has them). */
export interface WorkerJob {
  cfg: StudyConfig;
  mode: ArmName;
  seed: number;
  /** where the worker writes the run's log lines (`<run>/worker.log`) */
  logFile: string;
  /** the study's cases, sent with the first run of the study that a worker gets */
  preloaded?: PreloadedCases;
  /** for its later runs: the hash of the cases it was sent before */
  preloadedHash?: string;
}

/** Message from the study to a worker: a run to do, or the end of its lane. */
export type WorkerRequest = { type: 'job'; job: WorkerJob } | { type: 'stop' };

/** One run for {@link runWorkerPool}: its study, its spec, and the name it goes by in status lines (default "mode seed N"). */
export interface PoolJob {
  cfg: StudyConfig;
  spec: StudyRunSpec;
  tag?: string;
  /** the caller's name for the job (a sweep's run id), handed back to the hooks */
  id?: string;
  /** the study's cases, sent to the worker instead of it loading them again */
  preloaded?: PreloadedCases;
}

/** What {@link runWorkerPool} takes beyond the study's options: the failure message's first word, and hooks per job. */
export interface WorkerPoolOptions extends StudyPoolOptions {
  what?: string;
  /** workers forked ahead ({@link forkPoolWorkers}), one per lane; the pool stops those it does not use */
  started?: PoolWorkers;
  /** a worker started on `job` (its process id, which the lane's later runs share; the run's log file) */
  onStart?: (job: PoolJob, pid: number, logFile: string) => void;
  /** its run ended: error null when it finished, else why not ('killed by SIGTERM', the error message, 'exit code N') */
  onExit?: (job: PoolJob, pid: number, logFile: string, error: string | null) => void;
}

/** Options of {@link runStudyPool}. */
export interface StudyPoolOptions {
  /** Worker processes at once (≥ 1). */
  workers: number;
  /** wasm threads per worker (default: max(1, floor(cores / workers))). */
  threadsPerWorker?: number;
  /** Where status lines go. */
  log: (line: string) => void;
  /** Seconds between status lines (default 15). */
  intervalSeconds?: number;
  /** Called whenever a worker reports: the fraction of the pool's runs done ({@link runFraction}) and what each worker is doing. */
  onFraction?: (fraction: number, detail: string) => void;
}

/** Thrown when a worker's run failed; names the run and quotes its log. */
export class StudyWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyWorkerError';
  }
}

/** Number of CPU cores this process may use. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * The default number of workers: one per core, but never more than there are
 * runs to do, and 1 (sequential) when a GPU or native backend is forced —
 * those do not gain from several processes sharing one device.
 */
export function defaultStudyWorkers(pendingRuns: number, backend?: string): number {
  const forced = backend ?? process.env.TFJS_BACKEND;
  if (forced && forced !== 'wasm' && forced !== 'cpu' && forced !== 'auto') return 1;
  return Math.max(1, Math.min(availableCores(), pendingRuns));
}

const WORKER_FILE = path.join(__dirname, 'study-worker.ts');
const TSCONFIG = path.join(__dirname, '..', '..', 'tsconfig.json');

function tail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

function runTag(job: PoolJob): string {
  return job.tag ?? `${job.spec.mode} seed ${job.spec.seed}`;
}

interface Slot {
  job: PoolJob;
  child: ChildProcess;
  progress?: TrainProgress;
  phase: string;
  logFile: string;
}

interface PoolState {
  queue: PoolJob[];
  running: Set<Slot>;
  failures: string[];
  finished: number;
  total: number;
  t0: number;
}

/**
 * How far one run of a study is, 0..1, from its phase: training counts for 0.8 (by steps), the test
 * evaluation until 0.95, the Fisher estimate the rest. A weighting for progress lines, not a
 * measurement: with many test cases the evaluation takes a larger share.
 */
export function runFraction(phase: string, progress?: Pick<TrainProgress, 'step' | 'totalSteps'>): number {
  if (phase === 'training' && progress && progress.totalSteps > 0) return 0.8 * Math.min(1, progress.step / progress.totalSteps);
  if (phase === 'evaluating') return 0.8;
  if (phase === 'Fisher') return 0.95;
  return 0;
}

/** The pool's fraction done: finished runs plus each running one's {@link runFraction}, over all runs. */
function poolFraction(state: PoolState): number {
  let done = state.finished;
  for (const s of state.running) done += runFraction(s.phase, s.progress);
  return state.total ? done / state.total : 1;
}

/** What each running worker does, for a progress line's detail. */
function poolDetail(state: PoolState): string {
  return [...state.running].map((s) => `${runTag(s.job)} ${s.phase}`).join(', ');
}

/** One status line: runs done, each running worker's step and rate, and the ETA of the training still to do. */
function statusLine(state: PoolState): string {
  const parts = [...state.running].map((s) => {
    const p = s.progress;
    const where = p && s.phase === 'training' ? `${p.step}/${p.totalSteps} ${p.stepsPerSecond.toFixed(2)} step/s` : s.phase;
    return `${runTag(s.job)} ${where}`;
  });
  let rate = 0;
  let remaining = 0;
  for (const s of state.running) {
    if (s.progress) {
      rate += s.progress.stepsPerSecond;
      remaining += s.progress.totalSteps - s.progress.step;
    }
  }
  const perRun = [...state.running].find((s) => s.progress)?.progress?.totalSteps ?? 0;
  remaining += state.queue.length * perRun;
  const eta = rate > 0 && perRun > 0 ? ` · training ETA ${formatDuration(remaining / rate)}` : '';
  return `  [${state.finished}/${state.total} done, ${formatDuration((Date.now() - state.t0) / 1000)}] ${parts.join(' · ')}${eta}`;
}

/**
 * One worker process of a lane: forked once, it does the lane's runs one after another. Its stray
 * output (a warning tfjs prints, a crash's stack) goes to the log of the run it is doing.
 */
class LaneWorker {
  readonly child: ChildProcess;
  /** the hashes of the study cases this worker holds */
  private readonly sent = new Set<string>();
  private logFile: string | undefined;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  constructor(threads: number) {
    this.child = fork(WORKER_FILE, [], {
      execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
      env: {
        ...process.env,
        TFJS_WASM_THREADS: String(threads),
        TS_NODE_PROJECT: TSCONFIG,
        TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs' }),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // structured clone: typed arrays (the preloaded cases) travel as they are
      serialization: 'advanced',
    });
    const forward = (chunk: Buffer) => {
      if (this.logFile) fs.appendFileSync(this.logFile, chunk);
    };
    this.child.stdout?.on('data', forward);
    this.child.stderr?.on('data', forward);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Do one run; resolves with null when it finished, else why not ('killed by SIGTERM', the error message, 'exit code N'). */
  run(job: PoolJob, slot: Slot, onMessage: () => void): Promise<string | null> {
    const { cfg, spec } = job;
    this.logFile = slot.logFile;
    let error: string | undefined;
    return new Promise((resolve) => {
      const onExit = () => {
        cleanup();
        const { code, signal } = this.exit ?? { code: null, signal: null };
        resolve(signal ? `killed by ${signal}` : error ?? `exit code ${code}`);
      };
      const onMsg = (m: WorkerMessage) => {
        if (m.type === 'progress') {
          slot.progress = m.progress;
          slot.phase = 'training';
        } else if (m.type === 'phase') {
          slot.phase = m.phase;
        } else if (m.type === 'error') {
          error = m.message;
        }
        onMessage();
        if (m.type === 'done') {
          cleanup();
          resolve(null);
        }
      };
      const cleanup = () => {
        this.child.off('message', onMsg);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMsg);
      this.child.on('exit', onExit);
      const hash = job.preloaded?.datasetHash;
      const request: WorkerRequest = {
        type: 'job',
        job: {
          cfg,
          mode: spec.mode,
          seed: spec.seed,
          logFile: slot.logFile,
          ...(job.preloaded && hash && this.sent.has(hash) ? { preloadedHash: hash } : job.preloaded ? { preloaded: job.preloaded } : {}),
        },
      };
      if (hash) this.sent.add(hash);
      this.child.send(request);
    });
  }

  /** End the lane: the worker exits when it is idle (it is killed if it has not gone after 30 s). */
  async stop(): Promise<void> {
    if (!this.alive) return;
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies WorkerRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Workers forked before their runs are known ({@link forkPoolWorkers}). */
export interface PoolWorkers {
  /** wasm threads each was given */
  readonly threads: number;
  /** @internal the lane workers */
  readonly lanes: LaneWorker[];
  /** Stop every worker the pool did not take (idempotent). */
  stop(): Promise<void>;
}

/**
 * Fork `count` pool workers now, so that their start (compiling the library, loading tfjs) runs
 * while the study process still loads or generates its datasets; hand them to
 * {@link runWorkerPool} as `started` with the same worker count.
 */
export function forkPoolWorkers(count: number, threadsPerWorker?: number): PoolWorkers {
  const workers = Math.max(1, Math.floor(count));
  const threads = threadsPerWorker ?? Math.max(1, Math.floor(availableCores() / workers));
  const lanes = Array.from({ length: workers }, () => new LaneWorker(threads));
  return { threads, lanes, stop: async () => void (await Promise.all(lanes.map((l) => l.stop()))) };
}

/** One run on a lane's worker (forked when the lane has none); a failure is recorded in `state.failures`. */
async function runOnWorker(worker: LaneWorker, job: PoolJob, state: PoolState, opts: WorkerPoolOptions): Promise<void> {
  const log = opts.log;
  const { cfg, spec } = job;
  const runDir = path.join(cfg.runsDir, `${spec.mode}-seed${spec.seed}`);
  fs.mkdirSync(runDir, { recursive: true });
  const logFile = path.join(runDir, 'worker.log');
  const slot: Slot = { job, child: worker.child, phase: 'starting', logFile };
  const pid = worker.child.pid ?? 0;
  opts.onStart?.(job, pid, logFile);
  state.running.add(slot);
  const why = await worker.run(job, slot, () => opts.onFraction?.(poolFraction(state), poolDetail(state)));
  state.running.delete(slot);
  state.finished++;
  opts.onFraction?.(poolFraction(state), poolDetail(state));
  if (why !== null) {
    opts.onExit?.(job, pid, logFile, why);
    state.failures.push(`${runTag(job)} (${runDir}): ${why}\n  last lines of ${logFile}:\n${tail(logFile, 8)}`);
    log(`  ${runTag(job)}: FAILED (${why.split('\n')[0]}); see ${logFile}`);
  } else {
    opts.onExit?.(job, pid, logFile, null);
    const sps = slot.progress ? ` (${slot.progress.stepsPerSecond.toFixed(2)} step/s)` : '';
    log(`  ${runTag(job)}: done${sps}`);
  }
}

/**
 * Train, evaluate and measure `specs` in up to `workers` child processes.
 * Resolves when every run is done; rejects with a StudyWorkerError naming each
 * failed run (after the others have finished).
 * @example await runStudyPool(study, [{ mode: 'binary', seed: 0 }, { mode: 'backsplit', seed: 0 }], { workers: 2, log: console.log });
 */
export async function runStudyPool(cfg: StudyConfig, specs: readonly StudyRunSpec[], opts: StudyPoolOptions & { preloaded?: PreloadedCases }): Promise<void> {
  const { preloaded, ...rest } = opts;
  await runWorkerPool(specs.map((spec) => ({ cfg, spec, ...(preloaded ? { preloaded } : {}) })), { ...rest, what: 'study' });
}

/**
 * The pool itself, over runs of any number of studies (a sweep's runs belong to several):
 * each job is trained, evaluated and measured by a worker process, up to `workers` at once.
 * @param opts.what the word that starts the failure message (default 'study')
 */
export async function runWorkerPool(jobs: readonly PoolJob[], opts: WorkerPoolOptions): Promise<void> {
  const workers = Math.max(1, Math.floor(opts.workers));
  const threads = opts.threadsPerWorker ?? opts.started?.threads ?? Math.max(1, Math.floor(availableCores() / workers));
  const state: PoolState = { queue: [...jobs], running: new Set(), failures: [], finished: 0, total: jobs.length, t0: Date.now() };
  opts.log(`throughput mode: ${jobs.length} run(s) on ${Math.min(workers, jobs.length)} worker process(es), ${threads} wasm thread(s) each`);
  const timer = setInterval(() => opts.log(statusLine(state)), (opts.intervalSeconds ?? 15) * 1000);

  // Ctrl-C or a scheduler's SIGTERM: pass it to the workers (each checkpointed run resumes on the
  // next start), then die of it as Node would unless someone else handles the signal (a notebook kernel)
  const uninstall = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    for (const s of state.running) s.child.kill(signal);
    const others = process.listeners(signal).filter((l) => l !== onSignal);
    if (others.length > 0) return;
    uninstall();
    process.kill(process.pid, signal);
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const lanes: Promise<void>[] = [];
    for (let w = 0; w < Math.min(workers, jobs.length); w++) {
      lanes.push((async () => {
        // one worker per lane for all its runs; after a failed run (the worker exits) a fresh one
        let worker: LaneWorker | undefined = opts.started?.lanes[w];
        try {
          for (let job = state.queue.shift(); job; job = state.queue.shift()) {
            if (!worker?.alive) worker = new LaneWorker(threads);
            await runOnWorker(worker, job, state, opts);
          }
        } finally {
          await worker?.stop();
        }
      })());
    }
    await Promise.all(lanes);
  } finally {
    clearInterval(timer);
    uninstall();
    await opts.started?.stop();
  }
  if (state.failures.length) {
    throw new StudyWorkerError(`${opts.what ?? 'study'}: ${state.failures.length} of ${jobs.length} run(s) failed in throughput mode:\n${state.failures.join('\n')}`);
  }
  opts.log(`throughput mode: ${jobs.length} run(s) in ${formatDuration((Date.now() - state.t0) / 1000)}`);
}
