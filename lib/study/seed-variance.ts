/**
 * The empirical side of the lesion-functional Fisher (issue #13, part 4): how much the
 * lesion probability maps of a study's replicate runs scatter across seeds, per arm, set
 * next to the Cramér–Rao prediction of ./fisher-lesion.ts on the same runs.
 *
 * For each arm (binary, BackSplit) every seed's run predicts the study's test cases; per
 * voxel, p_L (the softmax lesion channel) and ψ = log p_L − log Σ_B p_k (the lesion log-odds
 * against the whole background, ../fisher/lesion-coordinates.ts, of the sliding-window
 * probabilities; clamped to ±{@link PSI_LIMIT} because float32 probabilities underflow).
 * From those maps:
 *  - the across-seed sample variance (n − 1 denominator) at every voxel, averaged over the
 *    reference-lesion voxels, over a background shell around them (non-lesion voxels within
 *    `shellMm` mm of a lesion) and over all voxels of the test cases;
 *  - two functionals per reference lesion (26-connected component), the ones the Cramér–Rao
 *    code measures: the mean ψ over the lesion's voxels, and the predicted volume Σ p_L ×
 *    voxel volume (mL) over the lesion and its shell; their across-seed variance, averaged
 *    over lesions;
 *  - the ratio binary / BackSplit of each average, with a percentile bootstrap interval over
 *    test cases (cases redrawn, voxels and lesions of a case kept together) and a
 *    "seed-limited" interval from the F distribution with n − 1 degrees of freedom per arm.
 *
 * The Cramér–Rao counterpart is ∇gᵀF⁻¹∇g under F_Z over F_Y of each BackSplit run (the
 * ratio Z / Y of ./fisher-lesion.ts, ≥ 1): the variance of binary over BackSplit estimates
 * if the binary fit were the same model fitted to the coarsened labels. A binary run has
 * Y = Z, so only BackSplit runs enter. It is cached in each run folder (fisher-lesion.json).
 *
 * What this can and cannot show:
 *  - the seeds of one study share the training set; only the initialisation and the patch
 *    draws differ. Across-seed variance is optimisation and initialisation noise, not the
 *    sampling variance over training sets that the Cramér–Rao bound describes (seeds with
 *    their own training pools would measure that);
 *  - each voxel's variance rests on n − 1 degrees of freedom per arm. Voxels are not
 *    independent (a seed shifts its whole map together), so the case bootstrap is too
 *    narrow when seeds are few; the seed-limited interval treats each arm's variance as
 *    one estimate on n − 1 degrees of freedom, the pessimistic end. With 3 seeds it spans
 *    a factor of about 39 either side;
 *  - the two arms are different networks (a 2-logit head vs a K-logit head), trained with
 *    Dice + CE, which the maximum-likelihood theory does not cover.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomic';
import { formatSignificant, formatTable } from '../core/format';
import { labelComponents } from '../core/morphology';
import type { LabelMode, SegmentationCase } from '../core/types';
import { mapToUint8, type Vec3 } from '../core/volume';
import { loadDataset } from '../data/registry';
import { hashCases } from '../data/synthetic';
import { bootstrapCi } from '../eval/compare';
import { squaredDistanceTransform } from '../eval/distance';
import { fQuantile } from '../eval/distributions';
import { isFinishedRun } from '../run/layout';
import { loadRun, LoadedRun, openRun } from '../run/open';
import { predictProbabilities } from '../run/predict';
import { loadTrainingData, prepareCase } from '../train/prepare';
import { fisherPatches } from './fisher';
import { trainSmallArms } from './fisher-runs';
import type { LesionFunctionalKind } from '../fisher/network-lesion';
import { LesionFunctionalReport, modelLesionFunctional, ModelLesionOptions } from './fisher-lesion';
import { notebookWorkProgress } from '../train/progress';

/** |ψ| is clamped to this (p_L ≈ 2e-9 or 1 − 2e-9): float32 probabilities reach 0 and 1. */
export const PSI_LIMIT = 20;

const ARMS: readonly LabelMode[] = ['binary', 'backsplit'];
const REGIONS = ['lesion', 'shell', 'all'] as const;
/** Where a per-voxel variance is averaged: reference-lesion voxels, the background shell around them, every voxel. */
export type VoxelRegion = (typeof REGIONS)[number];
const FUNCTIONALS = ['lesion-mean', 'volume'] as const;
/** The per-lesion functionals: mean ψ over the lesion, predicted volume (mL) over the lesion and its shell. */
export type LesionFunctionalName = (typeof FUNCTIONALS)[number];

/** One finished run of an arm. */
export interface SeedRun {
  seed: number;
  dir: string;
}

/** The lesion maps of one prediction, per voxel. */
export interface LesionMaps {
  pL: Float32Array;
  psi: Float32Array;
}

