/**
 * evaluateCases → tidy rows → paired comparison on two synthetic prediction
 * sets (a "better" and a "worse" model over the same cases and seeds), plus
 * the bootstrap, the Wilcoxon wrapper and the CSV/JSON writers.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Vec3 } from '../../lib/core/volume';
import { makeVolume } from '../../lib/core/volume';
import {
  EvalCaseInput,
  LESION_METRICS,
  TidyRow,
  bootstrapCi,
  compareModels,
  comparisonsToCsv,
  evaluateCases,
  lesionRows,
  pairedComparison,
  pooledBins,
  tidyRows,
  tidyRowsToCsv,
  toCsv,
  wilcoxonSignedRank,
  writeTidyCsv,
  writeTidyJson,
} from '../../lib/eval';
import { Random } from '../../lib/core/random';

/** Uniform [0, 1) draws from the project's seeded generator. */
function uniformSource(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.uniform();
}

const dims: Vec3 = [24, 24, 16];
const spacing: Vec3 = [1, 1, 2];

function sphere(mask: Uint8Array, c: Vec3, r: number, value = 1): void {
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
    if ((i - c[0]) ** 2 + (j - c[1]) ** 2 + ((k - c[2]) * 2) ** 2 <= r * r) mask[i + dims[0] * (j + dims[1] * k)] = value;
  }
}

/** Reference with 3 lesions; 'backsplit' finds all (slightly shrunk), 'binary' misses the smallest and adds an FP. */
function* syntheticCases(nCases: number, seeds: number[]): Generator<EvalCaseInput> {
  for (let c = 0; c < nCases; c++) {
    const rand = uniformSource(1000 + c);
    const centres: Vec3[] = [[5, 6, 4], [16, 16, 8], [7, 18, 12]];
    const radii = [2 + rand() * 2, 3 + rand() * 3, 1 + rand()];
    const ref = new Uint8Array(dims[0] * dims[1] * dims[2]);
    centres.forEach((ctr, l) => sphere(ref, ctr, radii[l]));
    const aux = new Uint8Array(ref.length);
    sphere(aux, [12, 12, 8], 8, 1);
    for (const seed of seeds) {
      const r2 = uniformSource(seed * 7919 + c);
      const good = new Uint8Array(ref.length);
      centres.forEach((ctr, l) => sphere(good, ctr, radii[l] - 0.3 * r2()));
      const bad = new Uint8Array(ref.length);
      centres.slice(0, 2).forEach((ctr, l) => sphere(bad, [ctr[0] + 1, ctr[1], ctr[2]], radii[l] - 0.8 - 0.5 * r2()));
      sphere(bad, [20, 4, 2], 1.5);
      const predAux = new Uint8Array(ref.length);
      sphere(predAux, [12, 12, 8], 7 + r2(), 1);
      const vol = (d: Uint8Array) => makeVolume(d, dims, spacing);
      yield { caseId: `case-${String(c).padStart(2, '0')}`, model: 'backsplit', seed, pred: vol(good), ref: vol(ref), predAux: vol(predAux), refAux: vol(aux), auxClasses: [{ id: 1, name: 'brain, white matter' }] };
      yield { caseId: `case-${String(c).padStart(2, '0')}`, model: 'binary', seed, pred: vol(bad), ref: vol(ref) };
    }
  }
}

