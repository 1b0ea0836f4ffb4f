/**
 * Throughput mode (lib/study/pool.ts): the study's runs trained by worker processes give exactly
 * the run files and results of the sequential study, and a failing worker stops the study with
 * the run, the reason and its log, after the other runs finished.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { StudyConfig, studyPreset } from '../../lib/study/config';
import { loadStudyCases, runOneStudyRun, runStudy, studyPoolJobs } from '../../lib/study/pipeline';
import { hashCases } from '../../lib/data';
import { defaultStudyWorkers, forkPoolWorkers, runWorkerPool, StudyWorkerError } from '../../lib/study/pool';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'study-pool-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  await initBackend();
});

function tinyStudy(runsDir: string, seeds = [0, 1]): StudyConfig {
  const cfg = studyPreset('quick');
  return {
    ...cfg,
    runsDir,
    reportDir: path.join(runsDir, 'report'),
    seeds,
    dataset: { kind: 'synthetic', cases: 4, seed: 3 },
    split: { seed: 0, train: 2, validation: 0, test: 2 },
    train: { ...cfg.train, model: { ...cfg.train.model!, channels: [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: 3, logEvery: 1, checkpointEvery: 0 },
    fisher: { patches: 1, samples: 1 },
  };
}

const RUNS = ['binary-seed0', 'backsplit-seed0', 'binary-seed1', 'backsplit-seed1'];

describe('study throughput mode', () => {
  it('defaults to one worker per core on wasm/cpu, never more than the pending runs, 1 on a GPU', () => {
    const cores = os.availableParallelism();
    expect(defaultStudyWorkers(8, 'wasm')).toBe(Math.min(cores, 8));
    expect(defaultStudyWorkers(1, 'wasm')).toBe(1);
    expect(defaultStudyWorkers(0, 'wasm')).toBe(1);
    expect(defaultStudyWorkers(8, 'webgpu')).toBe(1);
    expect(defaultStudyWorkers(8, 'tfjs-node')).toBe(1);
  });

  it('two workers write the same run files and results as one run after another', async () => {
    const lines: string[] = [];
    // the fraction done, as a notebook's live line gets it, from the workers and from one process
    const poolFractions: [number, string][] = [];
    const seqFractions: [number, string][] = [];
    const pooled = await runStudy(tinyStudy(path.join(tmp, 'pooled')), (l) => lines.push(l), { workers: 2, onFraction: (f, d) => poolFractions.push([f, d]) });
    const sequential = await runStudy(tinyStudy(path.join(tmp, 'sequential')), () => undefined, { workers: 1, onFraction: (f, d) => seqFractions.push([f, d]) });
    for (const fr of [poolFractions, seqFractions]) {
      const values = fr.map(([f]) => f);
      expect(values.every((f) => f >= 0 && f <= 1)).toBe(true);
      expect(values[values.length - 1]).toBe(1);
      expect(values.some((f) => f > 0 && f < 1)).toBe(true);
      expect(fr.some(([, d]) => /training|step \d+\/\d+/.test(d)) && fr.some(([, d]) => /evaluating/.test(d))).toBe(true);
    }
    // one process: never backwards (the pool's runs finish out of order, the line keeps its maximum)
    expect(seqFractions.every(([f], i) => i === 0 || f >= seqFractions[i - 1][0])).toBe(true);
    expect(lines.join('\n')).toMatch(/throughput mode: 4 run\(s\) on 2 worker process\(es\)/);
    for (const run of RUNS) {
      expect(lines.join('\n')).toContain(`${run.replace('-seed', ' seed ')}: done`);
      for (const file of ['test-evaluation.json', 'fisher-mc.json', 'metrics.jsonl']) {
        const a = fs.readFileSync(path.join(tmp, 'pooled', run, file), 'utf8');
        const b = fs.readFileSync(path.join(tmp, 'sequential', run, file), 'utf8');
        // metrics.jsonl holds timings; compare its losses only
        if (file === 'metrics.jsonl') {
          const losses = (t: string) => t.trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.loss !== undefined).map((r) => r.loss);
          expect(losses(a)).toEqual(losses(b));
        } else {
          // fisher-mc.json records how long it took; everything else must be identical
          const untimed = (t: string) => JSON.parse(t, (k, v) => (k === 'seconds' ? undefined : v));
          expect(untimed(a)).toEqual(untimed(b));
        }
      }
      expect(fs.readFileSync(path.join(tmp, 'pooled', run, 'worker.log'), 'utf8')).toMatch(/backend/);
      // the worker used the study's cases (hash-checked), not a fresh generation
      expect(fs.readFileSync(path.join(tmp, 'pooled', run, 'worker.log'), 'utf8')).toMatch(/cases \(synthetic, received from the study process\), sha256/);
    }
    // as written to results.json (a run read back from disk holds null where a fresh one holds Infinity)
    const json = (x: unknown) => JSON.parse(JSON.stringify(x));
    expect(json(pooled.cases)).toEqual(json(sequential.cases));
    expect(json(pooled.runs.map((r) => ({ ...r.fisher, seconds: 0 })))).toEqual(json(sequential.runs.map((r) => ({ ...r.fisher, seconds: 0 }))));
    // a second call finds everything done and starts no worker
    const again: string[] = [];
    await runStudy(tinyStudy(path.join(tmp, 'pooled')), (l) => again.push(l), { workers: 2 });
    expect(again.join('\n')).not.toMatch(/throughput mode/);
  }, 600_000);

  it('a failing worker names its run, the reason and its log; the other runs finish', async () => {
    const cfg = tinyStudy(path.join(tmp, 'failing'), [0]);
    // a lock held by this (live) process: the worker of binary seed 0 must refuse the folder
    const lockedRun = path.join(cfg.runsDir, 'binary-seed0');
    fs.mkdirSync(lockedRun, { recursive: true });
    fs.writeFileSync(path.join(lockedRun, 'train.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'pool test' }));
    const err = await runStudy(cfg, () => undefined, { workers: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudyWorkerError);
    const message = (err as Error).message;
    expect(message).toMatch(/1 of 2 run\(s\) failed/);
    expect(message).toContain(`binary seed 0 (${lockedRun})`);
    expect(message).toMatch(/being trained by pid/);
    expect(message).toContain(path.join(lockedRun, 'worker.log'));
    for (const run of ['backsplit-seed0']) {
      expect(fs.existsSync(path.join(cfg.runsDir, run, 'fisher-mc.json'))).toBe(true);
    }
  }, 600_000);

  it('one worker does its lane\'s runs one after another, each logged apart; after a failed run the lane forks a fresh one', async () => {
    const cfg = tinyStudy(path.join(tmp, 'lane'), [0, 1]);
    const { jobs } = await studyPoolJobs(cfg, () => undefined);
    expect(jobs.map((j) => `${j.spec.mode}-seed${j.spec.seed}`)).toEqual(RUNS);
    // binary seed 1 is held by a live lock: its run fails, its worker exits
    const locked = path.join(cfg.runsDir, 'binary-seed1');
    fs.mkdirSync(locked, { recursive: true });
    fs.writeFileSync(path.join(locked, 'train.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'pool test' }));
    const pids: Record<string, number> = {};
    const ended: Record<string, string | null> = {};
    const err = await runWorkerPool(jobs, {
      workers: 1,
      log: () => undefined,
      onStart: (job, pid) => (pids[`${job.spec.mode}-seed${job.spec.seed}`] = pid),
      onExit: (job, _pid, _log, error) => (ended[`${job.spec.mode}-seed${job.spec.seed}`] = error),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudyWorkerError);
    expect((err as Error).message).toMatch(/1 of 4 run\(s\) failed/);
    // the first three runs on one process, the run after the failure on a new one
    expect(pids['backsplit-seed0']).toBe(pids['binary-seed0']);
    expect(pids['binary-seed1']).toBe(pids['binary-seed0']);
    expect(pids['backsplit-seed1']).not.toBe(pids['binary-seed0']);
    expect(ended['binary-seed0']).toBeNull();
    expect(ended['backsplit-seed0']).toBeNull();
    expect(ended['binary-seed1']).toMatch(/being trained by pid/);
    expect(ended['backsplit-seed1']).toBeNull();
    for (const run of ['binary-seed0', 'backsplit-seed0', 'backsplit-seed1']) {
      const log = fs.readFileSync(path.join(cfg.runsDir, run, 'worker.log'), 'utf8');
      const own = run.replace('-seed', ' seed ');
      expect(log).toContain(`${own}: training`);
      // only this run's lines: no other run of the lane wrote here
      for (const other of RUNS.filter((r) => r !== run)) expect(log).not.toContain(`${other.replace('-seed', ' seed ')}:`);
      // the study's cases came over IPC once per worker and were checked on every run
      expect(log).toMatch(/cases \(synthetic, received from the study process\), sha256/);
      expect(log).not.toMatch(/left \d+ tensor\(s\)/);
      expect(fs.existsSync(path.join(cfg.runsDir, run, 'fisher-mc.json'))).toBe(true);
    }
    // the failed run's log holds the error's stack
    expect(fs.readFileSync(path.join(locked, 'worker.log'), 'utf8')).toMatch(/being trained by pid[\s\S]*\n\s+at /);
  }, 600_000);

  it('workers forked ahead take the runs; the ones the pool does not need are stopped', async () => {
    const cfg = tinyStudy(path.join(tmp, 'ahead'), [0]);
    const started = forkPoolWorkers(2);
    const pids = started.lanes.map((l) => l.child.pid);
    const exited = started.lanes.map((l) => new Promise<void>((resolve) => (l.alive ? l.child.once('exit', () => resolve()) : resolve())));
    const { jobs } = await studyPoolJobs(cfg, () => undefined);
    const one = jobs.filter((j) => j.spec.mode === 'binary');
    const used: number[] = [];
    await runWorkerPool(one, { workers: 2, log: () => undefined, started, onStart: (_job, pid) => used.push(pid) });
    expect(used).toEqual([pids[0]]);
    await Promise.all(exited); // both gone: the one that ran, and the one no run needed
    expect(started.lanes.every((l) => !l.alive)).toBe(true);
    expect(fs.existsSync(path.join(cfg.runsDir, 'binary-seed0', 'fisher-mc.json'))).toBe(true);
  }, 300_000);

  it('a worker refuses cases that do not hash to what the study process loaded', async () => {
    const cfg = tinyStudy(path.join(tmp, 'damaged'), [0]);
    const cases = loadStudyCases(cfg);
    const datasetHash = hashCases(cases);
    cases[1].channels[0].data[5] += 1; // damaged on the way
    const hooks = { log: () => undefined, onProgress: () => undefined, onPhase: () => undefined };
    await expect(runOneStudyRun(cfg, { mode: 'binary', seed: 0 }, hooks, { cases, datasetHash })).rejects.toThrow(/received from the study process hash to .*, not /);
  });
});
