/**
 * Slice viewer and class legend for 3D volumes.
 *
 * The viewer shows up to three orthogonal planes of a Volume (lib/core/volume.ts,
 * x fastest) as grayscale heatmaps, the class map as a translucent discrete
 * overlay with one legend entry per named class, and the lesion outline as a
 * red contour traced along pixel edges. A slider per chosen plane steps through
 * slices using plotly frames, so the figure stays interactive in an exported
 * HTML page with no kernel behind it.
 *
 * Planes are named for voxel axes of a RAS-like grid: axial fixes k (shows i
 * across, j up), coronal fixes j (i across, k up), sagittal fixes i (j across,
 * k up). Pixel coordinates are millimetres, so anisotropic voxels keep their
 * aspect. Big volumes are downsampled by a whole-voxel stride (nearest voxel,
 * no smoothing) so that the embedded JSON stays small; the image is windowed
 * to its 1st–99th percentile and stored as 0–255 grey levels.
 */
import type { Volume } from '../core/volume';
import type { CommonFigureOptions, Figure, PlotFrame, PlotLayout, PlotTrace } from './types';
import { CLASS_PALETTE, LESION_COLOR } from './colors';
import { baseConfig, baseLayout } from './basic';

export type Plane = 'axial' | 'coronal' | 'sagittal';

/** A class to colour and name (e.g. from ClassInfo in lib/core/types.ts). */
export interface LegendClass {
  id: number;
  name: string;
  /** '#RRGGBB'; default: lesion red for names containing 'lesion', else the class palette. */
  color?: string;
}

/**
 * Resolve the colour of every class: explicit colours win, names containing
 * 'lesion' get the lesion red, class 0 (unlabelled background) gets none, the
 * rest take palette colours in id order.
 * @returns map from class id to '#RRGGBB' (class 0 absent unless coloured explicitly)
 */
export function classColors(classes: LegendClass[]): Map<number, string> {
  const out = new Map<number, string>();
  let next = 0;
  for (const c of [...classes].sort((a, b) => a.id - b.id)) {
    if (!Number.isInteger(c.id) || c.id < 0) throw new RangeError(`classColors: class '${c.name}' has id ${c.id}, expected a non-negative integer`);
    if (out.has(c.id)) throw new RangeError(`classColors: class id ${c.id} appears twice ('${c.name}')`);
    if (c.color) out.set(c.id, c.color);
    else if (/lesion/i.test(c.name)) out.set(c.id, LESION_COLOR);
    else if (c.id !== 0) out.set(c.id, CLASS_PALETTE[next++ % CLASS_PALETTE.length]);
  }
  return out;
}

/**
 * Legend-only traces (one square marker per coloured class, no data points)
 * to add to any figure so that its legend names the classes.
 * @param classes classes to list; class 0 without a colour is skipped
 * @param axes which axes the (empty) traces attach to (default x / y)
 */
export function classLegendTraces(classes: LegendClass[], axes: { xaxis?: string; yaxis?: string } = {}): PlotTrace[] {
  const colors = classColors(classes);
  return [...classes].sort((a, b) => a.id - b.id).filter((c) => colors.has(c.id)).map((c) => ({
    type: 'scatter', mode: 'markers', name: `${c.id}: ${c.name}`, legendgroup: 'classes',
    x: [null], y: [null], xaxis: axes.xaxis ?? 'x', yaxis: axes.yaxis ?? 'y',
    marker: { symbol: 'square', size: 12, color: colors.get(c.id) }, hoverinfo: 'skip', showlegend: true,
  }));
}

/**
 * A stand-alone class legend: one coloured swatch per class with its id and
 * name, top to bottom in id order.
 */
