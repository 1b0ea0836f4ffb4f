/**
 * Statistics of the embedded synthetic dataset, as reported in docs/dataset.md and (with
 * --condition) docs/dataset-conditions.md: generation speed, lesion (and mimic) counts and
 * sizes (26-connected components, mL), intensity per class, and two non-learned reference
 * segmentations that show how hard the lesion task is and how much the background labels could
 * tell a model: a global intensity threshold, and the same threshold with the voxels of the
 * classes that never hold a lesion removed (current: vessel, cyst, bone; mechanism-positive:
 * host_b; null: none — an oracle use of the labels, not a prediction of what training achieves).
 *
 * Run: npx ts-node --transpile-only data-scripts/synthetic-stats.ts [--seed 0] [--cases 24]
 *        [--condition current|mechanism-positive|null] [--mimic-density 6] [--host-separability 0]
 *        [--noise 0.04] [--json out.json]
 */
import { writeFileSync } from 'fs';
import { hashCases, SYNTH, SyntheticCase } from '../lib/data/synthetic';
import { COND, ConditionOptions, generateConditionDataset, generateConditionTruth, SyntheticCondition } from '../lib/data/synthetic-conditions';
import { labelComponents } from '../lib/core/morphology';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

/** Knob flags given on the command line (absent ones stay absent, so the condition's defaults apply). */
function knobArgs(): ConditionOptions {
  const out: ConditionOptions = {};
  const flags = [['mimic-density', 'mimicDensity'], ['host-separability', 'hostSeparability'], ['noise', 'noise']] as const;
  for (const [flag, knob] of flags) if (process.argv.includes(`--${flag}`)) out[knob] = Number(arg(flag, ''));
  return out;
}

const seed = Number(arg('seed', '0'));
const nCases = Number(arg('cases', '24'));
const condition = arg('condition', 'current') as SyntheticCondition;
const knobs = knobArgs();

