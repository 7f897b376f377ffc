// The fused Adam (lib/train/fused-adam.ts) against tf.train.adam: the same variable trajectories on
// the cpu backend (where it is tf.train.adam's own code) and on native (one adamUpdate call per
// variable), a variable without a gradient, state save/restore through the checkpoint format in both
// directions, no leaked tensors, and the trainer picking it on native only.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { loadCheckpoint, saveCheckpoint } from "../../lib/train/checkpoint";
import { FusedAdamOptimizer, createAdam, fusedAdam } from "../../lib/train/fused-adam";
import { train } from "../../lib/train/loop";
import { nativeUnavailable } from "../engine/native-harness";
import { buildToyVae, toyData } from "./toy-vae";

const noNative = nativeUnavailable() ?? false; // registers the native backend (and leaves cpu active)
const backends = ["cpu", ...(noNative ? [] : ["native"])];

let uid = 0;

/** A small regression problem: a 2-layer MLP with a bias, an L2 term, and a frozen variable (no gradient). */
function problem(seed: number) {
  const rng = new Rng(`fused-adam/${seed}`);
  const init = {
    w1: { shape: [6, 8], values: rng.normals(48) },
    b1: { shape: [8], values: rng.normals(8) },
    w2: { shape: [8, 3], values: rng.normals(24) },
    frozen: { shape: [3], values: rng.normals(3) },
  };
  const x = { shape: [16, 6], values: rng.normals(96) };
  const y = { shape: [16, 3], values: rng.normals(48) };
  const make = () => {
    const id = uid++;
    const vars: Record<string, tf.Variable> = {};
    for (const [k, v] of Object.entries(init)) {
      const t0 = tf.tensor(v.values, v.shape);
      vars[k] = tf.variable(t0, true, `fa${id}/${k}`); // shares t0's buffer
      t0.dispose();
    }
    return vars;
  };
  const loss = (vars: Record<string, tf.Variable>) => () =>
    tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(tf.tensor(x.values, x.shape), vars.w1), vars.b1));
      const out = tf.matMul(h, vars.w2);
      return tf.add(
        tf.mean(tf.square(tf.sub(out, tf.tensor(y.values, y.shape)))),
        tf.mul(0.01, tf.sum(tf.square(vars.w1))),
      ) as tf.Scalar;
    });
  return { make, loss };
}

/** One step in the trainer's form: gradients of the trainable variables, array form with a null for `frozen`. */
function step(opt: tf.Optimizer, vars: Record<string, tf.Variable>, loss: () => tf.Scalar): void {
  const trainable = [vars.w1, vars.b1, vars.w2];
  const { value, grads } = tf.variableGrads(loss, trainable);
  opt.applyGradients(
    [...trainable, vars.frozen].map((v) => ({
      name: v.name,
      tensor: grads[v.name] ?? null,
    })) as unknown as tf.NamedTensorMap,
  );
  tf.dispose([value, ...Object.values(grads)]);
}

const snap = async (vars: Record<string, tf.Variable>): Promise<Record<string, Float32Array>> =>
  Object.fromEntries(
    await Promise.all(Object.entries(vars).map(async ([k, v]) => [k, Float32Array.from(await v.data())] as const)),
  );

async function trajectory(backend: string, makeOpt: () => tf.Optimizer, steps: number, seed = 1) {
  const prev = tf.getBackend();
  tf.setBackend(backend);
  try {
    const p = problem(seed);
    const vars = p.make();
    const opt = makeOpt();
    const out: Record<string, Float32Array>[] = [];
    for (let s = 0; s < steps; s++) {
      step(opt, vars, p.loss(vars));
      out.push(await snap(vars));
    }
    opt.dispose();
    tf.dispose(Object.values(vars));
    return out;
  } finally {
    tf.setBackend(prev);
  }
}

function assertSameTrajectory(
  label: string,
  a: Record<string, Float32Array>[],
  b: Record<string, Float32Array>[],
  rtol = 1e-6,
) {
  assert.equal(a.length, b.length);
  a.forEach((sa, s) => {
    for (const k of Object.keys(sa)) {
      sa[k].forEach((v, i) => {
        const w = b[s][k][i];
        const tol = rtol === 0 ? 0 : rtol * Math.abs(w) + 1e-7; // rtol 0: bit-identical
        assert.ok(Math.abs(v - w) <= tol, `${label}: step ${s + 1} ${k}[${i}] ${v} vs ${w}`);
      });
    }
  });
}

test("fused Adam follows tf.train.adam's trajectory over 20 steps (cpu and native), incl. custom β, ε and a variable with no gradient", async () => {
  for (const backend of backends) {
    for (const [lr, b1, b2, eps] of [
      [0.01, 0.9, 0.999, null],
      [0.05, 0.8, 0.95, 1e-4],
    ] as [number, number, number, number | null][]) {
      const ref = await trajectory(backend, () => tf.train.adam(lr, b1, b2, eps as number), 20);
      const fused = await trajectory(backend, () => fusedAdam(lr, b1, b2, eps), 20);
      // Same float32 ops in the same order: the trajectories agree to the last bit, not just within tolerance.
      assertSameTrajectory(`${backend} lr=${lr} β=${b1},${b2} ε=${eps}`, fused, ref, 0);
      assert.deepEqual(
        Array.from(fused[19].frozen),
        Array.from(ref[0].frozen),
        "a variable without a gradient is not updated",
      );
      assert.notDeepEqual(Array.from(fused[19].w1), Array.from(fused[0].w1), "the others move");
    }
  }
});

