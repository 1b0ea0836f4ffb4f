/**
 * Generic helpers over figure specs: rounding numbers to a few significant
 * digits (compact JSON, stable snapshots) and a one-line text summary used
 * where a figure cannot be drawn (headless runs, viewers without JavaScript).
 */
import type { Figure, PlotTrace } from './types';

/**
 * Round a number to `digits` significant digits; non-finite values and integers
 * with no more digits than asked are returned unchanged.
 */
export function roundSignificant(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (Number.isInteger(x) && Math.abs(x) < 10 ** digits) return x;
  const r = Number(x.toPrecision(digits));
  return Object.is(r, -0) ? 0 : r;
}

/**
 * Deep-copy a JSON-like value with every number rounded to `digits`
 * significant digits. Typed arrays become plain arrays. Used by tests to
 * snapshot specs, and by builders to keep embedded JSON small.
 * @param value any JSON-like value (objects, arrays, numbers, strings, null)
 * @param digits significant digits (default 4)
 */
export function roundDeep<T>(value: T, digits = 4): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return roundSignificant(v, digits);
    if (v === null || typeof v !== 'object') return v;
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => walk(x));
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined) out[k] = walk(x);
    }
    return out;
  };
  return walk(value) as T;
}

/** Title text of a figure ('' when none). */
export function figureTitle(fig: Figure): string {
  const t = fig.layout.title;
  return t && typeof t.text === 'string' ? t.text : '';
}

function axisTitle(axis: unknown): string | undefined {
  if (!axis || typeof axis !== 'object') return undefined;
  const t = (axis as { title?: unknown }).title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
  return undefined;
}

/**
 * One line describing a figure: title, trace names and types, axis titles.
 * @example describeFigure(fig) // "Validation Dice — 6 traces (scatter×6: Binary, BackSplit); x: epoch; y: Dice"
 */
export function describeFigure(fig: Figure): string {
  const counts = new Map<string, number>();
  const names: string[] = [];
  for (const t of fig.data as PlotTrace[]) {
    const type = t.type ?? 'scatter';
    counts.set(type, (counts.get(type) ?? 0) + 1);
    if (typeof t.name === 'string' && t.name !== '' && !names.includes(t.name) && t.showlegend !== false) names.push(t.name);
  }
  const types = [...counts].map(([k, n]) => (n > 1 ? `${k}×${n}` : k)).join(', ');
  const shownNames = names.length > 8 ? [...names.slice(0, 8), `+${names.length - 8} more`] : names;
  const parts = [`${fig.data.length} trace${fig.data.length === 1 ? '' : 's'} (${types}${shownNames.length ? ': ' + shownNames.join(', ') : ''})`];
  const axes = Object.keys(fig.layout).filter((k) => /^[xy]axis\d*$/.test(k)).sort();
  for (const k of axes) {
    const t = axisTitle(fig.layout[k]);
    if (t) parts.push(`${k.replace('axis', '')}: ${t}`);
  }
  const title = figureTitle(fig);
  return `${title ? title + ' — ' : 'Figure — '}${parts.join('; ')}`;
}

