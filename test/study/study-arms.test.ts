/**
 * A study of any list of arms (StudyConfig.arms, issue #12 item 4): the list is validated against
 * lib/train/arms.ts, runStudy trains and evaluates every arm with its own layout, records each
 * arm's FROC candidates, measures each arm's Fisher, and the summary, the primary endpoint and the
 * report carry every arm; the protocol's `full` preset names all 8 arms, 12 seeds, 3 datasets.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { resolveDatasetConfig } from '../../lib/data/registry';
import { protocolArgs } from '../../lib/cli/commands/reproduce';
import { loadRun } from '../../lib/run/open';
import { DEFAULT_PRESET_LEARNING_RATE, PROTOCOL_LONG_STEPS, protocolStudies, StudyConfig, studyArms } from '../../lib/study/config';
import { runStudy, StudyResults } from '../../lib/study/pipeline';
import { DEFAULT_TRAIN_CONFIG } from '../../lib/train/config';
import { loadProtocol } from '../../lib/study/protocol';
import { COMPARED_METRICS, extraArms, summarizeStudy, StudySummary, writeStudyReport } from '../../lib/study/report';
import { tinyProtocolStudy } from './tiny-runs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'study-arms-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const EXTRA = ['binary-wide', 'backsplit-placebo-voronoi'] as const;

/** Arms studies train 8 cases' worth of 2/4-channel U-Nets for 3 steps. */
const tinyArmsStudy = (runsDir: string, arms?: string[]): StudyConfig => tinyProtocolStudy(runsDir, { arms, cases: 8, train: 2, channels: [2, 4], steps: 3 });

describe('studyArms', () => {
  it('defaults to binary and backsplit and keeps a given order', () => {
    expect(studyArms({})).toEqual(['binary', 'backsplit']);
    expect(studyArms({ arms: ['backsplit', 'binary-ce', 'binary'] })).toEqual(['backsplit', 'binary-ce', 'binary']);
  });

  it('refuses an unknown arm, a repeated arm and a list without binary or backsplit, naming the field', () => {
    expect(() => studyArms({ arms: ['binary', 'backsplit', 'wide'] })).toThrow(/'arms\[2\]' must be one of 'binary', 'backsplit', 'backsplit-anchored', .*'backsplit-placebo-quantile', got "wide"/);
    expect(() => studyArms({ arms: ['binary', 'backsplit', 'binary'] })).toThrow(/'arms' lists 'binary' twice/);
    expect(() => studyArms({ arms: ['binary', 'binary-wide'] })).toThrow(/'arms' must include 'backsplit'.*the arms are 'binary', 'backsplit'/);
    expect(() => studyArms({ arms: [] })).toThrow(/'arms' must be a non-empty list/);
  });

  it('runStudy refuses a bad list before it touches the runs folder', async () => {
    const runsDir = path.join(tmp, 'refused');
    await expect(runStudy(tinyArmsStudy(runsDir, ['binary', 'backsplit', 'nope']), () => undefined, { workers: 1 })).rejects.toThrow(/'arms\[2\]' must be one of/);
    expect(fs.existsSync(runsDir)).toBe(false);
  });
});

