// The committed figure records' claims (issue 20): every claim says whether it is a result or a check, and every
// claim that does not hold (or cannot be tested) says why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "path";
import { loadRecords } from "../../lib/runner/gallery";

const figures = join(__dirname, "..", "..", "figures");

test("every committed claim has a kind, and every claim that does not hold or is untestable has a cause", () => {
  const { records, problems } = loadRecords(figures);
  assert.deepEqual(problems, []);
  assert.ok(records.length >= 36, `expected every notebook's record, found ${records.length}`);
  for (const { file, record } of records) {
    for (const c of record.claims) {
      assert.ok(c.kind === "result" || c.kind === "check", `${file}: "${c.text}" needs a kind`);
      if (c.holds !== true)
        assert.ok(
          c.cause,
          `${file}: "${c.text}" ${c.holds === false ? "does not hold" : "is untestable"} and says no cause`,
        );
    }
  }
});
