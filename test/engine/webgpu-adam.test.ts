// The fused Adam on webgpu (lib/engine/webgpu-adam.ts, picked by lib/train/fused-adam.ts): one dispatch per
// variable gives tf.train.adam's variables and moments, on webgpu and on cpu, at step 1 (bias correction at its
// largest) and after 100 steps, for odd sizes and 2-D shapes; no tensors leak; a training step dispatches far
// fewer kernels. Runs on whatever adapter Dawn finds (SwiftShader here, as test/engine/webgpu.test.ts sets up).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

// first: points Dawn at SwiftShader where no GPU driver is named (before Dawn loads)
import "../helpers/swiftshader";

import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { WEBGPU_ADAM_KERNEL } from "../../lib/engine/webgpu-adam";
import { FusedAdamOptimizer, createAdam, fusedAdam } from "../../lib/train/fused-adam";

/** |Δ| ≤ atol + rtol·|ref| elementwise, with the worst element named. */
function close(got: ArrayLike<number>, ref: ArrayLike<number>, what: string, rtol: number, atol: number): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  for (let i = 0; i < ref.length; i++)
    if (!(Math.abs(got[i] - ref[i]) <= atol + rtol * Math.abs(ref[i])))
      assert.fail(`${what}: element ${i} is ${got[i]}, reference ${ref[i]} (rtol ${rtol}, atol ${atol})`);
}

// odd sizes (not multiples of the workgroup), a scalar, and 2-D shapes
const SHAPES = [[1], [7], [1025], [], [33, 31], [4, 257]];
let uid = 0;

type State = { p: Float32Array[]; m: Float32Array[]; v: Float32Array[] };

/** `steps` Adam steps on `backend` from the same start and gradients; the variables and both moments after them. */
async function run(
  backend: string,
  makeOpt: () => tf.AdamOptimizer,
  steps: number,
  seed: string,
  shapes = SHAPES,
): Promise<State & { opt: tf.AdamOptimizer }> {
  await tf.setBackend(backend);
  const rng = new Rng(`webgpu-adam/${seed}`);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const vars = shapes.map((s) => tf.variable(tf.tensor(rng.normals(size(s)), s), true, `wa${uid++}`));
  const opt = makeOpt();
  const before = tf.memory().numTensors;
  for (let s = 0; s < steps; s++) {
    // gradients of mixed scales, some zero: v ≪ m², v = 0 and sign changes all occur
    const grads = vars.map((v, i) => ({
      name: v.name,
      tensor: tf.tensor(
        rng.normals(v.size).map((x, j) => (j % 5 === 4 ? 0 : x * 10 ** ((i % 3) - 1))),
        v.shape,
      ),
    }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
    // step 1 creates the 2·n moment slots; no tensor is left behind after that
    if (s > 0)
      assert.equal(tf.memory().numTensors, before + 2 * vars.length, `${backend}: tensors leaked at step ${s}`);
  }
  const w = await opt.getWeights();
  const slot = (suffix: string) =>
    Promise.all(
      vars.map((v) => w.find((x) => x.name === `${v.name}/${suffix}`)!.tensor.data() as Promise<Float32Array>),
    );
  const out = {
    p: await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>)),
    m: await slot("m"),
    v: await slot("v"),
    opt,
  };
  tf.dispose([...vars, ...w.map((x) => x.tensor)]);
  return out;
}

function compare(got: State, ref: State, what: string, rtol: number, atol: number, shapes = SHAPES): void {
  for (const k of ["p", "m", "v"] as const)
    got[k].forEach((g, i) => close(g, ref[k][i], `${what}: ${k} of [${shapes[i]}]`, rtol, atol));
}

