/**
 * Plain-object types for plotly figure specifications.
 *
 * Figure builders in lib/plot return these objects and never touch a DOM: the
 * same spec is snapshot-tested, shown in a notebook, embedded in report.html or
 * rendered to PNG/SVG in headless Chromium. The types are deliberately loose
 * (plotly's schema is huge); they only pin down the parts our code relies on.
 */

/** One plotly trace (scatter, heatmap, bar, ...). */
export interface PlotTrace {
  type?: string;
  name?: string;
  [key: string]: unknown;
}

/** A plotly layout object. */
export interface PlotLayout {
  title?: { text: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** One animation frame: partial trace updates for the listed trace indices. */
export interface PlotFrame {
  name: string;
  data: PlotTrace[];
  traces?: number[];
  [key: string]: unknown;
}

/** A complete plotly figure: what `Plotly.newPlot(div, figure)` accepts. */
export interface Figure {
  data: PlotTrace[];
  layout: PlotLayout;
  config?: Record<string, unknown>;
  frames?: PlotFrame[];
}

/** Options most builders accept. */
export interface CommonFigureOptions {
  /** Figure title (default: builder-specific). */
  title?: string;
  /** Pixel width hint for the layout (default: unset = responsive). */
  width?: number;
  /** Pixel height (default: builder-specific). */
  height?: number;
}
