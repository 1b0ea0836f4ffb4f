/**
 * Executing and gathering a sweep (lib/study/sweep-plan.ts): the local process pool,
 * one task as a Slurm array task runs it, the collect step that reports whatever
 * finished, and the cost estimate a dry run prints.
 *
 * Every executor does the same thing per run — lib/study/pipeline.ts runOneStudyRun:
 * train or resume, evaluate, measure Fisher, each piece cached in the run folder — so
 * the executors can be mixed and any of them resumes what another left.
 */
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../backend/index';
import { formatTable } from '../core/format';
import { trainOrReuse } from '../run/reuse';
import { ARM_BACKSPLIT, ARM_BINARY, collectStudy, studyCaseSplit, studyRunConfig, runOneStudyRun } from './pipeline';
import { defaultStudyWorkers, PoolJob, runWorkerPool } from './pool';
import { summarizeStudy, summaryTable, writeStudyReport } from './report';
import { groupStudyConfig, readPlan, RunState, runStates, SweepPlan, SweepRun, TaskRecord, writeTaskRecord } from './sweep-plan';

type Log = (line: string) => void;

/** The runs an executor should start: pending and failed ones (a failed run is retried; an interrupted one resumes). */
export function runsToStart(states: readonly RunState[]): SweepRun[] {
  return states.filter((s) => s.state === 'pending' || s.state === 'failed').map((s) => s.run);
}

/** Options of {@link runSweepLocal}. */
export interface LocalSweepOptions {
  /** worker processes (default: one per core on wasm/cpu, 1 with a GPU or native backend) */
  workers?: number;
  /** wasm threads per worker (default cores / workers) */
  threadsPerWorker?: number;
  log: Log;
  intervalSeconds?: number;
}

/**
 * The local executor: every run still to do, trained by a pool of worker processes (lib/study/pool.ts),
 * each run's progress kept in tasks/<id>.json and its output in <run>/worker.log.
 * @returns the runs it started
 */
export async function runSweepLocal(sweepDir: string, opts: LocalSweepOptions): Promise<{ started: number; seconds: number }> {
  const plan = readPlan(sweepDir);
  const states = runStates(plan, sweepDir);
  const todo = runsToStart(states);
  const running = states.filter((s) => s.state === 'running');
  if (running.length) opts.log(`sweep: ${running.length} run(s) are being trained elsewhere and are left alone: ${running.map((s) => s.run.name).join(', ')}`);
  opts.log(`sweep: ${states.filter((s) => s.state === 'done').length} of ${plan.runs.length} run(s) done, ${todo.length} to do`);
  if (todo.length === 0) return { started: 0, seconds: 0 };
  const backend = Object.values(plan.groups)[0]?.study.backend;
  const workers = opts.workers ?? defaultStudyWorkers(todo.length, backend);
  const byId = new Map(todo.map((r) => [r.id, r] as [string, SweepRun]));
  const jobs: PoolJob[] = todo.map((run) => ({ cfg: groupStudyConfig(plan, sweepDir, run.group), spec: { mode: run.mode, seed: run.seed }, tag: run.name, id: run.id }));
  const t0 = Date.now();
  const record = (job: PoolJob, pid: number, logFile: string, state: TaskRecord['state'], error?: string) => {
    const run = byId.get(job.id!)!;
    writeTaskRecord(sweepDir, run.id, { state, host: os.hostname(), pid, executor: 'local', log: logFile, startedAt: new Date(t0).toISOString(), ...(state !== 'running' ? { endedAt: new Date().toISOString() } : {}), ...(error ? { error } : {}) });
  };
  await runWorkerPool(jobs, {
    workers,
    threadsPerWorker: opts.threadsPerWorker,
    log: opts.log,
    intervalSeconds: opts.intervalSeconds,
    what: 'sweep',
    onStart: (job, pid, logFile) => record(job, pid, logFile, 'running'),
    onExit: (job, pid, logFile, error) => record(job, pid, logFile, error === null ? 'done' : error.startsWith('killed by') ? 'interrupted' : 'failed', error ?? undefined),
  });
  return { started: todo.length, seconds: (Date.now() - t0) / 1000 };
}

/** Where a Slurm array task writes its output (the script's --output pattern, %A_%a). */
export function slurmTaskLog(sweepDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(sweepDir, 'logs', `${env.SLURM_ARRAY_JOB_ID ?? 'local'}_${env.SLURM_ARRAY_TASK_ID ?? '0'}.out`);
}