/** A test case's reference lesion mask on its grid. */
export interface ReferenceCase {
  id: string;
  lesion: Uint8Array;
  dims: Vec3;
  spacing: Vec3;
}

/** The regions of one case. */
interface CaseRegions {
  lesion: Uint8Array;
  shell: Uint8Array;
  /** Per reference lesion: its voxels, and its voxels with its own shell. */
  lesions: { voxels: Int32Array; region: Int32Array }[];
}

/** One case's across-seed statistics of one arm. */
export interface CaseSeedStats {
  id: string;
  /** Per region: voxels, Σ of the per-voxel variance of p_L and of ψ. */
  voxels: Record<VoxelRegion, { count: number; p: number; psi: number }>;
  /** Per reference lesion: its voxel count, and each functional's value per seed and across-seed variance. */
  lesions: { voxels: number; functionals: Record<LesionFunctionalName, { values: number[]; variance: number }> }[];
}

/**
 * p_L and ψ of class-major probabilities probs[k·n + voxel].
 * @example lesionMapsFromProbabilities(new Float32Array([0.75, 0.25]), 2, 1) // pL [0.25], psi [−log 3]
 */
export function lesionMapsFromProbabilities(probs: Float32Array, numClasses: number, lesionClass: number): LesionMaps {
  const n = probs.length / numClasses;
  if (!Number.isInteger(n)) throw new Error(`lesionMapsFromProbabilities: ${probs.length} probabilities are not a multiple of ${numClasses} classes`);
  const pL = probs.slice(lesionClass * n, (lesionClass + 1) * n);
  const psi = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    let pB = 0;
    for (let k = 0; k < numClasses; k++) if (k !== lesionClass) pB += probs[k * n + v];
    const x = Math.log(pL[v]) - Math.log(pB);
    psi[v] = Number.isNaN(x) ? 0 : Math.max(-PSI_LIMIT, Math.min(PSI_LIMIT, x));
  }
  return { pL, psi };
}

/** Voxels within `shellMm` of the lesion mask's voxels (lesion voxels excluded) and each lesion's own region. */
function caseRegions(ref: ReferenceCase, shellMm: number): CaseRegions {
  const [nx, ny, nz] = ref.dims;
  const n = nx * ny * nz;
  if (ref.lesion.length !== n) throw new Error(`seed variance: case ${ref.id}: lesion mask has ${ref.lesion.length} voxels, dims ${ref.dims.join('×')} need ${n}`);
  const lesion = mapToUint8(ref.lesion, (v) => (v ? 1 : 0));
  const shell = new Uint8Array(n);
  const r2 = shellMm * shellMm;
  if (lesion.some((v) => v === 1)) {
    const d2 = squaredDistanceTransform(lesion, ref.dims, ref.spacing);
    for (let v = 0; v < n; v++) if (!lesion[v] && d2[v] <= r2) shell[v] = 1;
  }
  const { labels, count } = labelComponents(lesion, ref.dims, 26);
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let v = 0; v < n; v++) if (labels[v] > 0) members[labels[v] - 1].push(v);
  const reach = ref.spacing.map((s) => Math.ceil(shellMm / s));
  const lesions = members.map((vox, j) => {
    // the lesion's bounding box grown by the shell, and the distance to this lesion inside it
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (const v of vox) {
      const c = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))];
      for (let a = 0; a < 3; a++) {
        lo[a] = Math.min(lo[a], c[a]);
        hi[a] = Math.max(hi[a], c[a]);
      }
    }
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.max(0, lo[a] - reach[a]);
      hi[a] = Math.min(ref.dims[a] - 1, hi[a] + reach[a]);
    }
    const bd: Vec3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
    const global = (i: number, jj: number, k: number) => lo[0] + i + nx * (lo[1] + jj + ny * (lo[2] + k));
    const own = new Uint8Array(bd[0] * bd[1] * bd[2]);
    for (let k = 0, t = 0; k < bd[2]; k++) for (let jj = 0; jj < bd[1]; jj++) for (let i = 0; i < bd[0]; i++, t++) own[t] = labels[global(i, jj, k)] === j + 1 ? 1 : 0;
    const d2 = squaredDistanceTransform(own, bd, ref.spacing);
    const region: number[] = [];
    for (let k = 0, t = 0; k < bd[2]; k++) for (let jj = 0; jj < bd[1]; jj++) for (let i = 0; i < bd[0]; i++, t++) {
      const g = global(i, jj, k);
      if (own[t] || (!lesion[g] && d2[t] <= r2)) region.push(g);
    }
    return { voxels: Int32Array.from(vox), region: Int32Array.from(region) };
  });
  return { lesion, shell, lesions };
}

function sampleVariance(values: ArrayLike<number>): number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return ss / (n - 1);
}

/**
 * One case's across-seed statistics of one arm from its seeds' maps (same order as the seeds).
 * @param ref the case's reference lesion mask and grid
 * @param seeds one {@link LesionMaps} per seed (at least 2)
 * @param shellMm width of the background shell around the lesions, in mm
 */
