/**
 * "What this run can and cannot conclude" from hand-made primary results: the sign-flip floor
 * (2/2ⁿ, before and after Holm), the scope sentence, the validity check on the null set (passed
 * without power, failed, incomplete, not made), each branch of the claim's decision table, the
 * controls' readings, and one comparison sentence checked word for word.
 */
import { describe, expect, it } from 'vitest';
import { ArmLearningCurves, armConvergence, conclusionSentences, conclusionsMarkdown, convergenceSentences, seedsToReachAlpha, signFlipFloor, studyConclusions } from '../../lib/study/conclusions';
import type { PrimaryArmEffect, PrimaryResults, Verdict } from '../../lib/study/primary';
import { loadProtocol } from '../../lib/study/protocol';

const protocol = loadProtocol().protocol;

/** A comparison with the given numbers; the rest as a plain 12-seed result. */
function effect(over: Partial<PrimaryArmEffect> = {}): PrimaryArmEffect {
  return {
    baseline: 'binary', effect: 0.01, ci95: [-0.02, 0.06], p: 0.5, n_seeds: 12, p_holm: 1, family: 'confirmatory',
    sd_seed: 0.03, seeds_needed: 73, case_resampling: 'crossed', dropped_cases: 0, verdict: 'inconclusive', reported: {}, ...over,
  };
}

/** backsplit and the Voronoi placebo against binary on one dataset, with the given verdicts. */
function dataset(backsplit: Verdict, placebo: Verdict | null, over: Partial<PrimaryArmEffect> = {}): PrimaryResults['datasets'][string] {
  const arms: Record<string, PrimaryArmEffect> = { backsplit: effect({ verdict: backsplit, ...over }) };
  if (placebo) arms['backsplit-placebo-voronoi'] = effect({ verdict: placebo, family: 'mechanism', ...over });
  return { arms, contrasts: {} };
}

function results(datasets: PrimaryResults['datasets']): PrimaryResults {
  return { endpoint: 'small_lesion_froc_pauc', baseline: 'binary', protocol_sha256: 'x', datasets };
}

const claim = (r: PrimaryResults) => studyConclusions(r, protocol).overview.find((s) => s.startsWith('Claim:'));

describe('sign-flip floor', () => {
  it('is 2/2ⁿ while exact, 1/(1 + draws) beyond, and sets the seeds a family needs', () => {
    const test = protocol.statistics.test; // exact up to 16 seeds, 100 000 draws
    expect(signFlipFloor(4, test)).toBe(0.125);
    expect(signFlipFloor(1, test)).toBe(1);
    expect(signFlipFloor(16, test)).toBe(2 / 65536);
    expect(signFlipFloor(17, test)).toBe(1 / 100001);
    expect(() => signFlipFloor(0, test)).toThrow(/positive integer, got 0/);
    // one test: 2/2⁵ = 0.0625 ≥ 0.05, 2/2⁶ = 0.031; Holm over 4: 4·2/2⁸ = 0.031; over 24: 24·2/2¹⁰ = 0.047
    expect(seedsToReachAlpha(1, 0.05, test)).toBe(6);
    expect(seedsToReachAlpha(4, 0.05, test)).toBe(8);
    expect(seedsToReachAlpha(24, 0.05, test)).toBe(10);
    expect(seedsToReachAlpha(1, 1e-9, { exactUpToSeeds: 4, monteCarloDraws: 10 })).toBeNull();
  });
});