/** The cases (timed) and, for the new conditions, each case's mimic mask. */
function generate(): { cases: SyntheticCase[]; mimics: Uint8Array[] | null; ms: number } {
  const t0 = process.hrtime.bigint();
  const c = condition;
  if (c === 'current') {
    const cases = generateConditionDataset({ seed, cases: nCases, condition: c, ...knobs });
    return { cases, mimics: null, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
  const truth = generateConditionTruth({ seed, cases: nCases, ...knobs, condition: c });
  return { cases: truth.map((t) => t.case), mimics: truth.map((t) => t.mimic), ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

const { cases, mimics, ms: genMs } = generate();
const spacing = cases[0].lesion.spacing;
const voxMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
/** Aux values whose non-lesion voxels the oracle removes. */
const oracleClasses: number[] = condition === 'current' ? [SYNTH.vessel, SYNTH.cyst, SYNTH.bone] : condition === 'mechanism-positive' ? [COND.host_b] : [];
const thresholds = Array.from({ length: 41 }, (_, i) => 0.4 + i * 0.0125);

/** Component volumes in mL of a mask. */
function componentVolumesMl(mask: ArrayLike<number>, dims: [number, number, number]): number[] {
  const comps = labelComponents(mask, dims, 26);
  return Array.from({ length: comps.count }, (_, i) => comps.sizes[i + 1] * voxMl);
}

interface Tally {
  classStats: Map<string, { n: number; s: number; ss: number }>;
  tp: Float64Array;
  fp: Float64Array;
  tpM: Float64Array;
  fpM: Float64Array;
  lesionVoxels: number;
  lesionFraction: number;
}

/** Per-class intensity sums and the threshold counts, with and without the oracle classes. */
function tally(): Tally {
  const t: Tally = { classStats: new Map(), tp: new Float64Array(41), fp: new Float64Array(41), tpM: new Float64Array(41), fpM: new Float64Array(41), lesionVoxels: 0, lesionFraction: 0 };
  const add = (k: string, v: number) => {
    const e = t.classStats.get(k) ?? { n: 0, s: 0, ss: 0 };
    e.n++;
    e.s += v;
    e.ss += v * v;
    t.classStats.set(k, e);
  };
  cases.forEach((c, ci) => {
    const img = c.channels[0].data;
    const aux = c.aux!.data;
    const names = c.auxNames!;
    let lv = 0;
    for (let p = 0; p < img.length; p++) {
      const isL = c.lesion.data[p] === 1;
      if (isL) lv++;
      add(isL ? 'lesion' : mimics && mimics[ci][p] ? 'mimic' : aux[p] === 0 ? 'outside' : names[aux[p] - 1], img[p]);
      const removed = !isL && oracleClasses.includes(aux[p]);
      for (let k = 0; k < thresholds.length; k++) {
        if (img[p] <= thresholds[k]) continue;
        if (isL) t.tp[k]++;
        else t.fp[k]++;
        if (removed) continue;
        if (isL) t.tpM[k]++;
        else t.fpM[k]++;
      }
    }
    t.lesionVoxels += lv;
    t.lesionFraction += lv / img.length;
  });
  return t;
}

/** Count, bins, median/min/max of component volumes. */
function sizeSummary(volumesMl: number[]) {
  const bins = [0, 0.1, 1, 10, Infinity];
  const binCounts = bins.slice(0, -1).map((lo, i) => volumesMl.filter((v) => v >= lo && v < bins[i + 1]).length);
  const sorted = [...volumesMl].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0 };
  return {
    count: volumesMl.length,
    perCase: +(volumesMl.length / nCases).toFixed(2),
    ml: { median: +sorted[Math.floor(sorted.length / 2)].toFixed(3), min: +sorted[0].toFixed(4), max: +sorted[sorted.length - 1].toFixed(2) },
    binsMl: { '<0.1': binCounts[0], '0.1-1': binCounts[1], '1-10': binCounts[2], '>10': binCounts[3] },
    fractionUnder1Ml: +(volumesMl.filter((v) => v < 1).length / volumesMl.length).toFixed(3),
  };
}

function main(): void {
  const t = tally();
  const volumesMl = cases.flatMap((c) => componentVolumesMl(c.lesion.data, c.lesion.dims));
  const dice = (k: number, T: Float64Array, F: Float64Array) => (2 * T[k]) / (2 * T[k] + F[k] + (t.lesionVoxels - T[k]));
  let best = 0;
  let bestM = 0;
  for (let k = 0; k < thresholds.length; k++) {
    if (dice(k, t.tp, t.fp) > dice(best, t.tp, t.fp)) best = k;
    if (dice(k, t.tpM, t.fpM) > dice(bestM, t.tpM, t.fpM)) bestM = k;
  }
  const lesionSizes = sizeSummary(volumesMl);
  const stats = {
    condition,
    ...knobs,
    seed,
    cases: nCases,
    generationMs: Math.round(genMs),
    casesPerSecond: +((nCases * 1000) / genMs).toFixed(1),
    sha256: hashCases(cases),
    dims: cases[0].lesion.dims,
    spacingMm: spacing,
    lesions: volumesMl.length,
    lesionsPerCase: lesionSizes.perCase,
    lesionMl: lesionSizes.ml,
    lesionBinsMl: lesionSizes.binsMl,
    fractionUnder1Ml: lesionSizes.fractionUnder1Ml,
    ...(mimics ? { mimics: sizeSummary(cases.flatMap((c, i) => componentVolumesMl(mimics[i], c.lesion.dims))) } : {}),
    meanLesionVoxelFraction: +(t.lesionFraction / nCases).toFixed(5),
    intensity: Object.fromEntries(
      [...t.classStats.entries()].map(([k, e]) => {
        const m = e.s / e.n;
        return [k, { mean: +m.toFixed(3), sd: +Math.sqrt(e.ss / e.n - m * m).toFixed(3), voxels: e.n }];
      }),
    ),
    thresholdBaseline: { threshold: thresholds[best], pooledDice: +dice(best, t.tp, t.fp).toFixed(3) },
    thresholdWithoutMimics: { removed: oracleClasses, threshold: thresholds[bestM], pooledDice: +dice(bestM, t.tpM, t.fpM).toFixed(3) },
  };
  console.log(JSON.stringify(stats, null, 1));
  const out = arg('json', '');
  if (out) writeFileSync(out, JSON.stringify(stats, null, 2) + '\n');
}

main();
