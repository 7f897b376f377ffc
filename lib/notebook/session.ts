// What every notebook does around its science: start the engine and say which one, pick the preset,
// time the run, collect claims, show figures, and export the figure record at the end.
// A notebook calls startFigure() in its first code cell and session.finish() in its claims cell.
import { describeEngine, initEngine, type EngineInfo } from "../engine/backend";
import { exportFigure, recordPlot, type ExportResult } from "./export";
import { show, showHtml } from "../plot/show";
import { htmlTable, textTable } from "../plot/table";
import type { Figure } from "../plot/types";
import type { Claim, FigureRecord, Work } from "./figure-record";
import { getPreset, type Preset } from "./preset";
import { renderText, type PresetText } from "./differences";
import { installKernelSendQueue } from "./iopub-queue";
import { firstRunLine } from "./timings";
import { formatTally, makeClaim, tallyClaims, type ClaimOptions } from "./claims";

export interface FigureMeta {
  work: Work;
  /** As the paper names it, e.g. "Table 3 / Fig. 6". */
  figure: string;
  /** File stem under figures/<work>/. */
  name: string;
  caption: string;
  /** Notebook path relative to the repo root. */
  notebook: string;
  /** What differs from the paper at this preset. */
  differences: string[];
}

/** What a notebook passes to startFigure: the caption and lines of differences may depend on the preset (PresetText). */
export interface FigureSetup extends Omit<FigureMeta, "caption" | "differences"> {
  caption: string | PresetText;
  differences: (string | PresetText)[];
}

export class FigureSession {
  readonly claims: Claim[] = [];
  private readonly plots: NonNullable<FigureRecord["plots"]> = [];
  private readonly started = Date.now();

  constructor(
    readonly meta: FigureMeta,
    readonly preset: Preset,
    readonly engine: EngineInfo,
  ) {}

  /** One line naming backend, versions and threads (notebooks print it in their first output). */
  get engineLine(): string {
    return describeEngine(this.engine);
  }

  /** Seconds since the session started. */
  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** Show a figure inline and keep it for the exported record. */
  show(fig: Figure, title?: string): void {
    show(fig);
    this.plots.push(recordPlot(fig, title));
  }

  /**
   * Record one of the paper's claims and whether our run supports it (null: not testable here). `kind` says whether
   * it is a result of the paper or a check that holds by construction; `cause` says why it would fail (kept only
   * when it does not hold).
   */
  claim(text: string, paper: string, ours: string, holds: boolean | null, options: ClaimOptions): Claim {
    const c = makeClaim(text, paper, ours, holds, options, this.preset);
    this.claims.push(c);
    return c;
  }

  /** Display the claims as a table (holds ✓ / ✗ / –, kind, and the cause of each one that does not hold). */
  showClaims(): void {
    const columns = ["claim", "kind", "paper", "ours", "holds", "why not"];
    const rows = this.claims.map((c) => [
      c.text,
      c.kind ?? "",
      c.paper,
      c.ours,
      c.holds,
      c.cause ? `${c.cause.class}: ${c.cause.note}` : "",
    ]);
    const caption = `Claims of ${this.meta.figure} at preset '${this.preset}': ${formatTally(tallyClaims(this.claims))}`;
    showHtml(htmlTable(columns, rows, caption), textTable(columns, rows, caption));
  }

  /** Write figures/<work>/<name>.{json,html,png}: the numbers, the paper's values, the plots and the claims. */
  async finish(data: unknown, paper?: unknown): Promise<ExportResult> {
    const unexplained = this.claims.filter((c) => c.holds === false && !c.cause);
    for (const c of unexplained) console.warn(`warning: claim without a cause does not hold: ${c.text}`);
    const record: FigureRecord = {
      ...this.meta,
      preset: this.preset,
      engine: this.engineLine,
      seconds: Math.round(this.elapsed() * 10) / 10,
      data,
      ...(paper === undefined ? {} : { paper }),
      claims: this.claims,
      plots: this.plots,
    };
    return exportFigure(record);
  }
}

/** The notebook's measured first-run time (notebooks/timings.json); a broken table costs this line, not the run. */
function budgetLine(notebook: string, preset: Preset): string {
  try {
    return firstRunLine(notebook, preset);
  } catch (e) {
    return `first run: unknown (${(e as Error).message})`;
  }
}

/**
 * Start a notebook: initialise the engine (fastest available backend), read the preset (notebooks read it as
 * session.preset), render the preset-dependent caption and differences, print engine and preset.
 */
export async function startFigure(setup: FigureSetup): Promise<FigureSession> {
  installKernelSendQueue(); // one iopub send at a time (see iopub-queue: zeromq "Socket is busy writing")
  const engine = await initEngine({ quiet: true });
  const preset = getPreset();
  const meta: FigureMeta = {
    ...setup,
    caption: renderText(setup.caption, preset),
    differences: setup.differences.map((d) => renderText(d, preset)),
  };
  const session = new FigureSession(meta, preset, engine);
  console.log(`${meta.figure} — ${meta.caption}`);
  console.log(session.engineLine);
  for (const f of engine.fallbacks) console.log(`  ${f}`);
  console.log(`preset: ${session.preset} (set VAELAB_PRESET=smoke|demo|paper)`);
  console.log(budgetLine(meta.notebook, preset));
  return session;
}
