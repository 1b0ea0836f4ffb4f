/**
 * `backsplit sweep`: a grid of study runs planned into a folder, executed locally or as a Slurm
 * job array, monitored, and collected into the study report (lib/study/sweep-*.ts).
 */
import * as path from 'path';
import { Command, parseArgs, positiveIntFlag, UsageError } from '../args';
import { loadProtocol } from '../../study/protocol';
import { collectSweep, estimateSweepCost, formatRunStates, runsToStart, runSweepLocal, runSweepTask } from '../../study/sweep-exec';
import { logTail, makePlan, protocolFullGrid, readGrid, readPlan, runStates, writePlan } from '../../study/sweep-plan';
import { readSubmissions, SLURM_LIVE, slurmAvailable, slurmRunStates, SlurmOptions, submitArray, taskRunId, writeSubmissionFiles } from '../../study/sweep-slurm';

const USAGE = `usage: backsplit sweep plan <grid.json> | --protocol full [--emidec <folder>] --out <sweep-dir>
       backsplit sweep run <sweep-dir> --local [--workers N]
       backsplit sweep submit <sweep-dir> --slurm [--partition P] [--time T] [--mem M] [--gpus G] [--cpus C]
                              [--max-parallel K] [--dry-run]
       backsplit sweep status <sweep-dir>
       backsplit sweep collect <sweep-dir>

A sweep is many runs of the study (datasets × arms × seeds × architectures, and the protocol's axes one
at a time) planned once into a folder; any executor then trains the runs still to do, resuming
interrupted ones from their checkpoints. Grid format and a worked example: docs/sweep.md.

  plan       expand a grid (or the protocol's full reproduction) into numbered runs with stable ids
             and write <sweep-dir>/sweep.json; planning again keeps the ids and folders of unchanged runs.
             --protocol full: each dataset's group is the protocol's study of it, what
             'reproduce --full [--emidec <folder>]' trains, plus the axes on the mechanism set
  run        --local: train the runs still to do with N worker processes (default: one per core,
             single-threaded — measured faster than one run at a time with every thread)
  submit     --slurm: write an sbatch array script over the runs still to do (one task per run, logs in
             <sweep-dir>/logs/, requeued on preemption), submit it with sbatch --parsable and record the
             job id; --dry-run prints the script and the estimated core-hours instead
  status     each run: pending, running, done or failed (Slurm's view when jobs were submitted), with the
             last log lines of failed tasks
  collect    the study report of each group from the runs that finished (<sweep-dir>/report/<group>/),
             naming the runs still missing; for a protocol plan also the protocol's joint outputs over
             its datasets (<sweep-dir>/report/primary.json, forest.html, conclusions.md), as reproduce
             writes them; the axis groups are descriptive and stay out of primary.json`;

function dirArg(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`sweep ${what} needs the sweep folder`);
  return path.resolve(positionals[0]);
}

const log = (l: string) => process.stdout.write(l + '\n');

async function plan(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { protocol: { type: 'string' }, emidec: { type: 'string' }, out: { type: 'string', required: true } }, 1);
  const loaded = loadProtocol();
  let grid;
  let notes: string[] = [];
  let source: string;
  if (flags.protocol !== undefined) {
    if (flags.protocol !== 'full') throw new UsageError(`--protocol takes 'full', got '${String(flags.protocol)}'`);
    if (positionals.length) throw new UsageError('give a grid file or --protocol full, not both');
    ({ grid, notes } = protocolFullGrid(loaded.protocol, flags.emidec as string | undefined));
    source = '--protocol full';
  } else {
    if (positionals.length !== 1) throw new UsageError('sweep plan needs a grid file or --protocol full');
    if (flags.emidec !== undefined) throw new UsageError("--emidec goes with --protocol full; in a grid file write 'emidec:<folder>' in datasets");
    source = path.resolve(positionals[0]);
    grid = readGrid(source, loaded.protocol);
  }
  const out = path.resolve(flags.out as string);
  const p = makePlan(grid, source, notes);
  const change = writePlan(out, p);
  log(`sweep ${out}: ${p.runs.length} run(s) in ${Object.keys(p.groups).length} group(s), protocol sha256 ${p.protocol.sha256}`);
  for (const n of notes) log(`  note: ${n}`);
  log(`  ${change.kept} kept from the previous plan, ${change.added} new${change.dropped.length ? `, ${change.dropped.length} no longer in the grid (folders kept): ${change.dropped.join(', ')}` : ''}`);
  for (const r of p.runs) log(`  ${String(r.index).padStart(4)}  ${r.id}  ${r.name}`);
  return 0;
}

async function runLocal(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { local: { type: 'boolean' }, workers: { type: 'number' } }, 1);
  if (!flags.local) throw new UsageError('sweep run needs --local (for Slurm: sweep submit --slurm)');
  const dir = dirArg(positionals, 'run');
  const res = await runSweepLocal(dir, { workers: positiveIntFlag(flags.workers, 'workers'), log });
  if (res.started) log(`sweep: ${res.started} run(s) in ${res.seconds.toFixed(0)} s (${(res.started / (res.seconds / 3600)).toFixed(1)} runs/hour)`);
  return 0;
}

