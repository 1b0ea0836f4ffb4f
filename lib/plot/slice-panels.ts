/**
 * A grid of fixed 2D slices side by side: one row per slice to compare, one panel per view
 * (the image, the reference, each model's prediction). Each panel shows one axial slice (k) of
 * an image as grey levels, optionally a class map as a translucent overlay and any number of
 * outlines (a reference lesion, a predicted lesion) in their own colours; one legend names the
 * classes and the outlines for the whole grid. No sliders: the slices are chosen by the caller.
 *
 * Orientation, windowing and colours follow the slice viewer (lib/plot/slices.ts): i across,
 * j up, pixel coordinates in mm; each image is windowed to its own volume's 1st–99th percentile,
 * so the slices of one case share a window.
 */
import type { Volume } from '../core/volume';
import type { CommonFigureOptions, Figure, PlotTrace } from './types';
import { LESION_COLOR } from './colors';
import { baseConfig, baseLayout } from './basic';
import { classLegendTraces, classOverlay, LegendClass, maskContour, percentileWindow, strided } from './slices';

/** An outline drawn on a panel: the boundary of `mask > 0` on the panel's slice. */
export interface PanelOutline {
  mask: Volume;
  /** Legend entry; outlines of the same name share one entry. */
  name: string;
  /** '#RRGGBB' (default: the lesion red). */
  color?: string;
  dash?: 'solid' | 'dot' | 'dash';
}

/** One panel of the grid. */
export interface SlicePanel {
  image: Volume;
  /** Axial slice index k. */
  slice: number;
  /** Title above the panel. */
  title?: string;
  /** Integer class map on the image grid (0 = not drawn). */
  classMap?: Volume;
  outlines?: PanelOutline[];
}

export interface SlicePanelsOptions extends CommonFigureOptions {
  /** Names (and optional colours) of the class ids of every panel's class map (default 'class k' for ids found). */
  classes?: LegendClass[];
  /** Class overlay opacity (default 0.45). */
  overlayOpacity?: number;
  /** Largest in-plane size after downsampling, per axis (default 128). */
  maxInPlane?: number;
}

function checkPanel(p: SlicePanel, where: string): void {
  const [, , nz] = p.image.dims;
  if (!Number.isInteger(p.slice) || p.slice < 0 || p.slice >= nz) throw new RangeError(`slicePanelsFigure: ${where}: slice ${p.slice} is outside 0..${nz - 1}`);
  const same = (v: Volume) => v.dims[0] === p.image.dims[0] && v.dims[1] === p.image.dims[1] && v.dims[2] === p.image.dims[2];
  if (p.classMap && !same(p.classMap)) throw new RangeError(`slicePanelsFigure: ${where}: class map grid ${p.classMap.dims.join('x')} differs from the image grid ${p.image.dims.join('x')}`);
  for (const o of p.outlines ?? []) {
    if (!same(o.mask)) throw new RangeError(`slicePanelsFigure: ${where}: outline '${o.name}' grid ${o.mask.dims.join('x')} differs from the image grid ${p.image.dims.join('x')}`);
  }
}

/** The classes named in the legend: the given ones, else every id > 0 found in the panels' class maps. */
function legendClasses(panels: SlicePanel[], given?: LegendClass[]): LegendClass[] | undefined {
  if (given) return given;
  const ids = new Set<number>();
  for (const p of panels) if (p.classMap) for (let v = 0; v < p.classMap.data.length; v++) if (p.classMap.data[v] > 0) ids.add(p.classMap.data[v]);
  return ids.size ? [...ids].sort((a, b) => a - b).map((id) => ({ id, name: `class ${id}` })) : undefined;
}

/** Values of slice k of a volume on the (strided) pixel grid, rows = j, columns = i. */
function sliceRows(v: Volume, k: number, cols: number[], rows: number[], map: (x: number) => number | null): (number | null)[][] {
  const [nx, ny] = v.dims;
  return rows.map((j) => cols.map((i) => map(v.data[i + nx * (j + ny * k)])));
}

/**
 * A grid of axial slices with class overlays and outlines, rows top to bottom.
 * @param rows panels per row (rows may be shorter than the longest; columns align)
 * @example slicePanelsFigure([[{ image, slice: 3, title: 'image' }, { image, slice: 3, classMap: labels, outlines: [{ mask: lesion, name: 'reference lesion' }], title: 'reference' }]], { classes })
 */
