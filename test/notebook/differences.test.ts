// The scale lines of the notebooks' differences: the renderer (lib/notebook/differences), and every notebook reads
// its preset as session.preset, its preset-dependent numbers from its work's settings table, and states the scale
// through a rendered line instead of a hand-written one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "fs";
import { join } from "path";
import { formatNumber, renderText, scaleLine } from "../../lib/notebook/differences";
import { startFigure } from "../../lib/notebook/session";

const root = join(__dirname, "..", "..");

test("formatNumber: exponents for small values, grouped digits for large counts", () => {
  assert.equal(formatNumber(3e-4), "3e-4");
  assert.equal(formatNumber(1e-3), "1e-3");
  assert.equal(formatNumber(2.5e-3), "2.5e-3");
  assert.equal(formatNumber(0.02), "0.02");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatNumber(1200), "1200");
  assert.equal(formatNumber(50000), "50 000");
  assert.equal(formatNumber(102400), "102 400");
  assert.equal(formatNumber(0.5), "0.5");
});

test("scaleLine: the preset's entry against the paper preset's; at paper only the paper preset's", () => {
  const table = { smoke: 1, demo: 2, paper: 3 };
  const line = scaleLine(
    (p) => table[p],
    (x) => `${x} units`,
  );
  assert.equal(line("demo"), "demo: 2 units (paper preset: 3 units)");
  assert.equal(line("smoke"), "smoke: 1 units (paper preset: 3 units)");
  assert.equal(line("paper"), "paper preset: 3 units");
  assert.equal(renderText(line, "demo"), line("demo"));
  assert.equal(renderText("as is", "demo"), "as is");
});

test("startFigure renders the preset-dependent caption and differences at the session's preset", async () => {
  const before = process.env.VAELAB_PRESET;
  process.env.VAELAB_PRESET = "smoke";
  try {
    const session = await startFigure({
      work: "tour",
      figure: "F",
      name: "f",
      notebook: "notebooks/tour/f.ipynb",
      caption: (p) => `caption at ${p}`,
      differences: [
        "fixed",
        scaleLine(
          (p) => ({ smoke: 1, demo: 2, paper: 3 })[p],
          (x) => `${x} units`,
        ),
      ],
    });
    assert.equal(session.preset, "smoke");
    assert.equal(session.meta.caption, "caption at smoke");
    assert.deepEqual(session.meta.differences, ["fixed", "smoke: 1 units (paper preset: 3 units)"]);
  } finally {
    if (before === undefined) delete process.env.VAELAB_PRESET;
    else process.env.VAELAB_PRESET = before;
  }
});

interface Notebook {
  cells: { cell_type: string; source: string[] | string }[];
}
const codeOf = (file: string) =>
  (JSON.parse(readFileSync(file, "utf8")) as Notebook).cells
    .filter((c) => c.cell_type === "code")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
    .join("\n");
/** The differences array of the startFigure call, as source text. */
function differencesOf(code: string, name: string): string {
  const start = code.indexOf("differences: [");
  assert.ok(start >= 0, `${name}: no differences`);
  let depth = 0;
  for (let i = start + "differences: ".length; i < code.length; i++) {
    if (code[i] === "[") depth++;
    else if (code[i] === "]" && --depth === 0) return code.slice(start, i + 1);
  }
  throw new Error(`${name}: unterminated differences`);
}

const WORKS = ["cd-vae", "pdisvae", "vi-emd", "vaequisition", "tour"];
for (const work of WORKS) {
  for (const file of readdirSync(join(root, "notebooks", work)).filter((f) => f.endsWith(".ipynb"))) {
    const name = `${work}/${file}`;
    test(`${name}: the preset is session.preset, the numbers per preset are in a settings table, the scale is rendered`, () => {
      const code = codeOf(join(root, "notebooks", work, file));
      assert.ok(
        !/\bpick\(\{/.test(code),
        `${name}: per-notebook pick({...}); the numbers belong in lib/${work}/settings.ts`,
      );
      assert.ok(!/\bgetPreset\(/.test(code), `${name}: reads the preset with getPreset(); use session.preset`);
      // a hand-written scale line names a preset next to numbers ("demo: 32 channels …", "smoke averages 16 …")
      const diff = differencesOf(code, name);
      for (const m of diff.matchAll(/(["`])((?:(?!\1)[^\\]|\\.)*)\1/g)) {
        assert.ok(
          !/\b(demo|smoke)\b[^"`]*\d/.test(m[2]),
          `${name}: hand-written scale line ${m[0]} (render it from lib/${work}/settings.ts)`,
        );
      }
    });
  }
}

test("the CD-VAE notebooks' differences call the renderer for the model's scale", () => {
  for (const file of readdirSync(join(root, "notebooks", "cd-vae")).filter((f) => f.endsWith(".ipynb"))) {
    const diff = differencesOf(codeOf(join(root, "notebooks", "cd-vae", file)), file);
    assert.match(
      diff,
      /^\s*(poissonScale|mnistScale),$/m,
      `${file}: the differences must render the model's scale (poissonScale or mnistScale)`,
    );
    assert.ok(!/lr 3e-4|3e-4/.test(diff), `${file}: states a learning rate by hand`);
  }
});
