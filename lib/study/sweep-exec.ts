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
import { ARM_BACKSPLIT, ARM_BINARY, collectStudy, studyCaseSplit, studyRunConfig, runOneStudyRun, StudyResults } from './pipeline';
import { defaultStudyWorkers, PoolJob, runWorkerPool } from './pool';
import { loadProtocol, Protocol } from './protocol';
import { writeProtocolJointOutputs } from './protocol-run';
import { summarizeStudy, summaryTable, writeStudyReport, withSharedRenderer } from './report';
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

/** A protocol sweep's joint outputs (primary.json, forest plot, conclusions) as collect wrote them. */
export interface CollectedProtocol {
  /** `<sweep>/report/primary.json`, or null when no protocol dataset could enter */
  primaryFile: string | null;
  /** the datasets in primary.json: the group each came from and the seeds and arms that entered */
  datasets: { dataset: string; group: string; seeds: number[]; arms: string[] }[];
  /** what the joint outputs leave out and why: datasets, arms, seeds */
  leftOut: string[];
  /** the runs of the protocol datasets' groups not finished yet (id and name) */
  missing: string[];
  /** the protocol, primary-endpoint and secondary-endpoint lines (empty without primary.json) */
  lines: string[];
}

/** What {@link collectSweep} found. */
export interface CollectedSweep {
  groups: CollectedGroup[];
  /** for a plan of design 'protocol' (sweep plan --protocol full), its joint outputs; else null */
  protocol: CollectedProtocol | null;
}

/** The seeds and arms of a protocol group that enter its report and the joint outputs. */
interface PairedProtocolRuns {
  /** the finished runs restricted to `seeds` × `arms`, or null when no seed has both the baseline and the confirmatory arm */
  results: StudyResults | null;
  seeds: number[];
  arms: string[];
  leftOut: string[];
}

const seedList = (seeds: readonly number[]) => seeds.join(', ');

/**
 * The part of a protocol group's finished runs that the protocol's paired statistics take (each arm
 * is compared with its baseline seed by seed, so every arm must hold the same seeds): the seeds that
 * both the baseline and the confirmatory arm finished, and each further arm that finished every one
 * of those seeds (an arm that lacks one is left out, not the seed). A finished run outside these is
 * named in `leftOut`. With every run finished, nothing is left out.
 */
function pairedProtocolRuns(results: StudyResults, protocol: Protocol): PairedProtocolRuns {
  const dataset = results.config.protocolDataset;
  const froc = results.froc ?? {};
  const finished = (arm: string) => new Set((froc[arm] ?? []).map((s) => Number(s.seed)));
  const base = protocol.baselineArm;
  const confirmatory = protocol.confirmatoryArm;
  const both = finished(confirmatory);
  const seeds = [...finished(base)].filter((s) => both.has(s)).sort((a, b) => a - b);
  if (seeds.length === 0) {
    return { results: null, seeds, arms: [], leftOut: [`${dataset}: no seed has finished runs of both ${base} and ${confirmatory}, so the dataset is left out`] };
  }
  const arms: string[] = [];
  const leftOut: string[] = [];
  for (const arm of Object.keys(froc)) {
    const lacking = seeds.filter((s) => !finished(arm).has(s));
    if (lacking.length) leftOut.push(`${dataset}: ${arm} left out: seed(s) ${seedList(lacking)} not finished (an arm enters with every seed that ${base} and ${confirmatory} both finished: ${seedList(seeds)})`);
    else arms.push(arm);
  }
  const entered = new Set(seeds);
  for (const arm of Object.keys(froc)) {
    const outside = [...finished(arm)].filter((s) => !entered.has(s)).sort((a, b) => a - b);
    if (outside.length) leftOut.push(`${dataset}: ${arm} seed(s) ${seedList(outside)} left out: ${base} and ${confirmatory} have not both finished them`);
  }
  const keep = new Set(arms);
  const armOf = (model: string) => model.replace(/-sumrule$/, '');
  const pick = <T extends { seed: number | string }>(byArm: Record<string, T[]> | undefined) =>
    byArm && Object.fromEntries(Object.entries(byArm).filter(([a]) => keep.has(a)).map(([a, list]) => [a, list.filter((x) => entered.has(Number(x.seed)))]));
  const paired: StudyResults = {
    ...results,
    config: { ...results.config, seeds },
    runs: results.runs.filter((r) => keep.has(r.mode) && entered.has(r.seed)),
    cases: results.cases.filter((c) => c.seed !== null && entered.has(c.seed) && keep.has(armOf(c.model))),
    froc: pick(results.froc),
    secondary: pick(results.secondary),
  };
  return { results: paired, seeds, arms, leftOut };
}

