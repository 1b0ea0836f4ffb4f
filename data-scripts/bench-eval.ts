/**
 * Timing of lib/eval on a brain-sized case: 182×218×182 voxels at 1 mm (the
 * MNI152 1 mm grid), ~50 seeded ellipsoidal lesions from 0.01 to ~30 mL, and a
 * perturbed prediction (missed lesions, grown/shrunk/shifted lesions, false
 * positives). Runs on one core (Node's main thread).
 *
 *   npx ts-node --transpile-only data-scripts/bench-eval.ts [--repeats 5] [--seed 1]
 */
import type { Vec3 } from '../lib/core/volume';
import { evaluateSegmentation, lesionWiseMetrics, overlapMetrics, surfaceMetrics, toBinaryMask, toEvalJson } from '../lib/eval';
import { labelComponents } from '../lib/core/morphology';
import { Random } from '../lib/core/random';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const dims: Vec3 = [182, 218, 182];
const spacing: Vec3 = [1, 1, 1];
const [nx, ny, nz] = dims;
const rng = new Random(arg('seed', 1));
const rand = (): number => rng.uniform();

function ellipsoid(mask: Uint8Array, c: Vec3, r: Vec3): void {
  for (let k = Math.max(0, Math.floor(c[2] - r[2])); k <= Math.min(nz - 1, Math.ceil(c[2] + r[2])); k++) {
    for (let j = Math.max(0, Math.floor(c[1] - r[1])); j <= Math.min(ny - 1, Math.ceil(c[1] + r[1])); j++) {
      for (let i = Math.max(0, Math.floor(c[0] - r[0])); i <= Math.min(nx - 1, Math.ceil(c[0] + r[0])); i++) {
        const q = ((i - c[0]) / r[0]) ** 2 + ((j - c[1]) / r[1]) ** 2 + ((k - c[2]) / r[2]) ** 2;
        if (q <= 1) mask[i + nx * (j + ny * k)] = 1;
      }
    }
  }
}

const ref = new Uint8Array(nx * ny * nz);
const pred = new Uint8Array(nx * ny * nz);
const nLesions = 56;
for (let l = 0; l < nLesions; l++) {
  // log-uniform radius 1..14 voxels → volumes ~0.004 to ~12 mL
  const radius = Math.exp(Math.log(1) + rand() * Math.log(14));
  const c: Vec3 = [30 + rand() * (nx - 60), 30 + rand() * (ny - 60), 30 + rand() * (nz - 60)];
  const r: Vec3 = [radius * (0.7 + 0.6 * rand()), radius * (0.7 + 0.6 * rand()), radius * (0.7 + 0.6 * rand())];
  ellipsoid(ref, c, r);
  const u = rand();
  if (u < 0.12) continue; // missed
  const scale = 0.8 + 0.4 * rand();
  const shift: Vec3 = [Math.round(2 * rand() - 1), Math.round(2 * rand() - 1), Math.round(2 * rand() - 1)];
  ellipsoid(pred, [c[0] + shift[0], c[1] + shift[1], c[2] + shift[2]], [r[0] * scale, r[1] * scale, r[2] * scale]);
}
for (let f = 0; f < 10; f++) {
  const c: Vec3 = [20 + rand() * (nx - 40), 20 + rand() * (ny - 40), 20 + rand() * (nz - 40)];
  const radius = 1 + 3 * rand();
  ellipsoid(pred, c, [radius, radius, radius]);
}

const repeats = arg('repeats', 5);
const predVolume = { data: pred, dims, spacing };
const refVolume = { data: ref, dims, spacing };

/** Wall-clock ms and process CPU ms (user + system; less sensitive to other load on the machine). */
function time<T>(fn: () => T): { ms: number; cpuMs: number; value: T } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, value };
}

// Warm-up (JIT), then best and median of `repeats` full evaluations.
evaluateSegmentation(predVolume, refVolume);
const totals: number[] = [];
const cpuTotals: number[] = [];
let json = toEvalJson(evaluateSegmentation(predVolume, refVolume));
for (let r = 0; r < repeats; r++) {
  const t = time(() => evaluateSegmentation(predVolume, refVolume));
  totals.push(t.ms);
  cpuTotals.push(t.cpuMs);
  json = toEvalJson(t.value);
}
totals.sort((a, b) => a - b);
cpuTotals.sort((a, b) => a - b);

const grid = { dims, spacing };
const parts = {
  binarise: time(() => toBinaryMask(pred)).cpuMs,
  overlap: time(() => overlapMetrics(pred, ref)).cpuMs,
  surface: time(() => surfaceMetrics(pred, ref, grid)).cpuMs,
  components26: time(() => labelComponents(ref, dims, 26)).cpuMs,
  lesionWise: time(() => lesionWiseMetrics(pred, ref, grid)).cpuMs,
  lesionWiseDilation3: time(() => lesionWiseMetrics(pred, ref, grid, { dilationVoxels: 3 })).cpuMs,
};

console.log(`grid ${dims.join('x')} @ ${spacing.join('x')} mm, ${json.lesions.per_lesion.length} reference lesions, ` +
  `TP ${json.lesions.tp} FP ${json.lesions.fp} FN ${json.lesions.fn}, dice ${json.dice.toFixed(4)}, HD95 ${json.hd95_mm?.toFixed(3)} mm, NSD ${json.nsd.toFixed(4)}`);
const mid = Math.floor(repeats / 2);
console.log(`all metrics (evaluateSegmentation), ${repeats} runs: wall best ${totals[0].toFixed(0)} ms, median ${totals[mid].toFixed(0)} ms; ` +
  `CPU best ${cpuTotals[0].toFixed(0)} ms, median ${cpuTotals[mid].toFixed(0)} ms`);
console.log('parts (CPU ms, one run each): ' + Object.entries(parts).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
console.log(`node ${process.version}, ${process.arch}, one thread`);