test("fused Adam on webgpu: tf.train.adam's variables and moments in one dispatch per variable (issue 17)", async (t) => {
  try {
    await initEngine({ force: "webgpu", quiet: true });
  } catch (e) {
    return t.skip(`no webgpu here: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
  }
  const fused = () => fusedAdam(0.01);
  const plain = () => tf.train.adam(0.01);

  await t.test("the trainer's Adam is the fused one on webgpu", () => {
    const opt = createAdam(1e-3);
    assert.ok(opt instanceof FusedAdamOptimizer && opt.fused, "createAdam on webgpu");
    opt.dispose();
  });

  // The same float32 ops in the same order: bit-identical to both on SwiftShader; the tolerances leave room for a
  // GPU's shader compiler contracting a·b + c into an FMA, and for WGSL's 2.5-ulp division and sqrt against cpu.
  for (const steps of [1, 100])
    await t.test(`${steps} step(s): same as tf.train.adam on webgpu (rtol 1e-6) and on cpu (rtol 1e-5)`, async () => {
      const got = await run("webgpu", fused, steps, `s${steps}`);
      assert.ok((got.opt as FusedAdamOptimizer).fused, "the fused path ran");
      const gpu = await run("webgpu", plain, steps, `s${steps}`);
      const cpu = await run("cpu", plain, steps, `s${steps}`);
      compare(got, gpu, `${steps} steps vs webgpu`, 1e-6, 1e-9);
      compare(got, cpu, `${steps} steps vs cpu`, 1e-5, 1e-8);
      [got, gpu, cpu].forEach((r) => r.opt.dispose());
    });

  await t.test("step 1 moves each element by lr·g/(|g| + ε): the bias correction is applied", async () => {
    await tf.setBackend("webgpu");
    const p0 = [0.5, -1, 2, 0, 3],
      g = [1e-3, -2, 30, 0, -1e-6];
    const v = tf.variable(tf.tensor(p0), true, `wa${uid++}`);
    const eps = 1e-7;
    const opt = fusedAdam(0.01, 0.9, 0.999, eps);
    const gt = tf.tensor(g);
    opt.applyGradients([{ name: v.name, tensor: gt }]);
    close(
      await v.data(),
      p0.map((p, i) => p - (0.01 * g[i]) / (Math.abs(g[i]) + Math.fround(eps))),
      "step 1",
      1e-6,
      1e-7,
    );
    tf.dispose([v, gt]);
    opt.dispose();
  });

  await t.test("a variable larger than one dispatch's 8192 workgroups of 64 (grid-stride loop)", async () => {
    const big = [[8192 * 64 * 2 + 97]];
    const got = await run("webgpu", fused, 2, "big", big);
    const cpu = await run("cpu", plain, 2, "big", big);
    compare(got, cpu, "big", 1e-5, 1e-8, big);
    [got, cpu].forEach((r) => r.opt.dispose());
  });

  await t.test("a training step dispatches fewer kernels", async () => {
    await tf.setBackend("webgpu");
    const rng = new Rng("webgpu-adam/mlp");
    const shapes = [[16, 32], [32], [32, 8], [8]];
    const x = tf.tensor(rng.normals(64 * 16), [64, 16]);
    const count = async (makeOpt: () => tf.Optimizer) => {
      const [w1, b1, w2, b2] = shapes.map((s) =>
        tf.variable(tf.tensor(rng.normals(s.reduce((a, b) => a * b, 1)), s), true, `wa${uid++}`),
      );
      const opt = makeOpt();
      const loss = () =>
        tf.mean(tf.square(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2))) as tf.Scalar;
      opt.minimize(loss); // creates the moment slots
      const info = await tf.profile(() => tf.dispose(opt.minimize(loss, true) as tf.Scalar));
      const names = info.kernels.map((k) => k.name);
      tf.dispose([w1, b1, w2, b2]);
      opt.dispose();
      return names;
    };
    const withFused = await count(fused);
    const without = await count(plain);
    console.log(`kernels per training step of a 4-variable MLP on webgpu: ${without.length} → ${withFused.length}`);
    assert.equal(withFused.filter((n) => n === WEBGPU_ADAM_KERNEL).length, 4, "one fused kernel per variable");
    // tfjs's Adam: 14 kernels per variable (mul, add, square, div, sqrt, …) and 4 per step; fused: 1 and 5
    assert.equal(without.length - withFused.length, 4 * 13 - 1, `${without.join(",")}\nvs ${withFused.join(",")}`);
    x.dispose();
  });
});