export function caseSeedStats(ref: ReferenceCase, seeds: readonly LesionMaps[], shellMm: number): CaseSeedStats {
  return caseStatsWithRegions(ref, caseRegions(ref, shellMm), seeds);
}

function caseStatsWithRegions(ref: ReferenceCase, regions: CaseRegions, seeds: readonly LesionMaps[]): CaseSeedStats {
  const S = seeds.length;
  if (S < 2) throw new Error(`seed variance: case ${ref.id}: the across-seed variance needs at least 2 seeds, got ${S}`);
  const n = ref.lesion.length;
  seeds.forEach((m, s) => {
    if (m.pL.length !== n || m.psi.length !== n) throw new Error(`seed variance: case ${ref.id}: seed ${s}'s maps have ${m.pL.length} voxels, the case ${n}`);
  });
  const voxels = Object.fromEntries(REGIONS.map((r) => [r, { count: 0, p: 0, psi: 0 }])) as CaseSeedStats['voxels'];
  const p = new Float64Array(S);
  const q = new Float64Array(S);
  for (let v = 0; v < n; v++) {
    for (let s = 0; s < S; s++) {
      p[s] = seeds[s].pL[v];
      q[s] = seeds[s].psi[v];
    }
    const vp = sampleVariance(p);
    const vq = sampleVariance(q);
    for (const r of [regions.lesion[v] ? 'lesion' : regions.shell[v] ? 'shell' : null, 'all'] as const) {
      if (!r) continue;
      voxels[r].count++;
      voxels[r].p += vp;
      voxels[r].psi += vq;
    }
  }
  const voxelMl = (ref.spacing[0] * ref.spacing[1] * ref.spacing[2]) / 1000;
  const lesions = regions.lesions.map((l) => {
    const mean = seeds.map((m) => l.voxels.reduce((sum, v) => sum + m.psi[v], 0) / l.voxels.length);
    const volume = seeds.map((m) => l.region.reduce((sum, v) => sum + m.pL[v], 0) * voxelMl);
    return {
      voxels: l.voxels.length,
      functionals: {
        'lesion-mean': { values: mean, variance: sampleVariance(mean) },
        volume: { values: volume, variance: sampleVariance(volume) },
      },
    };
  });
  return { id: ref.id, voxels, lesions };
}

/** A ratio binary / BackSplit of two average variances with its intervals. */
export interface VarianceRatio {
  /** Σ binary / Σ BackSplit over the same voxels or lesions; null when BackSplit's is 0 or there is nothing to average. */
  estimate: number | null;
  /** Percentile bootstrap over test cases (with a voxel or lesion of this kind); null with fewer than 2 such cases. */
  caseBootstrap: [number, number] | null;
  /** estimate ÷ / × the F quantiles on (n_binary − 1, n_BackSplit − 1) degrees of freedom: the interval if each arm's variance were one estimate on n − 1 degrees of freedom. */
  seedLimited: [number, number] | null;
  /** Test cases that enter (those with at least one voxel or lesion of this kind). */
  cases: number;
}

/** One arm's averages. */
export interface ArmSeedVariance {
  seeds: number[];
  runs: string[];
  /** n − 1: the degrees of freedom of every per-voxel and per-lesion variance. */
  degreesOfFreedom: number;
  /** Per region: voxels averaged over, and the mean across-seed variance of p_L and of ψ. */
  voxels: Record<VoxelRegion, { count: number; p: number | null; psi: number | null }>;
  /** Reference lesions, and the across-seed variance of each functional averaged over them. */
  lesions: { count: number } & Record<LesionFunctionalName, number | null>;
}

/** Options of the summaries. */
export interface SeedVarianceSummaryOptions {
  /** Bootstrap replicates over cases (default 2000). */
  replicates?: number;
  /** Seed of the bootstrap (default 0). */
  seed?: number;
  /** Confidence of both intervals (default 0.95). */
  confidence?: number;
}

function armSummary(stats: readonly CaseSeedStats[], runs: readonly SeedRun[]): ArmSeedVariance {
  const voxels = Object.fromEntries(REGIONS.map((r) => {
    const count = stats.reduce((s, c) => s + c.voxels[r].count, 0);
    const sum = (k: 'p' | 'psi') => stats.reduce((s, c) => s + c.voxels[r][k], 0);
    return [r, { count, p: count ? sum('p') / count : null, psi: count ? sum('psi') / count : null }];
  })) as ArmSeedVariance['voxels'];
  const all = stats.flatMap((c) => c.lesions);
  const mean = (f: LesionFunctionalName) => (all.length ? all.reduce((s, l) => s + l.functionals[f].variance, 0) / all.length : null);
  return {
    seeds: runs.map((r) => r.seed),
    runs: runs.map((r) => r.dir),
    degreesOfFreedom: runs.length - 1,
    voxels,
    lesions: { count: all.length, 'lesion-mean': mean('lesion-mean'), volume: mean('volume') },
  };
}