export function classLegendFigure(classes: LegendClass[], opts: CommonFigureOptions = {}): Figure {
  if (classes.length === 0) throw new RangeError('classLegendFigure: no classes given');
  const colors = classColors(classes);
  const shown = [...classes].sort((a, b) => a.id - b.id);
  const trace: PlotTrace = {
    type: 'scatter', mode: 'markers+text', name: 'classes', showlegend: false,
    x: shown.map(() => 0), y: shown.map((c) => c.id), text: shown.map((c) => `${c.id}: ${c.name}`), textposition: 'middle right',
    marker: { symbol: 'square', size: 18, color: shown.map((c) => colors.get(c.id) ?? '#ffffff'), line: { color: '#444', width: 1 } },
    hoverinfo: 'text',
  };
  const layout = baseLayout({ ...opts, title: opts.title ?? 'Classes', defaultHeight: opts.height ?? 60 + 28 * shown.length });
  layout.xaxis = { visible: false, range: [-0.2, 3] };
  layout.yaxis = { visible: false, autorange: 'reversed' };
  layout.margin = { l: 16, r: 16, t: 48, b: 16 };
  return { data: [trace], layout, config: { ...baseConfig(), staticPlot: true } };
}

export interface SliceViewerOptions extends CommonFigureOptions {
  /** Integer class map on the image grid (0 = unlabelled, not drawn). */
  classMap?: Volume;
  /** Names (and optional colours) of the classes in classMap; default 'class k' for ids found. */
  classes?: LegendClass[];
  /** Lesion mask (> 0 = lesion) on the image grid, drawn as a contour. */
  lesion?: Volume;
  /** Planes to show, left to right (default all three). */
  planes?: Plane[];
  /** Initial slice index per plane (default: lesion centre of mass, else the middle slice). */
  slices?: Partial<Record<Plane, number>>;
  /** Planes that get a slider (default ['axial'] when shown; [] for none). */
  sliders?: Plane[];
  /** Largest in-plane size after downsampling, per axis (default 96). */
  maxInPlane?: number;
  /** Most slider positions per plane; slices are spaced evenly (default 32). */
  maxSliderSteps?: number;
  /** Class overlay opacity (default 0.45). */
  overlayOpacity?: number;
  /** Intensity window [low, high] (default 1st–99th percentile of the image). */
  window?: [number, number];
}

const PLANE_AXES: Record<Plane, { fixed: 0 | 1 | 2; col: 0 | 1 | 2; row: 0 | 1 | 2; letter: string }> = {
  axial: { fixed: 2, col: 0, row: 1, letter: 'k' },
  coronal: { fixed: 1, col: 0, row: 2, letter: 'j' },
  sagittal: { fixed: 0, col: 1, row: 2, letter: 'i' },
};

/** 1st and 99th percentile of up to ~200k evenly strided voxels. */
export function percentileWindow(data: ArrayLike<number>): [number, number] {
  const step = Math.max(1, Math.floor(data.length / 200_000));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i])) sample.push(data[i]);
  if (sample.length === 0) return [0, 1];
  sample.sort((a, b) => a - b);
  const q = (p: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round(p * (sample.length - 1))))];
  let lo = q(0.01);
  let hi = q(0.99);
  if (hi <= lo) {
    lo = sample[0];
    hi = sample[sample.length - 1];
  }
  if (hi <= lo) hi = lo + 1;
  return [lo, hi];
}

function centreOfMass(mask: Volume): [number, number, number] | null {
  const [nx, ny] = mask.dims;
  let n = 0;
  let si = 0;
  let sj = 0;
  let sk = 0;
  const d = mask.data;
  for (let idx = 0; idx < d.length; idx++) {
    if (d[idx] > 0) {
      const i = idx % nx;
      const j = Math.floor(idx / nx) % ny;
      const k = Math.floor(idx / (nx * ny));
      si += i; sj += j; sk += k; n++;
    }
  }
  return n === 0 ? null : [Math.round(si / n), Math.round(sj / n), Math.round(sk / n)];
}

/**
 * The slice through a mask's centre of mass in a plane (the slice sliceViewerFigure opens on by
 * default), or the middle slice of an empty mask. Pass it as `slices` to open several figures of
 * one volume on the same slice whatever their own lesion masks.
 * @example const k = lesionCentreSlice(testCase.lesion); sliceViewerFigure(img, {lesion: predicted, slices: {axial: k}})
 */
