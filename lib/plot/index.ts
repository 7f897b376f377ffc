// Public API of lib/plot: plotly figure builders, inline display under tslab, static export.
export type { Figure, Trace, Layout, Axis, Shape, Annotation, Datum } from "./types";
export { PALETTE, VIRIDIS, GREYS, paletteColor, withAlpha, colorAt, luminance, axis, baseLayout, fmt } from "./style";
export type { ColorScale, BaseLayoutOptions } from "./style";
export { rdCurve, defaultRdWindow } from "./rd";
export type { RdPoint, RdCurveOptions } from "./rd";
export { informationCurve, infoCurveStats } from "./info-curve";
export type { InfoCurveMethod, InfoCurveOptions } from "./info-curve";
export { stepSizePlot } from "./step-size";
export type { StepSizeSeries, StepSizeOptions, ReferenceLine } from "./step-size";
export { scatterPlot } from "./scatter";
export type { ScatterData, ScatterOptions } from "./scatter";
export { boxPlot, placeBrackets } from "./box";
export type { BoxGroup, Bracket, BoxPlotOptions, BracketPlacement } from "./box";
export { heatmap } from "./heatmap";
export type { HeatmapOptions } from "./heatmap";
export { imageGrid } from "./image-grid";
export type { ImageInput, ImageGridOptions } from "./image-grid";
export { barChart } from "./bar";
export type { BarSeries, BarChartOptions } from "./bar";
export { subplots } from "./subplots";
export type { SubplotOptions } from "./subplots";
export { pairPlot, histogramCounts } from "./pair-plot";
export type { PairPlotOptions } from "./pair-plot";
export { show, showHtml, kernelSink, sinkFromTslabDisplay, resetPlotlyBundle, figureSummary, figureText } from "./show";
export type { DisplaySink, MimeBundle, ShowOptions, TslabLikeDisplay } from "./show";
export {
  PLOT_CLASS,
  PLOT_TEXT_CLASS,
  PLOTLY_PATHS,
  PLOTLY_RESOURCE,
  plotDivHtml,
  plotlyInlineScript,
  plotlyBundlePath,
} from "./html";
export { exportPngs, findChromium } from "./png";
export type { PngOptions, PngResult } from "./png";
export { htmlTable, textTable, formatCell } from "./table";
export type { Cell } from "./table";