/** Σ_c a_c / Σ_c b_c with a case bootstrap and the seed-limited interval. */
function varianceRatio(a: number[], b: number[], present: boolean[], df: { binary: number; backsplit: number }, opts: SeedVarianceSummaryOptions): VarianceRatio {
  const idx = present.flatMap((p, i) => (p ? [i] : []));
  const sa = idx.reduce((s, i) => s + a[i], 0);
  const sb = idx.reduce((s, i) => s + b[i], 0);
  const estimate = idx.length && sb > 0 ? sa / sb : null;
  const confidence = opts.confidence ?? 0.95;
  let caseBootstrap: [number, number] | null = null;
  if (estimate !== null && idx.length >= 2) {
    caseBootstrap = bootstrapCi(
      idx,
      (xs) => {
        let num = 0;
        let den = 0;
        for (let i = 0; i < xs.length; i++) {
          num += a[xs[i]];
          den += b[xs[i]];
        }
        return den > 0 ? num / den : Infinity;
      },
      { samples: opts.replicates ?? 2000, seed: opts.seed ?? 0, confidence },
    );
  }
  const upper = 1 - (1 - confidence) / 2;
  const seedLimited: [number, number] | null = estimate === null ? null : [estimate / fQuantile(upper, df.binary, df.backsplit), estimate * fQuantile(upper, df.backsplit, df.binary)];
  return { estimate, caseBootstrap, seedLimited, cases: idx.length };
}

/** The ratios binary / BackSplit. */
export interface SeedVarianceRatios {
  voxels: Record<VoxelRegion, { p: VarianceRatio; psi: VarianceRatio }>;
  lesions: Record<LesionFunctionalName, VarianceRatio>;
}

/**
 * Both arms' averages and the ratios binary / BackSplit, from per-case statistics (same cases in the same order in both arms).
 * @param stats per arm, one {@link CaseSeedStats} per test case
 * @param runs per arm, its seeds' runs
 */
export function summariseSeedVariance(stats: Record<LabelMode, readonly CaseSeedStats[]>, runs: Record<LabelMode, readonly SeedRun[]>, opts: SeedVarianceSummaryOptions = {}): { arms: Record<LabelMode, ArmSeedVariance>; ratio: SeedVarianceRatios } {
  const ids = (arm: LabelMode) => stats[arm].map((c) => c.id).join('\u0000');
  if (ids('binary') !== ids('backsplit')) throw new Error('seed variance: the two arms were measured on different test cases');
  const df = { binary: runs.binary.length - 1, backsplit: runs.backsplit.length - 1 };
  const [bin, bs] = [stats.binary, stats.backsplit];
  const voxels = Object.fromEntries(REGIONS.map((r) => {
    const present = bin.map((c) => c.voxels[r].count > 0);
    const ratio = (k: 'p' | 'psi') => varianceRatio(bin.map((c) => c.voxels[r][k]), bs.map((c) => c.voxels[r][k]), present, df, opts);
    return [r, { p: ratio('p'), psi: ratio('psi') }];
  })) as SeedVarianceRatios['voxels'];
  const lesions = Object.fromEntries(FUNCTIONALS.map((f) => {
    const sum = (c: CaseSeedStats) => c.lesions.reduce((s, l) => s + l.functionals[f].variance, 0);
    return [f, varianceRatio(bin.map(sum), bs.map(sum), bin.map((c) => c.lesions.length > 0), df, opts)];
  })) as SeedVarianceRatios['lesions'];
  return { arms: { binary: armSummary(bin, runs.binary), backsplit: armSummary(bs, runs.backsplit) }, ratio: { voxels, lesions } };
}

/**
 * The finished runs of each arm in a study's runs folder (`<arm>-seed<N>/` with checkpoints/final.ckpt), by seed.
 * @throws naming the folder when an arm has fewer than 2 finished runs
 */
export function findSeedRuns(runsDir: string): Record<LabelMode, SeedRun[]> {
  if (!fs.existsSync(runsDir) || !fs.statSync(runsDir).isDirectory()) throw new Error(`seed variance: ${runsDir} is not a folder`);
  const entries = fs.readdirSync(runsDir);
  const out = {} as Record<LabelMode, SeedRun[]>;
  for (const arm of ARMS) {
    const all = entries
      .map((f) => new RegExp(`^${arm}-seed(\\d+)$`).exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ seed: Number(m[1]), dir: path.join(runsDir, m[0]) }))
      .sort((x, y) => x.seed - y.seed);
    const finished = all.filter((r) => isFinishedRun(r.dir));
    if (finished.length < 2) {
      const unfinished = all.filter((r) => !isFinishedRun(r.dir)).map((r) => path.basename(r.dir));
      throw new Error(`seed variance: ${runsDir} holds ${finished.length} finished ${arm} run(s)` +
        (finished.length ? ` (${finished.map((r) => path.basename(r.dir)).join(', ')})` : '') +
        (unfinished.length ? `; not finished: ${unfinished.join(', ')}` : '') +
        `; the across-seed variance needs at least 2 seeds per arm (folders ${arm}-seed<N>/ with checkpoints/final.ckpt)`);
    }
    out[arm] = finished;
  }
  return out;
}

