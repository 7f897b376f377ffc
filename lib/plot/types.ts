// Plain plotly figure types. Typed loosely (plotly has hundreds of attributes) but with the
// fields our builders and tests read spelled out, so that `fig.data[0].y` is not `unknown`.

/** One value on an axis: numbers, category names, or null for a gap. */
export type Datum = number | string | null;

/** A plotly trace (scatter, box, heatmap, image, bar, histogram2dcontour, ...). */
export interface Trace {
  type: string;
  name?: string;
  mode?: string;
  x?: Datum[];
  y?: Datum[];
  /** heatmap/contour: a matrix (or an RGB image); scatter3d: one value per point. */
  z?: Datum[][] | number[][][] | Datum[];
  text?: string | string[];
  marker?: Record<string, unknown>;
  line?: Record<string, unknown>;
  fill?: string;
  fillcolor?: string;
  showlegend?: boolean;
  legendgroup?: string;
  hovertemplate?: string;
  hoverinfo?: string;
  xaxis?: string;
  yaxis?: string;
  /** Free-form numbers a builder wants to keep with the trace (e.g. the area under a curve). */
  meta?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AxisTitle {
  text: string;
  [key: string]: unknown;
}

export interface Axis {
  title?: AxisTitle;
  type?: "linear" | "log" | "category" | "-";
  range?: [number, number];
  domain?: [number, number];
  anchor?: string;
  autorange?: boolean | "reversed";
  [key: string]: unknown;
}

/** A line or rectangle drawn over the plot (reference lines, brackets, highlighted cells). */
export interface Shape {
  type: "line" | "rect" | "path" | "circle";
  xref?: string;
  yref?: string;
  x0?: number | string;
  x1?: number | string;
  y0?: number | string;
  y1?: number | string;
  line?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Annotation {
  text: string;
  x?: number | string;
  y?: number | string;
  xref?: string;
  yref?: string;
  showarrow?: boolean;
  [key: string]: unknown;
}

export interface Layout {
  title?: { text: string; [key: string]: unknown };
  width?: number;
  height?: number;
  xaxis?: Axis;
  yaxis?: Axis;
  shapes?: Shape[];
  annotations?: Annotation[];
  showlegend?: boolean;
  [key: string]: unknown;
}

/** A plain plotly figure: what Plotly.newPlot(div, data, layout) takes. JSON-serialisable. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}
