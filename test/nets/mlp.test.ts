import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { ParamStore, createMlp, fans, initValues, mlpForward, dense, activate } from "../../lib/nets";

before(async () => {
  await initEngine({ quiet: true });
});

function stats(x: Float32Array) {
  let s = 0,
    s2 = 0,
    max = -Infinity;
  for (const v of x) {
    s += v;
    s2 += v * v;
    max = Math.max(max, Math.abs(v));
  }
  const m = s / x.length;
  return { mean: m, var: s2 / x.length - m * m, max };
}

test("fans follow Glorot/He conventions for dense and conv shapes", () => {
  assert.deepEqual(fans([784, 512]), { fanIn: 784, fanOut: 512 });
  assert.deepEqual(fans([3, 3, 16, 32]), { fanIn: 144, fanOut: 288 });
  assert.deepEqual(fans([10]), { fanIn: 10, fanOut: 10 });
});

test("initialisers have the stated variance / range", () => {
  const rng = new Rng(5);
  const shape = [400, 200];
  const n = 400 * 200;
  const tol = (v: number) => 6 * v * Math.sqrt(2 / n); // ~6 sd of a variance estimate
  const gu = stats(initValues(shape, { kind: "glorotUniform" }, rng));
  const limG = Math.sqrt(6 / 600);
  assert.ok(gu.max <= limG, "glorot uniform within ±sqrt(6/(in+out))");
  assert.ok(Math.abs(gu.var - 2 / 600) < tol(2 / 600), `glorot var ${gu.var}`);
  const gn = stats(initValues(shape, { kind: "glorotNormal" }, rng));
  assert.ok(Math.abs(gn.var - 2 / 600) < tol(2 / 600), `glorot normal var ${gn.var}`);
  const hn = stats(initValues(shape, { kind: "heNormal" }, rng));
  assert.ok(Math.abs(hn.var - 2 / 400) < tol(2 / 400), `he normal var ${hn.var}`);
  const hu = stats(initValues(shape, { kind: "heUniform" }, rng));
  assert.ok(hu.max <= Math.sqrt(6 / 400) && Math.abs(hu.var - 2 / 400) < tol(2 / 400), `he uniform var ${hu.var}`);
  assert.ok(Math.abs(hn.mean) < 6 * Math.sqrt(2 / 400 / n));
  assert.deepEqual(Array.from(initValues([3], { kind: "constant", value: 2.5 }, rng)), [2.5, 2.5, 2.5]);
});

test("ParamStore: same seed gives the same parameters; each parameter's draw is independent of the others", async () => {
  const a = new ParamStore(new Rng(1));
  a.add("x", [3, 4]);
  a.add("y", [4]);
  const b = new ParamStore(new Rng(1));
  b.add("y", [4]); // different creation order
  b.add("x", [3, 4]);
  b.add("z", [2]);
  assert.deepEqual(await a.get("x").array(), await b.get("x").array());
  assert.deepEqual(await a.get("y").array(), await b.get("y").array());
  const c = new ParamStore(new Rng(2));
  c.add("x", [3, 4]);
  assert.notDeepEqual(await a.get("x").array(), await c.get("x").array());
  assert.deepEqual(a.names(), ["x", "y"]);
  assert.equal(a.count(), 16);
  assert.throws(() => a.add("x", [1]), /"x" already exists/);
  assert.throws(() => a.get("nope"), /no parameter "nope"/);
  a.dispose();
  b.dispose();
  c.dispose();
});

test("MLP forward equals a hand computation (per-layer activations, optional bias)", async () => {
  const store = new ParamStore(new Rng(3));
  const net = createMlp(store, "enc", { sizes: [3, 4, 2], activation: ["tanh", "softplus"], bias: [true, false] });
  assert.deepEqual(store.names(), ["enc/0/w", "enc/0/b", "enc/1/w"]);
  // give the bias a non-zero value so it matters
  store.get("enc/0/b").assign(tf.tensor1d([0.1, -0.2, 0.3, -0.4]));
  const x = [
    [1, 2, 3],
    [-1, 0.5, 0],
  ];
  const W0 = (await store.get("enc/0/w").array()) as number[][];
  const b0 = (await store.get("enc/0/b").array()) as number[];
  const W1 = (await store.get("enc/1/w").array()) as number[][];
  const expected = x.map((row) => {
    const h = W0[0].map((_, j) => Math.tanh(row.reduce((s, xi, i) => s + xi * W0[i][j], 0) + b0[j]));
    return W1[0].map((_, k) => Math.log1p(Math.exp(h.reduce((s, hj, j) => s + hj * W1[j][k], 0))));
  });
  const y = mlpForward(net, tf.tensor2d(x));
  const got = (await y.array()) as number[][];
  got.forEach((r, i) =>
    r.forEach((v, k) => assert.ok(Math.abs(v - expected[i][k]) < 1e-5, `y[${i}][${k}] ${v} vs ${expected[i][k]}`)),
  );
  // rank-3 input is mapped over leading dims
  const x3 = tf.tensor3d([x, x]);
  const y3 = mlpForward(net, x3);
  assert.deepEqual(y3.shape, [2, 2, 2]);
  const g3 = (await y3.array()) as number[][][];
  assert.ok(Math.abs(g3[1][1][0] - expected[1][0]) < 1e-5);
  tf.dispose([y, x3, y3]);
  store.dispose();
});

test("default activations: relu hidden, linear output; He init for relu layers", () => {
  const store = new ParamStore(new Rng(4));
  const net = createMlp(store, "m", { sizes: [50, 40, 3] });
  assert.deepEqual(
    net.layers.map((l) => l.activation),
    ["relu", "linear"],
  );
  assert.ok(net.layers.every((l) => l.b !== null));
  assert.throws(
    () => createMlp(store, "bad", { sizes: [2, 3], activation: ["relu", "relu"] }),
    /2 activations for 1 layers/,
  );
  store.dispose();
});

test("dense and mlpForward leave no tensors behind", () => {
  const store = new ParamStore(new Rng(6));
  const net = createMlp(store, "m", { sizes: [5, 8, 8, 2], activation: "swish" });
  const x = tf.ones([4, 5]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const y = mlpForward(net, x);
    const z = dense(x, net.layers[0]);
    const a = activate(z, "leakyRelu");
    tf.dispose([y, z, a]);
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  store.dispose();
});
