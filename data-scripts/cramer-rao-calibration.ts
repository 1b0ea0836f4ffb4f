/**
 * Calibration of the Cramér–Rao simulation's Monte-Carlo error (lib/fisher/cramer-rao.ts): runs
 * `runCramerRao` for many seeds and several numbers of background sub-classes K, and reports how
 * often the checks of test/fisher/cramer-rao.test.ts fail. With an honest error and an unbiased
 * prediction the z-scores are ~N(0, 1): their mean near 0, their SD near 1, and the failure rate
 * of the test's family of checks at or below its nominal family-wise rate.
 *
 * Run: npx ts-node --transpile-only data-scripts/cramer-rao-calibration.ts
 *        [--K 2,3,4,6] [--seeds 1-40] [--replicates 300] [--bootstrap 200] [--trainSize N]
 *        [--threshold 3.5] [--jsonl out.jsonl] [--dice]
 * Each run is one line of JSON (appended to --jsonl when given); a summary table per K follows.
 *
 * Measured 2026-11-27 (2-core dev machine, R = 300, seeds 1..40 unless noted; "fail" = any of the
 * test's z-checks, 13-30 of them depending on K, beyond the threshold; mean/SD over all z-scores):
 *   K  n              fail |z|>3.5  fail |z|>3  mean z ratio  SD z ratio  mean z arm  s/run
 *   2  2500 (auto)    0/40          3/40        +0.34         1.07        +0.13        1.0
 *   3  4500 (auto)    0/40          2/40        +0.25         1.06        −0.03        2.4
 *   4  8500 (auto)    0/40          2/40        +0.38         1.04        +0.14        6.0
 *   6  46000 (auto)   4/32          11/32       +0.81         1.06        +0.28        62
 *   3  1000 (old)     4/40          15/40       +1.10         1.06        +0.44        0.6
 * The SD of the z-scores is ~1 throughout (the delta-method and bootstrap errors are honest); what
 * moved the failure rate was the mean, the binary fit's O(1/n) excess variance (for K = 3 the mean z
 * fell from 1.10 to 0.25 as n went from 1000 to 4500, i.e. as 1/n). At K = 6 the automatic n was not
 * yet asymptotic enough for R = 300; the mean ratio z grew with the excess index v_Z^1.5 / n (4.5, 5.1,
 * 7.8, 19.3 for the rows above), so the automatic n is now also bounded by v_Z^1.5 / n ≤ 8
 * (`asymptoticExcess`): K ≤ 4 unchanged, K = 5: 27000, K = 6: 111500.
 *
 * Measured 2026-12-02 (shared 2-core machine, load 6-10), with the 2-logit arm in the family:
 *   K  n      runs  fail |z|>3.5  mean z ratio  SD z ratio  mean z arm  mean z 2-logit  SD z 2-logit
 *   3  4500   20    0/20          +0.27         1.08        −0.02       +0.14           0.98
 *   6  111500 2 (seeds 1, 2)  0/2   +0.42, −0.03 (per seed)   mean z arm +0.68, −0.24; 2-logit +0.31, −0.40
 * K = 6 at n = 111500 took 730-830 s wall per run on that loaded machine (R = 300); only seeds 1-2
 * were run then, against 4/32 failing at n = 46000.
 *
 * Measured 2026-12-04 (2-core machine, two processes, --seeds 3-17 and 18-32, beside a training
 * pilot; 185-457 s per run), K = 6, n = 111500, R = 300, seeds 3..32 (30 runs, 38 z-checks each):
 *   fail |z|>3.5: 1/30 (seed 12: one arm z = 3.54); with seeds 1-2 above, 1/32 against 4/32 at n = 46000
 *   ratio z (660):  mean +0.31, SD 0.98, max |z| 3.23      bootstrap ratio z: mean +0.31, SD 0.98
 *   arm z (240):    mean +0.08, SD 1.02, max |z| 3.54      2-logit z (240): mean +0.02, SD 1.05
 *   failed fits 0
 * With honest errors the family's failure rate would be about 38 × 4.7e-4 ≈ 1.8% per run (0.6 of
 * 32 expected); the mean ratio z (+0.31) is now the residual O(1/n) shift of K = 2..4 (+0.25..+0.38),
 * not K = 6's +0.81 at n = 46000: the automatic n calibrates K = 6 as it does K <= 4.
 */