test("on native every variable is updated by one adamUpdate call, none on cpu", { skip: noNative }, async () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const addon = (
    require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon")
  ).loadAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = addon.adamUpdate;
  let calls = 0;
  addon.adamUpdate = (...a: unknown[]) => {
    calls++;
    return original(...a);
  };
  try {
    await trajectory("native", () => fusedAdam(0.01), 3);
    assert.equal(calls, 3 * 3, "3 steps × 3 variables with gradients");
    await trajectory("cpu", () => fusedAdam(0.01), 2);
    assert.equal(calls, 9, "the cpu backend runs tfjs's own ops");
  } finally {
    addon.adamUpdate = original;
  }
});

test("fused Adam leaves no tensors behind and its state has tfjs Adam's layout", () => {
  for (const backend of backends) {
    const prev = tf.getBackend();
    tf.setBackend(backend);
    try {
      const before = tf.memory().numTensors;
      const p = problem(2);
      const vars = p.make();
      const opt = fusedAdam(0.01);
      step(opt, vars, p.loss(vars));
      const mid = tf.memory().numTensors;
      step(opt, vars, p.loss(vars));
      assert.equal(tf.memory().numTensors, mid, `${backend}: a step keeps the tensor count flat`);
      assert.equal(opt.getClassName(), "Adam");
      assert.equal(opt.iterations, 2);
      opt.dispose();
      tf.dispose(Object.values(vars));
      assert.equal(tf.memory().numTensors, before, `${backend}: dispose releases the slots and β powers`);
    } finally {
      tf.setBackend(prev);
    }
  }
});

test("optimizer state round-trips through a checkpoint, between fused Adam and tf.train.adam in both directions", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-fused-adam-"));
  try {
    for (const backend of backends) {
      const prev = tf.getBackend();
      tf.setBackend(backend);
      try {
        const kinds: [string, () => tf.Optimizer][] = [
          ["fused", () => fusedAdam(0.02)],
          ["tfjs", () => tf.train.adam(0.02)],
        ];
        for (const [saveKind, makeSaver] of kinds) {
          for (const [loadKind, makeLoader] of kinds) {
            const label = `${backend}: ${saveKind} → ${loadKind}`;
            const dir = path.join(tmp, `${backend}-${saveKind}-${loadKind}`);
            // uninterrupted: 7 steps, checkpoint, 6 more
            const p = problem(3);
            const a = p.make();
            const optA = makeSaver();
            for (let s = 0; s < 7; s++) step(optA, a, p.loss(a));
            await saveCheckpoint(dir, { variables: a, optimizer: optA }, { step: 7, controller: {}, history: [] });
            for (let s = 0; s < 6; s++) step(optA, a, p.loss(a));
            // resumed: fresh variables and optimizer, load, 6 steps
            const b = p.make();
            const optB = makeLoader();
            const state = await loadCheckpoint(dir, {
              variables: b,
              optimizer: optB,
              optimizerVars: [b.w1, b.b1, b.w2, b.frozen],
            });
            assert.equal(state?.step, 7);
            assert.equal(optB.iterations, 7, `${label}: iterations restored`);
            for (let s = 0; s < 6; s++) step(optB, b, p.loss(b));
            assertSameTrajectory(label, [await snap(b)], [await snap(a)], 0);
            optA.dispose();
            optB.dispose();
            tf.dispose([...Object.values(a), ...Object.values(b)]);
          }
        }
      } finally {
        tf.setBackend(prev);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("createAdam and the trainer use the fused Adam on native and plain tf.train.adam elsewhere", async () => {
  for (const backend of backends) {
    const prev = tf.getBackend();
    tf.setBackend(backend);
    try {
      const opt = createAdam(1e-3);
      assert.equal(opt instanceof FusedAdamOptimizer, backend === "native", `${backend}: createAdam`);
      assert.ok(opt instanceof tf.Optimizer);
      assert.equal(opt.getClassName(), "Adam");
      opt.dispose();
      const data = toyData(64, 1);
      const model = buildToyVae(new Rng(4));
      const res = await train(model, { data, batchSize: 16, steps: 5, rng: 5, progress: "none" });
      assert.equal(
        res.optimizer instanceof FusedAdamOptimizer,
        backend === "native",
        `${backend}: the trainer's default optimizer`,
      );
      assert.ok(res.history.every((h) => Number.isFinite(h.loss)));
      res.optimizer.dispose();
      model.store.dispose();
      data.dispose();
    } finally {
      tf.setBackend(prev);
    }
  }
});
