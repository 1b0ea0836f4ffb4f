/**
 * The across-seed variance of the lesion maps (lib/study/seed-variance.ts): closed forms on
 * hand-made maps (seeds whose p maps are constants), the per-lesion regions, the intervals,
 * the errors on too few seeds, and one tiny real study (2 seeds × 2 arms, 3 steps) end to
 * end through `backsplit fisher --seed-variance`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/select';
import { UsageError } from '../../lib/cli/args';
import { fisherCommand } from '../../lib/cli/commands/fisher';
import { formatSignificant } from '../../lib/core/format';
import type { Vec3 } from '../../lib/core/volume';
import { fQuantile, studentTQuantile } from '../../lib/eval/distributions';
import { loadRun } from '../../lib/run/open';
import { predictCase } from '../../lib/run/predict';
import { StudyConfig, studyPreset } from '../../lib/study/config';
import { runStudy } from '../../lib/study/pipeline';
import {
  caseSeedStats, findSeedRuns, formatSeedVariance, LesionMaps, lesionMapsFromProbabilities, PSI_LIMIT, ReferenceCase, studyTestCases, studyTrainingSets, summariseSeedVariance, trainingSetCaveat,
} from '../../lib/study/seed-variance';
import { runCaptured } from '../cli/capture';

const logit = (p: number) => Math.log(p / (1 - p));
const variance = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
};

/** A case of 6×6×2 voxels of 1×1×2 mm with a 2×2 lesion in slice 0 at (1..2, 1..2) and, optionally, one voxel at (5, 5, 1). */
function refCase(id: string, second = false): ReferenceCase {
  const dims: Vec3 = [6, 6, 2];
  const lesion = new Uint8Array(72);
  for (const [i, j] of [[1, 1], [2, 1], [1, 2], [2, 2]]) lesion[i + 6 * j] = 1;
  if (second) lesion[5 + 6 * 5 + 36] = 1;
  return { id, lesion, dims, spacing: [1, 1, 2] };
}

const constantMaps = (p: number, n = 72): LesionMaps => ({ pL: new Float32Array(n).fill(p), psi: new Float32Array(n).fill(logit(p)) });

describe('lesionMapsFromProbabilities', () => {
  it('p_L is the lesion channel, ψ = log p_L − log Σ_B p_k, clamped where a probability is 0', () => {
    // 3 classes, lesion = 2, two voxels, class-major
    const probs = new Float32Array([0.5, 1, 0.3, 0, 0.2, 0]);
    const m = lesionMapsFromProbabilities(probs, 3, 2);
    expect(Array.from(m.pL)).toEqual([Math.fround(0.2), 0]);
    expect(m.psi[0]).toBeCloseTo(Math.log(0.2 / 0.8), 6);
    expect(m.psi[1]).toBe(-PSI_LIMIT);
    expect(lesionMapsFromProbabilities(new Float32Array([0, 1]), 2, 1).psi[0]).toBe(PSI_LIMIT);
    expect(() => lesionMapsFromProbabilities(new Float32Array(5), 2, 1)).toThrow(/not a multiple of 2 classes/);
  });
});

