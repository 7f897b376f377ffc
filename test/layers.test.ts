// The library's layering (README, Architecture): a library folder imports only folders of lower layers
// (type-only imports included), and never a work folder; a work folder (one per paper, named like
// notebooks/<work>/) may import any library folder but not another work. Checked over every import of lib/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "fs";
import { dirname, join, relative, resolve } from "path";

const root = join(__dirname, "..");
const lib = join(root, "lib");

/** Library folders by layer, lowest first; a folder may import only folders of lower layers. */
export const LAYERS: readonly (readonly string[])[] = [
  ["engine"],
  ["nets", "data"],
  ["prob"],
  ["sde", "objectives"],
  ["train"],
  ["eval"],
  ["models", "plot"],
  ["bench", "notebook"],
  ["runner"],
];
export const WORKS = ["pdisvae", "cd-vae", "vi-emd", "vaequisition"] as const;

const layerOf = new Map<string, number>();
LAYERS.forEach((folders, i) => folders.forEach((f) => layerOf.set(f, i)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith(".ts") ? [p] : [];
  });
}

/** The lib/ folder of each relative import in `file` (imports of packages are skipped). */
function importedFolders(file: string): { spec: string; folder: string }[] {
  const src = readFileSync(file, "utf8");
  const out: { spec: string; folder: string }[] = [];
  for (const m of src.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']|\bimport\(\s*["'](\.[^"']+)["']\s*\)/g,
  )) {
    const spec = m[1] ?? m[2];
    const target = relative(lib, resolve(dirname(file), spec));
    if (target.startsWith("..")) continue;
    out.push({ spec, folder: target.split(/[\\/]/)[0] });
  }
  return out;
}

const folders = readdirSync(lib).filter((n) => statSync(join(lib, n)).isDirectory());

test("every lib/ folder is a library layer or a work", () => {
  for (const f of folders) {
    assert.ok(
      layerOf.has(f) || (WORKS as readonly string[]).includes(f),
      `lib/${f} is in no layer of test/layers.test.ts and is not a work folder`,
    );
  }
  for (const w of WORKS)
    assert.ok(statSync(join(root, "notebooks", w)).isDirectory(), `lib/${w} has no notebooks/${w}`);
});

test("library folders import only lower layers, never a work folder; works do not import each other", () => {
  const problems: string[] = [];
  for (const file of files(lib)) {
    const from = relative(lib, file).split(/[\\/]/)[0];
    for (const { spec, folder } of importedFolders(file)) {
      if (folder === from || folder.endsWith(".ts")) continue;
      const where = `${relative(root, file)} imports "${spec}"`;
      const fromWork = (WORKS as readonly string[]).includes(from),
        toWork = (WORKS as readonly string[]).includes(folder);
      if (toWork)
        problems.push(
          `${where}: ${fromWork ? "works do not import each other" : "a library folder imports a work folder"}`,
        );
      else if (!fromWork && !(layerOf.get(folder)! < layerOf.get(from)!))
        problems.push(`${where}: lib/${folder} is not below lib/${from}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("the layer check sees imports (it is not vacuous)", () => {
  const seen = importedFolders(join(lib, "train", "run-cache.ts")).map((i) => i.folder);
  assert.ok(seen.includes("engine"), `expected run-cache.ts to import lib/engine, saw ${seen}`);
});