describe('paired comparison on synthetic prediction sets', () => {
  it('finds the better model with a CI excluding 0 and a small p-value', async () => {
    let seen = 0;
    const results = await evaluateCases(syntheticCases(10, [1, 2]), { toleranceMm: 1 }, () => seen++);
    expect(results).toHaveLength(40);
    expect(seen).toBe(40);
    const rows = tidyRows(results);
    // 13 lesion metrics per result, plus 2 auxiliary rows for each backsplit result.
    expect(rows).toHaveLength(40 * LESION_METRICS.length + 20 * 2);
    expect(rows.filter((r) => r.scope === 'auxiliary').every((r) => r.model === 'backsplit')).toBe(true);

    const [dice, f1, fp] = compareModels(rows, ['dice', 'lesion_f1', 'lesion_fp'], { modelA: 'backsplit', modelB: 'binary', bootstrapSamples: 2000, seed: 4 });
    expect(dice.n).toBe(10);
    expect(dice.meanDifference!).toBeGreaterThan(0.1);
    expect(dice.meanDifferenceCi![0]).toBeGreaterThan(0);
    expect(dice.meanDifferenceCi![0]).toBeLessThanOrEqual(dice.meanDifference!);
    expect(dice.meanDifferenceCi![1]).toBeGreaterThanOrEqual(dice.meanDifference!);
    expect(dice.medianDifferenceCi![0]).toBeLessThanOrEqual(dice.medianDifference!);
    expect(dice.wilcoxon!.pValue).toBeLessThan(0.01);
    // every case improves: the exact two-sided p-value for 10 positive differences is 2/2^10
    expect(dice.wilcoxon!.pValue).toBeCloseTo(2 / 1024, 12);
    // backsplit finds all 3 lesions without FP (F1 = 1); binary: TP 2, FP 1, FN 1 → F1 = 4/6
    expect(f1.meanA).toBeCloseTo(1, 12);
    expect(f1.meanB).toBeCloseTo(2 / 3, 12);
    expect(fp.meanDifference).toBe(-1);
    expect(fp.wilcoxon!.pValue).toBeLessThan(0.01);

    // auxiliary Dice stays in its own scope
    const aux = pairedComparison(rows, { metric: 'mean_dice', scope: 'auxiliary', modelA: 'backsplit', modelB: 'binary' });
    expect(aux.n).toBe(0);
    expect(aux.droppedPairs).toBe(10);
    expect(aux.wilcoxon).toBeNull();

    // pooled size bins per model: 10 cases × 2 seeds × 3 lesions
    const binsA = pooledBins(results, 'backsplit');
    expect(binsA.reduce((a, b) => a + b.n, 0)).toBe(60);
    expect(lesionRows(results).filter((l) => l.model === 'binary' && !l.detected)).toHaveLength(20);

    const csv = comparisonsToCsv([dice, f1]);
    expect(csv.split('\n')[0]).toContain('mean_difference_ci_low');
    expect(csv.trim().split('\n')).toHaveLength(3);
  });
});

describe('pairedComparison details', () => {
  const row = (c: string, model: string, seed: number | null, value: number | null): TidyRow => ({ case: c, model, seed, scope: 'lesion', metric: 'dice', value });

  it('averages seeds per case by default, or pairs case × seed', () => {
    const rows = [
      row('a', 'A', 1, 0.8), row('a', 'A', 2, 0.6), row('a', 'B', 1, 0.5), row('a', 'B', 2, 0.5),
      row('b', 'A', 1, 0.4), row('b', 'A', 2, 0.4), row('b', 'B', 1, 0.6), row('b', 'B', 2, 0.2),
    ];
    const byCase = pairedComparison(rows, { metric: 'dice', modelA: 'A', modelB: 'B', bootstrapSamples: 100 });
    expect(byCase.pairs.map((p) => [p.key, +p.difference.toFixed(12)])).toEqual([['a', 0.2], ['b', 0]]);
    expect(byCase.meanDifference).toBeCloseTo(0.1, 12);
    const bySeed = pairedComparison(rows, { metric: 'dice', modelA: 'A', modelB: 'B', pairBy: 'case-seed', bootstrapSamples: 100 });
    expect(bySeed.n).toBe(4);
    expect(bySeed.pairs.map((p) => +p.difference.toFixed(12))).toEqual([0.3, 0.1, -0.2, 0.2]);
    expect(bySeed.medianDifference).toBeCloseTo(0.15, 12);
  });

  it('drops pairs without a value and rejects duplicates', () => {
    const rows = [row('a', 'A', null, null), row('a', 'B', null, 0.3), row('b', 'A', null, 0.9), row('b', 'B', null, 0.3), row('c', 'A', null, 0.5), row('c', 'B', null, 0.3)];
    const c = pairedComparison(rows, { metric: 'dice', modelA: 'A', modelB: 'B', bootstrapSamples: 50 });
    expect(c.n).toBe(2);
    expect(c.droppedPairs).toBe(1);
    expect(() => pairedComparison([...rows, row('b', 'A', null, 0.1)], { metric: 'dice', modelA: 'A', modelB: 'B' })).toThrow(/duplicate dice rows for case b, model A/);
    expect(() => pairedComparison(rows, { metric: 'dice', modelA: 'A', modelB: 'A' })).toThrow(/both 'A'/);
  });

  it('caps the two-sided exact p-value at 1 when the statistic sits at the centre (scipy: p = 1.0)', () => {
    // scipy.stats.wilcoxon on these 8 differences: statistic 18, pvalue 1.0 (exact).
    const r = wilcoxonSignedRank([-3.5665, 15.2199, -0.5377, -13.2626, 4.1253, 3.5887, -18.085, 2.8963]).result!;
    expect(r.statistic).toBe(18);
    expect(r.pValue).toBe(1);
  });

  it('reports why Wilcoxon cannot run', () => {
    expect(wilcoxonSignedRank([0.1])).toEqual({ result: null, note: 'needs at least 2 pairs, got 1' });
    expect(wilcoxonSignedRank([0, 0, 0]).note).toBe('all differences are zero');
  });
});

