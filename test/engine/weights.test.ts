import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import {
  captureOptimizerState,
  loadTensors,
  readManifest,
  restoreOptimizerState,
  restoreVariables,
  saveTensors,
  saveVariables,
} from "../../lib/engine/weights";
import { errnoError, withFsFault } from "../train/fs-fault";

before(async () => {
  await initEngine({ quiet: true });
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-weights-"));
}

test("round trip is bit-exact for float32 (incl. NaN, ±Inf, -0, denormals), int32 and bool, with meta", async () => {
  const dir = tmpDir();
  const f = new Float32Array([1.5, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Math.PI]);
  const named = {
    "enc/0/w": tf.tensor(f, [2, 4], "float32"),
    counts: tf.tensor1d([-2147483648, 0, 7, 2147483647], "int32"),
    mask: tf.tensor([true, false, true], [3], "bool"),
    scalar: tf.scalar(0.1),
    empty: tf.zeros([0, 3]),
  };
  const meta = { step: 12, controller: { beta: 0.5 }, note: "hello" };
  await saveTensors(dir, named, meta);
  const { tensors, meta: m } = loadTensors(dir);
  assert.deepEqual(m, meta);
  assert.deepEqual(Object.keys(tensors), Object.keys(named));
  for (const k of Object.keys(named) as (keyof typeof named)[]) {
    assert.deepEqual(tensors[k].shape, named[k].shape, k);
    assert.equal(tensors[k].dtype, named[k].dtype, k);
    const a = await named[k].data(),
      b = await tensors[k].data();
    // compare the raw bytes: bit-exact, NaN payload and -0 included
    assert.deepEqual(
      Buffer.from(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
      Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)),
      k,
    );
  }
  const manifest = readManifest(dir);
  for (const e of manifest.entries) assert.equal(e.offset % 8, 0, `entry ${e.name} is 8-byte aligned`);
  tf.dispose(Object.values(named));
  tf.dispose(Object.values(tensors));
});

test("saving again replaces the previous copy and leaves no temporary files", async () => {
  const dir = tmpDir();
  const a = tf.tensor1d([1, 2, 3]);
  await saveTensors(dir, { a });
  const b = tf.tensor1d([4, 5]);
  await saveTensors(dir, { b }, { v: 2 });
  assert.deepEqual(fs.readdirSync(dir).sort(), ["weights.bin", "weights.json"]);
  const { tensors, meta } = loadTensors(dir);
  assert.deepEqual(Object.keys(tensors), ["b"]);
  assert.deepEqual(Array.from(await tensors.b.data()), [4, 5]);
  assert.deepEqual(meta, { v: 2 });
  tf.dispose([a, b, tensors.b]);
});

async function savedDir(): Promise<string> {
  const dir = tmpDir();
  const t = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  await saveTensors(dir, { w: t });
  t.dispose();
  return dir;
}

test("missing weights.json names the file", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "weights.json");
  fs.rmSync(file);
  assert.throws(
    () => loadTensors(dir),
    (e: Error) => e.message.includes(file) && /not found/.test(e.message),
  );
});

test("missing weights.bin names the file", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "weights.bin");
  fs.rmSync(file);
  assert.throws(
    () => loadTensors(dir),
    (e: Error) => e.message.includes(file) && /not found/.test(e.message),
  );
});

test("corrupt JSON names weights.json", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "weights.json");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").slice(0, 30));
  assert.throws(
    () => loadTensors(dir),
    (e: Error) => e.message.includes(file) && /not valid JSON/.test(e.message),
  );
});

test("a manifest entry inconsistent with its shape names weights.json and the entry", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "weights.json");
  const m = JSON.parse(fs.readFileSync(file, "utf8"));
  m.entries[0].shape = [3, 2, 1, 5];
  fs.writeFileSync(file, JSON.stringify(m));
  assert.throws(
    () => loadTensors(dir),
    (e: Error) => e.message.includes(file) && e.message.includes('"w"') && /byteLength/.test(e.message),
  );
});

test("truncated weights.bin names the file and says truncated", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "weights.bin");
  const buf = fs.readFileSync(file);
  fs.writeFileSync(file, buf.subarray(0, buf.length - 3));
  assert.throws(
    () => loadTensors(dir),
    (e: Error) => e.message.includes(file) && /truncated/.test(e.message),
  );
});

test("a flipped byte in weights.bin fails the checksum, naming the file", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "weights.bin");
  const buf = fs.readFileSync(file);
  buf[5] ^= 0x40;
  fs.writeFileSync(file, buf);
  assert.throws(
    () => loadTensors(dir),
    (e: Error) => e.message.includes(file) && /checksum/.test(e.message),
  );
});

