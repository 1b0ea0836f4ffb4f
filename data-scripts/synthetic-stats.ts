/**
 * Statistics of the embedded synthetic dataset, as reported in docs/dataset.md:
 * lesion counts and sizes (26-connected components, mL), intensity per class,
 * and two non-learned reference segmentations (a global intensity threshold, and
 * the same threshold with the known mimic classes removed) that show how hard
 * the lesion task is and how much the background labels could tell a model.
 *
 * Run: npx ts-node --transpile-only data-scripts/synthetic-stats.ts [--seed 0] [--cases 24] [--json out.json]
 */
import { writeFileSync } from 'fs';
import { generateSyntheticDataset, hashCases, SYNTH, SYNTHETIC_AUX_NAMES } from '../lib/data/synthetic';
import { labelComponents } from '../lib/core/morphology';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const seed = Number(arg('seed', '0'));
const nCases = Number(arg('cases', '24'));
const t0 = Date.now();
const cases = generateSyntheticDataset({ seed, cases: nCases });
const genMs = Date.now() - t0;
const spacing = cases[0].lesion.spacing;
const voxMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;

const volumesMl: number[] = [];
const classStats = new Map<string, { n: number; s: number; ss: number }>();
const add = (k: string, v: number) => {
  const e = classStats.get(k) ?? { n: 0, s: 0, ss: 0 };
  e.n++;
  e.s += v;
  e.ss += v * v;
  classStats.set(k, e);
};
const thresholds = Array.from({ length: 41 }, (_, i) => 0.4 + i * 0.0125);
const tp = new Float64Array(thresholds.length);
const fp = new Float64Array(thresholds.length);
const tpM = new Float64Array(thresholds.length);
const fpM = new Float64Array(thresholds.length);
let lesionVoxels = 0;
let lesionFraction = 0;
for (const c of cases) {
  const comps = labelComponents(c.lesion.data, c.lesion.dims, 26);
  for (let i = 1; i <= comps.count; i++) volumesMl.push(comps.sizes[i] * voxMl);
  const img = c.channels[0].data;
  const aux = c.aux!.data;
  let lv = 0;
  for (let p = 0; p < img.length; p++) {
    const isL = c.lesion.data[p] === 1;
    if (isL) lv++;
    add(isL ? 'lesion' : aux[p] === 0 ? 'outside' : SYNTHETIC_AUX_NAMES[aux[p] - 1], img[p]);
    const mimic = aux[p] === SYNTH.vessel || aux[p] === SYNTH.cyst || aux[p] === SYNTH.bone;
    for (let t = 0; t < thresholds.length; t++) {
      if (img[p] > thresholds[t]) {
        if (isL) tp[t]++;
        else fp[t]++;
        if (!mimic || isL) {
          if (isL) tpM[t]++;
          else fpM[t]++;
        }
      }
    }
  }
  lesionVoxels += lv;
  lesionFraction += lv / img.length;
}
const dice = (t: number, T: Float64Array, F: Float64Array) => (2 * T[t]) / (2 * T[t] + F[t] + (lesionVoxels - T[t]));
let best = 0;
let bestM = 0;
for (let t = 0; t < thresholds.length; t++) {
  if (dice(t, tp, fp) > dice(best, tp, fp)) best = t;
  if (dice(t, tpM, fpM) > dice(bestM, tpM, fpM)) bestM = t;
}
const bins = [0, 0.1, 1, 10, Infinity];
const binCounts = bins.slice(0, -1).map((lo, i) => volumesMl.filter((v) => v >= lo && v < bins[i + 1]).length);
const sorted = [...volumesMl].sort((a, b) => a - b);
const stats = {
  seed,
  cases: nCases,
  generationMs: genMs,
  sha256: hashCases(cases),
  dims: cases[0].lesion.dims,
  spacingMm: spacing,
  lesions: volumesMl.length,
  lesionsPerCase: +(volumesMl.length / nCases).toFixed(2),
  lesionMl: { median: +sorted[Math.floor(sorted.length / 2)].toFixed(3), min: +sorted[0].toFixed(4), max: +sorted[sorted.length - 1].toFixed(2) },
  lesionBinsMl: { '<0.1': binCounts[0], '0.1-1': binCounts[1], '1-10': binCounts[2], '>10': binCounts[3] },
  fractionUnder1Ml: +(volumesMl.filter((v) => v < 1).length / volumesMl.length).toFixed(3),
  meanLesionVoxelFraction: +(lesionFraction / nCases).toFixed(5),
  intensity: Object.fromEntries(
    [...classStats.entries()].map(([k, e]) => {
      const m = e.s / e.n;
      return [k, { mean: +m.toFixed(3), sd: +Math.sqrt(e.ss / e.n - m * m).toFixed(3), voxels: e.n }];
    }),
  ),
  thresholdBaseline: { threshold: thresholds[best], pooledDice: +dice(best, tp, fp).toFixed(3) },
  thresholdWithoutMimics: { threshold: thresholds[bestM], pooledDice: +dice(bestM, tpM, fpM).toFixed(3) },
};
console.log(JSON.stringify(stats, null, 1));
const out = arg('json', '');
if (out) writeFileSync(out, JSON.stringify(stats, null, 2) + '\n');
