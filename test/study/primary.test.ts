/**
 * results.json `primary` from per-seed, per-case FROC candidates: effects against binary whose
 * values are known by hand, the same candidates scored as two arms giving exactly no effect,
 * the sign-flip p and Holm within the protocol family, the verdict rule, contrasts, per-case
 * mean endpoints with undefined values, and refusals of unpaired input.
 */
import { describe, expect, it } from 'vitest';
import type { FrocCase } from '../../lib/eval/froc';
import { seedsForPower, sampleSd } from '../../lib/eval/seed-stats';
import { meanEndpoint, pairedEndpointEffect, SeedCases } from '../../lib/study/paired-effects';
import { adjustFamily, buildPrimary, describePrimary, primaryVerdict } from '../../lib/study/primary';
import { loadProtocol, Protocol } from '../../lib/study/protocol';

const loaded = loadProtocol();
/** The committed protocol with fewer bootstrap replicates (speed); everything else as committed. */
const protocol: Protocol = { ...loaded.protocol, statistics: { ...loaded.protocol.statistics, bootstrap: { ...loaded.protocol.statistics.bootstrap, replicates: 400 } } };

/** One case with one small lesion (0.5 mL), detected at score 0.9 or missed, and no false positive. */
const lesionCase = (caseId: string, detected: boolean): FrocCase => ({
  caseId, falsePositiveScores: [], lesions: [{ volumeMl: 0.5, score: detected ? 0.9 : null }], candidates: { threshold: 0.1, connectivity: 26, dilationVoxels: 0 },
});

/** Seeds 0..n−1 of 10 cases each: `detects(seed)` of them detected (the first ones). */
function arm(n: number, detects: (seed: number) => number): SeedCases<FrocCase>[] {
  return Array.from({ length: n }, (_, seed) => ({
    seed,
    cases: Array.from({ length: 10 }, (_, c) => ({ caseId: `case${c}`, value: lesionCase(`case${c}`, c < detects(seed)) })),
  }));
}