/** What seed variance reads of a study's study.json (lib/study/pipeline writes it). */
interface StudyRecord {
  datasetHash?: string;
  splits?: { test?: string[] };
  trainBySeed?: Record<string, string[]>;
}

/** study.json of the study in `runsDir`; an error naming the file (and `why`, when given) when it cannot be read. */
function readStudyRecord(runsDir: string, why = ''): { file: string; study: StudyRecord } {
  const file = path.join(runsDir, 'study.json');
  try {
    return { file, study: JSON.parse(fs.readFileSync(file, 'utf8')) as StudyRecord };
  } catch (e) {
    throw new Error(`seed variance: cannot read ${file} (${(e as Error).message})${why}`, { cause: e });
  }
}

/**
 * The test cases of the study in `runsDir`: study.json's test split of the dataset named in the runs' configs,
 * checked against study.json's dataset hash.
 * @throws naming the file when study.json is missing or unreadable, the runs name different datasets, or the hash differs
 */
export function studyTestCases(runsDir: string, runs: Record<LabelMode, readonly SeedRun[]>): SegmentationCase[] {
  const { file, study } = readStudyRecord(runsDir, "; the test cases come from the study's split");
  const test = study.splits?.test;
  if (!Array.isArray(test) || test.length === 0) throw new Error(`seed variance: ${file} has no test split (splits.test)`);
  const loaded = ARMS.flatMap((arm) => runs[arm]).map((r) => openRun(r.dir));
  const datasets = loaded.map((r) => JSON.stringify(r.config.dataset));
  const other = datasets.findIndex((d) => d !== datasets[0]);
  if (other >= 0) throw new Error(`seed variance: ${loaded[other].runDir} names another dataset than ${loaded[0].runDir}`);
  const cases = loadDataset(loaded[0].config.dataset).cases;
  if (study.datasetHash && hashCases(cases) !== study.datasetHash) throw new Error(`seed variance: the dataset of the runs does not match ${file}'s datasetHash`);
  const byId = new Map(cases.map((c) => [c.id, c]));
  return test.map((id) => {
    const c = byId.get(id);
    if (!c) throw new Error(`seed variance: test case '${id}' of ${file} is not in the dataset`);
    return c;
  });
}

/** Options of {@link cramerRaoOfRuns}: the lesion-functional settings plus the patches. */
export interface CramerRaoRunOptions extends ModelLesionOptions {
  /** Patches cut from the test cases (default 8, half centred on lesion voxels). */
  patches?: number;
  /** Seed of the patch positions (default 0). */
  patchSeed?: number;
}

/** The Cramér–Rao quantity of each BackSplit run and their mean ratio Z / Y. */
export interface CramerRaoOfRuns {
  kind: LesionFunctionalKind;
  functional: string;
  perSeed: { seed: number; dir: string; Y: number; Z: number; ratio: number; cached: boolean; report: LesionFunctionalReport }[];
  /** Mean over seeds of Z / Y (the predicted Var binary / Var BackSplit). */
  meanRatio: number;
}

function cacheKey(cases: readonly SegmentationCase[], opts: CramerRaoRunOptions): string {
  return JSON.stringify({
    cases: cases.map((c) => c.id), patches: opts.patches ?? 8, patchSeed: opts.patchSeed ?? 0, functional: opts.functional ?? 'lesion-mean', solver: opts.solver ?? 'cg',
    damping: opts.damping ?? null, lambda: opts.lambda ?? null, tolerance: opts.tolerance ?? null, maxIterations: opts.maxIterations ?? null, subspace: opts.subspaceDimension ?? null, seed: opts.seed ?? null,
    ...(opts.bracketTolerance ? { bracket: opts.bracketTolerance } : {}),
  });
}

/**
 * ∇gᵀF⁻¹∇g under F_Y and F_Z of each BackSplit run on patches cut from the test cases
 * (./fisher-lesion.ts), read from the run's fisher-lesion.json when computed before with
 * the same settings, else computed and added to it.
 */