export function lesionCentreSlice(mask: Volume, plane: Plane = 'axial'): number {
  const axis = PLANE_AXES[plane].fixed;
  const c = centreOfMass(mask);
  return c ? c[axis] : Math.floor(mask.dims[axis] / 2);
}

/** Indices 0..n-1 sampled by stride so that at most `max` remain. */
export function strided(n: number, max: number): number[] {
  const s = Math.max(1, Math.ceil(n / max));
  const out: number[] = [];
  for (let i = 0; i < n; i += s) out.push(i);
  return out;
}

/** At most `max` indices spread evenly over 0..n-1, always including first and last. */
function evenIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  for (let t = 0; t < max; t++) out.add(Math.round((t * (n - 1)) / (max - 1)));
  return [...out].sort((a, b) => a - b);
}

interface PlaneGrid {
  cols: number[];
  rows: number[];
  dx: number;
  dy: number;
}

function sliceValues(vol: Volume, plane: Plane, index: number, grid: PlaneGrid, map: (v: number) => number | null): (number | null)[][] {
  const a = PLANE_AXES[plane];
  const [nx, ny] = vol.dims;
  const at = [0, 0, 0];
  at[a.fixed] = index;
  return grid.rows.map((r) => {
    at[a.row] = r;
    return grid.cols.map((c) => {
      at[a.col] = c;
      return map(vol.data[at[0] + nx * (at[1] + ny * at[2])]);
    });
  });
}

/**
 * Outline of a 2D mask along pixel edges, as one polyline with null breaks
 * (collinear neighbouring edges merged into one segment). Pixel (r, c) is centred at (c·dx, r·dy).
 */
export function maskContour(mask: (number | null)[][], dx: number, dy: number): { x: (number | null)[]; y: (number | null)[] } {
  const rows = mask.length;
  const cols = rows ? mask[0].length : 0;
  const inside = (r: number, c: number) => r >= 0 && r < rows && c >= 0 && c < cols && (mask[r][c] ?? 0) > 0;
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  const seg = (x0: number, y0: number, x1: number, y1: number) => {
    x.push(x0, x1, null);
    y.push(y0, y1, null);
  };
  // Horizontal edges: between row r and r+1 (r from -1 to rows-1), runs over columns.
  for (let r = -1; r < rows; r++) {
    let start = -1;
    for (let c = 0; c <= cols; c++) {
      const edge = c < cols && inside(r, c) !== inside(r + 1, c);
      if (edge && start < 0) start = c;
      if (!edge && start >= 0) {
        seg((start - 0.5) * dx, (r + 0.5) * dy, (c - 0.5) * dx, (r + 0.5) * dy);
        start = -1;
      }
    }
  }
  // Vertical edges: between column c and c+1, runs over rows.
  for (let c = -1; c < cols; c++) {
    let start = -1;
    for (let r = 0; r <= rows; r++) {
      const edge = r < rows && inside(r, c) !== inside(r, c + 1);
      if (edge && start < 0) start = r;
      if (!edge && start >= 0) {
        seg((c + 0.5) * dx, (start - 0.5) * dy, (c + 0.5) * dx, (r - 0.5) * dy);
        start = -1;
      }
    }
  }
  return { x, y };
}

function checkGrid(name: string, v: Volume | undefined, image: Volume): void {
  if (v && (v.dims[0] !== image.dims[0] || v.dims[1] !== image.dims[1] || v.dims[2] !== image.dims[2])) {
    throw new RangeError(`sliceViewerFigure: ${name} grid ${v.dims.join('x')} differs from the image grid ${image.dims.join('x')}`);
  }
}

/** The class overlay: the classes named in the legend, and a discrete colour scale over ids 0..maxId. */
export interface ClassOverlay {
  classes?: LegendClass[];
  maxId: number;
  colorscale: [number, string][];
  /** Overlay value of a class id: the id when it is coloured, else null (not drawn). */
  classValue: (v: number) => number | null;
}

