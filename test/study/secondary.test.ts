/**
 * The protocol's secondary endpoints (lib/study/secondary): per-case values at a run's threshold
 * through lib/eval, and buildSecondary on synthetic per-seed values whose effects are known.
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import { holmAdjust } from '../../lib/eval/seed-stats';
import { evaluateAtThreshold } from '../../lib/eval/threshold';
import { loadProtocol } from '../../lib/study/protocol';
import { buildSecondary, describeSecondary, secondaryCaseValues, secondaryMarkdown, secondaryRule, SecondarySeedCases, SecondaryValues } from '../../lib/study/secondary';

const protocol = loadProtocol().protocol;
const rule = secondaryRule(protocol);

describe('secondaryCaseValues', () => {
  const dims: Vec3 = [10, 1, 1];
  const spacing: Vec3 = [1, 1, 1];
  const ref = { data: Uint8Array.from([0, 0, 1, 1, 1, 1, 0, 0, 0, 0]), dims, spacing };
  const prob = { data: Float32Array.from([0, 0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.1, 0.55]), dims, spacing };

  it('reads the four endpoints from lib/eval at the NSD tolerance of the protocol', () => {
    expect(rule.endpoints.map((e) => e.id)).toEqual(['dice', 'nsd', 'hd95_mm', 'lesion_f1']);
    const v = secondaryCaseValues(prob, ref, 0.5, rule, 'test case');
    const e = evaluateAtThreshold(prob, ref, 0.5, { toleranceMm: 1 });
    expect(v).toEqual({ dice: e.overlap.dice, nsd: e.surface.nsd, hd95_mm: e.surface.hd95Mm, lesion_f1: e.lesions.f1 });
    expect(v.dice).toBeCloseTo(8 / 11, 15);
    expect(v.hd95_mm).toBeCloseTo(3.4, 12);
    expect(secondaryCaseValues(prob, ref, 0.6, rule, 'test case')).toEqual({ dice: 1, nsd: 1, hd95_mm: 0, lesion_f1: 1 });
    expect(secondaryCaseValues(prob, ref, 0.95, rule, 'test case').hd95_mm).toBeNull();
  });

  it('names the case when the grids differ', () => {
    expect(() => secondaryCaseValues({ ...prob, dims: [5, 2, 1] }, ref, 0.5, rule, 'binary seed 0, test case c3')).toThrow(/binary seed 0, test case c3/);
  });
});

/** Per seed s: baseline values per case, and the arm = baseline + the seed's known difference per endpoint. */
const DIFFS = [0.01, 0.03, 0.02, 0.05, 0.04, 0.02, 0.06, 0.01];
const CASES = ['c0', 'c1', 'c2', 'c3'];