export async function cramerRaoOfRuns(runs: readonly SeedRun[], cases: readonly SegmentationCase[], opts: CramerRaoRunOptions = {}): Promise<CramerRaoOfRuns> {
  const key = cacheKey(cases, opts);
  const perSeed: CramerRaoOfRuns['perSeed'] = [];
  for (const r of runs) {
    const file = path.join(r.dir, 'fisher-lesion.json');
    let cache: { key: string; report: LesionFunctionalReport }[];
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      cache = Array.isArray(parsed) ? parsed : [];
    } catch {
      cache = [];
    }
    let report = cache.find((e) => e.key === key)?.report;
    const cached = report !== undefined;
    if (!report) {
      const run: LoadedRun = loadRun(r.dir);
      try {
        const patches = fisherPatches([...cases], { patchSize: run.config.patchSize, count: opts.patches ?? 8, seed: opts.patchSeed ?? 0 });
        report = await modelLesionFunctional(run, patches, opts);
      } finally {
        run.model.dispose();
      }
      writeFileAtomic(file, JSON.stringify([...cache, { key, report }], null, 2) + '\n');
    }
    perSeed.push({ seed: r.seed, dir: r.dir, Y: report.Y, Z: report.Z, ratio: report.ratio, cached, report });
  }
  return { kind: opts.functional ?? 'lesion-mean', functional: perSeed[0]?.report.functional ?? '', perSeed, meanRatio: perSeed.reduce((s, p) => s + p.ratio, 0) / perSeed.length };
}

/** Options of {@link seedVariance}. */
export interface SeedVarianceOptions extends SeedVarianceSummaryOptions {
  /** Width of the background shell around the reference lesions, mm (default 5). */
  shellMm?: number;
  /** The Cramér–Rao side (default: computed with its defaults); false to leave it out. */
  cramerRao?: CramerRaoRunOptions | false;
  /** One line per case and per Cramér–Rao run. */
  log?: (line: string) => void;
  /**
   * Whether the seeds trained on one training set ('shared', the default) or each on its own draw
   * from a pool ('per-seed', a protocol study: {@link studyTrainingSets}); it decides what the
   * across-seed variance holds, and so the first caveat.
   */
  trainingSets?: TrainingSets;
}

/** How the seeds of a study got their training cases. */
export type TrainingSets = 'shared' | 'per-seed';

/**
 * 'per-seed' when the study in `runsDir` drew each seed's training cases from a pool and at least
 * two seeds got different cases (study.json `trainBySeed`), else 'shared'.
 * @throws naming the file when study.json is missing or unreadable
 */
export function studyTrainingSets(runsDir: string): TrainingSets {
  const { study } = readStudyRecord(runsDir);
  const sets = Object.values(study.trainBySeed ?? {}).map((ids) => [...ids].sort().join('\u0000'));
  return new Set(sets).size > 1 ? 'per-seed' : 'shared';
}

/** What the across-seed variance is, given how the seeds got their training cases (the first caveat). */
export function trainingSetCaveat(trainingSets: TrainingSets): string {
  return trainingSets === 'per-seed' ?
    'Each seed drew its own training cases from the study\'s pool (study.json trainBySeed), with its own initialisation and sample order: the across-seed variance holds the sampling variance over training sets that the Cramér–Rao bound is about, and on top of it optimisation and initialisation noise, which the bound does not count.' :
    'The seeds of one study share the training set: the across-seed variance is optimisation and initialisation noise, not the sampling variance over training sets that the Cramér–Rao bound is about.';
}

/** What `backsplit fisher --seed-variance --json` prints under `seed_variance`. */
export interface SeedVarianceReport {
  cases: string[];
  shellMm: number;
  psiLimit: number;
  /** how the seeds got their training cases ({@link studyTrainingSets}) */
  training_sets: TrainingSets;
  arms: Record<LabelMode, ArmSeedVariance>;
  ratio: SeedVarianceRatios;
  /** Mean Z / Y of the BackSplit runs (the predicted binary / BackSplit variance ratio of the functional), or null when left out. */
  cramer_rao_ratio: number | null;
  cramer_rao: CramerRaoOfRuns | null;
  /** What the numbers can and cannot show, in words. */
  caveats: string[];
}

/**
 * The across-seed variance of the lesion maps of each arm's runs on the given cases, and the Cramér–Rao ratio beside it.
 * @param runs per arm, at least 2 finished runs
 * @param cases the cases to predict (a study's test cases: {@link studyTestCases})
 * @example
 * const runs = findSeedRuns('runs/study');
 * const rep = await seedVariance(runs, studyTestCases('runs/study', runs));
 * console.log(rep.ratio.lesions['lesion-mean'].estimate, rep.cramer_rao_ratio);
 */