export function classOverlay(opts: Pick<SliceViewerOptions, 'classMap' | 'classes'>): ClassOverlay {
  let classes = opts.classes;
  if (opts.classMap && !classes) {
    const ids = new Set<number>();
    for (let i = 0; i < opts.classMap.data.length; i++) ids.add(opts.classMap.data[i]);
    classes = [...ids].filter((id) => id !== 0).sort((a, b) => a - b).map((id) => ({ id, name: `class ${id}` }));
  }
  const colors = classes ? classColors(classes) : new Map<number, string>();
  let maxId = 0;
  if (opts.classMap) for (let i = 0; i < opts.classMap.data.length; i++) maxId = Math.max(maxId, opts.classMap.data[i]);
  for (const id of colors.keys()) maxId = Math.max(maxId, id);
  // Discrete colour scale: class id k owns [k, k+1)/(maxId+1); uncoloured ids are drawn transparent.
  const colorscale: [number, string][] = [];
  for (let k = 0; k <= maxId; k++) {
    const c = colors.get(k) ?? 'rgba(0,0,0,0)';
    colorscale.push([k / (maxId + 1), c], [(k + 1) / (maxId + 1), c]);
  }
  const classValue = (v: number) => (v > 0 && colors.has(v) ? v : null);
  return { classes, maxId, colorscale, classValue };
}

/** What the planes of one viewer share while the figure is built (the arrays and layout fill up plane by plane). */
interface ViewerBuild {
  image: Volume;
  opts: SliceViewerOptions;
  sliders: Plane[];
  maxInPlane: number;
  maxSteps: number;
  grey: (v: number) => number;
  overlay: ClassOverlay;
  centre: [number, number, number] | null;
  /** Plane pi spans the paper x-range [pi·(width + gap), pi·(width + gap) + width]. */
  width: number;
  gap: number;
  data: PlotTrace[];
  frames: PlotFrame[];
  layout: PlotLayout;
  annotations: Record<string, unknown>[];
  sliderSpecs: Record<string, unknown>[];
}

/** The downsampled pixel grid of a plane; shown pixel size in mm = voxel spacing × sampling stride. */
function planeGrid(image: Volume, plane: Plane, maxInPlane: number): PlaneGrid {
  const a = PLANE_AXES[plane];
  const cols = strided(image.dims[a.col], maxInPlane);
  const rows = strided(image.dims[a.row], maxInPlane);
  return {
    cols, rows,
    dx: image.spacing[a.col] * (cols.length > 1 ? cols[1] - cols[0] : 1),
    dy: image.spacing[a.row] * (rows.length > 1 ? rows[1] - rows[0] : 1),
  };
}

/** The initial slice of a plane (requested, lesion centre or middle; snapped to a slider step) and the slider steps. */
function planeSlices(b: ViewerBuild, plane: Plane): { index: number; steps: number[] } {
  const a = PLANE_AXES[plane];
  const n = b.image.dims[a.fixed];
  let index = b.opts.slices?.[plane] ?? (b.centre ? b.centre[a.fixed] : Math.floor(n / 2));
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`sliceViewerFigure: ${plane} slice ${index} is outside 0..${n - 1}`);
  }
  const steps = b.sliders.includes(plane) ? evenIndices(n, b.maxSteps) : [index];
  if (!steps.includes(index)) index = steps.reduce((s0, s) => (Math.abs(s - index) < Math.abs(s0 - index) ? s : s0), steps[0]);
  return { index, steps };
}

/** The data of a plane's traces at slice k: image grey levels, class overlay, lesion contour (the last two when given). */
function planeTraces(b: ViewerBuild, plane: Plane, k: number, grid: PlaneGrid): PlotTrace[] {
  const { image, opts } = b;
  const t: PlotTrace[] = [{ z: sliceValues(image, plane, k, grid, b.grey) }];
  if (opts.classMap) t.push({ z: sliceValues(opts.classMap, plane, k, grid, b.overlay.classValue) });
  if (opts.lesion) {
    const m = sliceValues(opts.lesion, plane, k, grid, (v) => (v > 0 ? 1 : 0));
    t.push(maskContour(m, grid.dx, grid.dy));
  }
  return t;
}

