/**
 * A sweep as a Slurm job array: the sbatch script, its submission with `sbatch --parsable`,
 * and the states Slurm reports for the submitted tasks (sacct when accounting is there, else
 * scontrol for the jobs slurmctld still remembers, squeue for the live ones).
 *
 * Each submission writes `slurm/submit-<n>.tasks` (one run id per line: line i+1 is array
 * task i) and `slurm/submit-<n>.sh`; `slurm/submissions.json` records the job ids. A task
 * maps SLURM_ARRAY_TASK_ID to its run through the tasks file and runs
 * `backsplit sweep task`, which resumes the run from its newest checkpoint; the script asks
 * for requeueing on preemption or node failure, and appends a requeued task's output to the
 * same log (logs/<job>_<task>.out).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomic';

/** What `sweep submit --slurm` takes. */
export interface SlurmOptions {
  partition?: string;
  /** --time, e.g. '02:00:00' */
  time?: string;
  /** --mem, e.g. '8G' */
  mem?: string;
  /** GPUs per task (--gres=gpu:G) */
  gpus?: number;
  /** tasks at once (%K) */
  maxParallel?: number;
  /** cores per task (default 1: single-threaded runs side by side do the most work per core) */
  cpus: number;
  /** job name (default backsplit-sweep) */
  jobName?: string;
}

