// The claims of every committed figure record, counted: results and checks apart, causes of the failures.
import { formatTally, tallyClaims } from "../notebook/claims";
import type { FigureRecord } from "../notebook/figure-record";
import { overallSummary } from "./gallery";

/** One line per record (work/name, preset, tally), then the overall headline. */
export function claimsReport(records: readonly { file: string; record: FigureRecord }[]): string {
  const sorted = [...records].sort((a, b) => a.file.localeCompare(b.file));
  const width = Math.max(0, ...sorted.map((r) => r.file.length));
  const lines = sorted.map(
    (r) => `${r.file.padEnd(width)}  ${r.record.preset.padEnd(5)}  ${formatTally(tallyClaims(r.record.claims))}`,
  );
  const failing = sorted.flatMap((r) =>
    r.record.claims
      .filter((c) => c.holds !== true)
      .map((c) => `  ${c.holds === false ? "✗" : "–"} [${c.kind ?? "?"}] ${r.file}: ${c.text}\n      ${
        c.cause ? `${c.cause.class}: ${c.cause.note}` : "no cause stated"
      }`),
  );
  return [
    ...lines,
    "",
    overallSummary(sorted.map((r) => r.record)),
    "",
    "Claims that do not hold or are not testable:",
    ...failing,
  ].join("\n");
}
