/**
 * The synthetic conditions (lib/data/synthetic-conditions.ts, docs/dataset-conditions.md):
 * determinism and pinned hashes; `current` is byte-identical to the embedded dataset as it was
 * before the conditions existed; the invariants each condition promises, checked on generated
 * cases (mechanism-positive: lesions only in host A, mimics only in host B, lesion and mimic
 * sizes and intensities from the same distribution by a two-sample Kolmogorov–Smirnov bound,
 * hosts A and B of equal intensity at hostSeparability 0; null: no mimics, lesion centres
 * uniform over the body); the pairing between conditions; knob validation and the registry kind.
 */
import { describe, expect, it } from 'vitest';
import { dilate, erode, labelComponents } from '../../lib/core/morphology';
import type { Vec3 } from '../../lib/core/volume';
import { DatasetConfigError } from '../../lib/data/kinds/kind';
import { describeDataset, loadDataset, resolveDatasetConfig } from '../../lib/data/registry';
import { generateSyntheticDataset, hashCases } from '../../lib/data/synthetic';
import {
  COND,
  CONDITION_AUX_NAMES,
  CONDITION_DEFAULTS,
  ConditionCase,
  generateConditionDataset,
  generateConditionTruth,
  resolveCondition,
} from '../../lib/data/synthetic-conditions';