export async function seedVariance(runs: Record<LabelMode, readonly SeedRun[]>, cases: readonly SegmentationCase[], opts: SeedVarianceOptions = {}): Promise<SeedVarianceReport> {
  const shellMm = opts.shellMm ?? 5;
  if (!(shellMm >= 0)) throw new Error(`seed variance: shellMm must be >= 0, got ${shellMm}`);
  if (cases.length === 0) throw new Error('seed variance: no test cases');
  for (const arm of ARMS) if (runs[arm].length < 2) throw new Error(`seed variance: the ${arm} arm has ${runs[arm].length} run(s); the across-seed variance needs at least 2`);
  const log = opts.log ?? (() => undefined);
  const stats: Record<LabelMode, CaseSeedStats[]> = { binary: [], backsplit: [] };
  const loaded: Record<LabelMode, LoadedRun[]> = { binary: [], backsplit: [] };
  try {
    for (const arm of ARMS) for (const r of runs[arm]) loaded[arm].push(loadRun(r.dir));
    for (const [i, c] of cases.entries()) {
      const ref: ReferenceCase = { id: c.id, lesion: c.lesion.data, dims: c.lesion.dims, spacing: c.lesion.spacing };
      const regions = caseRegions(ref, shellMm);
      for (const arm of ARMS) {
        const maps: LesionMaps[] = [];
        for (const run of loaded[arm]) {
          const prepared = prepareCase(c, run.layout);
          const probs = await predictProbabilities(run.model, run.layout, prepared.channels, prepared.dims, { patchSize: run.config.patchSize, overlap: run.config.inferenceOverlap });
          maps.push(lesionMapsFromProbabilities(probs, run.layout.numClasses, run.layout.lesionClass));
        }
        stats[arm].push(caseStatsWithRegions(ref, regions, maps));
      }
      log(`seed variance: case ${i + 1}/${cases.length} (${c.id}) predicted by ${loaded.binary.length} binary and ${loaded.backsplit.length} BackSplit runs`);
    }
  } finally {
    for (const arm of ARMS) loaded[arm].forEach((r) => r.model.dispose());
  }
  const { arms, ratio } = summariseSeedVariance(stats, runs, opts);
  let cr: CramerRaoOfRuns | null = null;
  if (opts.cramerRao !== false) {
    cr = await cramerRaoOfRuns(runs.backsplit, cases, opts.cramerRao ?? {});
    for (const p of cr.perSeed) log(`Cramér–Rao: BackSplit seed ${p.seed}: Z / Y = ${p.ratio.toPrecision(4)}${p.cached ? ' (cached)' : ''}`);
  }
  const n = { binary: runs.binary.length, backsplit: runs.backsplit.length };
  const caveats = [
    trainingSetCaveat(opts.trainingSets ?? 'shared'),
    `Every variance rests on n − 1 degrees of freedom (binary ${n.binary - 1}, BackSplit ${n.backsplit - 1}); voxels and lesions of one seed move together, so the case bootstrap understates the uncertainty and the seed-limited interval (F distribution) is the honest one with few seeds.`,
    'The Cramér–Rao ratio compares F_Z and F_Y of each BackSplit network at its own weights; the binary arm is a different (2-logit) network, and both arms trained with Dice + CE, not the likelihood alone.',
    'ψ is taken from the sliding-window probabilities (log p_L − log Σ_B p_k, clamped to ±20); the Cramér–Rao side uses the network logits on patches cut from the same cases.',
  ];
  return { cases: cases.map((c) => c.id), shellMm, psiLimit: PSI_LIMIT, training_sets: opts.trainingSets ?? 'shared', arms, ratio, cramer_rao_ratio: cr ? cr.meanRatio : null, cramer_rao: cr, caveats };
}

/** Options of {@link findOrTrainSeedRuns}. */
export interface SeedRunsOptions {
  /** A study runs folder to use when it holds at least 2 finished runs per arm ('' = none). */
  runsDir: string;
  /** Otherwise: a binary and a BackSplit run (same config but the mode) that further seeds copy. */
  pair: Record<LabelMode, string>;
  /** The further seeds to train. */
  seeds: number[];
  /** Parent folder of the further seeds' runs (<outDir>/seed<N>/binary, …/backsplit), asked for only when training. */
  outDir: () => string;
  log?: (line: string) => void;
}

/**
 * Runs for the across-seed variance, and the cases to predict: a study's runs and its test
 * cases when `runsDir` holds at least 2 finished seeds per arm; otherwise the given pair plus
 * further seeds of the pair's own configs (only the seed differs; finished runs are reused),
 * predicted on the pair's validation cases (its training cases when it has none).
 */