describe('bootstrapCi', () => {
  const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('is reproducible for a seed and changes with the seed', () => {
    const x = Array.from({ length: 30 }, (_, i) => Math.sin(i) + i / 30);
    const a = bootstrapCi(x, mean, { samples: 2000, seed: 1 });
    expect(bootstrapCi(x, mean, { samples: 2000, seed: 1 })).toEqual(a);
    expect(bootstrapCi(x, mean, { samples: 2000, seed: 2 })).not.toEqual(a);
  });

  it('has about the normal-theory width for the mean of a normal sample', () => {
    // Box–Muller from the seeded uniform: n = 400, σ = 2 → 95% CI half-width ≈ 1.96·2/√400 = 0.196
    const u = uniformSource(42);
    const x: number[] = [];
    for (let i = 0; i < 400; i++) x.push(2 * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
    const [lo, hi] = bootstrapCi(x, mean, { samples: 4000, seed: 3 });
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean(Float64Array.from(x))) ** 2, 0) / (x.length - 1));
    expect((hi - lo) / 2).toBeGreaterThan(0.9 * 1.96 * sd / 20);
    expect((hi - lo) / 2).toBeLessThan(1.1 * 1.96 * sd / 20);
    expect(lo).toBeLessThan(mean(Float64Array.from(x)));
    expect(hi).toBeGreaterThan(mean(Float64Array.from(x)));
  });

  it('validates its arguments', () => {
    expect(() => bootstrapCi([1], mean)).toThrow(/at least 2/);
    expect(() => bootstrapCi([1, 2], mean, { confidence: 1 })).toThrow(/confidence/);
  });
});

describe('tidy CSV/JSON', () => {
  it('quotes fields, leaves nulls empty and writes files', () => {
    const rows: TidyRow[] = [
      { case: 'a,1', model: 'binary', seed: null, scope: 'lesion', metric: 'hd95_mm', value: null },
      { case: 'b"2', model: 'backsplit', seed: 3, scope: 'auxiliary', metric: 'dice:liver', value: 0.5 },
    ];
    const csv = tidyRowsToCsv(rows);
    expect(csv).toBe('case,model,seed,scope,metric,value\n"a,1",binary,,lesion,hd95_mm,\n"b""2",backsplit,3,auxiliary,dice:liver,0.5\n');
    expect(toCsv([{ x: Infinity }])).toBe('x\n\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-tidy-'));
    try {
      writeTidyCsv(path.join(dir, 'sub', 'rows.csv'), rows);
      writeTidyJson(path.join(dir, 'sub', 'rows.json'), rows);
      expect(fs.readFileSync(path.join(dir, 'sub', 'rows.csv'), 'utf8')).toBe(csv);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'sub', 'rows.json'), 'utf8'))).toEqual(rows);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
