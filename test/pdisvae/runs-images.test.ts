// evaluateLatents on image data (pdSprites, [N, 32, 32, 1]): the reconstruction R² is scored on flattened rows
// (it used to throw on 4-D data), the grouping search works with true groups of unequal size ({x, y} and {size})
// against estimated pairs, and the aligned size column is a linear prediction from one estimated pair.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { takeRows } from "../../lib/data/dataset";
import { pdSprites } from "../../lib/data/pdsprites";
import { createPdisVae, pdisVaePreset } from "../../lib/models/pdisvae";
import { evaluateLatents } from "../../lib/pdisvae/runs";
import { reconstructionR2 } from "../../lib/eval/alignment";
import { rowsOf } from "../../lib/eval/linear-fit";

before(async () => {
  await initEngine({ quiet: true });
});

test("evaluateLatents on 32×32 images: flat reconstruction R², search over pairs for true groups of sizes 2 and 1", async () => {
  const d = pdSprites();
  const idx = Array.from({ length: 40 }, (_, i) => (i * 37) % d.x.shape[0]);
  const x = takeRows(d.x, idx),
    z = takeRows(d.z, idx);
  for (const method of ["beta-tcvae", "pdisvae"] as const) {
    const model = createPdisVae(pdisVaePreset("pdsprites-conv", method, 40), new Rng(`img-${method}`));
    try {
      const ev = await evaluateLatents(model, { x: x, z: z }, d.groups, {
        searchSizes: [2, 2],
        pcBatch: 20,
        pcPasses: 1,
      });
      const flatX = rowsOf({ values: x.values, shape: [40, 32 * 32] });
      const xh = await model.reconstruct(x);
      assert.deepEqual(xh.shape, [40, 32, 32, 1]);
      const expected = reconstructionR2(flatX, rowsOf({ values: xh.values, shape: [40, 32 * 32] }));
      assert.ok(Math.abs(ev.reconstructionR2 - expected) < 1e-12, `${ev.reconstructionR2} vs ${expected}`);
      assert.equal(ev.alignment.estimatedGroups.length, 2);
      assert.deepEqual(ev.alignment.estimatedGroups.flat().sort(), [0, 1, 2, 3]);
      if (method === "pdisvae")
        assert.deepEqual(ev.alignment.estimatedGroups, [
          [0, 1],
          [2, 3],
        ]);
      else assert.equal(ev.candidates?.length, 3, "three ways to split four latents into two pairs");
      assert.equal(ev.alignment.r2.length, 2);
      assert.ok(ev.alignment.aligned.every((r) => r.length === 3 && r.every(Number.isFinite)));
      assert.ok(Number.isFinite(ev.pc) && Number.isFinite(ev.latentMSE));
    } finally {
      model.dispose();
    }
  }
});