/** Append plane pi's traces (styled, on its axes) with the data of its initial slice. */
function pushPlaneTraces(b: ViewerBuild, plane: Plane, pi: number, grid: PlaneGrid, initial: PlotTrace[]): void {
  const { data, opts } = b;
  const xName = pi === 0 ? 'x' : `x${pi + 1}`;
  const yName = pi === 0 ? 'y' : `y${pi + 1}`;
  data.push({
    type: 'heatmap', name: `${plane} image`, ...initial[0], x0: 0, dx: grid.dx, y0: 0, dy: grid.dy,
    zmin: 0, zmax: 255, colorscale: [[0, '#000000'], [1, '#ffffff']], showscale: false, hoverinfo: 'skip',
    xaxis: xName, yaxis: yName, showlegend: false,
  });
  if (opts.classMap) {
    data.push({
      type: 'heatmap', name: `${plane} classes`, ...initial[1], x0: 0, dx: grid.dx, y0: 0, dy: grid.dy,
      zmin: -0.5, zmax: b.overlay.maxId + 0.5, colorscale: b.overlay.colorscale, showscale: false, opacity: opts.overlayOpacity ?? 0.45,
      hovertemplate: 'class %{z}<extra></extra>', xaxis: xName, yaxis: yName, showlegend: false,
    });
  }
  if (opts.lesion) {
    data.push({
      type: 'scatter', mode: 'lines', name: 'lesion contour', ...initial[initial.length - 1],
      line: { color: LESION_COLOR, width: 1.5 }, hoverinfo: 'skip', xaxis: xName, yaxis: yName,
      legendgroup: 'lesion', showlegend: pi === 0,
    });
  }
}

/** Plane pi's hidden x/y axes (equal aspect, in mm) and its title annotation. */
function addPlaneAxes(b: ViewerBuild, plane: Plane, pi: number, grid: PlaneGrid, index: number): void {
  const { layout, width, gap } = b;
  const a = PLANE_AXES[plane];
  const xName = pi === 0 ? 'x' : `x${pi + 1}`;
  layout[pi === 0 ? 'xaxis' : `xaxis${pi + 1}`] = {
    domain: [pi * (width + gap), pi * (width + gap) + width], visible: false, constrain: 'domain',
    range: [-grid.dx / 2, (grid.cols.length - 0.5) * grid.dx],
  };
  layout[pi === 0 ? 'yaxis' : `yaxis${pi + 1}`] = {
    anchor: xName, scaleanchor: xName, scaleratio: 1, visible: false, constrain: 'domain',
    range: [-grid.dy / 2, (grid.rows.length - 0.5) * grid.dy],
  };
  b.annotations.push({
    text: b.sliders.includes(plane) ? `${plane} (${a.letter})` : `${plane} (${a.letter} = ${index})`,
    xref: 'paper', yref: 'paper', x: pi * (width + gap) + width / 2, y: 1, yanchor: 'bottom', xanchor: 'center',
    showarrow: false, font: { size: 13 },
  });
}

/** The slider under plane pi: one animation step per slice, each showing frame '<plane>:<k>'. */
function planeSlider(b: ViewerBuild, plane: Plane, pi: number, steps: number[], index: number): Record<string, unknown> {
  const a = PLANE_AXES[plane];
  return {
    active: steps.indexOf(index),
    x: pi * (b.width + b.gap), len: b.width, y: 0, yanchor: 'top', pad: { t: 8 },
    currentvalue: { prefix: `${plane} ${a.letter} = `, font: { size: 12 } },
    steps: steps.map((k) => ({
      label: String(k), method: 'animate',
      args: [[`${plane}:${k}`], { mode: 'immediate', frame: { duration: 0, redraw: true }, transition: { duration: 0 } }],
    })),
  };
}