/** Two-sample Kolmogorov–Smirnov statistic sup |F_a − F_b| (ties handled by stepping past equal values). */
function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Asymptotic two-sample KS critical value at level α: sqrt(−ln(α/2)/2) · sqrt((n+m)/(n·m)). */
function ksCritical(n: number, m: number, alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

/** Volume (voxels) and mean image intensity of each 26-connected component of a mask. */
function components(mask: ArrayLike<number>, image: Float32Array, dims: Vec3): Array<{ voxels: number; mean: number }> {
  const cc = labelComponents(mask, dims, 26);
  const sums = new Float64Array(cc.count + 1);
  for (let p = 0; p < image.length; p++) if (cc.labels[p]) sums[cc.labels[p]] += image[p];
  return Array.from({ length: cc.count }, (_, i) => ({ voxels: cc.sizes[i + 1], mean: sums[i + 1] / cc.sizes[i + 1] }));
}

/** Host B's minus host A's mean image intensity, over voxels at least 2 voxels inside the host and 2 from any lesion or mimic. */
function hostDifference(t: ConditionCase): number {
  const { aux, channels, lesion } = t.case;
  const dims = aux!.dims;
  const blobs = dilate(Uint8Array.from(lesion.data, (v, p) => v | t.mimic[p]), dims, 2, 6);
  const mean = (host: number) => {
    const inner = erode(Uint8Array.from(aux!.data, (v) => (v === host ? 1 : 0)), dims, 2, 6);
    let n = 0;
    let s = 0;
    for (let p = 0; p < inner.length; p++) {
      if (inner[p] && !blobs[p]) {
        n++;
        s += channels[0].data[p];
      }
    }
    return s / n;
  };
  return mean(COND.host_b) - mean(COND.host_a);
}

/** Per case with lesions: the fraction of its lesion voxels in `host` minus the fraction of its body voxels in `host`. */
function hostExcess(truth: ConditionCase[], host: number): number[] {
  const out: number[] = [];
  for (const t of truth) {
    const aux = t.case.aux!.data;
    let lesion = 0;
    let lesionInHost = 0;
    let body = 0;
    let hostVoxels = 0;
    for (let p = 0; p < aux.length; p++) {
      if (aux[p] !== COND.outside) body++;
      if (aux[p] === host) hostVoxels++;
      if (!t.case.lesion.data[p]) continue;
      lesion++;
      if (aux[p] === host) lesionInHost++;
    }
    if (lesion > 0) out.push(lesionInHost / lesion - hostVoxels / body);
  }
  return out;
}

const meanOf = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const standardError = (a: number[]) => Math.sqrt(meanOf(a.map((x) => (x - meanOf(a)) ** 2)) / (a.length - 1));

describe('ksStatistic (the test instrument)', () => {
  it('matches hand-computed values', () => {
    expect(ksStatistic([1, 2, 3], [3, 2, 1])).toBe(0);
    expect(ksStatistic([1, 2], [3, 4])).toBe(1);
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
    expect(ksStatistic([1, 1, 2], [1, 2, 2])).toBeCloseTo(1 / 3, 12);
    // sqrt(−ln(0.005)/2) = 1.6276; with n = m = 100: × sqrt(0.02)
    expect(ksCritical(100, 100, 0.01)).toBeCloseTo(1.62762 * Math.sqrt(0.02), 4);
  });
});

describe('current condition', () => {
  it('is byte-identical to the embedded dataset as generated before the conditions existed', () => {
    // Hashes computed with the generator of commit 7ffe25a (before lib/data/synthetic-paint.ts).
    expect(hashCases(generateConditionDataset({ seed: 0, cases: 2 }))).toBe('051dbc7f269a72e2c1310c04b7555033afaf35d62456e9a3827e3c25cbf0f40b');
    const seven = generateConditionDataset({ condition: 'current', seed: 7, cases: 5 });
    expect(hashCases(seven)).toBe('d3ebed00e40e3d395cedc16d648acf61085a03f5398c912e6beb1c28af575581');
    expect(hashCases(generateSyntheticDataset({ seed: 7, cases: 5 }))).toBe(hashCases(seven));
  });
});

describe('determinism', () => {
  it('same seed → identical bytes (pinned); another seed differs', () => {
    const pos = generateConditionDataset({ condition: 'mechanism-positive', seed: 0, cases: 2 });
    const nul = generateConditionDataset({ condition: 'null', seed: 0, cases: 2 });
    expect(hashCases(generateConditionDataset({ condition: 'mechanism-positive', seed: 0, cases: 2 }))).toBe(hashCases(pos));
    // Pinned: if these change, a condition changed — update docs/dataset-conditions.md and say why.
    expect(hashCases(pos)).toBe('4c0e82361be3cc79c52a88bd52399335f4646550df699a95d3673a30c4edefb4');
    expect(hashCases(nul)).toBe('30bdaf740b0591c58684bbd96eff5a7170bcfb40a2975bb84c7178221c723151');
    expect(hashCases(generateConditionDataset({ condition: 'mechanism-positive', seed: 1, cases: 2 }))).not.toBe(hashCases(pos));
    expect(hashCases(pos)).not.toBe(hashCases(nul));
    const truth = generateConditionTruth({ condition: 'mechanism-positive', seed: 0, cases: 2 });
    expect(hashCases(truth.map((t) => t.case))).toBe(hashCases(pos));
    expect(pos[0].auxNames).toEqual([...CONDITION_AUX_NAMES]);
  });

  it('pairs conditions: same anatomy and lesion draws in null and mechanism-positive; lesions fixed and mimics nested across mimic densities', () => {
    const [pos] = generateConditionTruth({ condition: 'mechanism-positive', seed: 3, cases: 1 });
    const [nul] = generateConditionTruth({ condition: 'null', seed: 3, cases: 1 });
    expect(Buffer.from(nul.case.aux!.data).equals(Buffer.from(pos.case.aux!.data))).toBe(true);
    const draws = (t: ConditionCase) => t.case.lesionsPlanned.map((l) => [l.targetMl, l.hyper]);
    expect(draws(nul)).toEqual(draws(pos));
    const [few] = generateConditionTruth({ condition: 'mechanism-positive', seed: 3, cases: 1, mimicDensity: 3 });
    const [many] = generateConditionTruth({ condition: 'mechanism-positive', seed: 3, cases: 1, mimicDensity: 20 });
    expect(Buffer.from(few.case.lesion.data).equals(Buffer.from(many.case.lesion.data))).toBe(true);
    expect(many.mimicsPlanned.length).toBeGreaterThan(few.mimicsPlanned.length);
    expect(many.mimicsPlanned.slice(0, few.mimicsPlanned.length)).toEqual(few.mimicsPlanned);
  });
});

describe('mechanism-positive (50 cases, default knobs)', () => {
  const truth = generateConditionTruth({ condition: 'mechanism-positive', seed: 0, cases: 50 });

  it('every lesion voxel lies in host A, every mimic voxel in host B (mimics are labelled host B)', () => {
    let lesionVoxels = 0;
    let mimicVoxels = 0;
    for (const t of truth) {
      const aux = t.case.aux!.data;
      for (let p = 0; p < aux.length; p++) {
        if (t.case.lesion.data[p]) {
          lesionVoxels++;
          expect(aux[p]).toBe(COND.host_a);
        }
        if (t.mimic[p]) {
          mimicVoxels++;
          expect(aux[p]).toBe(COND.host_b);
        }
      }
      expect(t.case.lesionsPlanned.every((l) => l.host === 'host_a')).toBe(true);
      expect(t.mimicsPlanned.every((l) => l.host === 'host_b')).toBe(true);
    }
    expect(lesionVoxels).toBeGreaterThan(1000);
    expect(mimicVoxels).toBeGreaterThan(1000);
  });

  it('mimics per case average mimicDensity (Poisson: within 4 standard errors)', () => {
    const counts = truth.map((t) => t.mimicsPlanned.length);
    const density = CONDITION_DEFAULTS.knobs.mimicDensity;
    expect(Math.abs(meanOf(counts) - density)).toBeLessThan(4 * Math.sqrt(density / counts.length));
  });

  it('lesions and mimics have the same size and intensity distributions (KS below the α = 0.01 critical value)', () => {
    const lesions = truth.flatMap((t) => components(t.case.lesion.data, t.case.channels[0].data, t.case.lesion.dims));
    const mimics = truth.flatMap((t) => components(t.mimic, t.case.channels[0].data, t.case.lesion.dims));
    expect(lesions.length).toBeGreaterThan(100);
    expect(mimics.length).toBeGreaterThan(100);
    const bound = ksCritical(lesions.length, mimics.length, 0.01);
    const dSize = ksStatistic(lesions.map((c) => c.voxels), mimics.map((c) => c.voxels));
    const dIntensity = ksStatistic(lesions.map((c) => c.mean), mimics.map((c) => c.mean));
    console.log(`KS over ${lesions.length} lesion / ${mimics.length} mimic components: size ${dSize.toFixed(3)}, mean intensity ${dIntensity.toFixed(3)}; bound ${bound.toFixed(3)}`);
    expect(dSize).toBeLessThan(bound);
    expect(dIntensity).toBeLessThan(bound);
  });

  it('hostSeparability 0: hosts A and B have the same intensity; 0.1 moves host B 0.1 above host A (paired cases)', () => {
    const diff0 = truth.slice(0, 20).map(hostDifference);
    const diff1 = generateConditionTruth({ condition: 'mechanism-positive', seed: 0, cases: 12, hostSeparability: 0.1 }).map(hostDifference);
    // the per-case difference at 0 is the smooth bias field's doing, of either sign: centred on 0
    expect(Math.abs(meanOf(diff0))).toBeLessThan(4 * standardError(diff0));
    // same cases (same bias, texture and noise): the change is the separability times gain and bias, ≈ 0.1
    const change = diff1.map((d, i) => d - diff0[i]);
    console.log(`host B − host A: ${meanOf(diff0).toFixed(4)} ± ${standardError(diff0).toFixed(4)} (SE) at 0; change at 0.1: ${meanOf(change).toFixed(4)} ± ${standardError(change).toFixed(4)}`);
    expect(Math.abs(meanOf(change) - 0.1)).toBeLessThan(0.015);
    expect(standardError(change)).toBeLessThan(0.005);
  });
});

describe('null (30 cases)', () => {
  const truth = generateConditionTruth({ condition: 'null', seed: 0, cases: 30 });

  it('has no mimics', () => {
    for (const t of truth) {
      expect(t.mimicsPlanned).toEqual([]);
      expect(t.mimic.some((v) => v !== 0)).toBe(false);
    }
  });

  it('places lesion centres uniformly over the body: per class, counts within 4 binomial sd of the class volume share', () => {
    const K = CONDITION_AUX_NAMES.length;
    const observed = new Float64Array(K + 1);
    const expected = new Float64Array(K + 1);
    const variance = new Float64Array(K + 1);
    for (const t of truth) {
      // eligible centres: body voxels at least 3 voxels from the grid's faces (the placement margin)
      const { data, dims } = t.case.aux!;
      const [nx, ny, nz] = dims;
      const count = new Float64Array(K + 1);
      for (let k = 3; k < nz - 3; k++) for (let j = 3; j < ny - 3; j++) for (let i = 3; i < nx - 3; i++) count[data[i + nx * (j + ny * k)]]++;
      const body = count.reduce((s, v) => s + v, 0) - count[0];
      for (const l of t.case.lesionsPlanned) {
        observed[CONDITION_AUX_NAMES.indexOf(l.host as (typeof CONDITION_AUX_NAMES)[number]) + 1]++;
        for (let c = 1; c <= K; c++) {
          expected[c] += count[c] / body;
          variance[c] += (count[c] / body) * (1 - count[c] / body);
        }
      }
    }
    expect(observed[0]).toBe(0);
    for (let c = 1; c <= K; c++) expect(Math.abs(observed[c] - expected[c]), CONDITION_AUX_NAMES[c - 1]).toBeLessThan(4 * Math.sqrt(variance[c]));
  });

  it('lesion voxels are not concentrated in a host: per case, share of lesion voxels in host A (B) − host A (B) share of the body is 0 within 4 standard errors', () => {
    for (const host of [COND.host_a, COND.host_b]) {
      const excess = hostExcess(truth, host);
      expect(Math.abs(meanOf(excess)), CONDITION_AUX_NAMES[host - 1]).toBeLessThan(4 * standardError(excess));
    }
    // the same statistic on mechanism-positive, where every lesion voxel is in host A, is far outside the bound
    const positive = hostExcess(generateConditionTruth({ condition: 'mechanism-positive', seed: 0, cases: 10 }), COND.host_a);
    expect(meanOf(positive)).toBeGreaterThan(0.7);
    expect(meanOf(positive)).toBeGreaterThan(4 * standardError(positive));
  });
});

describe('knobs and the registry kind', () => {
  it('validates knobs with errors naming the field', () => {
    expect(() => generateConditionDataset({ condition: 'weird' as never, cases: 1 })).toThrow(/'synthetic\.condition' must be one of 'mechanism-positive', 'null', 'current', got "weird"/);
    expect(() => generateConditionDataset({ condition: 'null', mimicDensity: 3, cases: 1 })).toThrow(/'synthetic\.mimicDensity' does not apply to condition 'null' \(it takes hostSeparability, noise\)/);
    expect(() => generateConditionDataset({ condition: 'current', noise: 0.1, cases: 1 })).toThrow(/'synthetic\.noise' does not apply to condition 'current' \(it takes no knobs\)/);
    expect(() => generateConditionDataset({ condition: 'mechanism-positive', hostSeparability: -0.1, cases: 1 })).toThrow(/'synthetic\.hostSeparability' must be a number in \[0, 0\.3\], got -0\.1/);
    expect(() => generateConditionDataset({ condition: 'mechanism-positive', cases: 0 })).toThrow(/cases must be a positive integer/);
    expect(resolveCondition({ condition: 'null' })).toEqual({ condition: 'null', hostSeparability: 0, noise: 0.04, mimicDensity: 0 });
    expect(resolveCondition({})).toBeNull();
  });

  it('resolves, describes and loads a condition through the registry; no condition stays as it was', () => {
    expect(resolveDatasetConfig({ kind: 'synthetic', cases: 2 })).toEqual({ kind: 'synthetic', cases: 2, seed: 0 });
    expect(() => resolveDatasetConfig({ kind: 'synthetic', condition: 'mechanism-positive', mimicDensity: '6' })).toThrow(DatasetConfigError);
    expect(() => resolveDatasetConfig({ kind: 'synthetic', condition: null })).toThrow(/'dataset\.condition' must be one of .*, got null/);
    expect(() => resolveDatasetConfig({ kind: 'synthetic', condition: 'mechanism-positive', mimicDensity: 51 })).toThrow(/'dataset\.mimicDensity' must be a number in \[0, 50\], got 51/);
    const config = resolveDatasetConfig({ kind: 'synthetic', cases: 2, condition: 'mechanism-positive', mimicDensity: 12 });
    expect(config).toEqual({ kind: 'synthetic', cases: 2, seed: 0, condition: 'mechanism-positive', mimicDensity: 12, hostSeparability: 0, noise: 0.04 });
    expect(describeDataset(config)).toBe("embedded synthetic, condition 'mechanism-positive' (mimicDensity 12, hostSeparability 0, noise 0.04) (2 cases, seed 0)");
    const { cases, info } = loadDataset(config);
    expect(hashCases(cases)).toBe(hashCases(generateConditionDataset({ condition: 'mechanism-positive', mimicDensity: 12, cases: 2 })));
    expect(info).toEqual({ kind: 'synthetic', seed: 0, cases: 2, sha256: hashCases(cases), condition: 'mechanism-positive', mimicDensity: 12, hostSeparability: 0, noise: 0.04 });
  });
});