/**
 * The study report of every group from the runs that finished (training nothing), and which runs
 * are missing: report/<group>/ holds what `npm run reproduce` writes for a study. For a plan of
 * design 'protocol', also the protocol's joint outputs in report/ — primary.json, forest.html,
 * conclusions.md, as `reproduce` writes them (lib/study/protocol-run writeProtocolJointOutputs) —
 * over the protocol datasets' groups; the axis groups are descriptive (protocol.json axes.design)
 * and stay out of them. A protocol group enters with the seeds both binary and BackSplit finished
 * (and each further arm finished on all of them); the rest is named.
 */
export async function collectSweep(sweepDir: string, log: Log): Promise<CollectedSweep> {
  // one Chromium for every report and figure of the run
  return withSharedRenderer(async () => {
    const plan = readPlan(sweepDir);
    const { protocol } = loadProtocol();
    const out: CollectedGroup[] = [];
    const joint: JointGroup[] = [];
    const leftOut: string[] = [];
    log(`sweep ${sweepDir}: ${plan.runs.length} run(s) in ${Object.keys(plan.groups).length} group(s); protocol ${plan.protocol.id} v${plan.protocol.version} (${plan.protocol.status}), sha256 ${plan.protocol.sha256}`);
    for (const group of Object.keys(plan.groups)) {
      const runs = plan.runs.filter((r) => r.group === group);
      const cfg = groupStudyConfig(plan, sweepDir, group);
      const collected = await collectStudy(cfg, runs.map((r) => ({ mode: r.mode, seed: r.seed })), () => undefined);
      const missingRuns = runs.filter((r) => collected.missing.some((m) => m.mode === r.mode && m.seed === r.seed));
      const entry: CollectedGroup = { group, runs: runs.length, done: collected.results.runs.length, missing: missingRuns, report: null };
      const { axis, dataset } = plan.groups[group];
      log('');
      log(`group ${group} (${dataset}${axis ? `, ${axis.id} = ${axis.level}` : ''}): ${entry.done} of ${runs.length} run(s) finished`);
      let results: StudyResults | null = collected.results;
      if (cfg.protocolDataset) {
        // the protocol's statistics pair every arm with binary seed by seed: the report holds paired seeds only
        const paired = pairedProtocolRuns(collected.results, protocol);
        results = paired.results;
        for (const line of paired.leftOut) log(`  ${line}`);
        if (!axis) {
          joint.push({ dataset: cfg.protocolDataset, group, paired, missing: missingRuns });
          leftOut.push(...paired.leftOut);
        }
      } else {
        const arms = new Set(results.runs.map((r) => r.mode as string));
        if (!arms.has(ARM_BINARY) || !arms.has(ARM_BACKSPLIT)) results = null;
      }
      if (results) {
        const summary = summarizeStudy(results);
        await writeStudyReport(results, summary, cfg.reportDir, log);
        entry.report = cfg.reportDir;
        log(`Lesion metrics on ${results.splits.test.length} test cases × seeds ${[...new Set(results.runs.map((r) => r.seed))].join(', ')}; pairs = test cases (seeds averaged):`);
        log(summaryTable(summary));
        log(`report: ${path.join(cfg.reportDir, 'report.html')}`);
      } else {
        entry.note = cfg.protocolDataset ? 'no report: it needs a seed with finished runs of both binary and backsplit' : 'no report: it needs at least one finished run of both binary and backsplit';
        log(entry.note);
      }
      if (missingRuns.length) log(`missing: ${missingRuns.map((r) => `${r.id} ${r.name}`).join(', ')}`);
      out.push(entry);
    }
    const done = out.reduce((s, g) => s + g.done, 0);
    const missing = out.flatMap((g) => g.missing);
    const collectedProtocol = plan.grid.design === 'protocol' ? await collectProtocolOutputs(plan, sweepDir, joint, leftOut, log) : null;
    log('');
    log(`collected ${done} of ${plan.runs.length} run(s)${missing.length ? `; ${missing.length} missing: ${missing.map((r) => r.name).join(', ')}` : '; none missing'}`);
    return { groups: out, protocol: collectedProtocol };
  });
}