describe('caseSeedStats and summariseSeedVariance on constant maps', () => {
  const binaryP = [0.2, 0.4, 0.6];
  const backsplitP = [0.3, 0.4];
  const runs = { binary: binaryP.map((_, s) => ({ seed: s, dir: `b${s}` })), backsplit: backsplitP.map((_, s) => ({ seed: s, dir: `s${s}` })) };

  it('per-voxel and per-lesion variances are the variances of the constants; regions count lesion, shell and all voxels', () => {
    const ref = refCase('a');
    const bin = caseSeedStats(ref, binaryP.map((p) => constantMaps(p)), 1);
    const bs = caseSeedStats(ref, backsplitP.map((p) => constantMaps(p)), 1);
    // shell of 1 mm: the 8 in-plane face neighbours of the 2×2 block (diagonals are √2 mm, the next slice 2 mm away)
    expect(bin.voxels.lesion.count).toBe(4);
    expect(bin.voxels.shell.count).toBe(8);
    expect(bin.voxels.all.count).toBe(72);
    const vb = variance(binaryP);
    const vs = variance(backsplitP);
    expect(bin.voxels.all.p / 72).toBeCloseTo(vb, 6);
    expect(bin.voxels.lesion.psi / 4).toBeCloseTo(variance(binaryP.map(logit)), 5);
    expect(bin.lesions).toHaveLength(1);
    expect(bin.lesions[0].voxels).toBe(4);
    expect(bin.lesions[0].functionals['lesion-mean'].variance).toBeCloseTo(variance(binaryP.map(logit)), 5);
    // volume over the lesion and its shell: 12 voxels of 0.002 mL
    bin.lesions[0].functionals.volume.values.forEach((v, s) => expect(v).toBeCloseTo(12 * 0.002 * binaryP[s], 7));

    const sum = summariseSeedVariance({ binary: [bin], backsplit: [bs] }, runs);
    expect(sum.arms.binary.degreesOfFreedom).toBe(2);
    expect(sum.arms.backsplit.degreesOfFreedom).toBe(1);
    expect(sum.arms.binary.voxels.shell.p).toBeCloseTo(vb, 6);
    expect(sum.arms.backsplit.lesions.volume).toBeCloseTo(0.024 ** 2 * vs, 9);
    for (const r of ['lesion', 'shell', 'all'] as const) expect(sum.ratio.voxels[r].p.estimate).toBeCloseTo(vb / vs, 4);
    expect(sum.ratio.lesions.volume.estimate).toBeCloseTo(vb / vs, 4);
    expect(sum.ratio.lesions['lesion-mean'].estimate).toBeCloseTo(variance(binaryP.map(logit)) / variance(backsplitP.map(logit)), 4);
    // one case: no case bootstrap; the seed-limited interval is estimate ÷ F(.975; 2, 1) … × F(.975; 1, 2), with F(1, 2) = t(2)²
    const r = sum.ratio.voxels.all.p;
    expect(r.caseBootstrap).toBeNull();
    expect(r.seedLimited![1] / r.estimate!).toBeCloseTo(studentTQuantile(0.9875, 2) ** 2, 6);
    expect(r.estimate! / r.seedLimited![0]).toBeCloseTo(fQuantile(0.975, 2, 1), 6);
  });

  it('two lesions: each keeps its own voxels and shell; a case without lesions counts only in "all"', () => {
    const ref = refCase('b', true);
    const st = caseSeedStats(ref, binaryP.map((p) => constantMaps(p)), 1);
    expect(st.lesions.map((l) => l.voxels).sort()).toEqual([1, 4]);
    // the corner voxel (5, 5, 1): in-plane neighbours (4, 5, 1) and (5, 4, 1) within 1 mm; the voxel above is 2 mm away
    const corner = st.lesions.find((l) => l.voxels === 1)!;
    corner.functionals.volume.values.forEach((v, s) => expect(v).toBeCloseTo(3 * 0.002 * binaryP[s], 7));
    const empty: ReferenceCase = { ...refCase('c'), lesion: new Uint8Array(72) };
    const none = caseSeedStats(empty, binaryP.map((p) => constantMaps(p)), 3);
    expect(none.voxels.lesion.count + none.voxels.shell.count).toBe(0);
    expect(none.voxels.all.count).toBe(72);
    expect(none.lesions).toHaveLength(0);
  });

  it('the case bootstrap spans the cases\' own ratios; cases without a lesion stay out of the lesion ratios', () => {
    // case a: binary seeds vary 4× as much as BackSplit's (by variance); case b: 1×
    const a = refCase('a');
    const b = refCase('b');
    const c: ReferenceCase = { ...refCase('c'), lesion: new Uint8Array(72) };
    const stats = {
      binary: [caseSeedStats(a, [constantMaps(0.2), constantMaps(0.6)], 1), caseSeedStats(b, [constantMaps(0.3), constantMaps(0.5)], 1), caseSeedStats(c, [constantMaps(0.1), constantMaps(0.1)], 1)],
      backsplit: [caseSeedStats(a, [constantMaps(0.3), constantMaps(0.5)], 1), caseSeedStats(b, [constantMaps(0.3), constantMaps(0.5)], 1), caseSeedStats(c, [constantMaps(0.1), constantMaps(0.1)], 1)],
    };
    const two = { binary: runs.binary.slice(0, 2), backsplit: runs.backsplit };
    const sum = summariseSeedVariance(stats, two, { replicates: 500 });
    const lesion = sum.ratio.voxels.lesion.p;
    expect(lesion.cases).toBe(2);
    expect(lesion.estimate).toBeCloseTo(2.5, 4); // (4 + 1) / (1 + 1)
    expect(lesion.caseBootstrap![0]).toBeGreaterThanOrEqual(1 - 1e-5);
    expect(lesion.caseBootstrap![1]).toBeLessThanOrEqual(4 + 1e-5);
    expect(lesion.caseBootstrap![0]).toBeLessThan(2.5);
    expect(lesion.caseBootstrap![1]).toBeGreaterThan(2.5);
    expect(sum.ratio.voxels.all.p.cases).toBe(3);
    // 1 degree of freedom per arm: F(.975; 1, 1) ≈ 647.8 either side
    expect(lesion.seedLimited![1] / lesion.estimate!).toBeCloseTo(fQuantile(0.975, 1, 1), 6);
    expect(fQuantile(0.975, 1, 1)).toBeCloseTo(647.789, 2);
    expect(() => summariseSeedVariance({ binary: stats.binary, backsplit: stats.backsplit.slice(0, 2) }, two)).toThrow(/different test cases/);
  });

  it('fewer than 2 seeds is an error', () => {
    expect(() => caseSeedStats(refCase('a'), [constantMaps(0.2)], 1)).toThrow(/case a: the across-seed variance needs at least 2 seeds, got 1/);
  });
});