function seeds(arm: 'binary' | 'backsplit', opts: { hd95Null?: { seed: number; caseId: string } } = {}): SecondarySeedCases[] {
  return DIFFS.map((d, seed) => ({
    seed,
    threshold: arm === 'binary' ? 0.5 : [0.35, 0.4, 0.45][seed % 3],
    validationCases: 2,
    cases: CASES.map((caseId, i) => {
      const base = 0.5 + 0.05 * i + 0.01 * seed;
      const shift = arm === 'binary' ? 0 : 1;
      const value: SecondaryValues = {
        dice: base + shift * d,
        nsd: base + shift * 2 * d,
        // HD95 case values differ by case inside a seed so that leaving one out changes the seed's mean
        hd95_mm: 10 + 2 * i - shift * 10 * d * (i + 1),
        lesion_f1: base - shift * d,
      };
      if (opts.hd95Null && opts.hd95Null.seed === seed && opts.hd95Null.caseId === caseId) value.hd95_mm = null;
      return { caseId, value };
    }),
  }));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('buildSecondary', () => {
  const input = { 'synthetic-mechanism': { binary: seeds('binary', { hd95Null: { seed: 2, caseId: 'c3' } }), backsplit: seeds('backsplit') } };
  const out = buildSecondary(input, protocol);
  const c = out.datasets['synthetic-mechanism'].comparisons['backsplit vs binary'];

  it('gives each endpoint\'s effect as the mean over seeds of the per-seed differences, in the metric\'s units', () => {
    expect(c.endpoints.dice!.effect).toBeCloseTo(mean(DIFFS), 12);
    expect(c.endpoints.nsd!.effect).toBeCloseTo(2 * mean(DIFFS), 12);
    expect(c.endpoints.lesion_f1!.effect).toBeCloseTo(-mean(DIFFS), 12);
    expect(c.endpoints.dice!.higherIsBetter).toBe(true);
    expect(c.endpoints.hd95_mm!.higherIsBetter).toBe(false);
    expect(c.endpoints.dice!.n_seeds).toBe(8);
    expect(c.endpoints.dice!.baseline).toBe('binary');
    expect(c.endpoints.dice!.dropped_cases).toBe(0);
  });

  it('drops a case whose HD95 is undefined in either arm from that seed\'s pair, and counts it', () => {
    const e = c.endpoints.hd95_mm!;
    expect(e.dropped_cases).toBe(1);
    expect(e.dropped_seeds).toBe(0);
    // per seed: mean over the kept cases of −10·d·(i + 1); seed 2 keeps c0..c2 only
    const perSeed = DIFFS.map((d, s) => mean((s === 2 ? [0, 1, 2] : [0, 1, 2, 3]).map((i) => -10 * d * (i + 1))));
    expect(e.effect).toBeCloseTo(mean(perSeed), 12);
  });

  it('Holm-adjusts over every planned test of the family: 4 endpoints × 1 comparison × 4 protocol datasets', () => {
    // 8 seeds all one way: the exact sign-flip p is 2/2^8 for every endpoint
    for (const id of ['dice', 'nsd', 'hd95_mm', 'lesion_f1']) {
      expect(c.endpoints[id]!.p).toBeCloseTo(2 / 256, 15);
      expect(c.endpoints[id]!.family).toBe('secondary');
    }
    // the three datasets without results count as 12 tests with p = 1: m = 16, not 4
    const ps = ['dice', 'nsd', 'hd95_mm', 'lesion_f1'].map((id) => c.endpoints[id]!.p as number);
    const expected = holmAdjust([...ps, ...Array(12).fill(1)]);
    expect(c.endpoints.dice!.p_holm).toBeCloseTo(expected[0] as number, 15);
    expect(c.endpoints.dice!.p_holm).toBeCloseTo(16 * (2 / 256), 15);
  });

  it('records each arm\'s tuned thresholds: mean and range over seeds', () => {
    const t = out.datasets['synthetic-mechanism'].thresholds;
    expect(t.binary).toMatchObject({ seeds: 8, mean: 0.5, min: 0.5, max: 0.5 });
    // 0.35, 0.4, 0.45 repeating over 8 seeds: three of 0.35 and 0.4, two of 0.45
    expect(t.backsplit).toMatchObject({ seeds: 8, mean: Number(((3 * 0.35 + 3 * 0.4 + 2 * 0.45) / 8).toFixed(10)), min: 0.35, max: 0.45 });
    expect(t.backsplit.bySeed[1]).toEqual({ seed: 1, threshold: 0.4, validationCases: 2 });
  });

  it('a seed with no HD95 defined in both arms is left out and counted; none left gives a null effect', () => {
    const allNull = (s: SecondarySeedCases[], which: number[]) => s.map((x) => (which.includes(Number(x.seed)) ? { ...x, cases: x.cases.map((k) => ({ ...k, value: { ...k.value, hd95_mm: null } })) } : x));
    const one = buildSecondary({ 'synthetic-mechanism': { binary: allNull(seeds('binary'), [0]), backsplit: seeds('backsplit') } }, protocol);
    const e = one.datasets['synthetic-mechanism'].comparisons['backsplit vs binary'].endpoints.hd95_mm!;
    expect(e.n_seeds).toBe(7);
    expect(e.dropped_seeds).toBe(1);
    expect(e.dropped_cases).toBe(4);
    const none = buildSecondary({ 'synthetic-mechanism': { binary: allNull(seeds('binary'), [0, 1, 2, 3, 4, 5, 6, 7]), backsplit: seeds('backsplit') } }, protocol);
    const cmp = none.datasets['synthetic-mechanism'].comparisons['backsplit vs binary'];
    expect(cmp.endpoints.hd95_mm).toBeNull();
    expect(cmp.undefinedEverywhere.hd95_mm).toEqual({ dropped_seeds: 8, dropped_cases: 32 });
    // the missing test still counts in m (p = 1): the dice p_holm is unchanged
    expect(cmp.endpoints.dice!.p_holm).toBeCloseTo(c.endpoints.dice!.p_holm as number, 15);
    expect(describeSecondary(none, protocol).join('\n')).toMatch(/hd95_mm: no seed has a test case defined in both arms \(32 cases dropped\)/);
  });

  it('rejects a threshold off the grid (0.15000000000000002 is not 0.15), an unknown dataset and unpaired seeds', () => {
    const bad = seeds('backsplit').map((s, i) => (i === 0 ? { ...s, threshold: 0.1 + 0.05 } : s));
    expect(0.1 + 0.05).not.toBe(0.15);
    expect(() => buildSecondary({ 'synthetic-mechanism': { binary: seeds('binary'), backsplit: bad } }, protocol)).toThrow(/synthetic-mechanism, backsplit, seed 0: threshold 0.15000000000000002 is not on the protocol's grid/);
    expect(() => buildSecondary({ elsewhere: { binary: seeds('binary') } }, protocol)).toThrow(/dataset elsewhere is not in the protocol/);
    expect(() => buildSecondary({ 'synthetic-mechanism': { binary: seeds('binary').slice(0, 7), backsplit: seeds('backsplit') } }, protocol)).toThrow(/backsplit seed 7 has no binary run/);
  });

  it('describes each dataset and endpoint without verdict words', () => {
    const lines = describeSecondary(out, protocol);
    expect(lines[0]).toBe('synthetic-mechanism  secondary endpoints, thresholds tuned per run (mean (range, seeds)): binary 0.500 (0.5–0.5, 8 seeds); backsplit 0.394 (0.35–0.45, 8 seeds)');
    expect(lines[1]).toMatch(/^synthetic-mechanism {2}backsplit vs binary, dice \(higher is better\): effect 0\.030 \[[0-9.]+, [0-9.]+\], p = 0\.0078 \(Holm 0\.13\), 8 seeds, 0 dropped cases$/);
    expect(lines.find((l) => l.includes('hd95_mm'))).toMatch(/hd95_mm \(lower is better\): effect -.*1 dropped case$/);
    const md = secondaryMarkdown(out, protocol);
    expect(md).toMatch(/^## Secondary endpoints/);
    expect(md.split('\n').filter((l) => l.startsWith('| synthetic-mechanism'))).toHaveLength(4);
    for (const text of [...lines, md]) expect(text).not.toMatch(/supported|refuted|inconclusive/);
  });
});