import { appendFileSync } from 'fs';
import type { CramerRaoResult } from '../lib/fisher/cramer-rao';
import { runCramerRao } from '../lib/fisher/cramer-rao';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

function parseRange(spec: string): number[] {
  return spec.split(',').flatMap((part) => {
    const m = /^(\d+)-(\d+)$/.exec(part.trim());
    if (m) return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
    return [Number(part)];
  });
}

const Ks = parseRange(arg('K', '2,3,4,6'));
const seeds = parseRange(arg('seeds', '1-40'));
const replicates = Number(arg('replicates', '300'));
const bootstrap = Number(arg('bootstrap', '200'));
const trainSizeArg = arg('trainSize', '');
const threshold = Number(arg('threshold', '3.5'));
const jsonl = arg('jsonl', '');
const dice = process.argv.includes('--dice');

/** The statistical checks of test/fisher/cramer-rao.test.ts at threshold t; returns the names of those that fail. */
function testChecks(r: CramerRaoResult, t: number): string[] {
  const failures: string[] = [];
  const normalSe = Math.sqrt(2 / (r.config.replicates - 1));
  if (r.failedFits.binary + r.failedFits.backsplit + r.failedFits.twoLogit > 0) failures.push('failed fits');
  const resolvable = r.lesionProbability.filter((c) => Math.log(c.predictedRatio) > t * c.logRatioStdError);
  // structural, not statistical: at K = 2 the predicted ratios (1.03-1.09) are too close to 1 for
  // R = 300 to resolve; the committed test runs K = 3, where the point halfway to sub-class 1 is ~8 SE
  if (resolvable.length < 1) failures.push('no resolvable point');
  for (const c of resolvable) if (!(c.empiricalRatio > 1)) failures.push(`${c.label} ratio <= 1`);
  for (const c of [...r.lesionProbability, ...r.parameters]) {
    if (!(c.logRatioStdError > 0 && c.logRatioStdError < 0.2)) failures.push(`${c.label} SE range`);
    if (!(Math.abs(Math.log(c.bootstrapLogRatioStdError / c.logRatioStdError)) < 0.25)) failures.push(`${c.label} bootstrap vs delta SE`);
    if (!(Math.abs(c.zScore) <= t)) failures.push(`${c.label} ratio z`);
  }
  for (const c of r.lesionProbability) {
    for (const arm of ['binary', 'backsplit'] as const) {
      const se = c.logVarianceStdError[arm];
      if (!(se > 0.5 * normalSe && se < 2 * normalSe)) failures.push(`${c.label} ${arm} SE range`);
      if (!(Math.abs(c.armZScore[arm]) <= t)) failures.push(`${c.label} ${arm} z`);
    }
  }
  // the 2-logit arm (sandwich prediction) against the same BackSplit fits
  for (const c of r.twoLogit.lesionProbability) {
    if (!(Math.abs(c.armZScore.binary) <= t)) failures.push(`2-logit ${c.label} z`);
    if (!(Math.abs(c.zScore) <= t)) failures.push(`2-logit ${c.label} ratio z`);
  }
  // with --dice: the Dice + CE arm (sandwich prediction) against the CE MLE
  for (const c of r.diceCe?.lesionProbability ?? []) {
    if (!(Math.abs(c.armZScore.binary) <= t)) failures.push(`Dice+CE ${c.label} z`);
    if (!(Math.abs(c.zScore) <= t)) failures.push(`Dice+CE ${c.label} ratio z`);
  }
  return failures;
}

