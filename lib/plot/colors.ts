/**
 * The project's colour conventions, in one place.
 *
 * Binary and BackSplit always get the same two colours in every figure (orange
 * and blue from the Okabe–Ito colour-blind-safe palette), the protocol's control
 * arms (docs/protocol.md, "Arms") get one fixed colour each, lesions are always
 * red, and auxiliary background classes cycle through a qualitative palette
 * that avoids the lesion red.
 */
import type { LabelMode } from '../core/types';

/** Colour of each training arm, identical in every figure. */
export const ARM_COLORS: Readonly<Record<LabelMode, string>> = Object.freeze({
  binary: '#E69F00',
  backsplit: '#0072B2',
});

/** Display names of the two arms. */
export const ARM_LABELS: Readonly<Record<LabelMode, string>> = Object.freeze({
  binary: 'Binary',
  backsplit: 'BackSplit',
});

/**
 * Colours of the protocol's control arms (protocol.json `arms` beyond binary and backsplit):
 * relatives of the two main colours for the arms that share their labels, Okabe–Ito / Tol
 * colours for the rest, none of them the lesion red.
 */
export const CONTROL_ARM_COLORS: Readonly<Record<string, string>> = Object.freeze({
  'backsplit-anchored': '#56B4E9',
  'binary-ce': '#8C6D31',
  'backsplit-ce': '#004D80',
  'binary-wide': '#CC79A7',
  'backsplit-placebo-voronoi': '#009E73',
  'backsplit-placebo-quantile': '#332288',
});

/** Lesion colour (overlays, contours, legend). */
export const LESION_COLOR = '#D62728';

/** Qualitative palette for auxiliary classes (no red: red means lesion). */
export const CLASS_PALETTE: readonly string[] = Object.freeze([
  '#1F77B4', '#2CA02C', '#9467BD', '#8C564B', '#E377C2', '#17BECF', '#BCBD22', '#FF7F0E',
  '#AEC7E8', '#98DF8A', '#C5B0D5', '#C49C94', '#F7B6D2', '#9EDAE5', '#DBDB8D', '#FFBB78',
]);

/** An own entry of a colour/label map (not a prototype member such as 'constructor'). */
const own = (map: Readonly<Record<string, string>>, key: string): string | undefined => (Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined);

const knownArms = () => [...Object.keys(ARM_COLORS), ...Object.keys(CONTROL_ARM_COLORS)].map((a) => `'${a}'`).join(', ');

/** Colour for a training arm (binary, backsplit or a control arm); throws on an unknown mode so typos do not silently recolour. */
export function armColor(mode: string): string {
  const c = own(ARM_COLORS, mode) ?? own(CONTROL_ARM_COLORS, mode);
  if (c === undefined) throw new RangeError(`armColor: unknown label mode '${String(mode)}', expected one of ${knownArms()}`);
  return c;
}

/** Display label for a training arm ('Binary' / 'BackSplit'; a control arm is shown by its protocol id). */
export function armLabel(mode: string): string {
  const l = own(ARM_LABELS, mode) ?? (own(CONTROL_ARM_COLORS, mode) === undefined ? undefined : mode);
  if (l === undefined) throw new RangeError(`armLabel: unknown label mode '${String(mode)}', expected one of ${knownArms()}`);
  return l;
}

/**
 * Convert '#RRGGBB' to an 'rgba(r,g,b,a)' string (used for translucent bands).
 * @param hex colour as '#RRGGBB'
 * @param alpha opacity in [0, 1]
 */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-fA-F]{6})$/.exec(hex);
  if (!m) throw new RangeError(`withAlpha: expected a '#RRGGBB' colour, got '${hex}'`);
  const v = parseInt(m[1], 16);
  return `rgba(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255},${alpha})`;
}

// Viridis anchor points (matplotlib's), interpolated linearly for layer colours.
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

/**
 * n colours sampled evenly from viridis (dark to bright), e.g. one per network layer.
 * @param n number of colours (>= 1)
 */
export function sequentialColors(n: number): string[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sequentialColors: n must be a positive integer, got ${n}`);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    // Stop at 0.85 so the last colour stays readable on white.
    const t = n === 1 ? 0 : (i / (n - 1)) * 0.85;
    const pos = t * (VIRIDIS.length - 1);
    const a = Math.floor(pos);
    const b = Math.min(a + 1, VIRIDIS.length - 1);
    const f = pos - a;
    const rgb = VIRIDIS[a].map((c, k) => Math.round(c + (VIRIDIS[b][k] - c) * f));
    out.push('#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('').toUpperCase());
  }
  return out;
}
