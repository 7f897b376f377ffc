// Static export of a FigureRecord: <root>/<work>/<name>.json (the record), .html (a standalone page
// loading plotly from the shared <root>/plotly.min.js), and when Chromium is available .png and .svg
// (and .pdf on request) of its plots.
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import type { Claim, FigureRecord } from "./figure-record";
import { claimProblem, formatTally, tallyClaims } from "./claims";
import { figuresRoot } from "../engine/paths";
import type { Figure } from "../plot/types";
import { escapeHtml, figureJson, plotDivHtml, plotlyBundlePath } from "../plot/html";
import { exportPngs, PngOptions, PngResult } from "../plot/png";

/** Name of the shared plotly copy in the figures root. */
export const SHARED_PLOTLY = "plotly.min.js";

export interface ExportOptions extends PngOptions {
  /** Figures root (default env VAELAB_FIGURES_DIR, else <repo>/figures). */
  root?: string;
  /** Render a PNG (default true unless env VAELAB_PNG=0). */
  png?: boolean;
  /**
   * With the PNG, write an SVG of the plots (default true unless env VAELAB_SVG=0). Measured over the
   * 36 committed figures: median 0.2 s (the screenshot: 0.55 s), up to 5 s for the 10⁴-point scatter grids.
   */
  svg?: boolean;
  /** With the PNG, write a PDF of the plots: opt-in (env VAELAB_PDF=1), as it takes up to 9 s and 17 MB a figure. */
  pdf?: boolean;
}

export interface ExportResult {
  json: string;
  html: string;
  png: string | null;
  svg: string | null;
  pdf: string | null;
  /** Why there is no PNG (or SVG/PDF). */
  note?: string;
}

/** A FigureRecord plot entry from a figure; the title defaults to the figure's own. */
export function recordPlot(
  fig: Figure,
  title?: string,
): { title: string; data: unknown[]; layout: Record<string, unknown> } {
  return { title: title ?? fig.layout.title?.text ?? "", data: fig.data, layout: fig.layout };
}

const WORK_LABEL: Record<string, string> = {
  pdisvae: "PDisVAE",
  vaequisition: "VAEquisition",
  "vi-emd": "VI-EMD",
  "cd-vae": "CD-VAE",
  tour: "Tour",
};

/** Check the fields every exported record needs; errors name the record and the field. */
export function validateRecord(r: FigureRecord): void {
  const where = `exportFigure(${typeof r?.name === "string" ? r.name : "?"})`;
  if (!r || typeof r !== "object") throw new Error(`${where}: record must be an object`);
  const str = (k: "work" | "figure" | "name" | "preset" | "engine") => {
    if (typeof r[k] !== "string" || r[k].length === 0)
      throw new Error(`${where}: field '${k}' must be a non-empty string`);
  };
  (["work", "figure", "name", "preset", "engine"] as const).forEach(str);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(r.work))
    throw new Error(`${where}: field 'work' ('${r.work}') must be a folder name like 'pdisvae'`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(r.name))
    throw new Error(`${where}: field 'name' ('${r.name}') must be a file stem without slashes`);
  if (typeof r.seconds !== "number" || !Number.isFinite(r.seconds))
    throw new Error(`${where}: field 'seconds' must be a finite number`);
  if (r.data === undefined) throw new Error(`${where}: field 'data' is missing`);
  if (!Array.isArray(r.claims)) throw new Error(`${where}: field 'claims' must be an array`);
  r.claims.forEach((c: Claim, i: number) => {
    const problem = claimProblem(c, { requireKind: true });
    if (problem) throw new Error(`${where}: claims[${i}] ${problem}`);
  });
  if (r.differences !== undefined && !Array.isArray(r.differences))
    throw new Error(`${where}: field 'differences' must be an array of strings`);
  (r.plots ?? []).forEach((p, i) => {
    if (!p || !Array.isArray(p.data) || typeof p.layout !== "object")
      throw new Error(`${where}: plots[${i}] must be {title, data: [], layout: {}}`);
  });
}

/**
 * JSON that diffs well: objects one key per line, arrays of numbers/strings on one line. Typed arrays
 * become arrays; NaN and ±Infinity become null (as JSON.stringify does).
 */
export function prettyJson(value: unknown, indent = ""): string {
  const v = JSON.parse(figureJson(value) ?? "null") as unknown;
  const fmt = (x: unknown, ind: string): string => {
    if (x === null || typeof x !== "object") return JSON.stringify(x);
    const inner = ind + "  ";
    if (Array.isArray(x)) {
      if (x.length === 0) return "[]";
      if (x.every((e) => e === null || typeof e !== "object"))
        return "[" + x.map((e) => JSON.stringify(e)).join(", ") + "]";
      return "[\n" + x.map((e) => inner + fmt(e, inner)).join(",\n") + "\n" + ind + "]";
    }
    const keys = Object.keys(x);
    if (keys.length === 0) return "{}";
    return (
      "{\n" +
      keys.map((k) => `${inner}${JSON.stringify(k)}: ${fmt((x as Record<string, unknown>)[k], inner)}`).join(",\n") +
      "\n" +
      ind +
      "}"
    );
  };
  return fmt(v, indent);
}

