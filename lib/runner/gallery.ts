// The figure gallery: figures/index.html lists every exported figure record figures/<work>/<name>.json
// with its caption, run facts, plots, claims table and links to the record's files. Each record's
// plots show as its PNG; the live plotly plots (plotly loaded from a local plotly.min.js so the page
// works offline) are drawn on a click, or when scrolled into view where there is no PNG. Their specs
// live in <work>/<name>.plots.js (a script, since file:// pages cannot fetch JSON), so the page
// itself stays small and loads in a moment.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "fs";
import { join, resolve } from "path";
import type { Claim, FigureRecord } from "../notebook/figure-record";
import { claimProblem, formatTally, holdShare, tallyClaims } from "../notebook/claims";
import { committedFiguresRoot } from "../engine/paths";
import { ensureSharedPlotly } from "../notebook/export";

/** Display names and order of the works in the gallery; unknown works follow, sorted. */
export const WORKS: { id: string; title: string }[] = [
  { id: "tour", title: "Tour — the paths every reproduction uses (not paper figures)" },
  { id: "vaequisition", title: "VAEquisition — partial VAE for audiogram acquisition (thesis, App. A)" },
  { id: "vi-emd", title: "VI-EMD — variational speaker separation (thesis, App. B)" },
  { id: "cd-vae", title: "CD-VAE — continuous-depth hierarchical VAE (thesis, App. C)" },
  { id: "pdisvae", title: "PDisVAE — partial disentanglement (paper 002)" },
];

export interface GalleryOptions {
  /** Folder holding <work>/<name>.json records; index.html is written here (default committedFiguresRoot()). */
  figuresDir?: string;
}

export interface LoadedRecord {
  /** Path relative to the figures folder, e.g. "pdisvae/fig03-scatter.json". */
  file: string;
  record: FigureRecord;
}

export interface GalleryResult {
  /** Path of the written index.html. */
  path: string;
  records: LoadedRecord[];
  /** Files that looked like records but could not be read, with the reason. */
  problems: { file: string; reason: string }[];
}

/** Read every figures/<work>/*.json; invalid ones are reported, not fatal. */
export function loadRecords(figuresDir: string): { records: LoadedRecord[]; problems: GalleryResult["problems"] } {
  const records: LoadedRecord[] = [];
  const problems: GalleryResult["problems"] = [];
  if (!existsSync(figuresDir)) return { records, problems };
  for (const work of readdirSync(figuresDir).sort()) {
    const dir = join(figuresDir, work);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith(".json")) continue;
      const file = `${work}/${name}`;
      try {
        const rec = JSON.parse(readFileSync(join(dir, name), "utf8"));
        const why = recordProblem(rec);
        if (why) problems.push({ file, reason: why });
        else records.push({ file, record: rec as FigureRecord });
      } catch (e) {
        problems.push({ file, reason: `not JSON: ${(e as Error).message}` });
      }
    }
  }
  return { records, problems };
}

/** Why `x` is not a usable FigureRecord, or null if it is. */
export function recordProblem(x: unknown): string | null {
  if (!x || typeof x !== "object" || Array.isArray(x)) return "not a JSON object";
  const r = x as Record<string, unknown>;
  for (const k of ["work", "figure", "name", "caption", "preset", "engine"]) {
    if (typeof r[k] !== "string") return `field "${k}" must be a string`;
  }
  if (typeof r.seconds !== "number") return `field "seconds" must be a number`;
  if (!Array.isArray(r.claims)) return `field "claims" must be a list`;
  for (const [i, c] of (r.claims as unknown[]).entries()) {
    const problem = claimProblem(c, { requireKind: false });
    if (problem) return `claims[${i}] ${problem}`;
  }
  if (r.plots !== undefined && !Array.isArray(r.plots)) return `field "plots" must be a list`;
  if (r.differences !== undefined && !Array.isArray(r.differences)) return `field "differences" must be a list`;
  return null;
}

/** Copy plotly.js into the figures root (shared with the exported pages); false if it is not installed. */
function tryEnsurePlotly(figuresDir: string): boolean {
  try {
    ensureSharedPlotly(figuresDir);
    return true;
  } catch {
    return false;
  }
}

/** Suffix of a record's plot-spec script next to its .json. */
export const PLOTS_JS = ".plots.js";

/** Global object the plot-spec scripts fill in, keyed by record stem ("pdisvae/fig03-scatter"). */
const SPECS_GLOBAL = "vaelabPlotSpecs";