interface Row {
  K: number;
  seed: number;
  n: number;
  seconds: number;
  failedFits: { binary: number; backsplit: number };
  ratioZ: number[];
  bootstrapRatioZ: number[];
  armZ: number[];
  armZNormal: number[];
  /** Sandwich z-scores of the 2-logit arm's variance of p_L(x*), and of its ratio to BackSplit. */
  twoLogitZ: number[];
  /** Checks of the committed test (at --threshold) that this run fails. */
  testFailures: string[];
}

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
const sd = (a: number[]): number => Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1));
const maxAbs = (a: number[]): number => Math.max(...a.map(Math.abs));

const rows: Row[] = [];
for (const K of Ks) {
  for (const seed of seeds) {
    const r = runCramerRao({ backgroundClasses: K, seed, replicates, bootstrap, diceCe: dice, ...(trainSizeArg ? { trainSize: Number(trainSizeArg) } : {}) });
    const all = [...r.lesionProbability, ...r.parameters];
    const normalSe = Math.sqrt(2 / (r.config.replicates - r.failedFits.binary - r.failedFits.backsplit - 1));
    const row: Row = {
      K,
      seed,
      n: r.config.trainSize,
      seconds: r.seconds,
      failedFits: r.failedFits,
      ratioZ: all.map((c) => c.zScore),
      bootstrapRatioZ: all.map((c) => (Math.log(c.empiricalRatio) - Math.log(c.predictedRatio)) / c.bootstrapLogRatioStdError),
      armZ: r.lesionProbability.flatMap((c) => [c.armZScore.binary, c.armZScore.backsplit]),
      armZNormal: r.lesionProbability.flatMap((c) => [
        Math.log(c.empiricalVariance.binary / c.predictedVariance.binary) / normalSe,
        Math.log(c.empiricalVariance.backsplit / c.predictedVariance.backsplit) / normalSe,
      ]),
      twoLogitZ: r.twoLogit.lesionProbability.flatMap((c) => [c.armZScore.binary, c.zScore]),
      testFailures: testChecks(r, threshold),
    };
    rows.push(row);
    const line = JSON.stringify(row);
    if (jsonl) appendFileSync(jsonl, line + '\n');
    console.log(
      `K=${K} seed=${seed} n=${row.n} ${row.seconds.toFixed(1)} s, max|z| ratio ${maxAbs(row.ratioZ).toFixed(2)}, arm ${maxAbs(row.armZ).toFixed(2)}` +
        (row.testFailures.length ? `; test fails: ${row.testFailures.join(', ')}` : ''),
    );
  }
}

console.log(`\nthreshold |z| <= ${threshold}; failure = any check of the family beyond it`);
console.log('K  n      runs  fail(test)  fail(test, statistical checks)  fail(ratio+arm)  fail(ratio)  fail(arm)  mean z ratio  sd z ratio  sd z boot  mean z arm  sd z arm  sd z arm(normal SE)  failed fits  mean z 2-logit  sd z 2-logit');
for (const K of Ks) {
  const rs = rows.filter((r) => r.K === K);
  const fr = (f: (r: Row) => boolean): string => `${rs.filter(f).length}/${rs.length}`;
  const ratio = rs.flatMap((r) => r.ratioZ);
  const boot = rs.flatMap((r) => r.bootstrapRatioZ);
  const arm = rs.flatMap((r) => r.armZ);
  const armN = rs.flatMap((r) => r.armZNormal);
  const failedFits = rs.reduce((s, r) => s + r.failedFits.binary + r.failedFits.backsplit, 0);
  console.log(
    [K, rs[0].n, rs.length, fr((r) => r.testFailures.length > 0), fr((r) => r.testFailures.some((f) => f !== 'no resolvable point')), fr((r) => maxAbs(r.ratioZ) > threshold || maxAbs(r.armZ) > threshold), fr((r) => maxAbs(r.ratioZ) > threshold), fr((r) => maxAbs(r.armZ) > threshold),
      mean(ratio).toFixed(2), sd(ratio).toFixed(2), sd(boot).toFixed(2), mean(arm).toFixed(2), sd(arm).toFixed(2), sd(armN).toFixed(2), failedFits,
      mean(rs.flatMap((r) => r.twoLogitZ)).toFixed(2), sd(rs.flatMap((r) => r.twoLogitZ)).toFixed(2)].join('  '),
  );
}
