// Checkpoint recovery after crashes inside saveCheckpoint's renames (lib/train/checkpoint): a complete,
// checksum-valid "<dir>.new" is used when nothing else survived; a damaged one is ignored.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { HistoryRow, findCheckpoint, train } from "../../lib/train";
import { buildToyVae, snapshot, toyData } from "./toy-vae";
import { errnoError, withFsFault } from "./fs-fault";

before(async () => {
  await initEngine({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-ckpt-"));

test("two crashes in a row (between the renames, then after removing .old) resume from the complete checkpoint.new", async () => {
  const data = toyData(64, 7);
  const opts = (dir?: string, onStep?: (s: number) => void) => ({
    data,
    batchSize: 12,
    steps: 20,
    rng: 8,
    learningRate: 5e-3,
    progress: "none" as const,
    ...(dir ? { checkpoint: { dir, every: 5 } } : {}),
    ...(onStep ? { onStep: (r: HistoryRow) => onStep(r.step) } : {}),
  });
  const straight = buildToyVae(new Rng(9));
  const r0 = await train(straight, opts());
  r0.optimizer.dispose();
  const want = await snapshot(straight.variables);

  const dir = path.join(tmp(), "checkpoint");
  let armed = false;
  // the crash: renaming checkpoint.new into place fails once armed (the save after step 15)
  const crash = (_from: unknown, to: unknown) => (armed && to === dir ? errnoError("EINTR", "rename", "crash") : null);
  for (let i = 0; i < 2; i++) {
    armed = false;
    const m = buildToyVae(new Rng(9));
    await withFsFault("renameSync", crash, () =>
      assert.rejects(
        train(
          m,
          opts(dir, (s) => {
            if (s === 12) armed = true;
          }),
        ),
        /crash/,
      ),
    );
    m.store.dispose();
  }
  assert.ok(!fs.existsSync(dir) && !fs.existsSync(`${dir}.old`), "only checkpoint.new is left");
  assert.ok(fs.existsSync(path.join(`${dir}.new`, "state.json")));
  assert.equal(findCheckpoint(dir), `${dir}.new`);

  const resumed = buildToyVae(new Rng(9));
  const r = await train(resumed, opts(dir));
  r.optimizer.dispose();
  assert.equal(r.startStep, 15);
  assert.deepEqual(await snapshot(resumed.variables), want, "ends bit-identical to the uninterrupted run");
  assert.ok(!fs.existsSync(`${dir}.new`));
  for (const m of [straight, resumed]) m.store.dispose();
  data.dispose();
});

test("a damaged or incomplete checkpoint.new is not used", async () => {
  const data = toyData(32, 7);
  const dir = path.join(tmp(), "checkpoint");
  const m = buildToyVae(new Rng(9));
  const r = await train(m, { data, batchSize: 8, steps: 5, rng: 1, progress: "none", checkpoint: { dir, every: 5 } });
  r.optimizer.dispose();
  fs.renameSync(dir, `${dir}.new`);
  const bin = path.join(`${dir}.new`, "weights.bin");
  const bytes = fs.readFileSync(bin);
  bytes[3] ^= 0xff;
  fs.writeFileSync(bin, bytes);
  assert.equal(findCheckpoint(dir), null, "checksum fails");
  bytes[3] ^= 0xff;
  fs.writeFileSync(bin, bytes);
  assert.equal(findCheckpoint(dir), `${dir}.new`);
  fs.rmSync(path.join(`${dir}.new`, "state.json"));
  assert.equal(findCheckpoint(dir), null, "no state.json");
  m.store.dispose();
  data.dispose();
});