/** The plot-spec script of a record (<work>/<name>.plots.js), or null if it has no plots. */
export function plotSpecScript(r: LoadedRecord): string | null {
  const plots = r.record.plots ?? [];
  if (plots.length === 0) return null;
  const specs = plots.map((p) => ({
    title: p.title ?? "",
    data: Array.isArray(p.data) ? p.data : [],
    layout: p.layout ?? {},
  }));
  const stem = r.file.replace(/\.json$/, "");
  return `(window.${SPECS_GLOBAL} = window.${SPECS_GLOBAL} || {})[${JSON.stringify(stem)}] = ${jsonForScript(specs)};\n`;
}

/** Write each record's .plots.js (only when changed) and remove those whose record is gone. */
function writePlotSpecScripts(figuresDir: string, records: LoadedRecord[]): void {
  const wanted = new Map<string, string>();
  for (const r of records) {
    const js = plotSpecScript(r);
    if (js !== null) wanted.set(r.file.replace(/\.json$/, PLOTS_JS), js);
  }
  for (const [file, js] of wanted) {
    const path = join(figuresDir, file);
    if (!existsSync(path) || readFileSync(path, "utf8") !== js) writeFileSync(path, js);
  }
  for (const work of readdirSync(figuresDir)) {
    const dir = join(figuresDir, work);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir)) {
      if (name.endsWith(PLOTS_JS) && !wanted.has(`${work}/${name}`)) unlinkSync(join(dir, name));
    }
  }
}

