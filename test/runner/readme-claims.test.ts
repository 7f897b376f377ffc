// The README's claims table is generated from the committed records (`npm run claims -- --markdown`) and current.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "fs";
import { join } from "path";
import { loadRecords } from "../../lib/runner/gallery";
import { claimsMarkdown, README_BEGIN, README_END, replaceClaimsTable } from "../../lib/runner/claims-report";
import type { FigureRecord } from "../../lib/notebook/figure-record";

const root = join(__dirname, "..", "..");

test("the README's claims table matches figures/ (regenerate with `npm run claims -- --update-readme`)", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  assert.ok(begin >= 0 && end > begin, "README has the generated claims table");
  const { records } = loadRecords(join(root, "figures"));
  assert.equal(readme.slice(begin, end + README_END.length), claimsMarkdown(records));
});

test("claimsMarkdown counts results and checks apart and names the causes", () => {
  const record = (work: FigureRecord["work"], name: string, claims: FigureRecord["claims"]) => ({
    file: `${work}/${name}.json`,
    record: {
      work,
      figure: name,
      name,
      caption: "",
      preset: "demo",
      engine: "",
      seconds: 1,
      differences: [],
      data: {},
      claims,
    } as FigureRecord,
  });
  const md = claimsMarkdown([
    record("pdisvae", "fig03", [
      { text: "a", paper: "", ours: "", holds: true, kind: "result" },
      { text: "b", paper: "", ours: "", holds: false, kind: "result", cause: { class: "scale", note: "n" } },
      { text: "c", paper: "", ours: "", holds: true, kind: "check" },
    ]),
    record("tour", "rd", [{ text: "d", paper: "", ours: "", holds: null }]),
  ]);
  const rows = md.split("\n").filter((l) => l.startsWith("| tour") || l.startsWith("| pdisvae"));
  // the tour comes first (gallery order), a record without kinds is "unclassified"
  assert.deepEqual(rows, [
    "| tour | rd | `figures/tour/rd.json` | demo |  |  | 0 ✓ / 0 ✗ / 1 – (rendered before kinds) | no cause stated 1 |",
    "| pdisvae | fig03 | `figures/pdisvae/fig03.json` | demo | 1 ✓ / 1 ✗ | 1 ✓ / 0 ✗ |  | scale 1 |",
  ]);
  assert.match(md, /Result claims: 1 of 2 testable hold \(50 %\)/);
});

test("replaceClaimsTable swaps only the generated block", () => {
  const doc = `a\n${README_BEGIN}\nold\n${README_END}\nb`;
  assert.equal(replaceClaimsTable(doc, "NEW"), "a\nNEW\nb");
  assert.throws(() => replaceClaimsTable("no markers", "NEW"), /claims table markers are missing/);
});
