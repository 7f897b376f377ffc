// Plain tables for notebooks and exported pages: HTML for display, aligned text as the fallback.
import { escapeHtml } from "./html";

export type Cell = string | number | boolean | null;

/** Format a number for a table: fixed for moderate magnitudes, exponent otherwise. */
export function formatCell(v: Cell, digits = 4): string {
  if (v === null) return "–";
  if (typeof v === "boolean") return v ? "✓" : "✗";
  if (typeof v === "number") {
    if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(digits - 1) : v.toFixed(digits);
  }
  return v;
}

/** An HTML table (class vaelab-table) with a caption. */
export function htmlTable(columns: string[], rows: Cell[][], caption = "", digits = 4): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((v) => `<td style="text-align:${typeof v === "number" ? "right" : "left"}">${escapeHtml(formatCell(v, digits))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const cap = caption
    ? `<caption style="caption-side:top;font-weight:bold;text-align:left">${escapeHtml(caption)}</caption>`
    : "";
  return `<table class="vaelab-table" style="border-collapse:collapse;font-family:sans-serif;font-size:13px">${cap}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The same table as aligned plain text. */
export function textTable(columns: string[], rows: Cell[][], caption = "", digits = 4): string {
  const cells = [columns, ...rows.map((r) => r.map((v) => formatCell(v, digits)))];
  const widths = columns.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? "").length)));
  const line = (r: string[]) => r.map((c, j) => c.padEnd(widths[j])).join("  ");
  return [caption, line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)]
    .filter((s) => s !== "")
    .join("\n");
}
