/**
 * Sweep plans (lib/study/sweep-plan.ts) and the Slurm script (lib/study/sweep-slurm.ts), without
 * training: the smallest grid as the issue writes it, stable ids, refusals that name the field,
 * the protocol's full grid, run states from the folder, and the sbatch array script.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProtocol } from '../../lib/study/protocol';
import { runsToStart } from '../../lib/study/sweep-exec';
import { expandGrid, makePlan, protocolFullGrid, readPlan, runFolder, runStates, validateGrid, writePlan, writeTaskRecord } from '../../lib/study/sweep-plan';
import { sbatchScript, taskRunId } from '../../lib/study/sweep-slurm';
import { sweepCommand } from '../../lib/cli/commands/sweep';
import { runCaptured } from '../cli/capture';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-plan-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const { protocol } = loadProtocol();
const SMALLEST = { preset: 'quick', datasets: ['synthetic'], arms: ['binary', 'backsplit'], seeds: [0, 1] };

describe('sweep plan', () => {
  it('accepts the smallest grid as written and plans 4 runs with stable ids', async () => {
    const file = path.join(tmp, 'smallest.json');
    fs.writeFileSync(file, JSON.stringify(SMALLEST));
    const out = path.join(tmp, 'smallest');
    const first = await runCaptured(sweepCommand, ['plan', file, '--out', out]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/4 run\(s\) in 1 group\(s\), protocol sha256 [0-9a-f]{64}/);
    const plan = readPlan(out);
    expect(plan.protocol.sha256).toBe(loadProtocol().sha256);
    expect(plan.runs.map((r) => `${r.arm}/${r.seed}`).sort()).toEqual(['backsplit/0', 'backsplit/1', 'binary/0', 'binary/1']);
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(4);
    // the group trains exactly what `reproduce --quick` trains, seeds 0 and 1
    const group = Object.values(plan.groups)[0];
    expect(group.study.seeds).toEqual([0, 1]);
    expect(group.study.train.steps).toBe(60);
    // planning again gives the same ids
    const again = await runCaptured(sweepCommand, ['plan', file, '--out', out]);
    expect(again.out).toContain('4 kept from the previous plan, 0 new');
    expect(readPlan(out).runs.map((r) => r.id)).toEqual(plan.runs.map((r) => r.id));
  });

  it('a changed grid keeps the ids of unchanged runs and changes those it changes', () => {
    const base = expandGrid(validateGrid(SMALLEST, 'grid', protocol), 'grid').runs;
    const moreSeeds = expandGrid(validateGrid({ ...SMALLEST, seeds: [0, 1, 2] }, 'grid', protocol), 'grid').runs;
    expect(moreSeeds.length).toBe(6);
    for (const r of base) expect(moreSeeds.find((m) => m.name === r.name)!.id).toBe(r.id);
    const longer = expandGrid(validateGrid({ ...SMALLEST, train: { steps: 61 } }, 'grid', protocol), 'grid').runs;
    for (const r of longer) expect(base.map((b) => b.id)).not.toContain(r.id);
    // the dropped runs are reported, their folders stay
    const out = path.join(tmp, 'changed');
    writePlan(out, makePlan(validateGrid({ ...SMALLEST, seeds: [0, 1, 2] }, 'g', protocol), 'g', []));
    const change = writePlan(out, makePlan(validateGrid(SMALLEST, 'g', protocol), 'g', []));
    expect(change).toMatchObject({ kept: 4, added: 0 });
    expect(change.dropped.length).toBe(2);
  });

  it('refuses what it cannot train, naming the field', () => {
    expect(() => validateGrid({ ...SMALLEST, arms: ['binary', 'bogus'] }, 'g.json', protocol)).toThrow(/g\.json: 'arms': 'bogus' is not an arm of protocol\.json/);
    expect(() => validateGrid({ ...SMALLEST, auxLabelNoise: [0, 1.5] }, 'g.json', protocol)).toThrow(/'auxLabelNoise' levels must be in \[0, 1\]/);
    expect(() => validateGrid({ ...SMALLEST, backgroundClasses: [1, 4] }, 'g.json', protocol)).toThrow(/'backgroundClasses' levels must be among 1, 2, 3, 5/);
    expect(() => validateGrid({ ...SMALLEST, noise: [0.1] }, 'g.json', protocol)).toThrow(/unknown field\(s\) 'noise'/);
    expect(() => validateGrid({ ...SMALLEST, seeds: [] }, 'g.json', protocol)).toThrow(/'seeds' must be a non-empty list/);
    expect(() => validateGrid({ ...SMALLEST, architectures: ['vit'] }, 'g.json', protocol)).toThrow(/unknown model family 'vit'/);
    expect(() => expandGrid(validateGrid({ ...SMALLEST, datasets: ['nowhere'] }, 'g.json', protocol), 'g.json')).toThrow(/unknown dataset 'nowhere'/);
    expect(() => expandGrid(validateGrid({ ...SMALLEST, train: { batchSize: 0 } }, 'g.json', protocol), 'g.json')).toThrow(/batchSize/);
  });

  it('plans every arm of protocol.json, each run with its arm as mode and its own run folder', () => {
    const arms = protocol.arms.map((a) => a.id);
    const plan = makePlan(validateGrid({ ...SMALLEST, arms }, 'g.json', protocol), 'g', []);
    const seeds = SMALLEST.seeds.length * SMALLEST.datasets.length;
    expect(plan.runs.length).toBe(arms.length * seeds);
    expect([...new Set(plan.runs.map((r) => r.arm))]).toEqual(arms);
    for (const r of plan.runs) {
      expect(r.mode).toBe(r.arm);
      expect(path.basename(runFolder(plan, tmp, r))).toBe(`${r.arm}-seed${r.seed}`);
    }
  });

  it('sweeps trainCases one level at a time, on axesOn only, with a pool sized for the split', () => {
    const grid = validateGrid({ ...SMALLEST, datasets: ['synthetic', 'synthetic-null'], trainCases: [4, 6, 8], axesOn: { datasets: ['synthetic-null'] } }, 'g', protocol);
    const { groups, runs } = expandGrid(grid, 'g');
    // level 8 is the quick preset's own split (8 train + 4 test of 12 cases): the same runs, listed once
    expect(runs.length).toBe(2 * 4 + 2 * 4);
    const axisGroups = Object.values(groups).filter((g) => g.axis);
    expect(axisGroups.map((g) => [g.dataset, g.axis!.level, g.study.split.train, (g.study.dataset as { cases: number }).cases])).toEqual([
      ['synthetic-null', 4, 4, 8],
      ['synthetic-null', 6, 6, 10],
    ]);
    expect(axisGroups.every((g) => (g.study.dataset as { condition?: string }).condition === 'null')).toBe(true);
    expect(runs.filter((r) => r.name.startsWith('synthetic-null/trainCases=')).length).toBe(8);
  });

  it('sweeps the label axes as training settings; a level at the protocol default is the preset\'s own group', () => {
    const grid = validateGrid({ ...SMALLEST, datasets: ['synthetic-mechanism'], auxLabelNoise: [0, 0.5], backgroundClasses: [2, 5] }, 'g', protocol);
    const { groups, runs } = expandGrid(grid, 'g');
    // base group, noise 0.5, K = 2 (noise 0 and K = 5 are the protocol defaults: the base group again)
    expect(runs.length).toBe(3 * 4);
    const axisGroups = Object.values(groups).filter((g) => g.axis);
    expect(axisGroups.map((g) => [g.axis!.id, g.axis!.level, g.study.train.auxLabelNoise, g.study.train.backgroundClasses])).toEqual([
      ['auxLabelNoise', 0.5, 0.5, undefined],
      ['backgroundClasses', 2, undefined, 2],
    ]);
    const base = Object.values(groups).find((g) => !g.axis)!;
    expect('auxLabelNoise' in base.study.train || 'backgroundClasses' in base.study.train).toBe(false);
  });

  it('plans the protocol full reproduction with what it leaves out', () => {
    const { grid, notes } = protocolFullGrid(protocol);
    const { runs } = expandGrid(grid, '--protocol full');
    // 3 synthetic datasets × 8 arms × 12 seeds, then on the mechanism set × binary and backsplit × 12 seeds:
    // trainCases 4, 8, 32 (16 is the protocol's own), label noise 0.25, 0.5, 1 (0 is the default)
    // and K = 1, 2, 3 (5 is the default): the default levels are runs that are already there
    // (test/study/sweep-protocol.test.ts checks that each group is the protocol's study of its dataset)
    expect(protocol.arms.length).toBe(8);
    expect(runs.length).toBe(3 * 8 * protocol.seeds.planned + (3 + 3 + 3) * 2 * protocol.seeds.planned);
    expect(notes.join('\n')).toMatch(/emidec' left out/);
    expect(notes.join('\n')).not.toMatch(/arms left out/);
    expect(notes.join('\n')).not.toMatch(/axis '.*' left out/);
  });

  it('reads each run state from the folder: pending, running (live pid), failed', () => {
    const out = path.join(tmp, 'states');
    const plan = makePlan(validateGrid(SMALLEST, 'g', protocol), 'g', []);
    writePlan(out, plan);
    const [a, b, c] = plan.runs;
    writeTaskRecord(out, a.id, { state: 'running', host: os.hostname(), pid: process.pid, executor: 'local', log: 'x', startedAt: '' });
    writeTaskRecord(out, b.id, { state: 'failed', host: os.hostname(), pid: 1, executor: 'slurm', log: 'x', startedAt: '', error: 'boom' });
    // a record of a process that is gone: the run is pending (it resumes)
    writeTaskRecord(out, c.id, { state: 'running', host: os.hostname(), pid: 2 ** 22 + 17, executor: 'local', log: 'x', startedAt: '' });
    fs.mkdirSync(path.join(runFolder(plan, out, c), 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(runFolder(plan, out, c), 'checkpoints', 'step-00000050.ckpt'), '');
    const states = runStates(plan, out);
    expect(states.map((s) => s.state)).toEqual(['running', 'failed', 'pending', 'pending']);
    expect(states[2].checkpoint).toBe(50);
    expect(runsToStart(states).map((r) => r.id)).toEqual([b.id, c.id, plan.runs[3].id]);
  });
});

describe('sbatch array script', () => {
  it('maps array tasks to runs through the tasks file, logs per task, requeues', () => {
    const script = sbatchScript('/data/sweep', '/data/sweep/slurm/submit-2.tasks', 4, { cpus: 1, maxParallel: 2, partition: 'gpu', time: '02:00:00', mem: '8G', gpus: 1 });
    expect(script).toContain('#SBATCH --array=0-3%2');
    expect(script).toContain('#SBATCH --output=/data/sweep/logs/%A_%a.out');
    expect(script).toContain('#SBATCH --requeue');
    expect(script).toContain('#SBATCH --partition=gpu');
    expect(script).toContain('#SBATCH --time=02:00:00');
    expect(script).toContain('#SBATCH --mem=8G');
    expect(script).toContain('#SBATCH --gres=gpu:1');
    expect(script).toMatch(/sweep task \/data\/sweep --tasks \/data\/sweep\/slurm\/submit-2\.tasks --index "\$SLURM_ARRAY_TASK_ID"/);
    const tasks = path.join(tmp, 'submit-1.tasks');
    fs.writeFileSync(tasks, 'aaa\nbbb\n');
    expect(taskRunId(tasks, 1)).toBe('bbb');
    expect(() => taskRunId(tasks, 2)).toThrow(/has 2 task\(s\); there is no task 2/);
  });
});
