/**
 * A study of a protocol dataset (issue #12): each seed draws its own training cases from the pool
 * (the same for both arms of a seed), every run records the FROC candidates of its test cases on
 * the protocol's rule, and the results carry the primary endpoint computed from them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { runStudy, StudyResults, studySplits, studyTrainIds } from '../../lib/study/pipeline';
import { loadProtocol } from '../../lib/study/protocol';
import { CASE_LEVEL_DESCRIPTIVE_NOTE, primaryLines, summarizeStudy, StudySummary, summaryTable } from '../../lib/study/report';
import { tinyProtocolStudy } from './tiny-runs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'protocol-study-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('training pools per seed', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  const cfg = { ...tinyProtocolStudy(tmp), split: { seed: 0, train: 5, validation: 2, test: 4, trainPerSeed: true } };

  it('fixes validation and test, leaves every other case in the pool, and draws per seed', () => {
    const splits = studySplits(ids, cfg);
    expect(splits.test.length).toBe(4);
    expect(splits.val.length).toBe(2);
    expect(splits.train.length).toBe(14);
    expect(new Set([...splits.train, ...splits.val, ...splits.test]).size).toBe(20);
    const draws = [0, 1, 2, 3].map((seed) => studyTrainIds(splits, cfg, seed));
    for (const d of draws) {
      expect(d.length).toBe(5);
      expect(d.every((id) => splits.train.includes(id))).toBe(true);
      expect([...d].sort()).toEqual(d);
    }
    expect(new Set(draws.map((d) => d.join())).size).toBeGreaterThan(1);
    // deterministic
    expect(studyTrainIds(splits, cfg, 2)).toEqual(draws[2]);
  });

  it('without trainPerSeed every seed trains on the split training cases', () => {
    const plain = { ...cfg, split: { seed: 0, train: 5, validation: 2, test: 4 } };
    const splits = studySplits(ids, plain);
    expect(studyTrainIds(splits, plain, 0)).toEqual(splits.train);
    expect(studyTrainIds(splits, plain, 7)).toEqual(splits.train);
  });
});

describe('a tiny protocol study end to end', () => {
  let results: StudyResults;
  let summary: StudySummary;
  const cfg = tinyProtocolStudy(path.join(tmp, 'runs'));
  beforeAll(async () => {
    await initBackend();
    results = await runStudy(cfg, () => undefined, { workers: 1 });
    summary = summarizeStudy(results);
  }, 180_000);

  it('records each seed\'s own training cases from the pool', () => {
    const study = JSON.parse(fs.readFileSync(path.join(cfg.runsDir, 'study.json'), 'utf8'));
    // the pool: every case that is neither test nor validation; each seed draws 3 of its 6
    expect(study.splits.train).toHaveLength(6);
    expect(study.trainBySeed['0']).toHaveLength(3);
    expect(study.trainBySeed['0']).not.toEqual(study.trainBySeed['1']);
    for (const seed of [0, 1]) {
      expect(study.trainBySeed[String(seed)].every((id: string) => study.splits.train.includes(id))).toBe(true);
    }
  });

  it('caches the FROC candidates of every test case on the protocol rule', () => {
    const rule = loadProtocol().protocol.primary;
    for (const run of ['binary-seed0', 'backsplit-seed1']) {
      const froc = JSON.parse(fs.readFileSync(path.join(cfg.runsDir, run, 'test-froc.json'), 'utf8'));
      expect(froc.map((c: { caseId: string }) => c.caseId)).toEqual(results.splits.test);
      for (const c of froc) expect(c.candidates.threshold).toBe(rule.candidateThreshold);
    }
    expect(Object.keys(results.froc!).sort()).toEqual(['backsplit', 'binary']);
    expect(results.froc!.binary.map((s) => s.seed)).toEqual([0, 1]);
  });

  it('puts the primary endpoint of backsplit vs binary in the summary, with the protocol hash', () => {
    const p = summary.primary!;
    expect(p.protocol_sha256).toBe(loadProtocol().sha256);
    const e = p.datasets['synthetic-mechanism'].arms.backsplit;
    expect(e.baseline).toBe('binary');
    expect(e.n_seeds).toBe(2);
    expect(Number.isFinite(e.effect)).toBe(true);
    const lines = primaryLines(summary);
    expect(lines[0]).toMatch(/^protocol: /);
    expect(lines.join('\n')).toMatch(/backsplit vs binary/);
  });

  it('prints the case-level comparisons as description only: no Wilcoxon p, no verdict (cases are not the unit)', () => {
    const table = summaryTable(summary);
    expect(table.split('\n')[0]).toBe(CASE_LEVEL_DESCRIPTIVE_NOTE);
    expect(table).toMatch(/Dice \(voxel-wise\)/);
    expect(table).not.toMatch(/Wilcoxon|significant|verdict|better|worse/);
    // the same summary without the primary endpoint (a study outside the protocol) keeps its tests
    expect(summaryTable({ ...summary, primary: undefined })).toMatch(/Wilcoxon p[\s\S]*verdict/);
  });

  it('a rerun reuses every run and gives the same primary endpoint', async () => {
    const again = summarizeStudy(await runStudy(cfg, () => undefined, { workers: 1 }));
    expect(again.primary).toEqual(summary.primary);
  }, 120_000);
});