test("restoreVariables assigns by name and reports name and shape mismatches with the file", async () => {
  const dir = tmpDir();
  const w = tf.variable(
    tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]),
  );
  const b = tf.variable(tf.tensor1d([7, 8, 9]));
  await saveVariables(dir, { w, b }, { step: 3 });
  const w2 = tf.variable(tf.zeros([2, 3]));
  const b2 = tf.variable(tf.zeros([3]));
  const meta = restoreVariables(dir, { b: b2, w: w2 });
  assert.deepEqual(meta, { step: 3 });
  assert.deepEqual(await w2.array(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(await b2.array(), [7, 8, 9]);

  const file = path.join(dir, "weights.json");
  const before = tf.memory().numTensors;
  const wrongShape = tf.tidy(() => tf.variable(tf.zeros([3, 2])));
  assert.throws(
    () => restoreVariables(dir, { w: wrongShape, b: b2 }),
    (e: Error) =>
      e.message.includes(file) &&
      e.message.includes('"w"') &&
      e.message.includes("[2,3]") &&
      e.message.includes("[3,2]"),
  );
  assert.deepEqual(
    await wrongShape.array(),
    [
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    "nothing assigned on mismatch",
  );
  assert.throws(
    () => restoreVariables(dir, { w: w2, c: b2 }),
    (e: Error) =>
      e.message.includes(file) && /missing from the file: c/.test(e.message) && /not in the model: b/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before + 1, "loaded tensors are disposed even when restoring fails");
  tf.dispose([w, b, w2, b2, wrongShape]);
});

test("Adam state round trip: a restored optimizer continues exactly like the original", async () => {
  const dir = tmpDir();
  const target = tf.tensor1d([1, -2, 3]);
  const lossOf = (v: tf.Variable) => () => tf.sum(tf.square(tf.sub(v, target))) as tf.Scalar;
  const v1 = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
  const o1 = tf.train.adam(0.1);
  for (let i = 0; i < 7; i++) o1.minimize(lossOf(v1), false, [v1]);
  const cap = await captureOptimizerState(o1);
  await saveTensors(dir, { v: v1, ...cap.tensors }, { opt: cap.info });
  cap.release();

  // continue the original 5 more steps
  for (let i = 0; i < 5; i++) o1.minimize(lossOf(v1), false, [v1]);

  // restore into a fresh variable and optimizer, continue 5 steps
  const { tensors, meta } = loadTensors(dir);
  const v2 = tf.variable(tensors.v);
  const o2 = tf.train.adam(0.1);
  const optTensors: Record<string, tf.Tensor> = {};
  for (const k of Object.keys(tensors)) if (k.startsWith("opt/")) optTensors[k] = tensors[k];
  await restoreOptimizerState(o2, optTensors, (meta as { opt: never }).opt, [v2], path.join(dir, "weights.json"));
  tf.dispose(Object.values(tensors));
  assert.equal(o2.iterations, 7);
  for (let i = 0; i < 5; i++) o2.minimize(lossOf(v2), false, [v2]);
  const a = await v1.data(),
    b = await v2.data();
  assert.deepEqual(Array.from(b), Array.from(a));

  // a slot whose shape does not fit the variable is reported with the file
  const o3 = tf.train.adam(0.1);
  const wrong = tf.variable(tf.zeros([4]));
  const { tensors: t2, meta: m2 } = loadTensors(dir);
  const ot: Record<string, tf.Tensor> = {};
  for (const k of Object.keys(t2)) if (k.startsWith("opt/")) ot[k] = t2[k];
  await assert.rejects(
    restoreOptimizerState(o3, ot, (m2 as { opt: never }).opt, [wrong], "X/weights.json"),
    /X\/weights\.json.*slot 0.*\[3\].*\[4\]/,
  );
  tf.dispose(Object.values(t2));
  tf.dispose([target, v1, v2, wrong]);
  o1.dispose();
  o2.dispose();
  o3.dispose();
});

test("saveTensors rejects unsupported dtypes and disposed tensors by name", async () => {
  const dir = tmpDir();
  const c = tf.tensor(["a", "b"]);
  await assert.rejects(saveTensors(dir, { c }), /"c" has dtype string/);
  const d = tf.scalar(1);
  d.dispose();
  await assert.rejects(saveTensors(dir, { d }), /"d" is disposed/);
  c.dispose();
});

test("a failed write (no space left) names the file being written and leaves no temporary behind", async () => {
  const dir = tmpDir();
  const t = tf.tensor1d([1, 2, 3]);
  await withFsFault(
    "writeSync",
    () => errnoError("ENOSPC", "write", "no space left on device"),
    async () => {
      await assert.rejects(saveTensors(dir, { t }), (e: NodeJS.ErrnoException) => {
        assert.ok(e.message.includes(path.join(dir, "weights.bin")), e.message);
        assert.match(e.message, /ENOSPC: no space left on device/);
        assert.equal(e.code, "ENOSPC");
        return true;
      });
    },
  );
  assert.deepEqual(fs.readdirSync(dir), []);
  t.dispose();
});
