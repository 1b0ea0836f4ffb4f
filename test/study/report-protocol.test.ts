/**
 * The protocol's parts of a report, on hand-made inputs with known outputs: the forest plot's rows
 * and bars from a PrimaryResults, the pooled small-lesion FROC per arm (points worked out by hand,
 * cut at 4 FP/case, a control arm included, an arm without small lesions left out), the
 * validation learning curves from metrics.jsonl (mean and min–max band), and the files a protocol
 * run writes beside primary.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FrocCase } from '../../lib/eval/froc';
import { renderAvailability } from '../../lib/plot/render';
import type { Figure, PlotTrace } from '../../lib/plot/types';
import { MetricsWriter } from '../../lib/run/metrics';
import type { SeedCases } from '../../lib/study/paired-effects';
import type { PrimaryArmEffect, PrimaryResults } from '../../lib/study/primary';
import { loadProtocol } from '../../lib/study/protocol';
import { writeProtocolOutputs } from '../../lib/study/protocol-outputs';
import {
  armFrocFigure, pooledArmFrocs, primaryForestFigure, primaryForestRows, protocolReportFigures, reportConclusions,
  validationCurveRuns, validationCurvesFigure, validationCurvesSection,
} from '../../lib/study/report-protocol';

const protocol = loadProtocol().protocol;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'report-protocol-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Trace = PlotTrace & { x: number[]; y: (number | string)[] };
const traces = (fig: Figure) => fig.data as Trace[];

function effect(over: Partial<PrimaryArmEffect>): PrimaryArmEffect {
  return {
    baseline: 'binary', effect: 0, ci95: [-0.1, 0.1], p: 1, n_seeds: 4, p_holm: 1, family: 'confirmatory',
    sd_seed: 0.1, seeds_needed: null, case_resampling: 'crossed', dropped_cases: 0, verdict: 'inconclusive', reported: {}, ...over,
  };
}

const primary: PrimaryResults = {
  endpoint: 'small_lesion_froc_pauc', baseline: 'binary', protocol_sha256: 'x',
  datasets: {
    // listed null first: the rows still follow the protocol's dataset order
    'synthetic-null': {
      arms: {
        'backsplit-placebo-voronoi': effect({ effect: -0.02, ci95: [-0.06, 0.01], family: 'mechanism', verdict: 'refuted' }),
        backsplit: effect({ effect: 0.01, ci95: [-0.03, 0.07] }),
      },
      contrasts: { 'backsplit-ce vs binary-ce': effect({ baseline: 'binary-ce', effect: 0.03, ci95: null, n_seeds: 1, family: null, verdict: null, p_holm: null }) },
    },
    'synthetic-mechanism': { arms: { backsplit: effect({ effect: 0.12, ci95: [0.08, 0.15], p_holm: 0.01, verdict: 'supported' }) }, contrasts: {} },
  },
};

describe('forest plot of the primary endpoint', () => {
  it('one row per dataset and comparison, in protocol order', () => {
    expect(primaryForestRows(primary, protocol).map((r) => [r.label, r.effect, r.group])).toEqual([
      ['synthetic-mechanism: backsplit vs binary', 0.12, 'supported'],
      ['synthetic-null: backsplit vs binary', 0.01, 'inconclusive'],
      ['synthetic-null: backsplit-placebo-voronoi vs binary', -0.02, 'refuted'],
      ['synthetic-null: backsplit-ce vs binary-ce', 0.03, 'no verdict (no test family)'],
    ]);
  });

  it('draws effects with their intervals as error bars, a zero line and δ', () => {
    const fig = primaryForestFigure(primary, protocol)!;
    const byName = Object.fromEntries(traces(fig).map((t) => [t.name, t]));
    expect(Object.keys(byName)).toEqual(['supported', 'inconclusive', 'refuted', 'no verdict (no test family)']);
    expect(byName.supported.y).toEqual(['synthetic-mechanism: backsplit vs binary']);
    const bars = (t: Trace) => t.error_x as { array: number[]; arrayminus: number[] };
    expect(bars(byName.supported).array[0]).toBeCloseTo(0.03, 12);
    expect(bars(byName.supported).arrayminus[0]).toBeCloseTo(0.04, 12);
    expect(bars(byName.refuted).array[0]).toBeCloseTo(0.03, 12);
    expect(bars(byName.refuted).arrayminus[0]).toBeCloseTo(0.04, 12);
    expect(bars(byName['no verdict (no test family)'])).toMatchObject({ array: [0], arrayminus: [0] });
    const shapes = fig.layout.shapes as { x0: number }[];
    expect(shapes.map((s) => s.x0)).toEqual([0, protocol.primary.smallestEffectOfInterest]);
    expect((fig.layout.annotations as { text: string }[])[1].text).toBe(`δ = ${protocol.primary.smallestEffectOfInterest}`);
  });

  it('gives no figure without a comparison', () => {
    expect(primaryForestFigure({ ...primary, datasets: { 'synthetic-null': { arms: {}, contrasts: {} } } }, protocol)).toBeNull();
  });
});

const rule = { threshold: 0.1, connectivity: 26 as const, dilationVoxels: 0 };
const frocCase = (falsePositiveScores: number[], lesions: FrocCase['lesions']): FrocCase => ({ caseId: 'c0', falsePositiveScores, lesions, candidates: rule });
const seeds = (...cases: FrocCase[]): SeedCases<FrocCase>[] => cases.map((c, seed) => ({ seed, cases: [{ caseId: c.caseId, value: c }] }));

describe('small-lesion FROC per arm, pooled over seeds', () => {
  const froc = {
    // a control arm: 10 FPs in seed 0 push the pooled curve past 4 FP/case
    'backsplit-ce': seeds(frocCase([0.7, 0.6, 0.5, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.12], [{ volumeMl: 0.5, score: 0.2 }]), frocCase([], [{ volumeMl: 0.5, score: 0.9 }])),
    // the 2 mL lesion is not small and stays out of the sensitivity
    binary: seeds(frocCase([0.8], [{ volumeMl: 0.5, score: 0.9 }, { volumeMl: 2, score: 0.95 }]), frocCase([], [{ volumeMl: 0.5, score: null }])),
    // no small lesion at all: no curve
    backsplit: seeds(frocCase([0.5], [{ volumeMl: 3, score: 0.9 }])),
  };
  const arms = pooledArmFrocs(froc, protocol.primary, protocol.arms.map((a) => a.id));

  it('pools each arm over seeds, closes the step function at 4 FP/case, and averages the per-seed pAUC', () => {
    expect(arms.map((a) => a.arm)).toEqual(['binary', 'backsplit-ce']);
    const [binary, ce] = arms;
    expect([binary.cases, binary.lesions, binary.seeds]).toEqual([2, 2, 2]);
    // 0.9: the seed-0 lesion (0 FP, 1 of 2); 0.8: the FP (0.5 FP/case)
    expect(binary.points.map((p) => [p.fpPerCase, p.sensitivity])).toEqual([[0, 0], [0, 0.5], [0.5, 0.5], [4, 0.5]]);
    // seed 0 detects its lesion at 0 FP (pAUC 1), seed 1 never (0)
    expect(binary.meanSeedPartialAuc).toBe(0.5);
    // 0.9 detects seed 1's lesion, FPs step by 0.5 per case, at 0.2 an FP and seed 0's lesion enter together (4 FP/case, 2 of 2)
    expect(ce.points.map((p) => [p.fpPerCase, p.sensitivity])).toEqual([[0, 0], [0, 0.5], [0.5, 0.5], [1, 0.5], [1.5, 0.5], [2, 0.5], [2.5, 0.5], [3, 0.5], [3.5, 0.5], [4, 1], [4, 1]]);
    // seed 0 reaches its lesion only at 8 FP/case (pAUC 0), seed 1 at 0 FP (1)
    expect(ce.meanSeedPartialAuc).toBe(0.5);
  });

  it('draws one step curve per arm in the arm colour, x from 0 to 4 FP/case', () => {
    const fig = armFrocFigure(arms, protocol.primary)!;
    const [b, ce] = traces(fig);
    expect(b.x).toEqual([0, 0, 0.5, 4]);
    expect(b.y).toEqual([0, 0.5, 0.5, 0.5]);
    expect(b.name).toBe('binary: 2 lesions, 2 cases × seeds; mean seed pAUC 0.500');
    expect(ce.y.slice(-2)).toEqual([1, 1]);
    expect((b.line as { shape: string }).shape).toBe('hv');
    expect((ce.line as { color: string }).color).toBe('#004D80');
    expect((fig.layout.xaxis as { range: number[] }).range).toEqual([0, 4]);
    expect(armFrocFigure([], protocol.primary)).toBeNull();
  });
});

describe('validation learning curves', () => {
  const run = (name: string, records: [number, number][]) => {
    const dir = path.join(tmp, 'runs', name);
    const w = new MetricsWriter(dir);
    w.reset();
    for (const [step, lesionDice] of records) w.validation({ step, lesionDice, perCase: [] });
    return dir;
  };
  const runs = [
    { mode: 'binary', seed: 1, runDir: run('binary-1', [[10, 0.2], [20, 0.4]]) },
    { mode: 'binary', seed: 2, runDir: run('binary-2', [[10, 0.4], [20, 0.8]]) },
    { mode: 'backsplit-anchored', seed: 1, runDir: run('anchored-1', [[10, 0.5]]) },
    { mode: 'backsplit', seed: 1, runDir: run('backsplit-1', []) },
    { mode: 'backsplit', seed: 2, runDir: path.join(tmp, 'runs', 'never-written') },
  ];

  it('reads each run\'s validation records and leaves out runs without any', () => {
    const curves = validationCurveRuns(runs);
    expect(curves.map((c) => [c.mode, c.seed, Array.from(c.epochs), Array.from(c.values)])).toEqual([
      ['binary', 1, [10, 20], [0.2, 0.4]], ['binary', 2, [10, 20], [0.4, 0.8]], ['backsplit-anchored', 1, [10], [0.5]],
    ]);
  });

  it('draws per arm the mean over seeds with a min–max band', () => {
    const fig = validationCurvesFigure(validationCurveRuns(runs))!;
    const mean = traces(fig).find((t) => t.name === 'Binary (mean of 2 seeds, band min–max)')!;
    expect(mean.x).toEqual([10, 20]);
    expect(mean.y[0]).toBeCloseTo(0.3, 12);
    expect(mean.y[1]).toBeCloseTo(0.6, 12);
    const [upper, lower] = traces(fig).filter((t) => t.name === 'Binary min–max');
    expect(upper.y).toEqual([0.4, 0.8]);
    expect(lower.y).toEqual([0.2, 0.4]);
    expect(traces(fig).some((t) => t.name === 'backsplit-anchored (mean of 1 seed, band min–max)')).toBe(true);
  });

  it('says so in one sentence when no run has validation records', () => {
    const none = runs.slice(3);
    expect(validationCurvesFigure(validationCurveRuns(none))).toBeNull();
    const figs = protocolReportFigures({ runs: none, protocol });
    expect(Object.keys(figs)).toEqual([]);
    const section = validationCurvesSection(figs, {});
    expect(section.figure).toBeUndefined();
    expect(section.text).toBe('No run of this study recorded a validation measurement in its metrics.jsonl, so there are no validation learning curves.');
    expect(Object.keys(protocolReportFigures({ runs, protocol, primary, froc: { binary: seeds(frocCase([], [{ volumeMl: 0.5, score: 0.9 }])) } }))).toEqual(['primary_forest', 'froc_small_lesions', 'validation_curves']);
  });
});

describe('conclusions in a report and beside primary.json', () => {
  it('a one-dataset report says its scope first', () => {
    const sentences = reportConclusions(primary, protocol);
    expect(sentences[0]).toMatch(/^These sentences are drawn from this report's dataset alone/);
    expect(sentences[1]).toMatch(/^These results hold synthetic-mechanism \(mechanism-positive\) with 4 seeds and synthetic-null \(null\) with 1 to 4 seeds/);
  });

  it('writes conclusions.md and forest.html (+ forest.png with Chromium) and logs the conclusions', async () => {
    const root = path.join(tmp, 'report-protocol');
    const lines: string[] = [];
    const out = await writeProtocolOutputs(primary, protocol, root, 'protocol line', (l) => lines.push(l));
    const md = fs.readFileSync(path.join(root, 'conclusions.md'), 'utf8');
    expect(md.startsWith('# What this run can and cannot conclude\n\nThese results hold synthetic-mechanism')).toBe(true);
    expect(md).toContain('- synthetic-null, backsplit-ce vs binary-ce (no test family: descriptive)');
    const html = fs.readFileSync(path.join(root, 'forest.html'), 'utf8');
    expect(html).toContain('Primary endpoint: every comparison');
    expect(html).toContain('synthetic-mechanism: backsplit vs binary');
    expect(fs.existsSync(path.join(root, 'forest.png'))).toBe(renderAvailability().ok);
    expect(out.files.map((f) => path.basename(f)).sort()).toEqual([...(renderAvailability().ok ? ['forest.png'] : []), 'conclusions.md', 'forest.html'].sort());
    expect(lines).toContain('What this run can and cannot conclude:');
    expect(lines).toContain(`  ${out.conclusions.overview[0]}`);
  }, 120_000);
});
