/**
 * The secondary endpoints in a protocol study end to end: every run writes secondary.json
 * (threshold tuned on its validation cases, the validation curve, the four values of every test
 * case), the study's results and the cluster collector carry them, primary.json holds the joint
 * `secondary`, and a finished run without secondary.json is evaluated again, not trained again.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { thresholdGrid } from '../../lib/eval/threshold';
import { StudyConfig } from '../../lib/study/config';
import { collectStudy, runStudy, SECONDARY_FILE, studyRunComplete } from '../../lib/study/pipeline';
import { loadProtocol } from '../../lib/study/protocol';
import { ProtocolRunResult, runProtocolStudies } from '../../lib/study/protocol-run';
import type { SecondaryRunFile } from '../../lib/study/secondary';
import { tinyProtocolStudy } from './tiny-runs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secondary-run-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const GRID = thresholdGrid(loadProtocol().protocol.secondary.threshold.grid);
const cfg: StudyConfig = {
  ...tinyProtocolStudy(path.join(tmp, 'runs'), { cases: 8, train: 2, channels: [2, 4], steps: 2 }),
  split: { seed: 0, train: 2, validation: 2, test: 3, trainPerSeed: true },
};
const RUNS = ['binary-seed0', 'backsplit-seed0', 'binary-seed1', 'backsplit-seed1'];
const readRun = (run: string): SecondaryRunFile => JSON.parse(fs.readFileSync(path.join(cfg.runsDir, run, SECONDARY_FILE), 'utf8'));

describe('secondary endpoints of a tiny protocol study', () => {
  let result: ProtocolRunResult;
  beforeAll(async () => {
    await initBackend();
    result = await runProtocolStudies([cfg], () => undefined, { workers: 1, reportRoot: path.join(tmp, 'report') });
  }, 300_000);

  it('writes secondary.json in every run folder: a grid threshold tuned on the validation cases, and the test cases\' values', () => {
    for (const run of RUNS) {
      const f = readRun(run);
      expect(GRID).toContain(f.threshold);
      expect(f.validationCases).toBe(2);
      expect(f.validationCurve.map((c) => c.threshold)).toEqual(GRID);
      const best = Math.max(...f.validationCurve.map((c) => c.mean as number));
      expect(f.validationCurve.find((c) => c.threshold === f.threshold)!.mean).toBeGreaterThanOrEqual(best - 1e-12);
      expect(f.cases).toHaveLength(3);
      for (const c of f.cases) expect(Object.keys(c.values)).toEqual(['dice', 'nsd', 'hd95_mm', 'lesion_f1']);
      expect(f.rule.grid).toEqual({ from: 0.05, to: 0.95, step: 0.05 });
    }
  });

  it('puts the joint secondary endpoints in primary.json, the lines and conclusions.md', () => {
    const written = JSON.parse(fs.readFileSync(result.primaryFile, 'utf8'));
    const d = written.secondary.datasets['synthetic-mechanism'];
    expect(Object.keys(d.thresholds).sort()).toEqual(['backsplit', 'binary']);
    expect(d.thresholds.binary.bySeed.map((s: { threshold: number }) => s.threshold)).toEqual([readRun('binary-seed0').threshold, readRun('binary-seed1').threshold]);
    const dice = d.comparisons['backsplit vs binary'].endpoints.dice;
    expect(dice.n_seeds).toBe(2);
    expect(dice.family).toBe('secondary');
    // the seed means of the runs' files, by hand
    const seedMean = (run: string) => readRun(run).cases.reduce((s, c) => s + (c.values.dice as number), 0) / 3;
    expect(dice.effect).toBeCloseTo(((seedMean('backsplit-seed0') - seedMean('binary-seed0')) + (seedMean('backsplit-seed1') - seedMean('binary-seed1'))) / 2, 12);
    expect(result.lines.join('\n')).toMatch(/synthetic-mechanism {2}secondary endpoints, thresholds tuned per run/);
    const md = fs.readFileSync(path.join(tmp, 'report', 'conclusions.md'), 'utf8');
    expect(md).toContain('## Secondary endpoints');
    expect(fs.readFileSync(path.join(tmp, 'report', 'forest.html'), 'utf8')).toContain('Secondary endpoints');
    const report = JSON.parse(fs.readFileSync(path.join(cfg.reportDir, 'results.json'), 'utf8'));
    expect(report.secondary.datasets['synthetic-mechanism'].comparisons['backsplit vs binary'].endpoints.dice.effect).toBeCloseTo(dice.effect, 12);
  });

  it('the cluster collector fills results.secondary from the run folders', async () => {
    const { results, missing } = await collectStudy(cfg, RUNS.map((r) => ({ mode: r.split('-seed')[0] as 'binary' | 'backsplit', seed: Number(r.slice(-1)) })), () => undefined);
    expect(missing).toEqual([]);
    expect(results.secondary!.binary.map((s) => s.seed)).toEqual([0, 1]);
    expect(results.secondary!.backsplit[1].threshold).toBe(readRun('backsplit-seed1').threshold);
    expect(results.secondary!.backsplit[1].cases.map((c) => c.caseId)).toEqual(results.splits.test);
  }, 120_000);

  it('worker processes (throughput mode) write the same secondary.json as one process', async () => {
    const pooled: StudyConfig = { ...cfg, seeds: [0], runsDir: path.join(tmp, 'pooled'), reportDir: path.join(tmp, 'pooled', 'report') };
    const lines: string[] = [];
    const results = await runStudy(pooled, (l) => lines.push(l), { workers: 2 });
    expect(lines.join('\n')).toMatch(/throughput mode: 2 run\(s\) on 2 worker process\(es\)/);
    for (const run of ['binary-seed0', 'backsplit-seed0']) {
      expect(JSON.parse(fs.readFileSync(path.join(pooled.runsDir, run, SECONDARY_FILE), 'utf8'))).toEqual(readRun(run));
    }
    expect(results.secondary!.backsplit[0].threshold).toBe(readRun('backsplit-seed0').threshold);
  }, 300_000);

  it('a finished run without secondary.json is evaluated again, not trained again', async () => {
    const dir = path.join(cfg.runsDir, 'backsplit-seed1');
    const before = readRun('backsplit-seed1');
    const mtime = (f: string) => fs.statSync(path.join(dir, f)).mtimeMs;
    const trained = { metrics: mtime('metrics.jsonl'), final: mtime('checkpoints/final.ckpt') };
    fs.rmSync(path.join(dir, SECONDARY_FILE));
    expect(studyRunComplete(cfg, 'backsplit', 1)).toBe(false);
    expect(studyRunComplete(cfg, 'binary', 1)).toBe(true);
    const log: string[] = [];
    const results = await runStudy(cfg, (l) => log.push(l), { workers: 1 });
    expect(log.some((l) => /backsplit seed 1: finished run found, reusing/.test(l))).toBe(true);
    expect(log.some((l) => /backsplit seed 1: training/.test(l))).toBe(false);
    expect({ metrics: mtime('metrics.jsonl'), final: mtime('checkpoints/final.ckpt') }).toEqual(trained);
    // deterministic: the same threshold, curve and values
    expect(readRun('backsplit-seed1')).toEqual(before);
    expect(studyRunComplete(cfg, 'backsplit', 1)).toBe(true);
    expect(results.secondary!.backsplit.map((s) => s.seed)).toEqual([0, 1]);
  }, 180_000);
});