describe('studyConclusions', () => {
  it('a 4-seed pilot on the two synthetic sets: scope, floor, a powerless validity check, an inconclusive claim', () => {
    const four = { n_seeds: 4, p: 0.125, p_holm: 0.5 };
    const c = studyConclusions(results({ 'synthetic-null': dataset('inconclusive', 'inconclusive', four), 'synthetic-mechanism': dataset('inconclusive', 'inconclusive', four) }), protocol);
    expect(c.overview[0]).toBe('These results hold synthetic-mechanism (mechanism-positive) with 4 seeds and synthetic-null (null) with 4 seeds; synthetic-current and emidec were not run.');
    expect(c.overview[1]).toBe("That is fewer seeds than the protocol's minimum of 10 (12 planned), so this is not the protocol's study and every verdict below is provisional.");
    expect(c.overview[2]).toBe(
      'With 4 seeds (synthetic-mechanism and synthetic-null) the exact sign-flip test cannot give a p below 2/2^4 = 0.125: p < 0.05 needs at least 6 seeds, ' +
      "and after Holm's correction at least 8 in the confirmatory family (4 planned tests) and at least 10 in the mechanism family (24 planned tests). " +
      "So no tested comparison there can be 'supported', whatever its effect; 'refuted' (an interval entirely below δ) needs no p and remains possible.",
    );
    expect(c.overview[3]).toBe(
      "Validity check passed: on synthetic-null, the null set, neither backsplit vs binary ('inconclusive') nor backsplit-placebo-voronoi vs binary ('inconclusive') is 'supported'. " +
      "With these seeds neither could have been 'supported' at all, so the check had no power to reveal such a bias.",
    );
    expect(c.overview[4]).toBe(
      "Claim: inconclusive. It could not have been supported or refuted as a whole, because emidec, the real dataset, was not run; and backsplit vs binary is 'inconclusive' on synthetic-mechanism, " +
      'which leaves the claim inconclusive whatever emidec shows. The power lines below give the seeds each comparison would need.',
    );
    expect(c.overview).toHaveLength(5);
    // comparisons: datasets in protocol order (mechanism before null), arms in protocol order
    expect(c.comparisons.map((s) => s.split(' (')[0])).toEqual([
      'synthetic-mechanism, backsplit vs binary', 'synthetic-mechanism, backsplit-placebo-voronoi vs binary',
      'synthetic-null, backsplit vs binary', 'synthetic-null, backsplit-placebo-voronoi vs binary',
    ]);
    expect(conclusionSentences(c)).toEqual([...c.overview, ...c.comparisons]);
  });

  it('enough seeds: no floor sentence, and a null check that could have failed', () => {
    const c = studyConclusions(results({ 'synthetic-null': dataset('inconclusive', 'refuted'), 'synthetic-mechanism': dataset('inconclusive', null) }), protocol);
    expect(c.overview.some((s) => s.startsWith('With '))).toBe(false);
    expect(c.overview.some((s) => s.includes("fewer seeds than the protocol's minimum"))).toBe(false);
    const check = c.overview.find((s) => s.startsWith('Validity check'))!;
    expect(check).toBe("Validity check passed: on synthetic-null, the null set, neither backsplit vs binary ('inconclusive') nor backsplit-placebo-voronoi vs binary ('refuted') is 'supported'.");
  });

  it('a supported arm on the null set voids the claim', () => {
    const r = results({
      'synthetic-null': dataset('inconclusive', 'supported'),
      'synthetic-mechanism': dataset('supported', null),
      emidec: dataset('supported', null),
    });
    const c = studyConclusions(r, protocol);
    expect(c.overview.find((s) => s.startsWith('Validity check'))).toMatch(/^Validity check failed: on synthetic-null, the null set, backsplit-placebo-voronoi vs binary is 'supported'.*no conclusion is drawn/);
    expect(claim(r)).toBe('Claim: no conclusion, because the validity check on the null set failed.');
  });

  it('the decision table with emidec present', () => {
    const nullOk = dataset('inconclusive', 'inconclusive');
    const with2 = (mech: Verdict, real: Verdict) => results({ 'synthetic-null': nullOk, 'synthetic-mechanism': dataset(mech, null), emidec: dataset(real, null) });
    expect(claim(with2('supported', 'supported'))).toBe("Claim: supported: backsplit vs binary is 'supported' on synthetic-mechanism and 'supported' on emidec.");
    expect(claim(with2('supported', 'inconclusive'))).toBe("Claim: supported for the mechanism only: backsplit vs binary is 'supported' on synthetic-mechanism and 'inconclusive' on emidec.");
    expect(claim(with2('supported', 'refuted'))).toMatch(/^Claim: supported for the mechanism only:/);
    expect(claim(with2('refuted', 'refuted'))).toBe("Claim: refuted: backsplit vs binary is 'refuted' on synthetic-mechanism and 'refuted' on emidec.");
    expect(claim(with2('refuted', 'inconclusive'))).toMatch(/^Claim: inconclusive: backsplit vs binary is 'refuted' on synthetic-mechanism and 'inconclusive' on emidec\. The power lines/);
    expect(claim(with2('inconclusive', 'supported'))).toMatch(/^Claim: inconclusive:/);
  });

  it('without emidec the claim is never supported or refuted as a whole', () => {
    const nullOk = dataset('inconclusive', 'inconclusive');
    const supported = claim(results({ 'synthetic-null': nullOk, 'synthetic-mechanism': dataset('supported', null) }))!;
    expect(supported).toMatch(/^Claim: neither supported nor refuted as a whole, because emidec, the real dataset, was not run\. On synthetic-mechanism backsplit vs binary is 'supported'/);
    const refuted = claim(results({ 'synthetic-null': nullOk, 'synthetic-mechanism': dataset('refuted', null) }))!;
    expect(refuted).toMatch(/^Claim: neither supported nor refuted as a whole.*'refuted'; the claim is refuted only if it is 'refuted' on emidec too\.$/);
  });

  it('a missing null set or placebo arm is said, and the claim carries the caveat', () => {
    const noNull = studyConclusions(results({ 'synthetic-mechanism': dataset('supported', null), emidec: dataset('supported', null) }), protocol);
    expect(noNull.overview).toContain('Validity check not made: synthetic-null, the null set, was not run, so a bias of the pipeline towards the multi-class arms is not ruled out.');
    expect(noNull.overview.find((s) => s.startsWith('Claim:'))).toBe("Claim: supported: backsplit vs binary is 'supported' on synthetic-mechanism and 'supported' on emidec. This rests on a validity check that was not complete (see above).");
    const noPlacebo = studyConclusions(results({ 'synthetic-null': dataset('inconclusive', null), 'synthetic-mechanism': dataset('inconclusive', null) }), protocol);
    expect(noPlacebo.overview).toContain("Validity check incomplete: on synthetic-null, the null set, backsplit vs binary is 'inconclusive', but backsplit-placebo-voronoi was not run.");
    const noMechanism = studyConclusions(results({ 'synthetic-null': dataset('inconclusive', 'inconclusive') }), protocol);
    expect(noMechanism.overview.find((s) => s.startsWith('Claim:'))).toBe('Claim: cannot be decided, because synthetic-mechanism was not run, nor emidec.');
    // one report's share of a run: an absent dataset is only absent from the report
    const report = studyConclusions(results({ 'synthetic-null': dataset('inconclusive', 'inconclusive') }), protocol, { scope: 'report' });
    expect(report.overview[0]).toBe('These results hold synthetic-null (null) with 12 seeds; synthetic-mechanism, synthetic-current and emidec are not in this report.');
    expect(report.overview.find((s) => s.startsWith('Claim:'))).toBe('Claim: cannot be decided, because synthetic-mechanism is not in this report, nor emidec.');
    const reportNoNull = studyConclusions(results({ 'synthetic-mechanism': dataset('inconclusive', null) }), protocol, { scope: 'report' });
    expect(reportNoNull.overview).toContain('Validity check not made: synthetic-null, the null set, is not in this report, so a bias of the pipeline towards the multi-class arms is not ruled out.');
  });

  it('one comparison sentence: effect, interval width against δ, p, verdict and power line', () => {
    const e = effect({ effect: 0.031, ci95: [-0.004, 0.066], p: 0.07, p_holm: 0.21, sd_seed: 0.04, seeds_needed: 16 });
    const c = studyConclusions(results({ emidec: { arms: { backsplit: e }, contrasts: {} } }), protocol);
    expect(c.comparisons).toEqual([
      'emidec, backsplit vs binary (confirmatory family): effect 0.031, 95% CI [-0.004, 0.066], 0.070 wide (1.4 × δ = 0.05); ' +
      'the interval holds both 0 and δ, so these data cannot tell no effect from one that matters; p = 0.07 (Holm 0.21) over 12 seeds → inconclusive; ' +
      '80% power at this effect and seed SD 0.040 would need 16 seeds (a planning number, not a reading of this result).',
    ]);
  });

  it('reads the interval against 0 and δ, and marks descriptive arms and one-seed results', () => {
    const arms = {
      backsplit: effect({ effect: 0.005, ci95: [-0.03, 0.04], verdict: 'refuted' }),
      'binary-wide': effect({ effect: 0.1, ci95: [0.06, 0.14], verdict: 'supported', family: 'mechanism', p_holm: 0.01 }),
      'backsplit-anchored': effect({ effect: 0.04, ci95: [0.01, 0.07], family: null, p_holm: null, verdict: null }),
    };
    const contrasts = { 'backsplit-ce vs binary-ce': effect({ baseline: 'binary-ce', ci95: null, n_seeds: 1, p: null, p_holm: null, sd_seed: null, seeds_needed: null, family: 'mechanism' }) };
    const c = studyConclusions(results({ 'synthetic-mechanism': { arms, contrasts } }), protocol);
    const [main, anchored, wide, ce] = c.comparisons;
    expect(main).toMatch(/the interval lies below δ, so an effect that matters is excluded; .* → refuted;/);
    expect(anchored).toMatch(/^synthetic-mechanism, backsplit-anchored vs binary \(no test family: descriptive\): .*the interval excludes 0 but holds δ; p = 0\.5 over 12 seeds → no verdict \(outside every test family\);/);
    expect(wide).toMatch(/the interval lies above δ; p = 0\.5 \(Holm 0\.01\) over 12 seeds → supported;/);
    expect(ce).toBe("synthetic-mechanism, backsplit-ce vs binary-ce (mechanism family): effect 0.010, no interval (one seed); p = n/a over 1 seed → inconclusive; no power line without a seed SD.");
    expect(c.overview).toContain("On synthetic-mechanism, binary-wide vs binary is 'supported': head size alone explains part of any gain.");
    expect(c.overview).toContain("With 1 seed (synthetic-mechanism) there is no interval and no test, so every comparison there is 'inconclusive'.");
    expect(c.overview[0]).toBe('These results hold synthetic-mechanism (mechanism-positive) with 1 to 12 seeds (by comparison); synthetic-null, synthetic-current and emidec were not run.');
  });

  it('conclusions.md: the overview as a paragraph, the comparisons as a list', () => {
    const c = { overview: ['A.', 'B.'], comparisons: ['c1.', 'c2.'], trainingSettled: null };
    expect(conclusionsMarkdown(c)).toBe('# What this run can and cannot conclude\n\nA. B.\n\n- c1.\n- c2.\n');
  });
});

