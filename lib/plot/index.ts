/**
 * lib/plot: figures as plain plotly specs, and the ways to show them.
 *
 * - builders (pure, no DOM): slice viewer + class legend, fixed-slice panel grids, training curves,
 *   Fisher plots, evaluation plots (size bins, paired differences, FROC), forest plots of effects,
 *   generic line and heatmap figures;
 * - colours: the fixed binary / BackSplit / lesion colours;
 * - display: show() in tslab notebooks, figureHtml()/reportHtml() for pages,
 *   renderFigure() for PNG/SVG through headless Chromium.
 */
export type { Figure, PlotTrace } from './types';
export * from './colors';
export { roundSignificant, roundDeep, describeFigure } from './spec';
export { lineFigure, heatmapFigure } from './basic';
export { noiseSweepFigure, collapseRatesFigure, classProbabilityFigure } from './labels';
export { summarizeCurves, trainingCurvesFigure } from './curves';
export type { CurveRun } from './curves';
export {
  fisherOverTrainingFigure,
  fisherByLayerFigure,
  fisherRatioFigure,
  normalizeFisherKind,
  varianceRatioFigure,
} from './fisher';
export type { FisherSeries } from './fisher';
export { sizeBinFigure, pairedDifferencesFigure, frocFigure } from './evaluation';
export { forestFigure } from './forest';
export { sliceViewerFigure, classLegendFigure, classColors, maskContour, lesionCentreSlice } from './slices';
export { slicePanelsFigure } from './slice-panels';
export type { SlicePanel } from './slice-panels';
export { plotlyBundlePath, plotlyVersion, plotlyLoaderScript } from './bundle';
export { scriptJson, figureHtml, tableHtml, reportHtml } from './html';
export {
  CHROMIUM_FLAGS,
  renderAvailability,
  createRenderer,
  sharedRenderer,
  closeSharedRenderer,
  renderFigure,
} from './render';
export type { FigureRenderer } from './render';
export {
  show,
  showWithImage,
  showTable,
  loadPlotly,
  inTslabKernel,
  setDisplaySink,
  setShowLogger,
  setPlotlyEmbedMode,
  resetPlotlyLoaded,
  plotlyLoaded,
} from './show';
export { fisherSeriesFromReports, fisherLayerValuesFromReport, pairedInputFromComparison } from './adapters';
export type { FisherReportLike } from './adapters';
export {
  gapSurfaceFigure,
  fisherTraceSeries,
  varianceRatioSweepSeries,
  patchMapFigures,
  fisherTotalsSeries,
  gradientNoiseSeries,
} from './fisher-series';
