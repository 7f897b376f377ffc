// The native backend's output-buffer pool (lib/engine/native/buffer-pool): a buffer is reused only when no tensor
// data refers to it — not while a reshape shares the data or a slice is a view of it — reads are copies that stay
// intact after the buffer is reused, the pool's size is capped, and training every benchmark model gives the same
// losses bit for bit with the pool on and off, at a constant tensor count.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  POOL_CAP_BYTES,
  POOL_MIN_ELEMENTS,
  bufferPoolEnabled,
  bufferPoolStats,
  resetBufferPool,
} from "../../lib/engine/native/buffer-pool";
import { benchModel, benchModelNames } from "../../lib/bench/models";
import { nativeUnavailable } from "./native-harness";

const skip = nativeUnavailable();
const N = 4096; // above POOL_MIN_ELEMENTS: pooled

describe("native output-buffer pool", { skip: skip ?? false }, () => {
  let prevBackend = "";
  let prevPool = true;
  before(() => {
    prevBackend = tf.getBackend();
    prevPool = bufferPoolEnabled();
    tf.setBackend("native");
    bufferPoolEnabled(true);
  });
  after(() => {
    bufferPoolEnabled(prevPool);
    tf.setBackend(prevBackend);
  });

  const ramp = (n: number, offset = 0) => tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i + offset));

  test("a disposed output's buffer is reused by the next output of its size, and only then", () => {
    assert.ok(N >= POOL_MIN_ELEMENTS);
    const a = ramp(N),
      b = ramp(N, 1);
    resetBufferPool();
    const y = tf.add(a, b);
    assert.equal(bufferPoolStats().allocated, 1);
    y.dispose();
    assert.equal(bufferPoolStats().pooledBytes, N * 4);
    const z = tf.mul(a, b);
    assert.deepEqual(bufferPoolStats(), { reused: 1, allocated: 1, pooledBytes: 0 });
    // a size the pool does not hold allocates
    const w = tf.add(ramp(N + 1), ramp(N + 1));
    assert.equal(bufferPoolStats().allocated, 2);
    tf.dispose([a, b, z, w]);
  });

  test("a read is a copy: it survives the tensor's disposal and the reuse of its buffer", async () => {
    const a = ramp(N),
      b = ramp(N, 1);
    const y = tf.add(a, b);
    const read = await y.data();
    const readSync = tf.backend().readSync(y.dataId) as Float32Array; // what dataSync() and moving backends read
    y.dispose();
    resetBufferPool();
    const z = tf.sub(a, b); // reuses y's buffer if the pool held it; all −1
    for (let i = 0; i < N; i += 511) {
      assert.equal(read[i], 2 * i + 1);
      assert.equal(readSync[i], 2 * i + 1);
    }
    tf.dispose([a, b, z]);
  });

  test("a reshape sharing the data and a slice viewing the buffer keep it out of the pool until they go", async () => {
    const a = ramp(N),
      b = ramp(N, 1);
    resetBufferPool();
    const y = tf.add(a, b); // 2i + 1
    const r = y.reshape([64, N / 64]); // the same data entry (refcount 2)
    const s = y.slice([N - 1024], [1024]); // the cpu Slice: a subarray view of y's buffer
    y.dispose();
    assert.equal(bufferPoolStats().pooledBytes, 0, "the reshape still holds the data");
    r.dispose();
    assert.equal(bufferPoolStats().pooledBytes, 0, "the slice still views the buffer");
    const z = tf.sub(a, b); // must not land in y's buffer
    const sv = await s.data();
    for (let i = 0; i < 1024; i += 101) assert.equal(sv[i], 2 * (N - 1024 + i) + 1);
    s.dispose();
    assert.equal(bufferPoolStats().pooledBytes, N * 4, "released once the last view went");
    tf.dispose([a, b, z]);
  });

  test("at most POOL_CAP_BYTES wait in the pool", () => {
    resetBufferPool();
    const n = Math.floor(POOL_CAP_BYTES / 4 / 3) + 256; // three of these exceed the cap
    const x = tf.ones([n]);
    const ys = [0, 1, 2].map(() => tf.neg(x));
    tf.dispose(ys);
    assert.ok(bufferPoolStats().pooledBytes <= POOL_CAP_BYTES, `${bufferPoolStats().pooledBytes} bytes pooled`);
    assert.equal(bufferPoolStats().pooledBytes, 2 * n * 4);
    x.dispose();
    resetBufferPool();
  });

  for (const name of benchModelNames()) {
    test(`${name}: 12 Adam steps give the same losses bit for bit with the pool on and off`, async () => {
      const losses = async (pool: boolean): Promise<number[]> => {
        bufferPoolEnabled(pool);
        resetBufferPool();
        const model = benchModel(name).build(7);
        const out: number[] = [];
        let count = 0;
        for (let s = 0; s < 12; s++) {
          await model.step();
          out.push(model.lastLoss());
          if (s === 1) count = tf.memory().numTensors;
        }
        assert.equal(tf.memory().numTensors, count, `${name}: tensor count constant over the steps`);
        if (pool) assert.ok(bufferPoolStats().reused > 0, `${name}: the pool reused no buffer`);
        model.dispose();
        return out;
      };
      const on = await losses(true);
      const off = await losses(false);
      bufferPoolEnabled(true);
      assert.ok(on.every(Number.isFinite), `${name}: finite losses ${on}`);
      assert.deepEqual(on, off);
    });
  }
});
