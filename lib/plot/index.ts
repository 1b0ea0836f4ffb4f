/**
 * lib/plot: figures as plain plotly specs, and the ways to show them.
 *
 * - builders (pure, no DOM): slice viewer + class legend, training curves,
 *   Fisher plots, evaluation plots (size bins, paired differences, FROC),
 *   generic line and heatmap figures;
 * - colours: the fixed binary / BackSplit / lesion colours;
 * - display: show() in tslab notebooks, figureHtml()/reportHtml() for pages,
 *   renderFigure() for PNG/SVG through headless Chromium.
 */
export type { Figure, PlotTrace, PlotLayout, PlotFrame, CommonFigureOptions } from './types';
export * from './colors';
export { roundSignificant, roundDeep, describeFigure, figureTitle } from './spec';
export { baseLayout, baseConfig, axis, lineFigure, heatmapFigure } from './basic';
export type { LineSeries, LineFigureOptions, HeatmapFigureOptions } from './basic';
export { noiseSweepFigure, collapseRatesFigure, classProbabilityFigure } from './labels';
export type { NoiseSweepLike, CollapseRatesLike } from './labels';
export { summarizeCurves, trainingCurvesFigure } from './curves';
export type { CurveRun, CurveSummary, TrainingCurvesOptions } from './curves';
export { fisherOverTrainingFigure, fisherByLayerFigure, fisherRatioFigure, normalizeFisherKind, varianceRatioFigure } from './fisher';
export type { FisherKind, FisherTarget, FisherSeries, FisherLayerValue, FisherFigureOptions, VarianceRatioRow } from './fisher';
export { sizeBinFigure, pairedDifferencesFigure, frocFigure } from './evaluation';
export type { BinStat, SizeBinOptions, PairedCase, PairedDifferencesOptions, FrocPoint, FrocCurve, FrocOptions } from './evaluation';
export { sliceViewerFigure, classLegendFigure, classLegendTraces, classColors, maskContour } from './slices';
export type { Plane, LegendClass, SliceViewerOptions } from './slices';
export { plotlyBundlePath, plotlyVersion, plotlyLoaderScript, PLOTLY_PROMISE_GLOBAL } from './bundle';
export type { PlotlyEmbedMode } from './bundle';
export { escapeHtml, scriptJson, figureHtml, tableHtml, pngImgHtml, reportHtml } from './html';
export type { FigureHtmlOptions, ReportTable, ReportSection, ReportOptions } from './html';
export {
  CHROMIUM_FLAGS, chromiumCandidates, renderAvailability, createRenderer, sharedRenderer, closeSharedRenderer, renderFigure,
} from './render';
export type { ImageFormat, RenderOptions, FigureRenderer, RenderAvailability } from './render';
export {
  show, showWithImage, showTable, loadPlotly, inTslabKernel, setDisplaySink, setShowLogger, setPlotlyEmbedMode, resetPlotlyLoaded, plotlyLoaded, newFigureId,
} from './show';
export type { DisplaySink } from './show';
export {
  fisherSeriesFromReports, fisherLayerValuesFromReport, pairedInputFromComparison, binLabel,
} from './adapters';
export type { FisherReportLike, PairedComparisonLike } from './adapters';
export {
  gapSurfaceFigure, fisherTraceSeries, varianceRatioSweepSeries, patchMapFigures, fisherTotalsSeries, gradientNoiseSeries,
} from './fisher-series';