/** Width and height of a PNG from its header, or null if the file is missing or not a PNG. */
export function pngSize(path: string): { width: number; height: number } | null {
  if (!existsSync(path)) return null;
  const buf = Buffer.alloc(24);
  const fd = openSync(path, "r");
  try {
    if (readSync(fd, buf, 0, 24, 0) < 24) return null;
  } finally {
    closeSync(fd);
  }
  if (buf.toString("latin1", 1, 4) !== "PNG" || buf.toString("latin1", 12, 16) !== "IHDR") return null;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** Write <figuresDir>/index.html (and each record's .plots.js) for the records found there. */
export function buildGallery(opts: GalleryOptions = {}): GalleryResult {
  const figuresDir = resolve(opts.figuresDir ?? committedFiguresRoot());
  const { records, problems } = loadRecords(figuresDir);
  mkdirSync(figuresDir, { recursive: true });
  const hasPlotly = tryEnsurePlotly(figuresDir);
  writePlotSpecScripts(figuresDir, records);
  const path = join(figuresDir, "index.html");
  writeFileSync(path, renderGallery(records, problems, { hasPlotly, figuresDir }));
  return { path, records, problems };
}

/** The gallery page as a string (pure; `figuresDir` is only used to check which linked files exist). */
export function renderGallery(
  records: LoadedRecord[],
  problems: GalleryResult["problems"],
  ctx: { hasPlotly: boolean; figuresDir: string },
): string {
  const byWork = new Map<string, LoadedRecord[]>();
  for (const r of records) {
    const work = r.file.split("/")[0];
    byWork.set(work, [...(byWork.get(work) ?? []), r]);
  }
  const known = WORKS.map((w) => w.id);
  const order = [...known.filter((w) => byWork.has(w)), ...[...byWork.keys()].filter((w) => !known.includes(w)).sort()];

  const sections = order.map((work) => {
    const title = WORKS.find((w) => w.id === work)?.title ?? work;
    const list = byWork.get(work)!.sort((a, b) => a.record.name.localeCompare(b.record.name));
    const tally = formatTally(tallyClaims(list.flatMap((r) => r.record.claims)));
    return `<section class="work" id="work-${attr(work)}">
<h2>${esc(title)}</h2>
<p class="tally">${list.length} figure${list.length === 1 ? "" : "s"} · claims: ${tally}</p>
${list.map((r) => renderRecord(r, ctx.figuresDir)).join("\n")}
</section>`;
  });

  const nav = order.map((w) => `<a href="#work-${attr(w)}">${esc(w)} (${byWork.get(w)!.length})</a>`).join(" · ");
  const problemList = problems.length
    ? `<section class="problems"><h2>Unreadable records</h2><ul>${problems
        .map((p) => `<li><code>${esc(p.file)}</code>: ${esc(p.reason)}</li>`)
        .join("")}</ul></section>`
    : "";
  const empty =
    records.length === 0 ? `<p class="empty">No figure records yet: run <code>npm run figures</code>.</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vaelab — reproduced figures</title>
<style>${STYLE}</style>
${ctx.hasPlotly ? `<script src="plotly.min.js"></script>` : ""}
</head>
<body>
<header>
<h1>vaelab — reproduced figures</h1>
<p>${records.length} figure record${records.length === 1 ? "" : "s"} from <code>figures/&lt;work&gt;/&lt;name&gt;.json</code>. ✓ the claim holds in our run, ✗ it does not, – not testable at this preset. A <i>result</i> is a finding of the paper that could have come out otherwise; a <i>check</i> holds by construction and is counted apart. “Why not” names the cause of each failure.</p>
<p class="tally">${esc(overallSummary(records.map((r) => r.record)))}</p>
<nav>${nav}</nav>
<p class="live-note">Each figure shows as its PNG; click it for the interactive plots${
    ctx.hasPlotly ? ` or <button type="button" id="draw-all">draw all interactive plots</button> (slow)` : ""
  }.</p>
</header>
<main>
${empty}
${sections.join("\n")}
${problemList}
</main>
<script>${RENDER_SCRIPT}</script>
</body>
</html>
`;
}

/** PNG exports are shot at device scale 2 (lib/plot/png.ts): show them at half their pixel size. */
const PNG_SCALE = 2;

function renderRecord(r: LoadedRecord, figuresDir: string): string {
  const rec = r.record;
  const stem = r.file.replace(/\.json$/, "");
  const links = ["html", "json", "png", "svg", "pdf"]
    .filter((ext) => ext === "json" || existsSync(join(figuresDir, `${stem}.${ext}`)))
    .map((ext) => `<a href="${attr(`${stem}.${ext}`)}">${ext}</a>`)
    .join(" · ");
  const plots = rec.plots ?? [];
  let plotBox = "";
  if (plots.length) {
    const png = pngSize(join(figuresDir, `${stem}.png`));
    const n = `${plots.length} interactive plot${plots.length === 1 ? "" : "s"}`;
    const thumb = png
      ? `<img class="thumb" src="${attr(`${stem}.png`)}" width="${Math.round(png.width / PNG_SCALE)}" height="${Math.round(
          png.height / PNG_SCALE,
        )}" loading="lazy" alt="${attr(`${rec.figure}: ${plots.map((p) => p.title ?? "").join("; ")}`)}" title="click for the ${n}">`
      : `<p class="no-thumb">${plots.map((p) => esc(p.title ?? "")).join(" · ")}</p>`;
    plotBox = `<div class="plots${png ? "" : " no-png"}" data-record="${attr(stem)}" data-src="${attr(stem + PLOTS_JS)}">${thumb}<button type="button" class="draw">draw the ${n}</button></div>`;
  }
  const differences = rec.differences?.length
    ? `<details class="differences"><summary>Differences from the paper (${rec.differences.length})</summary><ul>${rec.differences
        .map((d) => `<li>${esc(String(d))}</li>`)
        .join("")}</ul></details>`
    : "";
  const claims = rec.claims.length
    ? `<p class="tally">${esc(formatTally(tallyClaims(rec.claims)))}</p>
<table class="claims"><thead><tr><th>claim</th><th>kind</th><th>paper</th><th>ours</th><th>holds</th><th>why not</th></tr></thead><tbody>
${rec.claims.map(renderClaim).join("\n")}
</tbody></table>`
    : `<p class="no-claims">No claims stated.</p>`;
  const notebook = rec.notebook
    ? ` · notebook <a href="${attr(`../${rec.notebook}`)}"><code>${esc(rec.notebook)}</code></a>`
    : "";
  return `<article class="figure-record" id="${attr(`${rec.work}-${rec.name}`)}">
<h3>${esc(rec.figure)} <span class="name">${esc(rec.name)}</span></h3>
<p class="caption">${esc(rec.caption)}</p>
<p class="meta">preset <b>${esc(rec.preset)}</b> · engine ${esc(rec.engine)} · ${esc(formatSeconds(rec.seconds))}${notebook}</p>
${differences}
${plotBox}
${claims}
<p class="links">${links}</p>
</article>`;
}

function renderClaim(c: Claim): string {
  const [cls, mark, label] =
    c.holds === true
      ? ["holds-yes", "✓", "holds"]
      : c.holds === false
        ? ["holds-no", "✗", "does not hold"]
        : ["holds-na", "–", "not testable"];
  const cause = c.cause ? `<b>${esc(c.cause.class)}</b>: ${esc(c.cause.note)}` : "";
  return `<tr class="claim ${cls} kind-${attr(c.kind ?? "unclassified")}"><td>${esc(c.text)}</td><td class="kind">${esc(
    c.kind ?? "",
  )}</td><td>${esc(String(c.paper ?? ""))}</td><td>${esc(String(c.ours ?? ""))}</td><td class="holds" title="${label}">${mark}</td><td class="cause">${cause}</td></tr>`;
}

/** The headline over all records: the share of testable result claims that hold, checks apart, causes counted. */
export function overallSummary(records: readonly FigureRecord[]): string {
  const t = tallyClaims(records.flatMap((r) => r.claims));
  const share = holdShare(t.result);
  const head = Number.isFinite(share)
    ? `Result claims: ${t.result.holds} of ${t.result.holds + t.result.fails} testable hold (${Math.round(100 * share)} %)`
    : "No result claims yet";
  const causes = Object.entries(t.causes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return `${head}. All claims: ${formatTally(t)}.${causes ? ` Causes of claims that do not hold or are not testable: ${causes}.` : ""}`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "? s";
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Escape text for HTML element content. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escape text for a double-quoted HTML attribute. */
function attr(s: string): string {
  return esc(s).replace(/"/g, "&quot;");
}

/** JSON that is safe inside a <script> element (no "</script>", no line separators). */
function jsonForScript(x: unknown): string {
  return JSON.stringify(x)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

// Draws a record's plots in place of its thumbnail: loads <stem>.plots.js, then one plotly div per
// plot, as wide as the card up to the figure's own width, at the figure's height.
const RENDER_SCRIPT = `
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll("div.plots"));
  var loading = {};
  function load(src) {
    if (!loading[src]) loading[src] = new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = src; s.onload = ok;
      s.onerror = function () { fail(new Error(src + " is missing; run: npx tsx lib/runner/cli.ts gallery")); };
      document.head.appendChild(s);
    });
    return loading[src];
  }
  function fail(box, msg) {
    var p = document.createElement("p"); p.className = "missing"; p.textContent = msg; box.appendChild(p);
  }
  function draw(box) {
    if (box.drawing) return box.drawing;
    var button = box.querySelector("button.draw");
    if (button) button.remove();
    if (typeof Plotly === "undefined") {
      fail(box, "plotly.min.js is missing next to index.html; run: npx tsx lib/runner/cli.ts gallery");
      return (box.drawing = Promise.resolve());
    }
    box.drawing = load(box.getAttribute("data-src")).then(function () {
      var specs = window.${SPECS_GLOBAL}[box.getAttribute("data-record")] || [];
      var thumb = box.querySelector(".thumb, .no-thumb");
      if (thumb) thumb.remove();
      return Promise.all(specs.map(function (spec) {
        var layout = Object.assign({}, spec.layout);
        var w = typeof layout.width === "number" ? layout.width : 700;
        var h = typeof layout.height === "number" ? layout.height : 450;
        delete layout.width; layout.height = h; layout.autosize = true;
        var fig = document.createElement("figure"); fig.className = "plot";
        var div = document.createElement("div"); div.className = "vaelab-plot";
        div.style.width = "100%"; div.style.maxWidth = w + "px"; div.style.height = h + "px";
        fig.appendChild(div);
        if (spec.title) { var c = document.createElement("figcaption"); c.textContent = spec.title; fig.appendChild(c); }
        box.appendChild(fig);
        return Plotly.newPlot(div, spec.data, layout, { responsive: true, displaylogo: false });
      }));
    }).then(function () { box.classList.add("drawn"); }, function (e) { fail(box, String(e.message || e)); });
    return box.drawing;
  }
  boxes.forEach(function (box) { box.addEventListener("click", function () { draw(box); }); });
  // records without a PNG draw when they come near the screen
  var bare = boxes.filter(function (b) { return b.classList.contains("no-png"); });
  if (window.IntersectionObserver) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target); } });
    }, { rootMargin: "200px" });
    bare.forEach(function (b) { seen.observe(b); });
  } else bare.forEach(draw);
  window.vaelabDrawAll = function () { return Promise.all(boxes.map(draw)); };
  var all = document.getElementById("draw-all");
  if (all) all.addEventListener("click", function () { window.vaelabDrawAll(); });
})();
`;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 1rem 3rem; color: #222; }
header { border-bottom: 1px solid #ddd; margin-bottom: 1rem; }
nav a { margin-right: .3rem; }
h2 { margin-top: 2.5rem; border-bottom: 2px solid #446; }
article.figure-record { border: 1px solid #ddd; border-radius: 6px; padding: .5rem 1rem 1rem; margin: 1rem 0; }
h3 .name { font-weight: normal; color: #777; font-size: .8em; margin-left: .5rem; }
.caption { font-style: italic; }
.meta, .tally, .links { color: #555; font-size: .9em; }
figure.plot { margin: .5rem 0; }
div.plots { margin: .5rem 0; }
div.plots img.thumb { display: block; max-width: 100%; height: auto; cursor: zoom-in; }
div.plots p.missing { color: #a00; }
div.plots.drawn button.draw { display: none; }
figcaption { color: #555; font-size: .9em; text-align: center; }
table.claims { border-collapse: collapse; width: 100%; font-size: .9em; margin-top: .5rem; }
table.claims th, table.claims td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.holds { text-align: center; font-weight: bold; width: 3em; }
tr.holds-yes td.holds { color: #080; }
tr.holds-no td.holds { color: #b00; }
tr.holds-na td.holds { color: #888; }
tr.kind-check td { background: #f6f6f6; color: #555; }
td.kind, td.cause { font-size: .85em; }
.problems { color: #a00; }
`;