export function slicePanelsFigure(rows: SlicePanel[][], opts: SlicePanelsOptions = {}): Figure {
  const nRows = rows.length;
  const nCols = Math.max(0, ...rows.map((r) => r.length));
  if (nRows === 0 || nCols === 0) throw new RangeError('slicePanelsFigure: no panels');
  rows.forEach((r, ri) => r.forEach((p, ci) => checkPanel(p, `row ${ri + 1}, panel ${ci + 1}`)));
  const panels = rows.flat();
  const maxInPlane = opts.maxInPlane ?? 128;
  const overlay = classOverlay({ classes: legendClasses(panels, opts.classes) });
  const windows = new Map<Volume, [number, number]>();
  const gapX = 0.02;
  const gapY = 0.06;
  const w = (1 - gapX * (nCols - 1)) / nCols;
  const h = (1 - gapY * (nRows - 1)) / nRows;
  const layout = baseLayout({ ...opts, defaultHeight: opts.height ?? 70 + 240 * nRows });
  layout.margin = { l: 16, r: 180, t: opts.title ? 72 : 40, b: 16 };
  const data: PlotTrace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const named = new Set<string>();
  rows.forEach((row, ri) => row.forEach((p, ci) => {
    const n = ri * nCols + ci + 1;
    const xName = n === 1 ? 'x' : `x${n}`;
    const yName = n === 1 ? 'y' : `y${n}`;
    const cols = strided(p.image.dims[0], maxInPlane);
    const rws = strided(p.image.dims[1], maxInPlane);
    const dx = p.image.spacing[0] * (cols.length > 1 ? cols[1] - cols[0] : 1);
    const dy = p.image.spacing[1] * (rws.length > 1 ? rws[1] - rws[0] : 1);
    if (!windows.has(p.image)) windows.set(p.image, percentileWindow(p.image.data));
    const [lo, hi] = windows.get(p.image)!;
    const grey = (v: number) => Math.max(0, Math.min(255, Math.round((255 * (v - lo)) / (hi - lo))));
    const at = { x0: 0, dx, y0: 0, dy, xaxis: xName, yaxis: yName };
    data.push({ type: 'heatmap', name: p.title ?? `panel ${n}`, z: sliceRows(p.image, p.slice, cols, rws, grey), ...at, zmin: 0, zmax: 255, colorscale: [[0, '#000000'], [1, '#ffffff']], showscale: false, hoverinfo: 'skip', showlegend: false });
    if (p.classMap) {
      data.push({
        type: 'heatmap', name: `${p.title ?? `panel ${n}`} classes`, z: sliceRows(p.classMap, p.slice, cols, rws, overlay.classValue), ...at,
        zmin: -0.5, zmax: overlay.maxId + 0.5, colorscale: overlay.colorscale, showscale: false, opacity: opts.overlayOpacity ?? 0.45,
        hovertemplate: 'class %{z}<extra></extra>', showlegend: false,
      });
    }
    for (const o of p.outlines ?? []) {
      const contour = maskContour(sliceRows(o.mask, p.slice, cols, rws, (v) => (v > 0 ? 1 : 0)), dx, dy);
      data.push({
        type: 'scatter', mode: 'lines', name: o.name, ...contour, line: { color: o.color ?? LESION_COLOR, width: 1.5, dash: o.dash ?? 'solid' },
        hoverinfo: 'skip', xaxis: xName, yaxis: yName, legendgroup: o.name, showlegend: !named.has(o.name),
      });
      named.add(o.name);
    }
    const x0 = ci * (w + gapX);
    const y1 = 1 - ri * (h + gapY);
    layout[n === 1 ? 'xaxis' : `xaxis${n}`] = { domain: [x0, x0 + w], visible: false, constrain: 'domain', range: [-dx / 2, (cols.length - 0.5) * dx] };
    layout[n === 1 ? 'yaxis' : `yaxis${n}`] = { domain: [y1 - h, y1], anchor: xName, scaleanchor: xName, scaleratio: 1, visible: false, constrain: 'domain', range: [-dy / 2, (rws.length - 0.5) * dy] };
    if (p.title) annotations.push({ text: p.title, xref: 'paper', yref: 'paper', x: x0 + w / 2, y: y1, yanchor: 'bottom', xanchor: 'center', showarrow: false, font: { size: 12 } });
  }));
  if (overlay.classes) data.push(...classLegendTraces(overlay.classes, { xaxis: 'x', yaxis: 'y' }));
  layout.annotations = annotations;
  layout.legend = { orientation: 'v', x: 1.01, y: 1, itemclick: false, itemdoubleclick: false };
  return { data, layout, config: baseConfig() };
}