/** One submission of a sweep. */
export interface Submission {
  n: number;
  jobId: string;
  tasks: string[];
  script: string;
  submittedAt: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Is Slurm's sbatch on the PATH (and answering)? */
export function slurmAvailable(): boolean {
  const r = spawnSync('sbatch', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * The sbatch array script for `count` tasks of a sweep.
 * @param tasksFile the submission's tasks file (line i+1 = run id of array task i)
 */
export function sbatchScript(sweepDir: string, tasksFile: string, count: number, o: SlurmOptions): string {
  const dir = path.resolve(sweepDir);
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName ?? 'backsplit-sweep'}`,
    `#SBATCH --array=0-${count - 1}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    `#SBATCH --output=${path.join(dir, 'logs', '%A_%a.out')}`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${o.cpus}`,
  ];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  if (o.mem) lines.push(`#SBATCH --mem=${o.mem}`);
  if (o.gpus) lines.push(`#SBATCH --gres=gpu:${o.gpus}`);
  lines.push(
    '',
    '# One run of the sweep per array task: line SLURM_ARRAY_TASK_ID+1 of the tasks file names it.',
    '# A run that was interrupted (preemption, requeue, scancel) resumes from its newest checkpoint.',
    'set -euo pipefail',
    `cd ${shellQuote(ROOT)}`,
    'export TFJS_WASM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    `echo "[$(date -Is)] task \${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID} on $(hostname), restart \${SLURM_RESTART_COUNT:-0}"`,
    `exec ${shellQuote(process.execPath)} ${shellQuote(path.join(ROOT, 'bin', 'backsplit.js'))} sweep task ${shellQuote(dir)} --tasks ${shellQuote(tasksFile)} --index "$SLURM_ARRAY_TASK_ID"`,
    '',
  );
  return lines.join('\n');
}

const SUBMISSIONS = path.join('slurm', 'submissions.json');

/** The sweep's submissions so far (oldest first). */
export function readSubmissions(sweepDir: string): Submission[] {
  try {
    return JSON.parse(fs.readFileSync(path.join(sweepDir, SUBMISSIONS), 'utf8')) as Submission[];
  } catch {
    return [];
  }
}

/** Write the script and tasks file of the next submission; returns their paths and number. */
export function writeSubmissionFiles(sweepDir: string, runIds: readonly string[], o: SlurmOptions): { n: number; script: string; tasksFile: string; text: string } {
  const n = readSubmissions(sweepDir).reduce((m, s) => Math.max(m, s.n), 0) + 1;
  const slurmDir = path.resolve(sweepDir, 'slurm');
  fs.mkdirSync(slurmDir, { recursive: true });
  fs.mkdirSync(path.resolve(sweepDir, 'logs'), { recursive: true });
  const tasksFile = path.join(slurmDir, `submit-${n}.tasks`);
  const script = path.join(slurmDir, `submit-${n}.sh`);
  const text = sbatchScript(sweepDir, tasksFile, runIds.length, o);
  return { n, script, tasksFile, text };
}

/** Submit with `sbatch --parsable`, record the job id; returns it. */
export function submitArray(sweepDir: string, files: { n: number; script: string; tasksFile: string; text: string }, runIds: readonly string[]): string {
  writeFileAtomic(files.tasksFile, runIds.join('\n') + '\n');
  writeFileAtomic(files.script, files.text);
  fs.chmodSync(files.script, 0o755);
  const r = spawnSync('sbatch', ['--parsable', files.script], { encoding: 'utf8' });
  if (r.error) throw new Error(`sweep submit: cannot run sbatch (${r.error.message}); is Slurm installed on this machine?`);
  if (r.status !== 0) throw new Error(`sweep submit: sbatch failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  const jobId = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(jobId)) throw new Error(`sweep submit: sbatch --parsable printed '${r.stdout.trim()}', not a job id`);
  const all = [...readSubmissions(sweepDir), { n: files.n, jobId, tasks: [...runIds], script: files.script, submittedAt: new Date().toISOString() }];
  writeFileAtomic(path.join(sweepDir, SUBMISSIONS), JSON.stringify(all, null, 2) + '\n');
  return jobId;
}

/** The run id of array task `index` of a tasks file. */
export function taskRunId(tasksFile: string, index: number): string {
  const ids = fs.readFileSync(tasksFile, 'utf8').split('\n').filter((l) => l.trim().length > 0);
  if (!Number.isInteger(index) || index < 0 || index >= ids.length) throw new Error(`sweep task: ${tasksFile} has ${ids.length} task(s); there is no task ${index}`);
  return ids[index].trim();
}

/** Slurm's word for one array task. */
export interface SlurmTaskState {
  /** '<job>_<task>' */
  job: string;
  state: string;
  exitCode?: string;
  elapsed?: string;
  /** sacct, scontrol or squeue */
  source: string;
}

function expandIndices(spec: string): number[] {
  // "3", "2-5", "[2-5%2]", "1,4-6"
  const body = spec.replace(/^\[|\]$/g, '').split('%')[0];
  const out: number[] = [];
  for (const part of body.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    for (let i = a; i <= (Number.isInteger(b) ? b : a); i++) out.push(i);
  }
  return out;
}

function run(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 && !r.error ? r.stdout : null;
}

/** Per array task index of `jobId`: Slurm's state. Empty when Slurm knows nothing of the job (any more). */
export function slurmJobStates(jobId: string): Map<number, SlurmTaskState> {
  const states = new Map<number, SlurmTaskState>();
  const sacct = run('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,ExitCode,Elapsed']);
  if (sacct !== null && sacct.trim()) {
    for (const line of sacct.trim().split('\n')) {
      const [id, state, exitCode, elapsed] = line.split('|');
      const m = /^(\d+)_(.+)$/.exec(id);
      if (!m || m[1] !== jobId) continue;
      for (const i of expandIndices(m[2])) states.set(i, { job: `${jobId}_${i}`, state: state.split(' ')[0], exitCode, elapsed, source: 'sacct' });
    }
  } else {
    const sc = run('scontrol', ['-o', 'show', 'job', jobId]);
    for (const line of (sc ?? '').trim().split('\n')) {
      const field = (k: string) => new RegExp(`(?:^| )${k}=(\\S+)`).exec(line)?.[1];
      const tasks = field('ArrayTaskId');
      if (!tasks || field('ArrayJobId') !== jobId) continue;
      for (const i of expandIndices(tasks)) states.set(i, { job: `${jobId}_${i}`, state: field('JobState') ?? '?', exitCode: field('ExitCode'), elapsed: field('RunTime'), source: 'scontrol' });
    }
  }
  const sq = run('squeue', ['-h', '-r', '-j', jobId, '-o', '%i|%T']);
  for (const line of (sq ?? '').trim().split('\n')) {
    const [id, state] = line.split('|');
    const m = /^(\d+)_(\d+)$/.exec(id ?? '');
    if (m && m[1] === jobId) states.set(Number(m[2]), { ...(states.get(Number(m[2])) ?? { job: id }), job: id, state, source: 'squeue' });
  }
  return states;
}

/** Slurm's state of every submitted run, by run id (the newest submission of a run wins). */
export function slurmRunStates(sweepDir: string): Map<string, SlurmTaskState> {
  const out = new Map<string, SlurmTaskState>();
  for (const sub of readSubmissions(sweepDir)) {
    const states = slurmJobStates(sub.jobId);
    sub.tasks.forEach((id, i) => {
      const s = states.get(i);
      if (s) out.set(id, s);
    });
  }
  return out;
}

/** Slurm states that mean the task is still to run or running. */
export const SLURM_LIVE = new Set(['PENDING', 'RUNNING', 'REQUEUED', 'CONFIGURING', 'COMPLETING', 'RESIZING', 'SUSPENDED', 'REQUEUE_HOLD', 'REQUEUE_FED']);
