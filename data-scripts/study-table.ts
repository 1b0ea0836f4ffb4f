/**
 * A study report's results.json as one table per arm, with cases that have a lesion kept apart
 * from cases that have none. On data with lesion-free cases (EMIDEC's normal patients) a model
 * that predicts nothing scores Dice 1 on every lesion-free case, so a mean over all cases rewards
 * silence; this table gives overlap metrics over cases WITH a reference lesion only, and false
 * positives over all cases and over the lesion-free ones.
 *
 *   npx ts-node --transpile-only data-scripts/study-table.ts report-emidec/results.json
 *
 * Per arm: seeds, cases with / without a lesion, then per-seed means (mean over seeds, and the
 * range over seeds when there are several): Dice, NSD, HD95 (cases where defined), lesion F1 on
 * lesion cases; FP lesions per case over all cases; share of lesion-free cases with any FP lesion;
 * detection rate of reference lesions in each volume bin (pooled over lesion cases).
 */
import * as fs from 'fs';

interface Row {
  case: string;
  model: string;
  seed: number | null;
  scope: string;
  metric: string;
  value: number | null;
}

type Values = Map<string, Map<string, number | null>>; // case → metric → value

function byArmSeed(rows: Row[]): Map<string, Map<number, Values>> {
  const out = new Map<string, Map<number, Values>>();
  for (const r of rows) {
    if (r.scope !== 'lesion') continue;
    const seeds = out.get(r.model) ?? new Map<number, Values>();
    out.set(r.model, seeds);
    const cases = seeds.get(r.seed ?? 0) ?? new Map();
    seeds.set(r.seed ?? 0, cases);
    const m = cases.get(r.case) ?? new Map();
    cases.set(r.case, m);
    m.set(r.metric, r.value);
  }
  return out;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const defined = (xs: (number | null | undefined)[]): number[] => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

/** Per-seed statistics of one arm. */
function seedStats(cases: Values): Record<string, number | null> {
  const all = [...cases.values()];
  const withLesion = all.filter((m) => (m.get('lesion_tp') ?? 0) + (m.get('lesion_fn') ?? 0) > 0);
  const without = all.filter((m) => !withLesion.includes(m));
  const on = (set: typeof all, metric: string) => mean(defined(set.map((m) => m.get(metric))));
  return {
    dice: on(withLesion, 'dice'),
    nsd: on(withLesion, 'nsd'),
    hd95: on(withLesion, 'hd95_mm'),
    f1: on(withLesion, 'lesion_f1'),
    fpAll: on(all, 'lesion_fp'),
    fpFree: on(without, 'lesion_fp'),
    freeWithFp: without.length ? without.filter((m) => (m.get('lesion_fp') ?? 0) > 0).length / without.length : null,
    nWith: withLesion.length,
    nWithout: without.length,
    hd95Cases: defined(withLesion.map((m) => m.get('hd95_mm'))).length,
  };
}

function fmt(values: (number | null)[], digits: number): string {
  const v = defined(values);
  if (!v.length) return 'n/a';
  const m = mean(v)!.toFixed(digits);
  return v.length > 1 ? `${m} [${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}]` : m;
}

interface BinRow { model: string; label: string; n: number; detected: number }

/** Detection by reference-lesion volume bin, as the report pools it (all seeds, all test cases). */
function binLines(results: { lesionSizeBins?: BinRow[] }, arm: string): string[] {
  return (results.lesionSizeBins ?? []).filter((b) => b.model === arm && b.n > 0).map((b) => `    lesions ${b.label}: ${b.detected}/${b.n} detected (pooled over seeds)`);
}

function main(file: string): void {
  const results = JSON.parse(fs.readFileSync(file, 'utf8')) as { rows: Row[]; lesionSizeBins?: BinRow[] };
  const arms = byArmSeed(results.rows);
  for (const [arm, seeds] of arms) {
    const stats = [...seeds.values()].map(seedStats);
    const s0 = stats[0];
    const pick = (k: string) => stats.map((s) => s[k]);
    process.stdout.write(
      `${arm}: ${seeds.size} seed(s); ${s0.nWith} test cases with a lesion, ${s0.nWithout} without\n` +
        `    on cases with a lesion: Dice ${fmt(pick('dice'), 3)}, NSD ${fmt(pick('nsd'), 3)}, HD95 ${fmt(pick('hd95'), 1)} mm (defined on ${fmt(pick('hd95Cases'), 0)} cases), lesion F1 ${fmt(pick('f1'), 3)}\n` +
        `    false-positive lesions per case: ${fmt(pick('fpAll'), 2)} over all cases, ${fmt(pick('fpFree'), 2)} on lesion-free cases (share of them with any: ${fmt(pick('freeWithFp'), 2)})\n` +
        binLines(results, arm).join('\n') + '\n',
    );
  }
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx ts-node --transpile-only data-scripts/study-table.ts <report>/results.json\n');
  process.exit(2);
}
main(file);