/**
 * One run in this process, as a Slurm array task runs it: its record says running (then done or
 * failed), SIGTERM (preemption, scancel) leaves it interrupted — the next task resumes from the
 * newest checkpoint —, progress goes to stdout every `progressSeconds`.
 */
export async function runSweepTask(sweepDir: string, runId: string, log: Log, progressSeconds = 10): Promise<void> {
  const plan = readPlan(sweepDir);
  const run = plan.runs.find((r) => r.id === runId);
  if (!run) throw new Error(`sweep task: run '${runId}' is not in ${path.join(sweepDir, 'sweep.json')} (re-planned since submitting?)`);
  const cfg = groupStudyConfig(plan, sweepDir, run.group);
  const job = process.env.SLURM_ARRAY_JOB_ID ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID}` : undefined;
  const base: TaskRecord = { state: 'running', host: os.hostname(), pid: process.pid, executor: job ? 'slurm' : 'local', ...(job ? { job } : {}), log: slurmTaskLog(sweepDir), startedAt: new Date().toISOString() };
  log(`sweep task: run ${run.id} ${run.name} on ${os.hostname()}${job ? ` (Slurm ${job})` : ''}, folder ${studyRunConfig(cfg, run.mode, run.seed).outputDir}`);
  writeTaskRecord(sweepDir, run.id, base);
  const onTerm = () => {
    writeTaskRecord(sweepDir, run.id, { ...base, state: 'interrupted', endedAt: new Date().toISOString(), error: 'SIGTERM (preempted or cancelled); resumes from its newest checkpoint' });
    log('sweep task: SIGTERM, stopping; the run resumes from its newest checkpoint when started again');
    process.exit(143);
  };
  process.once('SIGTERM', onTerm);
  let last = 0;
  try {
    await runOneStudyRun(cfg, { mode: run.mode, seed: run.seed }, {
      log,
      onProgress: (p) => {
        if (Date.now() - last < progressSeconds * 1000 && p.step < p.totalSteps) return;
        last = Date.now();
        log(`  step ${p.step}/${p.totalSteps}, loss ${p.loss.toFixed(4)}, ${p.stepsPerSecond.toFixed(2)} step/s`);
      },
      onPhase: (phase) => log(`  ${phase}`),
    });
  } catch (e) {
    writeTaskRecord(sweepDir, run.id, { ...base, state: 'failed', endedAt: new Date().toISOString(), error: (e as Error).message });
    throw e;
  } finally {
    process.off('SIGTERM', onTerm);
  }
  writeTaskRecord(sweepDir, run.id, { ...base, state: 'done', endedAt: new Date().toISOString() });
  log(`sweep task: run ${run.id} done`);
}

/** What collect found per group. */
export interface CollectedGroup {
  group: string;
  runs: number;
  done: number;
  missing: SweepRun[];
  /** report folder, or why none was written */
  report: string | null;
  note?: string;
}

/**
 * The study report of every group from the runs that finished (training nothing), and which runs
 * are missing: report/<group>/ holds what `npm run reproduce` writes for a study.
 */
export async function collectSweep(sweepDir: string, log: Log): Promise<CollectedGroup[]> {
  const plan = readPlan(sweepDir);
  const out: CollectedGroup[] = [];
  log(`sweep ${sweepDir}: ${plan.runs.length} run(s) in ${Object.keys(plan.groups).length} group(s); protocol ${plan.protocol.id} v${plan.protocol.version} (${plan.protocol.status}), sha256 ${plan.protocol.sha256}`);
  for (const group of Object.keys(plan.groups)) {
    const runs = plan.runs.filter((r) => r.group === group);
    const cfg = groupStudyConfig(plan, sweepDir, group);
    const { results, missing } = await collectStudy(cfg, runs.map((r) => ({ mode: r.mode, seed: r.seed })), () => undefined);
    const missingRuns = runs.filter((r) => missing.some((m) => m.mode === r.mode && m.seed === r.seed));
    const arms = new Set(results.runs.map((r) => r.mode as string));
    const entry: CollectedGroup = { group, runs: runs.length, done: results.runs.length, missing: missingRuns, report: null };
    log('');
    log(`group ${group} (${plan.groups[group].dataset}${plan.groups[group].axis ? `, ${plan.groups[group].axis!.id} = ${plan.groups[group].axis!.level}` : ''}): ${results.runs.length} of ${runs.length} run(s) finished`);
    if (arms.has(ARM_BINARY) && arms.has(ARM_BACKSPLIT)) {
      const summary = summarizeStudy(results);
      await writeStudyReport(results, summary, cfg.reportDir, log);
      entry.report = cfg.reportDir;
      log(`Lesion metrics on ${results.splits.test.length} test cases × seeds ${[...new Set(results.runs.map((r) => r.seed))].join(', ')}; pairs = test cases (seeds averaged):`);
      log(summaryTable(summary));
      log(`report: ${path.join(cfg.reportDir, 'report.html')}`);
    } else {
      entry.note = 'no report: it needs at least one finished run of both binary and backsplit';
      log(entry.note);
    }
    if (missingRuns.length) log(`missing: ${missingRuns.map((r) => `${r.id} ${r.name}`).join(', ')}`);
    out.push(entry);
  }
  const done = out.reduce((s, g) => s + g.done, 0);
  const missing = out.flatMap((g) => g.missing);
  log('');
  log(`collected ${done} of ${plan.runs.length} run(s)${missing.length ? `; ${missing.length} missing: ${missing.map((r) => r.name).join(', ')}` : '; none missing'}`);
  return out;
}

/** Measured training speed of one kind of run (model, patch, batch, label mode). */
export interface SpeedMeasurement {
  key: string;
  stepsPerSecond: number;
  threads: number;
}

/** What a sweep costs on the CPU it was measured on. */
export interface SweepCost {
  tasks: number;
  trainingSteps: number;
  coreHours: number;
  measurements: SpeedMeasurement[];
}

function speedKey(plan: SweepPlan, run: SweepRun): string {
  const t = plan.groups[run.group].study.train;
  return `${t.model!.family} ${t.model!.channels.join('/')}, patch ${t.patchSize!.join('×')}, batch ${t.batchSize}, ${run.mode}`;
}

/**
 * Estimated core-hours of training `runs`: each kind of run (model, patch, batch, label mode) is
 * trained `measureSteps` steps in memory here, on one wasm thread unless the backend was already
 * set up otherwise, and steps/s × cores used gives the cost. Evaluation and Fisher are not counted
 * (small beside training for the presets).
 */
export async function estimateSweepCost(plan: SweepPlan, runs: readonly SweepRun[], opts: { measureSteps?: number; coresPerTask: number; log: Log }): Promise<SweepCost> {
  const steps = opts.measureSteps ?? 20;
  const backend = await initBackend({ threads: 1 });
  const threads = backend.name === 'wasm' ? (backend.threads ?? 1) : opts.coresPerTask;
  const measured = new Map<string, SpeedMeasurement>();
  for (const run of runs) {
    const key = speedKey(plan, run);
    if (measured.has(key)) continue;
    const cfg = plan.groups[run.group].study;
    const split = studyCaseSplit(cfg);
    const config = { ...studyRunConfig(cfg, run.mode, run.seed), steps, checkpointEvery: 0 };
    const res = await trainOrReuse({ config, runDir: null, cases: { trainCases: split.trainCases } });
    res.model.dispose();
    const sps = res.stepsPerSecond!;
    measured.set(key, { key, stepsPerSecond: sps, threads });
    opts.log(`  measured ${key}: ${sps.toFixed(2)} step/s (${steps} steps, ${threads} thread(s), ${backend.name})`);
  }
  let coreHours = 0;
  let trainingSteps = 0;
  for (const run of runs) {
    const m = measured.get(speedKey(plan, run))!;
    const s = plan.groups[run.group].study.train.steps!;
    trainingSteps += s;
    coreHours += (s / m.stepsPerSecond / 3600) * Math.max(m.threads, opts.coresPerTask);
  }
  return { tasks: runs.length, trainingSteps, coreHours, measurements: [...measured.values()] };
}

/** A table of run states (one row per run) for `sweep status`. */
export function formatRunStates(rows: { index: number; id: string; name: string; state: string; detail: string }[]): string {
  return formatTable(['#', 'id', 'run', 'state', 'detail'], rows.map((r) => [r.index, r.id, r.name, r.state, r.detail]));
}