/** A protocol dataset's group (no axis) as collect found it. */
interface JointGroup {
  dataset: string;
  group: string;
  paired: PairedProtocolRuns;
  missing: SweepRun[];
}

/** The joint outputs of a protocol sweep's dataset groups (one group per protocol dataset) into report/. */
async function collectProtocolOutputs(
  plan: SweepPlan,
  sweepDir: string,
  groups: readonly JointGroup[],
  leftOut: string[],
  log: Log,
): Promise<CollectedProtocol> {
  const { protocol } = loadProtocol();
  const root = path.resolve(sweepDir, 'report');
  const entered: CollectedProtocol['datasets'] = [];
  const perDataset: StudyResults[] = [];
  for (const d of protocol.datasets) {
    const of = groups.filter((g) => g.dataset === d.id);
    if (of.length === 0) {
      leftOut.push(`${d.id}: not in this sweep's plan${plan.notes.some((n) => n.includes(`'${d.id}'`)) ? ` (${plan.notes.find((n) => n.includes(`'${d.id}'`))})` : ''}`);
      continue;
    }
    if (of.length > 1) {
      // several studies of one dataset (architectures): the protocol has one primary endpoint per dataset
      leftOut.push(`${d.id}: left out: ${of.length} groups study it (${of.map((g) => g.group).join(', ')}), and the protocol has one study per dataset`);
      continue;
    }
    const [g] = of;
    if (!g.paired.results) continue; // named in leftOut by pairedProtocolRuns
    entered.push({ dataset: d.id, group: g.group, seeds: g.paired.seeds, arms: g.paired.arms });
    perDataset.push(g.paired.results);
  }
  const missing = groups.flatMap((g) => g.missing.map((r) => `${r.id} ${r.name}`));
  const tell = () => {
    for (const l of leftOut) log(`  left out: ${l}`);
    if (missing.length) log(`  missing (not finished): ${missing.join(', ')}`);
  };
  log('');
  if (perDataset.length === 0) {
    log(`protocol outputs: none written (primary.json needs a protocol dataset with a seed finished by both ${protocol.baselineArm} and ${protocol.confirmatoryArm})`);
    tell();
    return { primaryFile: null, datasets: entered, leftOut, missing, lines: [] };
  }
  log(`protocol outputs in ${root}: ${entered.map((e) => `${e.dataset} (group ${e.group}; seeds ${seedList(e.seeds)}; arms ${e.arms.join(', ')})`).join('; ')}`);
  const outputs = await writeProtocolJointOutputs(perDataset, root, log);
  for (const line of outputs.lines) log(line);
  tell();
  const axes = Object.values(plan.groups).filter((g) => g.axis).length;
  if (axes) log(`  the ${axes} axis group(s) are descriptive (protocol.json axes.design) and stay out of primary.json; each has its own report in ${root}/<group>/`);
  log(`primary endpoint: ${outputs.primaryFile}`);
  return { primaryFile: outputs.primaryFile, datasets: entered, leftOut, missing, lines: outputs.lines };
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
