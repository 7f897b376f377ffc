// A grid of small images (reconstructions, samples, traversals) as ONE trace: grey images become a
// heatmap with null gaps between tiles, RGB images an `image` trace with white gaps.
import type { Annotation, Datum, Figure, Trace } from "./types";
import { baseLayout, GREYS } from "./style";

/** One image: flat (row-major, channels last; give height/width), h×w grey, or h×w×3 RGB. */
export type ImageInput = ArrayLike<number> | number[][] | number[][][];

export interface ImageGridOptions {
  /** Size of flat images. */
  height?: number;
  width?: number;
  /** Images per row (default: up to 10). */
  cols?: number;
  /** Gap between tiles, in image pixels (default 1). */
  pad?: number;
  /** Value range mapped to black..white (default [0, 1]); "auto" stretches each image to its own min..max. */
  range?: [number, number] | "auto";
  /** A short title above each tile. */
  titles?: string[];
  /** Screen pixels per image pixel (default: fits ~640 px). */
  scale?: number;
  title?: string;
}

interface Img {
  h: number;
  w: number;
  c: 1 | 3;
  at(r: number, col: number, ch: number): number;
}

function toImg(im: ImageInput, k: number, o: ImageGridOptions): Img {
  const a = im as ArrayLike<unknown>;
  if (a.length > 0 && Array.isArray(a[0])) {
    const rows = im as number[][] | number[][][];
    const h = rows.length,
      w = rows[0].length;
    const first = rows[0][0] as unknown;
    if (Array.isArray(first)) {
      const m = rows as number[][][];
      if (first.length !== 3)
        throw new Error(`plot/image-grid: image ${k} pixels have ${first.length} channels; use 3 (RGB)`);
      return { h, w, c: 3, at: (r, col, ch) => m[r][col][ch] };
    }
    const m = rows as number[][];
    m.forEach((r, i) => {
      if (r.length !== w)
        throw new Error(`plot/image-grid: image ${k} row ${i} has ${r.length} pixels, row 0 has ${w}`);
    });
    return { h, w, c: 1, at: (r, col) => m[r][col] };
  }
  const flat = im as ArrayLike<number>;
  const h = o.height,
    w = o.width;
  if (!h || !w) throw new Error(`plot/image-grid: image ${k} is flat (${flat.length} values); pass height and width`);
  const c = flat.length === h * w ? 1 : flat.length === h * w * 3 ? 3 : 0;
  if (!c) throw new Error(`plot/image-grid: image ${k} has ${flat.length} values; expected ${h}×${w} or ${h}×${w}×3`);
  return { h, w, c, at: (r, col, ch) => flat[(r * w + col) * c + ch] };
}

/** Build the image-grid figure; trace meta holds the grid geometry {rows, cols, tileHeight, tileWidth, pad}. */
export function imageGrid(images: readonly ImageInput[], o: ImageGridOptions = {}): Figure {
  if (images.length === 0) throw new Error("plot/image-grid: no images");
  const imgs = images.map((im, k) => toImg(im, k, o));
  const { h, w, c } = imgs[0];
  imgs.forEach((im, k) => {
    if (im.h !== h || im.w !== w || im.c !== c) {
      throw new Error(`plot/image-grid: image ${k} is ${im.h}×${im.w}×${im.c}, image 0 is ${h}×${w}×${c}`);
    }
  });
  if (o.titles && o.titles.length !== images.length) {
    throw new Error(`plot/image-grid: ${o.titles.length} titles for ${images.length} images`);
  }
  const n = imgs.length;
  const cols = Math.max(1, Math.min(o.cols ?? 10, n));
  const rows = Math.ceil(n / cols);
  const pad = o.pad ?? 1;
  const gridW = cols * w + (cols - 1) * pad;
  const scale = o.scale ?? Math.max(1, Math.min(12, Math.floor(640 / gridW)));
  const vpad = o.titles ? Math.max(pad, Math.ceil(16 / scale)) : pad;
  const gridH = rows * h + (rows - 1) * vpad;

  // per-image normalisation to [0, 1]
  const norm = imgs.map((im) => {
    let lo = 0,
      hi = 1;
    if (o.range === "auto") {
      lo = Infinity;
      hi = -Infinity;
      for (let r = 0; r < h; r++)
        for (let q = 0; q < w; q++)
          for (let ch = 0; ch < c; ch++) {
            const v = im.at(r, q, ch);
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
      if (!(hi > lo)) hi = lo + 1;
    } else if (o.range) {
      [lo, hi] = o.range;
    }
    return (v: number) => Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  });

  const z: (Datum | number[])[][] = Array.from({ length: gridH }, () =>
    new Array(gridW).fill(c === 1 ? null : [255, 255, 255]),
  );
  imgs.forEach((im, k) => {
    const top = Math.floor(k / cols) * (h + vpad),
      left = (k % cols) * (w + pad);
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        z[top + r][left + q] =
          c === 1 ? norm[k](im.at(r, q, 0)) : [0, 1, 2].map((ch) => Math.round(255 * norm[k](im.at(r, q, ch))));
      }
    }
  });

  const meta = { rows, cols, tileHeight: h, tileWidth: w, pad, vpad, channels: c };
  const trace: Trace =
    c === 1
      ? {
          type: "heatmap",
          z: z as Datum[][],
          zmin: 0,
          zmax: 1,
          colorscale: GREYS,
          showscale: false,
          hovertemplate: "(%{y}, %{x}): %{z:.2f}<extra></extra>",
          meta,
        }
      : { type: "image", z: z as number[][][], colormodel: "rgb", hovertemplate: "(%{y}, %{x})<extra></extra>", meta };
  const hidden = {
    showgrid: false,
    zeroline: false,
    showticklabels: false,
    ticks: "",
    showline: false,
    automargin: false,
  };
  const layout = baseLayout({ title: o.title });
  const top = o.title ? 45 : 10;
  layout.margin = { l: 10, r: 10, t: top, b: 10 };
  layout.width = gridW * scale + 20;
  layout.height = gridH * scale + top + 10;
  layout.xaxis = { ...hidden, range: [-0.5, gridW - 0.5], constrain: "domain" };
  layout.yaxis = { ...hidden, range: [gridH - 0.5, -0.5], scaleanchor: "x", scaleratio: 1, constrain: "domain" };
  if (o.titles) {
    layout.annotations = o.titles.map((t, k): Annotation => ({
      text: t,
      x: (k % cols) * (w + pad) + (w - 1) / 2,
      y: Math.floor(k / cols) * (h + vpad) - 0.5,
      xref: "x",
      yref: "y",
      showarrow: false,
      yanchor: "bottom",
      font: { size: 10 },
    }));
    // room for the first row's titles
    layout.yaxis.range = [gridH - 0.5, -0.5 - vpad];
    layout.height += vpad * scale;
  }
  return { data: [trace], layout };
}