describe('buildPrimary', () => {
  // with no false positives the FROC is flat from 0 FP/case: pAUC = sensitivity at any rate = detected / 10
  const binary = arm(10, () => 5);
  const backsplit = arm(10, (s) => 5 + (s % 3)); // per-seed effects 0, .1, .2, 0, .1, .2, 0, .1, .2, 0
  const primary = buildPrimary({ 'synthetic-mechanism': { binary, backsplit, 'binary-ce': binary, 'backsplit-ce': arm(10, () => 6) } }, protocol, loaded.sha256);
  const effects = [0, 0.1, 0.2, 0, 0.1, 0.2, 0, 0.1, 0.2, 0];

  it('the effect, its p, the Holm p within the confirmatory family, and the power line', () => {
    const e = primary.datasets['synthetic-mechanism'].arms.backsplit;
    expect(e.effect).toBeCloseTo(0.09, 12);
    expect(e.n_seeds).toBe(10);
    // six non-zero effects, all positive: |Σ ±d| reaches 0.9 only with all six signs alike → 2·2⁴/2¹⁰
    expect(e.p).toBe(1 / 32);
    // confirmatory family: backsplit vs binary on the 4 protocol datasets, 3 of them without results (p = 1)
    expect(e.family).toBe('confirmatory');
    expect(e.p_holm).toBeCloseTo(4 / 32, 12);
    expect(e.verdict).toBe('inconclusive'); // Holm p 0.125 ≥ 0.05 and the interval reaches above δ = 0.05
    expect(e.ci95![0]).toBeLessThan(0.09);
    expect(e.ci95![1]).toBeGreaterThan(0.09);
    expect(e.case_resampling).toBe('crossed'); // all seeds share the test cases
    expect(e.sd_seed).toBeCloseTo(sampleSd(effects)!, 12);
    expect(e.seeds_needed).toBe(seedsForPower(0.09, sampleSd(effects)!).seeds);
    for (const rate of [1, 2, 4]) expect(e.reported[`sensitivity_at_${rate}_fp`].effect).toBeCloseTo(0.09, 12);
    expect(primary.protocol_sha256).toBe(loaded.sha256);
    expect(primary.endpoint).toMatch(/^small_lesion_froc_pauc: partial AUC of the lesion FROC to 4 FP\/case/);
  });

  it('the same candidates as two arms give no effect at all', () => {
    const same = buildPrimary({ emidec: { binary, backsplit: binary } }, protocol, loaded.sha256).datasets.emidec.arms.backsplit;
    expect([same.effect, same.ci95, same.p]).toEqual([0, [0, 0], 1]);
    expect(same.verdict).toBe('refuted'); // the interval's upper end 0 is below δ
  });

  it('arms outside every family get no Holm p; family contrasts with another baseline are built', () => {
    const d = primary.datasets['synthetic-mechanism'];
    expect(Object.keys(d.arms).sort()).toEqual(['backsplit', 'backsplit-ce', 'binary-ce']);
    expect([d.arms['binary-ce'].effect, d.arms['binary-ce'].family, d.arms['binary-ce'].verdict]).toEqual([0, null, null]);
    const c = d.contrasts['backsplit-ce vs binary-ce'];
    expect([c.effect, c.baseline, c.family, c.p]).toEqual([0.1, 'binary-ce', 'mechanism', 2 / 1024].map((x) => (typeof x === 'number' ? expect.closeTo(x, 12) : x)));
    // mechanism family: 6 comparisons × 4 datasets planned, only this one present: Holm p = 24 p
    expect(c.p_holm).toBeCloseTo(24 * (2 / 1024), 12);
    expect(d.arms['backsplit-ce'].family).toBeNull(); // backsplit-ce vs binary is not a planned test
  });

  it('describes each comparison in one line with its power line', () => {
    const lines = describePrimary(primary, protocol.statistics);
    expect(lines[0]).toMatch(/^synthetic-mechanism {2}backsplit vs binary: effect 0\.090 \[[0-9.]+, [0-9.]+\], p = 0\.031 \(Holm 0\.13, confirmatory\), 10 seeds → inconclusive; seed SD 0\.088: 80% power at α = 0\.05 needs \d+ seeds \(paired t approximation\)$/);
    expect(lines).toHaveLength(4);
  });

  it('refuses unpaired or unknown input', () => {
    expect(() => buildPrimary({ emidec: { backsplit } }, protocol, '')).toThrow(/emidec has no binary \(baseline\) seeds/);
    expect(() => buildPrimary({ emidec: { binary, magic: binary } }, protocol, '')).toThrow(/arms magic are not in the protocol/);
    expect(() => buildPrimary({ brats: { binary } }, protocol, '')).toThrow(/dataset brats is not in the protocol/);
    expect(() => buildPrimary({ emidec: { binary, backsplit: backsplit.slice(0, 9) } }, protocol, '')).toThrow(/emidec: backsplit vs binary \(small_lesion_froc_pauc\): seeds 9 are not in both arms/);
    const renamed = backsplit.map((s) => ({ ...s, cases: s.cases.map((c, i) => (i === 3 ? { ...c, caseId: 'other' } : c)) }));
    expect(() => buildPrimary({ emidec: { binary, backsplit: renamed } }, protocol, '')).toThrow(/seed 0: arm and baseline have different test cases \(other, case3\)/);
    // every arm must be scored by the protocol's candidate rule
    const other = backsplit.map((s) => ({ ...s, cases: s.cases.map((c) => ({ ...c, value: { ...c.value, candidates: { ...c.value.candidates, threshold: 0.5 } } })) }));
    expect(() => buildPrimary({ emidec: { binary, backsplit: other } }, protocol, '')).toThrow(/emidec, backsplit, seed 0, case case0: candidates made with \{"threshold":0\.5,"connectivity":26,"dilationVoxels":0\}, the protocol says \{"threshold":0\.1/);
    // a seed whose test cases hold no small lesion has no endpoint
    const noSmall = binary.map((s) => ({ ...s, cases: s.cases.map((c) => ({ ...c, value: { ...c.value, lesions: [{ volumeMl: 2, score: 0.9 }] } })) }));
    expect(() => buildPrimary({ emidec: { binary: noSmall, backsplit: noSmall } }, protocol, '')).toThrow(/seed 0: small_lesion_froc_pauc is undefined on this seed's cases/);
  });
});

describe('pairedEndpointEffect with a per-case mean endpoint', () => {
  it('leaves out cases undefined on either side and resamples nested when seeds have different cases', () => {
    const a: SeedCases<number | null>[] = [
      { seed: 1, cases: [{ caseId: 'x', value: 0.8 }, { caseId: 'y', value: null }, { caseId: 'z', value: 0.6 }] },
      { seed: 2, cases: [{ caseId: 'u', value: 0.5 }, { caseId: 'v', value: 0.7 }] },
    ];
    const b: SeedCases<number | null>[] = [
      { seed: 1, cases: [{ caseId: 'x', value: 0.6 }, { caseId: 'y', value: 0.1 }, { caseId: 'z', value: null }] },
      { seed: 2, cases: [{ caseId: 'u', value: 0.4 }, { caseId: 'v', value: 0.4 }] },
    ];
    const e = pairedEndpointEffect(a, b, meanEndpoint('dice'), protocol.statistics, { dataset: 'd', arm: 'a', baseline: 'b' });
    // seed 1: only x is defined on both sides → 0.2; seed 2: (0.1 + 0.3) / 2 = 0.2
    expect(e.effect).toBeCloseTo(0.2, 12);
    expect(e.dropped_cases).toBe(2);
    expect(e.case_resampling).toBe('nested');
    expect(e.p).toBe(0.5); // two positive effects: 2 of 4 sign patterns reach |0.4|
  });
});

describe('primaryVerdict and adjustFamily', () => {
  it('applies the decision rule in the direction that is better', () => {
    expect(primaryVerdict({ effect: 0.08, ci95: [0.03, 0.12], p_holm: 0.004 }, 0.05, 0.05, true)).toBe('supported');
    expect(primaryVerdict({ effect: 0.08, ci95: [0.03, 0.12], p_holm: 0.06 }, 0.05, 0.05, true)).toBe('inconclusive');
    expect(primaryVerdict({ effect: 0.01, ci95: [0.005, 0.02], p_holm: 0.001 }, 0.05, 0.05, true)).toBe('refuted'); // real but below δ
    expect(primaryVerdict({ effect: -0.1, ci95: [-0.2, -0.05], p_holm: 0.001 }, 0.05, 0.05, true)).toBe('refuted');
    expect(primaryVerdict({ effect: -3, ci95: [-5, -1], p_holm: 0.001 }, 0.05, 0.5, false)).toBe('supported'); // lower is better
    expect(primaryVerdict({ effect: 0.2, ci95: null, p_holm: null }, 0.05, 0.05, true)).toBe('inconclusive');
  });

  it('counts planned tests without a result as p = 1', () => {
    const mk = (p: number | null) => ({ p, p_holm: null as number | null, family: null as string | null } as Parameters<typeof adjustFamily>[0][number]);
    const entries = [mk(0.01), null, mk(0.04), mk(null)];
    adjustFamily(entries, 'f');
    // p-values in Holm's order: 0.01, 0.04, 1, 1 → 0.04, max(0.04, 3·0.04) = 0.12
    expect(entries.map((e) => (e ? e.p_holm : 'absent'))).toEqual([0.04, 'absent', expect.closeTo(0.12, 12), null]);
    expect(entries[0]!.family).toBe('f');
  });
});