describe('the protocol full preset', () => {
  it('runs every arm of protocol.json with the planned seeds on the three synthetic datasets', () => {
    const protocol = loadProtocol().protocol;
    const studies = protocolStudies('full');
    expect(studies.map((s) => s.protocolDataset)).toEqual(['synthetic-mechanism', 'synthetic-null', 'synthetic-current']);
    expect(studies.map((s) => (s.dataset as { condition: string }).condition)).toEqual(['mechanism-positive', 'null', 'current']);
    for (const s of studies) {
      expect(s.preset).toBe('full');
      expect(s.arms).toEqual(protocol.arms.map((a) => a.id));
      expect(s.arms).toHaveLength(8);
      expect(s.seeds).toEqual(Array.from({ length: protocol.seeds.planned }, (_, i) => i));
      expect(s.seeds.length).toBeGreaterThanOrEqual(12);
      expect(s.split).toEqual(protocolStudies('default')[0].split);
      expect(s.runsDir).toBe(`runs/protocol-full/${s.protocolDataset}`);
      // the generator takes every condition the preset names
      expect(() => resolveDatasetConfig(s.dataset, s.protocolDataset!)).not.toThrow();
    }
  });

  it('is what reproduce --full runs; plain reproduce runs the default, --long the long preset; two presets are refused', () => {
    expect(protocolArgs(['--full']).studies).toEqual(protocolStudies('full'));
    expect(protocolArgs(['--protocol', '--full']).studies).toEqual(protocolStudies('full'));
    expect(protocolArgs(['--full', '--seeds', '3,4']).studies.map((s) => s.seeds)).toEqual([[3, 4], [3, 4], [3, 4]]);
    expect(protocolArgs([]).studies).toEqual(protocolStudies('default'));
    expect(protocolArgs(['--protocol']).studies).toEqual(protocolStudies('default'));
    expect(protocolArgs(['--quick']).studies).toEqual(protocolStudies('quick'));
    expect(protocolArgs(['--long']).studies).toEqual(protocolStudies('long'));
    for (const pair of [['--quick', '--full'], ['--long', '--full'], ['--quick', '--long']]) {
      expect(() => protocolArgs(pair)).toThrow(/choose one of --quick, --long and --full/);
    }
  });

  it('long: binary vs BackSplit on the two protocol sets, the planned seeds, the pilot\'s budget, validation curves', () => {
    const protocol = loadProtocol().protocol;
    const studies = protocolStudies('long');
    expect(studies.map((s) => s.protocolDataset)).toEqual(['synthetic-mechanism', 'synthetic-null']);
    for (const s of studies) {
      expect(s.preset).toBe('long');
      expect(s.arms).toBeUndefined();
      expect(s.seeds).toHaveLength(protocol.seeds.planned);
      expect(s.train.steps).toBe(PROTOCOL_LONG_STEPS);
      expect(s.train.validation!.every).toBeGreaterThan(0);
      expect(s.split.validation).toBeGreaterThan(0);
      expect(s.runsDir).toBe(`runs/protocol-long/${s.protocolDataset}`);
    }
    for (const s of protocolStudies('full')) expect(s.train.steps).toBe(PROTOCOL_LONG_STEPS);
  });

  it('default: the pilot\'s learning rate on the synthetic sets only; long and full keep the frozen recipe\'s', () => {
    for (const s of protocolStudies('default')) {
      expect(s.train.learningRate).toBe(DEFAULT_PRESET_LEARNING_RATE);
      expect(s.train.steps).toBe(250);
      expect(s.train.model!.channels).toEqual([16, 32, 64]);
    }
    expect(DEFAULT_PRESET_LEARNING_RATE).not.toBe(DEFAULT_TRAIN_CONFIG.learningRate);
    for (const p of ['long', 'full', 'quick'] as const) for (const s of protocolStudies(p)) expect(s.train.learningRate).toBeUndefined();
  });
});