export async function findOrTrainSeedRuns(opts: SeedRunsOptions): Promise<{ runs: Record<LabelMode, SeedRun[]>; cases: SegmentationCase[]; source: string }> {
  const log = opts.log ?? (() => undefined);
  if (opts.runsDir) {
    try {
      const runs = findSeedRuns(opts.runsDir);
      return { runs, cases: studyTestCases(opts.runsDir, runs), source: `the study in ${opts.runsDir}, its test cases` };
    } catch (e) {
      log(`${(e as Error).message}; training further seeds of the pair instead`);
    }
  }
  const base = { binary: openRun(opts.pair.binary), backsplit: openRun(opts.pair.backsplit) };
  const runs: Record<LabelMode, SeedRun[]> = { binary: [{ seed: base.binary.config.seed, dir: opts.pair.binary }], backsplit: [{ seed: base.backsplit.config.seed, dir: opts.pair.backsplit }] };
  let outDir: string | null = null;
  for (const seed of opts.seeds) {
    outDir ??= opts.outDir();
    const { mode: _m, outputDir: _o, ...config } = base.binary.config;
    const progress = notebookWorkProgress({ label: `training seed ${seed} of the pair` });
    const dirs = await trainSmallArms({
      outDir: path.join(outDir, `seed${seed}`), config: { ...config, seed },
      onProgress: (mode, step, total) => progress.update((mode === 'binary' ? 0 : 0.5) + (0.5 * step) / total, `${mode} step ${step}/${total}`),
    });
    progress.done();
    for (const arm of ARMS) runs[arm].push({ seed, dir: dirs[arm] });
    log(`seed ${seed}: binary and BackSplit runs in ${path.join(outDir, `seed${seed}`)}`);
  }
  const data = loadTrainingData(base.backsplit.config);
  const held = data.valCases.length > 0;
  return { runs, cases: held ? data.valCases : data.trainCases, source: `${opts.pair.binary} and ${opts.pair.backsplit} with ${opts.seeds.length} further seed(s), their ${held ? 'validation' : 'training'} cases` };
}

function fmtOrNa(x: number | null): string {
  return x === null ? 'n/a' : formatSignificant(x, 3);
}

function fmtRange(r: [number, number] | null): string {
  return r ? `[${formatSignificant(r[0], 3)}, ${formatSignificant(r[1], 3)}]` : 'n/a';
}

/**
 * Tables and lines of a {@link SeedVarianceReport} for a terminal or a notebook: per-arm averages,
 * the ratios binary / BackSplit with both intervals, the Cramér–Rao ratio beside them, and the caveats.
 */
export function formatSeedVariance(rep: SeedVarianceReport): string {
  const { binary, backsplit } = rep.arms;
  const conf = 'intervals 95%';
  const voxelRows = REGIONS.flatMap((r) => (['p', 'psi'] as const).map((k) => {
    const ratio = rep.ratio.voxels[r][k];
    return [`${k === 'p' ? 'p_L' : 'ψ'} per voxel, ${r === 'all' ? 'all voxels' : r === 'lesion' ? 'reference-lesion voxels' : `background shell ≤ ${rep.shellMm} mm`}`, binary.voxels[r].count,
      fmtOrNa(binary.voxels[r][k]), fmtOrNa(backsplit.voxels[r][k]), fmtOrNa(ratio.estimate), fmtRange(ratio.caseBootstrap), fmtRange(ratio.seedLimited)];
  }));
  const lesionRows = FUNCTIONALS.map((f) => {
    const ratio = rep.ratio.lesions[f];
    return [f === 'lesion-mean' ? 'mean ψ over each reference lesion' : `predicted volume (mL), lesion + ${rep.shellMm} mm shell`, binary.lesions.count,
      fmtOrNa(binary.lesions[f]), fmtOrNa(backsplit.lesions[f]), fmtOrNa(ratio.estimate), fmtRange(ratio.caseBootstrap), fmtRange(ratio.seedLimited)];
  });
  const lines = [
    `${rep.cases.length} case(s) predicted by every run; binary seeds ${binary.seeds.join(', ')}, BackSplit seeds ${backsplit.seeds.join(', ')} (degrees of freedom ${binary.degreesOfFreedom} and ${backsplit.degreesOfFreedom}; ${conf})`,
    '',
    formatTable(['across-seed variance of', 'voxels / lesions', 'binary', 'BackSplit', 'binary / BackSplit', 'case bootstrap', 'seed-limited (F)'], [...voxelRows, ...lesionRows]),
    '',
  ];
  if (rep.cramer_rao) {
    lines.push(`Cramér–Rao ratio Z / Y (predicted Var binary / Var BackSplit of ${rep.cramer_rao.functional}): mean ${formatSignificant(rep.cramer_rao.meanRatio, 4)} over BackSplit seeds ` +
      rep.cramer_rao.perSeed.map((p) => `${p.seed}: ${formatSignificant(p.ratio, 4)}${p.report.bounds ? ` (solver bracket ${fmtRange(p.report.bounds.ratio)})` : ''}${p.cached ? ' (cached)' : ''}`).join(', '));
    const kind = rep.cramer_rao.kind;
    if (kind === 'lesion-mean' || kind === 'volume') {
      const m = rep.ratio.lesions[kind];
      lines.push(`measured across seeds, ${kind === 'lesion-mean' ? 'mean ψ over each reference lesion' : 'predicted volume per lesion'}: ${fmtOrNa(m.estimate)}, seed-limited ${fmtRange(m.seedLimited)}`);
    }
  } else {
    lines.push('Cramér–Rao ratio: not computed');
  }
  lines.push('', 'What this can and cannot show:', ...rep.caveats.map((c) => `- ${c}`));
  return lines.join('\n');
}