function numRange(a: number[]): string {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const f = (v: number) => String(Number(v.toPrecision(4)));
  return lo === hi ? f(lo) : `${f(lo)} … ${f(hi)}`;
}

/** A few lines describing the shape of `data` (keys, array lengths, numeric ranges), for the page. */
export function summarizeData(data: unknown, maxLines = 40): string[] {
  const lines: string[] = [];
  const walk = (x: unknown, path: string, depth: number): void => {
    if (lines.length >= maxLines) return;
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) x = Array.from(x as unknown as ArrayLike<number>);
    if (Array.isArray(x)) {
      const nums = x.filter((e): e is number => typeof e === "number");
      if (x.length > 0 && nums.length === x.length) {
        lines.push(`${path}: ${x.length} numbers, ${numRange(nums)}`);
      } else if (x.length > 0 && x.every((e) => Array.isArray(e))) {
        lines.push(`${path}: ${x.length} × ${(x[0] as unknown[]).length} array`);
      } else if (x.length > 0 && x.every((e) => e !== null && typeof e === "object" && !Array.isArray(e))) {
        const keys = [...new Set(x.flatMap((e) => Object.keys(e as object)))];
        lines.push(`${path}: ${x.length} records {${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", …" : ""}}`);
      } else {
        lines.push(`${path}: array of ${x.length}`);
      }
    } else if (x !== null && typeof x === "object") {
      const entries = Object.entries(x as Record<string, unknown>);
      if (depth >= 3) {
        lines.push(
          `${path}: {${entries
            .map(([k]) => k)
            .slice(0, 8)
            .join(", ")}}`,
        );
        return;
      }
      for (const [k, v] of entries) walk(v, path ? `${path}.${k}` : k, depth + 1);
    } else if (typeof x === "number") {
      lines.push(`${path}: ${Number.isFinite(x) ? Number(x.toPrecision(6)) : String(x)}`);
    } else if (x !== undefined) {
      const s = String(x);
      lines.push(`${path}: ${s.length > 80 ? s.slice(0, 77) + "…" : s}`);
    }
  };
  walk(data, "", 0);
  if (lines.length >= maxLines) lines.push("…");
  return lines.map((l) => (l.startsWith(": ") ? "data" + l : l));
}

const HOLDS = (h: boolean | null): string => (h === true ? "✓" : h === false ? "✗" : "–");

const PAGE_CSS = `
body { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
#plots { display: inline-block; }
h1 { font-size: 24px; margin: 0 0 6px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.crumbs { font-size: 13px; color: #666; margin: 0 0 12px; } .crumbs a { color: #0072B2; }
.caption { font-size: 15px; line-height: 1.45; } .meta { font-size: 13px; color: #555; }
figure { margin: 12px 0 20px; } figcaption { font-size: 13px; color: #555; margin-top: 4px; }
table { border-collapse: collapse; font-size: 14px; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }
td.holds { text-align: center; font-size: 17px; width: 3em; }
tr.kind-check td { background: #f6f6f6; color: #555; }
td.kind, td.cause { font-size: 13px; }
td.yes { color: #009E73; } td.no { color: #D55E00; } td.na { color: #888; }
pre { background: #f4f4f4; padding: 10px; overflow: auto; max-height: 420px; font-size: 12px; }
code { font-size: 13px; } ul.summary { font-family: monospace; font-size: 13px; }
`;