describe('a tiny study of four arms end to end (workers 1)', () => {
  let results: StudyResults;
  let summary: StudySummary;
  const cfg = tinyArmsStudy(path.join(tmp, 'runs'), ['binary', 'backsplit', ...EXTRA]);
  const arms = ['binary', 'backsplit', ...EXTRA];
  beforeAll(async () => {
    await initBackend();
    results = await runStudy(cfg, () => undefined, { workers: 1 });
    summary = summarizeStudy(results);
  }, 300_000);

  it('trains every arm for every seed into <arm>-seed<seed>', () => {
    expect(results.runs.map((r) => `${r.mode}/${r.seed}`)).toEqual([0, 1].flatMap((seed) => arms.map((a) => `${a}/${seed}`)));
    for (const r of results.runs) {
      expect(r.runDir).toBe(path.join(cfg.runsDir, `${r.mode}-seed${r.seed}`));
      expect(JSON.parse(fs.readFileSync(path.join(r.runDir, 'config.json'), 'utf8')).mode).toBe(r.mode);
    }
  });

  it('evaluates each arm with its own layout: argmax for every arm, the sum rule and aux classes for split arms', () => {
    const k = results.layouts.backsplit.numClasses - 2;
    expect(results.layouts['binary-wide']).toMatchObject({ numClasses: k + 2, lesionClass: k + 1 });
    expect(results.layouts['backsplit-placebo-voronoi'].labelSeed).toBe(0);
    const nTest = results.splits.test.length;
    const models = ['binary', 'backsplit', 'backsplit-sumrule', 'binary-wide', 'backsplit-placebo-voronoi', 'backsplit-placebo-voronoi-sumrule'];
    for (const seed of [0, 1]) {
      const rows = results.cases.filter((c) => c.seed === seed);
      expect([...new Set(rows.map((r) => r.model))]).toEqual(models);
      for (const m of models) expect(rows.filter((r) => r.model === m).map((r) => r.caseId)).toEqual(results.splits.test);
      expect(rows.filter((r) => r.model === 'binary-wide').every((r) => r.auxiliary === undefined)).toBe(true);
      const voronoi = rows.filter((r) => r.model === 'backsplit-placebo-voronoi');
      expect(voronoi.map((r) => r.auxiliary!.classes.map((c) => c.name))).toEqual(Array(nTest).fill(Array.from({ length: k }, (_, i) => `voronoi${i + 1}`)));
    }
    // each voronoi run trained and was evaluated on the cells of its own seed
    const run = loadRun(path.join(cfg.runsDir, 'backsplit-placebo-voronoi-seed1'));
    expect(run.layout.labelSeed).toBe(1);
    run.model.dispose();
  });

  it('records the FROC candidates of every arm and seed', () => {
    expect(Object.keys(results.froc!)).toEqual(arms);
    for (const arm of arms) {
      expect(results.froc![arm].map((s) => s.seed)).toEqual([0, 1]);
      for (const s of results.froc![arm]) expect(s.cases.map((c) => c.caseId)).toEqual(results.splits.test);
    }
    expect(JSON.parse(fs.readFileSync(path.join(cfg.runsDir, 'binary-wide-seed1', 'test-froc.json'), 'utf8'))).toHaveLength(results.splits.test.length);
  });

  it('measures every arm\'s Fisher; a 2-class head has F_Y = F_Z', () => {
    for (const r of results.runs) {
      expect(Number.isFinite(r.fisher.y.trace) && Number.isFinite(r.fisher.z.trace)).toBe(true);
      expect(r.fisher.numClasses).toBe(results.layouts[r.mode].numClasses);
      expect(fs.existsSync(path.join(r.runDir, 'fisher-mc.json'))).toBe(true);
    }
    for (const r of results.runs.filter((x) => x.mode === 'binary')) expect(r.fisher.y.trace).toBeCloseTo(r.fisher.z.trace, 10);
  });

  it('compares every further arm with binary after the BackSplit comparisons, and puts every arm in the primary endpoint', () => {
    expect(extraArms(results)).toEqual([...EXTRA]);
    const n = COMPARED_METRICS.length;
    expect(summary.comparisons.map((c) => c.modelA)).toEqual(['backsplit', 'backsplit-sumrule', ...EXTRA].flatMap((a) => Array(n).fill(a)));
    expect(summary.comparisons.every((c) => c.modelB === 'binary' && c.n === results.splits.test.length)).toBe(true);
    expect([...new Set(summary.bins.map((b) => b.model))]).toEqual(['binary', 'backsplit', 'backsplit-sumrule', ...EXTRA]);
    const primary = summary.primary!.datasets['synthetic-mechanism'];
    expect(Object.keys(primary.arms)).toEqual(['backsplit', ...EXTRA]);
    for (const e of Object.values(primary.arms)) {
      expect(e.n_seeds).toBe(2);
      expect(Number.isFinite(e.effect)).toBe(true);
    }
  });

  it('writes a report with a section per further arm', async () => {
    await writeStudyReport(results, summary, cfg.reportDir, () => undefined);
    const html = fs.readFileSync(path.join(cfg.reportDir, 'report.html'), 'utf8');
    for (const arm of EXTRA) expect(html).toContain(`${arm} vs binary`);
    const json = JSON.parse(fs.readFileSync(path.join(cfg.reportDir, 'results.json'), 'utf8'));
    expect(Object.keys(json.primary.datasets['synthetic-mechanism'].arms)).toEqual(['backsplit', ...EXTRA]);
  }, 120_000);

  it('a rerun reuses every run and gives the same results', async () => {
    const lines: string[] = [];
    const again = await runStudy(cfg, (l) => lines.push(l), { workers: 1 });
    expect(lines.filter((l) => /finished run found, reusing/.test(l))).toHaveLength(results.runs.length);
    expect(lines.some((l) => /training \d+ steps/.test(l))).toBe(false);
    // a reused run is read from its JSON files, where Infinity and NaN are null
    const asStored = (x: unknown) => JSON.parse(JSON.stringify(x));
    expect(asStored(again.cases)).toEqual(asStored(results.cases));
    expect(again.froc).toEqual(results.froc);
    expect(asStored(again.runs.map((r) => r.fisher))).toEqual(asStored(results.runs.map((r) => r.fisher)));
  }, 120_000);
});