describe('convergence from the validation learning curves', () => {
  const curve = (values: number[], every = 50) => values.map((value, i) => ({ step: (i + 1) * every, value }));

  it('says training settled when the mean over seeds rose by at most the rule over the last third', () => {
    // budget 300: the last third starts at step 200; seed means at 200 and 300: 0.50 → 0.51 (rise 0.01)
    const c: ArmLearningCurves = { dataset: 'd', arm: 'binary', steps: 300, seeds: [curve([0.1, 0.3, 0.4, 0.48, 0.5, 0.5]), curve([0.1, 0.3, 0.4, 0.52, 0.5, 0.52])] };
    const v = armConvergence(c)!;
    expect(v.from).toEqual({ step: 200, value: 0.5 });
    expect(v.to.step).toBe(300);
    expect(v.rise).toBeCloseTo(0.01, 12);
    expect(v.settled).toBe(true);
    const s = convergenceSentences([c]);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatch(/^Training had settled in every arm and dataset/);
    expect(s[0]).toContain('at most 0.010');
  });

  it('says training had not settled, for which arm and dataset, and flags an arm that never started', () => {
    const rising: ArmLearningCurves = { dataset: 'synthetic-mechanism', arm: 'binary', steps: 300, seeds: [curve([0.1, 0.2, 0.3, 0.35, 0.4, 0.45])] };
    const idle: ArmLearningCurves = { dataset: 'synthetic-null', arm: 'backsplit', steps: 300, seeds: [curve([0, 0, 0, 0, 0.01, 0.02]), curve([0, 0, 0, 0, 0, 0])] };
    expect(armConvergence(rising)!.settled).toBe(false);
    expect(armConvergence(idle)!.started).toBe(false);
    expect(armConvergence(idle)!.settled).toBe(true); // a rise of 0.01 from step 200 to 300
    const s = convergenceSentences([rising, idle]);
    expect(s[0]).toMatch(/^Training had not settled/);
    expect(s[0]).toContain('binary on synthetic-mechanism (0.350 at step 200 → 0.450 at step 300)');
    expect(s[0]).toContain('how far each arm gets in 300 steps, not what it reaches');
    expect(s[1]).toBe('Every seed (2) of backsplit on synthetic-null ended with a validation lesion Dice below 0.05 (0.020, 0.000): those runs had not started to segment lesions, so the comparisons of backsplit there say nothing about what that arm can reach.');
    // one seed of three at 0 throughout, the mean above the threshold: still flagged
    const one: ArmLearningCurves = { dataset: 'd', arm: 'backsplit', steps: 300, seeds: [curve([0, 0, 0, 0, 0, 0]), curve([0.3, 0.4, 0.5, 0.5, 0.5, 0.5]), curve([0.3, 0.4, 0.5, 0.5, 0.5, 0.5])] };
    expect(armConvergence(one)!.to.value).toBeCloseTo(1 / 3, 12);
    expect(armConvergence(one)!.started).toBe(false);
    expect(armConvergence(one)!.unstarted).toEqual([0]);
    expect(convergenceSentences([one]).some((x) => x.startsWith('1 of 3 seeds of backsplit on d ended with a validation lesion Dice below 0.05 (0.000): that run had not started'))).toBe(true);
  });

  it('uses only the steps every seed measured, and says when there are no curves', () => {
    const c: ArmLearningCurves = { dataset: 'd', arm: 'backsplit', steps: 200, seeds: [curve([0.2, 0.3, 0.4, 0.5]), curve([0.2, 0.3, 0.4])] };
    expect(armConvergence(c)!.to).toEqual({ step: 150, value: 0.4 });
    expect(convergenceSentences([])[0]).toMatch(/cannot show that training had settled/);
    expect(convergenceSentences([{ dataset: 'd', arm: 'binary', steps: 100, seeds: [curve([0.3])] }])[0]).toMatch(/cannot show/);
  });

  it('places the convergence sentences after what was run in studyConclusions', () => {
    const rising: ArmLearningCurves = { dataset: 'synthetic-mechanism', arm: 'binary', steps: 300, seeds: [curve([0.1, 0.2, 0.3, 0.35, 0.4, 0.45])] };
    const without = studyConclusions(results({ 'synthetic-mechanism': dataset('inconclusive', null) }), protocol).overview;
    const withCurves = studyConclusions(results({ 'synthetic-mechanism': dataset('inconclusive', null) }), protocol, { convergence: [rising] }).overview;
    expect(withCurves.length).toBe(without.length + 2);
    const i = withCurves.findIndex((x) => x.startsWith('Training had not settled:'));
    const claimAt = withCurves.findIndex((x) => x.startsWith('Claim:'));
    expect(i).toBeGreaterThan(0);
    expect(i).toBeLessThan(claimAt);
    expect(withCurves[claimAt + 1]).toMatch(/^Training had not settled \(see above\), so every verdict of this run describes models after 300 steps/);
    const settled: ArmLearningCurves = { ...rising, seeds: [curve([0.1, 0.2, 0.3, 0.45, 0.45, 0.46])] };
    const ok = studyConclusions(results({ 'synthetic-mechanism': dataset('inconclusive', null) }), protocol, { convergence: [settled] }).overview;
    expect(ok.length).toBe(without.length + 1);
    expect(ok.some((x) => x.includes('bears on the claim'))).toBe(false);
    // the same judgement, once, in trainingSettled (protocol-run's flag)
    const judged = (convergence?: ArmLearningCurves[]) => studyConclusions(results({ 'synthetic-mechanism': dataset('inconclusive', null) }), protocol, convergence ? { convergence } : {}).trainingSettled;
    expect([judged([settled]), judged([settled, rising]), judged([]), judged()]).toEqual([true, false, null, null]);
    const idle: ArmLearningCurves = { ...rising, seeds: [curve([0, 0, 0, 0, 0, 0.01])] };
    expect(judged([idle])).toBe(false); // settled but not started
    // flat at 0 is not called settled, and the claim sentence names the reason it has
    const flat = studyConclusions(results({ 'synthetic-mechanism': dataset('inconclusive', null) }), protocol, { convergence: [idle] }).overview;
    expect(flat.some((x) => x.startsWith('Training had settled'))).toBe(false);
    expect(flat.some((x) => x.startsWith('No curve was still rising') && x.endsWith('where runs had not started (below).'))).toBe(true);
    expect(flat.some((x) => x.startsWith('Some runs had not started to segment lesions (see above), so every verdict'))).toBe(true);
    const both = studyConclusions(results({ 'synthetic-mechanism': dataset('inconclusive', null) }), protocol, { convergence: [rising, { ...idle, dataset: 'synthetic-null' }] }).overview;
    expect(both.some((x) => x.startsWith('Training had not settled, and some runs had not started to segment lesions (see above)'))).toBe(true);
  });
});