/** The standalone HTML page of a record; `plotlySrc` is the script URL relative to the page. */
export function recordHtml(r: FigureRecord, plotlySrc: string, maxJsonChars = 200000): string {
  const e = escapeHtml;
  const work = WORK_LABEL[r.work] ?? r.work;
  const plots = r.plots ?? [];
  const meta = [
    `preset <b>${e(r.preset)}</b>`,
    `engine <code>${e(r.engine)}</code>`,
    `${Number(r.seconds.toFixed(1))} s`,
    ...(r.notebook ? [`notebook <code>${e(r.notebook)}</code>`] : []),
  ].join(" · ");
  // widen the page for wide (multi-panel) figures
  const widest = Math.max(0, ...plots.map((p) => (typeof p.layout.width === "number" ? p.layout.width : 700)));
  const plotHtml = plots
    .map((p, i) => {
      const fig: Figure = { data: p.data as Figure["data"], layout: p.layout as Figure["layout"] };
      const own = fig.layout.title?.text;
      return `<figure>\n${plotDivHtml(fig, `plot-${i + 1}`, { fit: false })}\n${p.title && p.title !== own ? `<figcaption>${e(p.title)}</figcaption>\n` : ""}</figure>`;
    })
    .join("\n");
  const claims = r.claims
    .map((c) => {
      const cls = c.holds === true ? "yes" : c.holds === false ? "no" : "na";
      const cause = c.cause ? `<b>${e(c.cause.class)}</b>: ${e(c.cause.note)}` : "";
      return `<tr class="kind-${c.kind ?? "unclassified"}"><td>${e(c.text)}</td><td class="kind">${e(c.kind ?? "")}</td><td>${e(c.paper)}</td><td>${e(c.ours)}</td><td class="holds ${cls}">${HOLDS(c.holds)}</td><td class="cause">${cause}</td></tr>`;
    })
    .join("\n");
  let json = prettyJson(r.data);
  if (json.length > maxJsonChars)
    json = json.slice(0, maxJsonChars) + `\n… (truncated; the full numbers are in ${r.name}.json)`;
  const summary = summarizeData(r.data)
    .map((l) => `<li>${e(l)}</li>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`${work} ${r.figure} — ${r.name}`)}</title>
<style>${PAGE_CSS}</style>
<script src="${e(plotlySrc)}"></script>
</head>
<body>
<main style="max-width:${Math.max(1000, widest + 40)}px">
<p class="crumbs"><a href="../index.html">figures</a> / ${e(work)}</p>
<h1>${e(work)} — ${e(r.figure)}</h1>
<p class="caption">${e(r.caption ?? "")}</p>
<p class="meta">${meta}</p>
${r.differences && r.differences.length ? `<section id="differences"><h2>Differences from the paper</h2>\n<ul>${r.differences.map((d) => `<li>${e(d)}</li>`).join("\n")}</ul></section>` : ""}
${plots.length ? `<section id="plots">\n${plotHtml}\n</section>` : ""}
<section id="claims"><h2>Claims</h2>
${r.claims.length ? `<p>${e(formatTally(tallyClaims(r.claims)))}. A result is a finding of the paper that could have come out otherwise; a check holds by construction.</p>\n<table><thead><tr><th>claim</th><th>kind</th><th>paper</th><th>ours</th><th>holds</th><th>why not</th></tr></thead>\n<tbody>\n${claims}\n</tbody></table>` : "<p>No claims recorded.</p>"}
</section>
<section id="data"><h2>Data</h2>
<ul class="summary">${summary}</ul>
<details><summary>numbers behind the figure (JSON)</summary><pre>${e(json)}</pre></details>
${r.paper !== undefined ? `<details><summary>the paper's values</summary><pre>${e(prettyJson(r.paper))}</pre></details>` : ""}
</section>
</main>
</body>
</html>
`;
}

/** Copy plotly.js into the figures root once (again only if the installed bundle differs in size). */
export function ensureSharedPlotly(root: string): string {
  const dest = join(root, SHARED_PLOTLY);
  const src = plotlyBundlePath();
  if (existsSync(dest) && statSync(dest).size === statSync(src).size) return dest;
  mkdirSync(root, { recursive: true });
  // copy then rename, so a notebook exporting in parallel never loads a half-written file
  const tmp = `${dest}.${process.pid}.tmp`;
  copyFileSync(src, tmp);
  renameSync(tmp, dest);
  return dest;
}

/** Write <root>/<work>/<name>.json and .html (no PNG); returns their paths. */
export function writeFigureFiles(record: FigureRecord, opts: { root?: string } = {}): { json: string; html: string } {
  validateRecord(record);
  const root = figuresRoot(opts.root);
  ensureSharedPlotly(root);
  const dir = join(root, record.work);
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${record.name}.json`);
  const html = join(dir, `${record.name}.html`);
  writeFileSync(json, prettyJson(record) + "\n");
  writeFileSync(html, recordHtml(record, `../${SHARED_PLOTLY}`));
  return { json, html };
}

const pngWanted = (o: ExportOptions): boolean => o.png ?? process.env.VAELAB_PNG !== "0";
const svgWanted = (o: ExportOptions): boolean => o.svg ?? process.env.VAELAB_SVG !== "0";
const pdfWanted = (o: ExportOptions): boolean => o.pdf ?? process.env.VAELAB_PDF === "1";

/** Export several records with one browser for all PNGs. */
export async function exportFigures(
  records: readonly FigureRecord[],
  opts: ExportOptions = {},
): Promise<ExportResult[]> {
  const files = records.map((r) => writeFigureFiles(r, opts));
  const pngs = pngWanted(opts)
    ? await exportPngs(
        files.map((f) => f.html),
        { ...opts, svg: svgWanted(opts), pdf: pdfWanted(opts) },
      )
    : files.map((f) => ({ html: f.html, png: null, note: "PNG not requested" }));
  return files.map((f, i) => {
    const p = pngs[i] as PngResult;
    return { ...f, png: p.png, svg: p.svg ?? null, pdf: p.pdf ?? null, ...(p.note ? { note: p.note } : {}) };
  });
}

/**
 * Export one record: JSON + HTML always, PNG when Chromium is available (else a one-line note).
 * Prints one line with the paths unless opts.quiet.
 */
export async function exportFigure(record: FigureRecord, opts: ExportOptions = {}): Promise<ExportResult> {
  const [res] = await exportFigures([record], opts);
  if (!opts.quiet) {
    const made = ["json", "html", ...(["png", "svg", "pdf"] as const).filter((k) => res[k])];
    console.log(`vaelab: exported ${res.html.replace(/\.html$/, "")}.{${made.join(",")}}`);
  }
  return res;
}