/** Add plane pi: its traces at the initial slice, axes, title, and (with a slider) one frame per step. */
function addPlane(b: ViewerBuild, plane: Plane, pi: number): void {
  const grid = planeGrid(b.image, plane, b.maxInPlane);
  const { index, steps } = planeSlices(b, plane);
  const first = b.data.length;
  const initial = planeTraces(b, plane, index, grid);
  pushPlaneTraces(b, plane, pi, grid, initial);
  const traceIdx = Array.from({ length: b.data.length - first }, (_, i) => first + i);
  addPlaneAxes(b, plane, pi, grid, index);
  if (b.sliders.includes(plane)) {
    for (const k of steps) {
      b.frames.push({ name: `${plane}:${k}`, data: k === index ? initial : planeTraces(b, plane, k, grid), traces: traceIdx });
    }
    b.sliderSpecs.push(planeSlider(b, plane, pi, steps, index));
  }
}

/**
 * Three-plane slice viewer of an image with a class-map overlay, lesion
 * contour, class legend and per-plane sliders (plotly frames named
 * '<plane>:<slice index>').
 *
 * Per shown plane the traces are, in order: image heatmap, class overlay
 * heatmap (when classMap), lesion contour (when lesion); then one legend
 * trace per class.
 * @example sliceViewerFigure(caseData.channels[0], {classMap: caseData.aux, lesion: caseData.lesion, classes})
 * @param image the grayscale volume
 * @param opts overlays, planes, sliders, downsampling limits
 */
export function sliceViewerFigure(image: Volume, opts: SliceViewerOptions = {}): Figure {
  const planes = opts.planes ?? (['axial', 'coronal', 'sagittal'] as Plane[]);
  if (planes.length === 0) throw new RangeError('sliceViewerFigure: planes is empty');
  checkGrid('classMap', opts.classMap, image);
  checkGrid('lesion', opts.lesion, image);
  const maxInPlane = opts.maxInPlane ?? 96;
  const maxSteps = opts.maxSliderSteps ?? 32;
  if (!Number.isInteger(maxInPlane) || maxInPlane < 1) throw new RangeError(`sliceViewerFigure: maxInPlane must be a positive integer, got ${maxInPlane}`);
  if (!Number.isInteger(maxSteps) || maxSteps < 2) throw new RangeError(`sliceViewerFigure: maxSliderSteps must be an integer >= 2, got ${maxSteps}`);
  const sliders = (opts.sliders ?? (['axial'] as Plane[])).filter((p) => planes.includes(p));
  const [lo, hi] = opts.window ?? percentileWindow(image.data);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new RangeError(`sliceViewerFigure: window must be [low, high] with low < high, got [${lo}, ${hi}]`);
  const grey = (v: number) => Math.max(0, Math.min(255, Math.round((255 * (v - lo)) / (hi - lo))));
  const overlay = classOverlay(opts);
  const { classes } = overlay;

  const gap = 0.04;
  const layout = baseLayout({ ...opts, defaultHeight: 380 + (sliders.length ? 70 : 0) });
  const b: ViewerBuild = {
    image, opts, sliders, maxInPlane, maxSteps, grey, overlay,
    centre: opts.lesion ? centreOfMass(opts.lesion) : null,
    width: (1 - gap * (planes.length - 1)) / planes.length, gap,
    data: [], frames: [], layout, annotations: [], sliderSpecs: [],
  };
  layout.margin = { l: 16, r: 16, t: opts.title ? 64 : 40, b: sliders.length ? 90 : 16 };
  planes.forEach((plane, pi) => addPlane(b, plane, pi));

  const { data, frames } = b;
  if (classes) data.push(...classLegendTraces(classes, { xaxis: 'x', yaxis: 'y' }));
  layout.annotations = b.annotations;
  if (b.sliderSpecs.length) layout.sliders = b.sliderSpecs;
  layout.legend = { orientation: 'v', x: 1.01, y: 1, itemclick: false, itemdoubleclick: false };
  if (classes || opts.lesion) layout.margin = { ...(layout.margin as object), r: 180 };
  const fig: Figure = { data, layout, config: baseConfig() };
  if (frames.length) fig.frames = frames;
  return fig;
}
