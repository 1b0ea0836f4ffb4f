/**
 * A sweep through a real Slurm: data-scripts/slurm-local.sh brings up a single-node cluster
 * (Debian's slurm-wlm and munge, as root), a 4-run sweep of tiny runs is submitted as a job
 * array, one task is cancelled with scancel after its first checkpoint, `sweep status` shows it
 * pending with its checkpoint, a second `sweep submit` sends only that run, which resumes from
 * the checkpoint, and `sweep collect` reports all 4 runs. Skipped, with the reason, when the
 * cluster cannot start (no packages, not root). The cluster is stopped at the end if this test
 * started it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepCommand } from '../../lib/cli/commands/sweep';
import { readPlan, runFolder, runStates } from '../../lib/study/sweep-plan';
import { readSubmissions, slurmJobStates } from '../../lib/study/sweep-slurm';
import { runCaptured } from '../cli/capture';

const SCRIPT = path.join(__dirname, '..', '..', 'data-scripts', 'slurm-local.sh');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-slurm-'));
const slurmDir = path.join(tmp, 'cluster');
const env = { ...process.env, BACKSPLIT_SLURM_DIR: slurmDir };
const cluster = { ok: false, reason: '', startedHere: false };

function sh(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(SCRIPT, args, { env, encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

beforeAll(() => {
  if (process.platform !== 'linux') {
    cluster.reason = 'Slurm test cluster: Linux only';
    return;
  }
  if (process.getuid?.() !== 0) {
    cluster.reason = 'Slurm test cluster: needs root (data-scripts/slurm-local.sh starts munged, slurmctld and slurmd)';
    return;
  }
  const r = sh(['start']);
  if (r.status !== 0) {
    cluster.reason = `Slurm test cluster did not start: ${r.out.trim().split('\n').slice(-3).join(' | ')}`;
    return;
  }
  cluster.ok = true;
  cluster.startedHere = true;
  process.env.SLURM_CONF = path.join(slurmDir, 'slurm.conf');
}, 120_000);

afterAll(() => {
  if (cluster.startedHere) {
    spawnSync('scancel', ['--user', os.userInfo().username], { env: process.env });
    sh(['stop']);
    delete process.env.SLURM_CONF;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Wait until Slurm no longer runs or queues any task of `jobId`. */
async function waitForJob(jobId: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const q = spawnSync('squeue', ['-h', '-j', jobId, '-o', '%i'], { encoding: 'utf8' });
    if (q.status === 0 && q.stdout.trim() === '') return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`Slurm job ${jobId} still queued or running after ${seconds} s: ${spawnSync('squeue', [], { encoding: 'utf8' }).stdout}`);
}

// tiny runs: 4 cases, a 4/8-channel U-Net on 32×32 patches, a checkpoint every 10 steps
const GRID = {
  preset: 'quick',
  datasets: ['synthetic'],
  arms: ['binary', 'backsplit'],
  seeds: [0, 1],
  cases: 4,
  split: { seed: 0, train: 2, validation: 0, test: 2 },
  train: { model: { channels: [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: 150, checkpointEvery: 10, logEvery: 10 },
  fisher: { patches: 1, samples: 1 },
};

describe('sweep on a local Slurm cluster', () => {
  it('runs a 4-run sweep as a job array; a cancelled task is resubmitted and resumes from its checkpoint', async (ctx) => {
    if (!cluster.ok) ctx.skip(cluster.reason);
    const t0 = Date.now();
    const gridFile = path.join(tmp, 'grid.json');
    fs.writeFileSync(gridFile, JSON.stringify(GRID));
    const dir = path.join(tmp, 'sweep');
    expect((await runCaptured(sweepCommand, ['plan', gridFile, '--out', dir])).code).toBe(0);
    const plan = readPlan(dir);
    expect(plan.runs.length).toBe(4);

    const first = await runCaptured(sweepCommand, ['submit', dir, '--slurm', '--max-parallel', '2']);
    expect(first.code).toBe(0);
    const job1 = /submitted job (\d+): 4 array task\(s\)/.exec(first.out)?.[1];
    expect(job1, first.out).toBeDefined();
    expect(readSubmissions(dir).map((s) => s.jobId)).toEqual([job1]);

    // cancel array task 0 once its run has written a periodic checkpoint
    const victim = plan.runs.find((r) => r.id === readSubmissions(dir)[0].tasks[0])!;
    const ckpts = path.join(runFolder(plan, dir, victim), 'checkpoints');
    const until = Date.now() + 120_000;
    while (!(fs.existsSync(ckpts) && fs.readdirSync(ckpts).some((f) => /^step-\d+\.ckpt$/.test(f)))) {
      if (Date.now() > until) throw new Error(`no checkpoint in ${ckpts} after 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(spawnSync('scancel', [`${job1}_0`]).status).toBe(0);
    await waitForJob(job1!, 180);
    const states1 = slurmJobStates(job1!);
    const words = [0, 1, 2, 3].map((i) => states1.get(i)?.state);
    expect(words[0]).toBe('CANCELLED');
    expect(words.slice(1)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

    // status: the cancelled run is pending with its checkpoint; the others are done
    const status = await runCaptured(sweepCommand, ['status', dir]);
    expect(status.out).toMatch(/3 done, 1 pending \(of 4\)/);
    const victimRow = status.out.split('\n').find((l) => l.includes(victim.id))!;
    expect(victimRow).toMatch(/pending .*CANCELLED.*checkpoint at step \d+/);
    const checkpoint = runStates(plan, dir).find((s) => s.run.id === victim.id)!.checkpoint!;
    expect(checkpoint).toBeGreaterThan(0);
    expect(checkpoint).toBeLessThan(150);

    // resubmit: only the cancelled run goes, and it resumes from its checkpoint
    const second = await runCaptured(sweepCommand, ['submit', dir, '--slurm']);
    const job2 = /submitted job (\d+): 1 array task\(s\)/.exec(second.out)?.[1];
    expect(job2, second.out).toBeDefined();
    await waitForJob(job2!, 180);
    expect(slurmJobStates(job2!).get(0)?.state).toBe('COMPLETED');
    const folder = runFolder(plan, dir, victim);
    const resumed = fs.readdirSync(folder).filter((f) => /^meta\.resumed-\d+\.json$/.test(f));
    expect(resumed.length, `no meta.resumed-*.json in ${folder}`).toBe(1);
    expect(Number(/\d+/.exec(resumed[0])![0])).toBeGreaterThan(0);

    const collected = await runCaptured(sweepCommand, ['collect', dir]);
    expect(collected.code).toBe(0);
    expect(collected.out).toMatch(/4 of 4 run\(s\) finished/);
    expect(collected.out).toContain('collected 4 of 4 run(s); none missing');
    expect(fs.existsSync(path.join(dir, 'report', victim.group, 'results.json'))).toBe(true);
    const again = await runCaptured(sweepCommand, ['submit', dir, '--slurm']);
    expect(again.out).toMatch(/0 to submit/);

    console.log(`Slurm sweep: jobs ${job1} (${words.map((w, i) => `${i}:${w}`).join(' ')}) and ${job2} (resumed ${victim.name} from step ${checkpoint}); wall ${((Date.now() - t0) / 1000).toFixed(0)} s\n${collected.out}`);
  }, 420_000);
});