describe('fQuantile', () => {
  it('matches closed forms: F(2, 2) has CDF f/(1 + f); F(1, k) = t(k)²; 1/F(d1, d2) = F(d2, d1)', () => {
    expect(fQuantile(0.975, 2, 2)).toBeCloseTo(39, 9);
    expect(fQuantile(0.9, 2, 2)).toBeCloseTo(9, 9);
    expect(fQuantile(0.95, 1, 7)).toBeCloseTo(studentTQuantile(0.975, 7) ** 2, 8);
    expect(fQuantile(0.025, 3, 8) * fQuantile(0.975, 8, 3)).toBeCloseTo(1, 9);
    // scipy.stats.f.ppf(0.975, 4, 4) = 9.604529884722858, f.ppf(0.975, 2, 30) = 4.182060590996112
    expect(fQuantile(0.975, 4, 4)).toBeCloseTo(9.604529884722858, 8);
    expect(fQuantile(0.975, 2, 30)).toBeCloseTo(4.182060590996112, 8);
    expect(() => fQuantile(0.5, 1.5, 2)).toThrow(/d1 must be a whole number/);
  });
});

describe('findSeedRuns', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-runs-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const finished = (dir: string) => {
    fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'checkpoints', 'final.ckpt'), '');
  };

  it('needs 2 finished runs per arm and names the folder, the runs it found and the unfinished ones', () => {
    finished(path.join(tmp, 'binary-seed0'));
    finished(path.join(tmp, 'binary-seed2'));
    finished(path.join(tmp, 'backsplit-seed0'));
    fs.mkdirSync(path.join(tmp, 'backsplit-seed1'));
    expect(() => findSeedRuns(tmp)).toThrow(`seed variance: ${tmp} holds 1 finished backsplit run(s) (backsplit-seed0); not finished: backsplit-seed1; the across-seed variance needs at least 2 seeds per arm`);
    finished(path.join(tmp, 'backsplit-seed1'));
    const runs = findSeedRuns(tmp);
    expect(runs.binary.map((r) => r.seed)).toEqual([0, 2]);
    expect(runs.backsplit.map((r) => r.dir)).toEqual([path.join(tmp, 'backsplit-seed0'), path.join(tmp, 'backsplit-seed1')]);
    expect(() => findSeedRuns(path.join(tmp, 'nothing'))).toThrow(/nothing is not a folder/);
    expect(() => studyTestCases(tmp, runs)).toThrow(/cannot read .*study\.json/);
  });

  it('reads from study.json whether the seeds drew their own training cases, and says what the variance holds', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-variance-sets-'));
    try {
      expect(() => studyTrainingSets(dir)).toThrow(/cannot read .*study\.json/);
      const write = (record: unknown) => fs.writeFileSync(path.join(dir, 'study.json'), JSON.stringify(record));
      write({ splits: { test: ['a'] } });
      expect(studyTrainingSets(dir)).toBe('shared');
      write({ trainBySeed: { 0: ['c1', 'c2'], 1: ['c2', 'c1'] } }); // the same cases in another order
      expect(studyTrainingSets(dir)).toBe('shared');
      write({ trainBySeed: { 0: ['c1', 'c2'], 1: ['c1', 'c3'] } });
      expect(studyTrainingSets(dir)).toBe('per-seed');
      expect(trainingSetCaveat('per-seed')).toMatch(/^Each seed drew its own training cases .* holds the sampling variance over training sets/);
      expect(trainingSetCaveat('shared')).toMatch(/share the training set: .* not the sampling variance/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a tiny real study: 2 seeds × 2 arms, 3 steps', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-variance-'));
  const runsDir = path.join(tmp, 'runs');
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let cfg: StudyConfig;

  beforeAll(async () => {
    await initBackend(); // wasm: predicting 2 cases of 64×64×32 with 4 runs takes ~25 s there, ~100 s on cpu
    const quick = studyPreset('quick');
    cfg = {
      ...quick,
      runsDir,
      reportDir: path.join(tmp, 'report'),
      seeds: [0, 1],
      dataset: { kind: 'synthetic', cases: 4, seed: 3 },
      split: { seed: 0, train: 2, validation: 0, test: 2 },
      train: { ...quick.train, model: { ...quick.train.model!, channels: [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: 3, logEvery: 1, checkpointEvery: 0 },
      fisher: { patches: 1, samples: 1 },
    };
    await runStudy(cfg, () => undefined, { workers: 1 });
  }, 300_000);

  it('fisher --seed-variance --json: both arms over the study\'s test cases, variances equal to a recomputation, the Cramér–Rao ratio ≥ 1 and cached', async () => {
    const argv = ['--seed-variance', '--runs', runsDir, '--cg-iters', '5', '--patches', '2'];
    const first = await runCaptured(fisherCommand, [...argv, '--json']);
    expect(first.code).toBe(0);
    const sv = JSON.parse(first.out).seed_variance;
    expect(Object.keys(sv)).toEqual(expect.arrayContaining(['arms', 'ratio', 'cramer_rao_ratio', 'caveats']));
    const study = JSON.parse(fs.readFileSync(path.join(runsDir, 'study.json'), 'utf8'));
    expect(sv.cases).toEqual(study.splits.test);
    expect(sv.arms.binary.seeds).toEqual([0, 1]);
    expect(sv.arms.backsplit.seeds).toEqual([0, 1]);
    expect(sv.training_sets).toBe('shared'); // this study's seeds train on the same split
    expect(sv.caveats.join(' ')).toMatch(/share the training set/);

    // recompute the binary arm's mean per-voxel variance of p_L over all voxels from predictCase
    const cases = studyTestCases(runsDir, findSeedRuns(runsDir));
    let sum = 0;
    let count = 0;
    const maps: Float32Array[][] = [];
    for (const seed of [0, 1]) {
      const run = loadRun(path.join(runsDir, `binary-seed${seed}`));
      maps.push([]);
      for (const c of cases) maps[seed].push((await predictCase(run.model, run.layout, c, { patchSize: run.config.patchSize, overlap: run.config.inferenceOverlap, rule: 'argmaxIsLesion' })).lesionProbability.data);
      run.model.dispose();
    }
    cases.forEach((_, i) => maps[0][i].forEach((p0, v) => {
      sum += (p0 - maps[1][i][v]) ** 2 / 2;
      count++;
    }));
    expect(sv.arms.binary.voxels.all.count).toBe(count);
    expect(sv.arms.binary.voxels.all.p).toBeCloseTo(sum / count, 8);
    expect(sv.ratio.voxels.all.p.estimate).toBeCloseTo(sv.arms.binary.voxels.all.p / sv.arms.backsplit.voxels.all.p, 10);

    expect(sv.cramer_rao.perSeed.map((p: { seed: number }) => p.seed)).toEqual([0, 1]);
    expect(sv.cramer_rao.perSeed.every((p: { cached: boolean }) => !p.cached)).toBe(true);
    expect(sv.cramer_rao_ratio).toBeGreaterThan(1 - 1e-3);
    expect(fs.existsSync(path.join(runsDir, 'backsplit-seed0', 'fisher-lesion.json'))).toBe(true);

    // the second time the Cramér–Rao side comes from each BackSplit run's fisher-lesion.json
    const again = await runCaptured(fisherCommand, argv);
    expect(again.out).toMatch(/binary \/ BackSplit/);
    expect(again.out).toMatch(new RegExp(`mean ${formatSignificant(sv.cramer_rao_ratio, 4).replace('.', '\\.')} over BackSplit seeds 0: \\S+ \\(solver bracket \\[\\S+, \\S+\\]\\) \\(cached\\), 1: \\S+ \\(solver bracket \\[\\S+, \\S+\\]\\) \\(cached\\)`));
    expect(again.out).toMatch(/What this can and cannot show/);
    expect(formatSeedVariance({ ...sv, cramer_rao: null, cramer_rao_ratio: null })).toMatch(/Cramér–Rao ratio: not computed/);
  }, 300_000);

  it('usage errors: --runs is needed, --run is not taken, --shell-mm must be >= 0', async () => {
    await expect(fisherCommand.run(['--seed-variance'])).rejects.toThrow(/--seed-variance needs --runs/);
    await expect(fisherCommand.run(['--seed-variance', '--runs', runsDir, '--run', runsDir])).rejects.toThrow(UsageError);
    await expect(fisherCommand.run(['--seed-variance', '--runs', runsDir, '--shell-mm', '-1'])).rejects.toThrow(/--shell-mm must be >= 0/);
    await expect(fisherCommand.run([])).rejects.toThrow(/missing required flag --run/);
  });
});
