/**
 * Compare two study `results.json` files, ignoring what legitimately changes
 * between runs (wall-clock timings, throughput, the backend probe's timing
 * text). Used to show that a restructuring left the study's numbers unchanged:
 *
 *   npx ts-node --transpile-only data-scripts/compare-results.ts before/results.json after/results.json
 *
 * Prints every differing path (at most 50) and exits 1 when any number, string or
 * shape differs; prints "identical (N values compared)" and exits 0 otherwise.
 */
import * as fs from 'fs';

/** Keys whose values are timings or throughput, not results. */
const TIMING_KEYS = new Set(['seconds', 'elapsedMs', 'trainSeconds', 'stepsPerSecond', 'generatedAt', 'startedAt', 'finishedAt']);

/** The backend probe's `detail` strings carry the smoke test's duration in ms. */
function isTimingPath(path: string[]): boolean {
  const key = path[path.length - 1];
  if (TIMING_KEYS.has(key)) return true;
  return key === 'detail' && path.includes('backend');
}

interface Comparison {
  compared: number;
  differences: string[];
}

function compareValues(a: unknown, b: unknown, path: string[], out: Comparison): void {
  if (isTimingPath(path)) return;
  const where = path.join('.') || '(root)';
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      out.differences.push(`${where}: array length ${Array.isArray(a) ? a.length : typeof a} vs ${Array.isArray(b) ? b.length : typeof b}`);
      return;
    }
    a.forEach((v, i) => compareValues(v, b[i], [...path, String(i)], out));
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      const ra = a as Record<string, unknown>;
      const rb = b as Record<string, unknown>;
      if (!(k in ra) || !(k in rb)) {
        if (!isTimingPath([...path, k])) out.differences.push(`${where}.${k}: only in ${k in ra ? 'first' : 'second'}`);
        continue;
      }
      compareValues(ra[k], rb[k], [...path, k], out);
    }
    return;
  }
  out.compared++;
  if (!Object.is(a, b)) out.differences.push(`${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

function main(argv: string[]): number {
  if (argv.length !== 2) {
    console.error('usage: compare-results.ts <first/results.json> <second/results.json>');
    return 2;
  }
  const [a, b] = argv.map((file) => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    } catch (e) {
      throw new Error(`${file}: cannot read as JSON (${(e as Error).message})`, { cause: e });
    }
  });
  const out: Comparison = { compared: 0, differences: [] };
  compareValues(a, b, [], out);
  if (out.differences.length === 0) {
    console.log(`identical (${out.compared} values compared, timings ignored)`);
    return 0;
  }
  console.log(`${out.differences.length} difference(s) among ${out.compared} values:`);
  for (const d of out.differences.slice(0, 50)) console.log(`  ${d}`);
  return 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}