async function submit(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, {
    slurm: { type: 'boolean' },
    partition: { type: 'string' },
    time: { type: 'string' },
    mem: { type: 'string' },
    gpus: { type: 'number' },
    cpus: { type: 'number' },
    'max-parallel': { type: 'number' },
    'dry-run': { type: 'boolean' },
  }, 1);
  if (!flags.slurm) throw new UsageError('sweep submit needs --slurm (the only scheduler so far)');
  const dir = dirArg(positionals, 'submit');
  const o: SlurmOptions = {
    partition: flags.partition as string | undefined,
    time: flags.time as string | undefined,
    mem: flags.mem as string | undefined,
    gpus: positiveIntFlag(flags.gpus, 'gpus'),
    maxParallel: positiveIntFlag(flags['max-parallel'], 'max-parallel'),
    cpus: positiveIntFlag(flags.cpus, 'cpus') ?? 1,
  };
  const p = readPlan(dir);
  const dry = flags['dry-run'] === true;
  // runs Slurm is still working on are not submitted again
  const slurm = dry && !slurmAvailable() ? new Map() : slurmRunStates(dir);
  const live = new Set([...slurm].filter(([, s]) => SLURM_LIVE.has(s.state)).map(([id]) => id));
  const todo = runsToStart(runStates(p, dir)).filter((r) => !live.has(r.id));
  log(`sweep ${dir}: ${p.runs.length} run(s); ${todo.length} to submit${live.size ? `, ${live.size} still queued or running in Slurm` : ''}`);
  if (todo.length === 0) return 0;
  const files = writeSubmissionFiles(dir, todo.map((r) => r.id), o);
  if (dry) {
    log(`--- ${files.script} (not written: dry run) ---`);
    log(files.text);
    log(`--- ${todo.length} task(s); measuring training speed on this machine for the cost estimate ---`);
    const cost = await estimateSweepCost(p, todo, { coresPerTask: o.cpus, log });
    log(`${cost.tasks} task(s), ${cost.trainingSteps} training steps, estimated ${cost.coreHours.toFixed(1)} core-hours of training on this CPU (evaluation and Fisher not counted; a GPU task is much faster)`);
    return 0;
  }
  if (!slurmAvailable()) throw new Error("sweep submit: sbatch is not on the PATH; run on a Slurm login node (or 'data-scripts/slurm-local.sh start' for a local test cluster)");
  const jobId = submitArray(dir, files, todo.map((r) => r.id));
  log(`submitted job ${jobId}: ${todo.length} array task(s)${o.maxParallel ? `, at most ${o.maxParallel} at once` : ''}; script ${files.script}, logs ${path.join(dir, 'logs')}/${jobId}_<task>.out`);
  return 0;
}

async function status(argv: string[]): Promise<number> {
  const { positionals } = parseArgs(argv, {}, 1);
  const dir = dirArg(positionals, 'status');
  const p = readPlan(dir);
  const states = runStates(p, dir);
  const subs = readSubmissions(dir);
  const slurm = subs.length && slurmAvailable() ? slurmRunStates(dir) : new Map();
  const counts: Record<string, number> = {};
  const rows = states.map((s) => {
    const sl = slurm.get(s.run.id);
    let state: string = s.state;
    const detail: string[] = [];
    if (sl) detail.push(`Slurm ${sl.job} ${sl.state}${sl.exitCode && sl.exitCode !== '0:0' ? ` exit ${sl.exitCode}` : ''} (${sl.source})`);
    if (s.state !== 'done' && sl && SLURM_LIVE.has(sl.state)) state = sl.state === 'RUNNING' ? 'running' : 'pending';
    else if (s.state !== 'done' && sl && ['FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL'].includes(sl.state)) state = 'failed';
    if (s.state !== 'done' && s.checkpoint !== null) detail.push(`checkpoint at step ${s.checkpoint}`);
    if (s.record?.state === 'interrupted' && state === 'pending') detail.push('interrupted, resumes');
    counts[state] = (counts[state] ?? 0) + 1;
    return { index: s.run.index, id: s.run.id, name: s.run.name, state, detail: detail.join('; '), s };
  });
  log(`sweep ${dir}: ${['done', 'running', 'pending', 'failed'].filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(', ')} (of ${p.runs.length})${subs.length ? `; Slurm job(s) ${subs.map((x) => x.jobId).join(', ')}` : ''}`);
  log(formatRunStates(rows));
  for (const r of rows.filter((x) => x.state === 'failed')) {
    const file = r.s.record?.log ?? path.join(r.s.folder, 'worker.log');
    log(`\n${r.name} (${r.id}) failed${r.s.record?.error ? `: ${r.s.record.error.split('\n')[0]}` : ''}; last lines of ${file}:\n${logTail(file, 10)}`);
  }
  return 0;
}

async function collect(argv: string[]): Promise<number> {
  const { positionals } = parseArgs(argv, {}, 1);
  const { groups } = await collectSweep(dirArg(positionals, 'collect'), log);
  return groups.some((g) => g.done > 0) ? 0 : 1;
}

async function task(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { tasks: { type: 'string' }, index: { type: 'number' }, run: { type: 'string' } }, 1);
  const dir = dirArg(positionals, 'task');
  let id = flags.run as string | undefined;
  if (!id) {
    if (flags.tasks === undefined || flags.index === undefined) throw new UsageError('sweep task needs --run <id> or --tasks <file> --index N');
    id = taskRunId(flags.tasks as string, flags.index as number);
  }
  const stamp = (l: string) => log(`${new Date().toISOString()} ${l}`);
  await runSweepTask(dir, id, stamp);
  return 0;
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'plan a grid of study runs, run it locally or as a Slurm job array, monitor it, collect its report',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'plan':
        return plan(rest);
      case 'run':
        return runLocal(rest);
      case 'submit':
        return submit(rest);
      case 'status':
        return status(rest);
      case 'collect':
        return collect(rest);
      case 'task':
        return task(rest);
      default:
        throw new UsageError(sub ? `unknown sweep subcommand '${sub}'` : 'sweep needs a subcommand: plan, run, submit, status or collect');
    }
  },
};
