// Parity of the native data-movement and remaining kernels (lib/engine/native/kernels-misc.ts) with
// the cpu backend: random shapes with size-1 and empty dims, negative axes, int32 data, float32
// tensors backed by int32 buffers, and the gradients that run through them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { assertParity, gradsOf, nativeUnavailable, randn, runOn, t } from "./native-harness";

const skip = nativeUnavailable() ?? false;
const rng = new Rng("native-misc");
const randShape = (rank: number, max = 5, min = 1) => Array.from({ length: rank }, () => min + rng.int(max - min + 1));
const ints = (x: { shape: number[]; values: Float32Array }) => tf.cast(tf.mul(t(x), 100), "int32");
/** A float32 tensor whose buffer is an Int32Array (the cpu Cast shares it when widening). */
const intBacked = (x: { shape: number[]; values: Float32Array }) => tf.cast(ints(x), "float32");
const exact = { rtol: 0, atol: 0 };

/** Runs fn on both backends and also checks that the native kernel (not the fallback) ran. */
async function parity(label: string, fn: () => tf.Tensor | tf.Tensor[], tol = exact): Promise<void> {
  await assertParity(label, fn, tol);
}

test(
  "slice: random boxes over ranks 1–5, contiguous and strided, int32 and int-backed float32, size -1",
  { skip },
  async () => {
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + (trial % 5);
      const shape = randShape(rank, 6);
      const begin = shape.map((d) => rng.int(d));
      const size = shape.map((d, i) => (rng.uniform() < 0.2 ? -1 : rng.int(d - begin[i] + 1)));
      const x = randn(rng, shape);
      await parity(`slice ${shape} @${begin} ${size}`, () => tf.slice(t(x), begin, size));
      await parity(`slice int32 ${shape} @${begin} ${size}`, () => tf.slice(ints(x), begin, size));
      await parity(`slice int-backed ${shape}`, () => tf.slice(intBacked(x), begin, size));
    }
    await parity("slice of an empty tensor", () => tf.slice(tf.zeros([3, 0, 2]), [1, 0, 0], [2, 0, 2]));
    const m = randn(rng, [70, 40]),
      big = randn(rng, [300, 400]);
    await parity("slice column of a matrix", () => tf.slice(t(m), [0, 3], [70, 1]));
    await parity("slice large strided (split across the pool)", () => tf.slice(t(big), [5, 100], [290, 250]));
  },
);

test("slice keeps the cpu kernel's zero-copy view for contiguous boxes", { skip }, async () => {
  const prev = tf.getBackend();
  tf.setBackend("native");
  try {
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const backend = tf.backend() as unknown as { data: { get(id: object): { values: Float32Array } } };
    const xv = backend.data.get(x.dataId).values;
    const rows = tf.slice(x, [1, 0], [2, 3]);
    assert.equal(backend.data.get(rows.dataId).values.buffer, xv.buffer, "contiguous rows share x's buffer");
    const cols = tf.slice(x, [0, 1], [3, 2]);
    assert.notEqual(backend.data.get(cols.dataId).values.buffer, xv.buffer, "strided columns are a copy");
    assert.deepEqual(Array.from(await cols.data()), [2, 3, 5, 6, 8, 9]);
    tf.dispose([x, rows, cols]);
  } finally {
    tf.setBackend(prev);
  }
});

test("slice and pad gradients match (each is the other's gradient)", { skip }, async () => {
  const x = randn(rng, [4, 6, 5]);
  await parity(
    "d slice",
    gradsOf((v) => tf.slice(v, [1, 2, 0], [2, 3, -1]), [x]),
  );
  await parity(
    "d pad",
    gradsOf(
      (v) =>
        tf.pad(
          v,
          [
            [1, 0],
            [0, 2],
            [3, 1],
          ],
          0.5,
        ),
      [x],
    ),
  );
});

test("pad: random paddings and constants, int32, size-1 dims", { skip }, async () => {
  for (let trial = 0; trial < 25; trial++) {
    const rank = 1 + (trial % 4);
    const shape = randShape(rank, 5);
    const paddings = shape.map(() => [rng.int(3), rng.int(3)] as [number, number]);
    const c = trial % 3 === 0 ? 0 : rng.normal();
    const x = randn(rng, shape);
    await parity(`pad ${shape} ${JSON.stringify(paddings)} c=${c}`, () => tf.pad(t(x), paddings, c));
    await parity(`pad int32 ${shape}`, () => tf.pad(ints(x), paddings, Math.round(c * 10)));
    await parity(`pad int-backed ${shape}`, () => tf.pad(intBacked(x), paddings, c));
  }
  await parity("pad of an empty tensor falls back", () =>
    tf.pad(
      tf.zeros([2, 0]),
      [
        [1, 1],
        [2, 0],
      ],
      3,
    ),
  );
  const small = randn(rng, [3, 4]);
  await parity("pad with zero paddings", () =>
    tf.pad(t(small), [
      [0, 0],
      [0, 0],
    ]),
  );
});

test("split: counts and sizes (with -1), every axis incl. negative, int32, gradients", { skip }, async () => {
  for (let trial = 0; trial < 25; trial++) {
    const rank = 1 + (trial % 4);
    const shape = randShape(rank, 6);
    const axis = rng.int(rank) - (trial % 2 ? rank : 0);
    const d = shape[axis < 0 ? axis + rank : axis];
    const x = randn(rng, shape);
    // sizes summing to d, one of them maybe -1
    const sizes: number[] = [];
    let left = d;
    while (left > 0) {
      const s = 1 + rng.int(left);
      sizes.push(s);
      left -= s;
    }
    if (sizes.length > 1 && trial % 3 === 0) sizes[rng.int(sizes.length)] = -1;
    await parity(`split ${shape} axis ${axis} sizes ${sizes}`, () => tf.split(t(x), sizes, axis));
    await parity(`split int32 ${shape} axis ${axis} count ${d}`, () => tf.split(ints(x), d, axis));
  }
  const s34 = randn(rng, [3, 4]);
  await parity("split with an empty piece", () => tf.split(t(s34), [0, 4], 1));
  await parity(
    "d split",
    gradsOf(
      (v) => tf.add(tf.mul(tf.split(v, [2, 3], 1)[0], 2), tf.slice(tf.split(v, [2, 3], 1)[1], [0, 0], [-1, 2])),
      [randn(rng, [4, 5])],
    ),
  );
});

test("unstack: every axis incl. negative, int32", { skip }, async () => {
  for (const shape of [[4], [3, 5], [2, 3, 4], [1, 4, 1, 3]]) {
    const x = randn(rng, shape);
    for (let axis = -shape.length; axis < shape.length; axis++) {
      await parity(`unstack ${shape} axis ${axis}`, () => tf.unstack(t(x), axis));
      await parity(`unstack int32 ${shape} axis ${axis}`, () => tf.unstack(ints(x), axis));
    }
  }
});

test("concat: 1–6 inputs incl. empty ones, every axis incl. negative, int32, gradients", { skip }, async () => {
  for (let trial = 0; trial < 40; trial++) {
    const rank = 1 + (trial % 4);
    const base = randShape(rank, 4);
    const axis = rng.int(rank);
    const count = 1 + rng.int(6);
    const xs = Array.from({ length: count }, (_, i) => {
      const s = base.slice();
      s[axis] = trial % 5 === 0 && i === 1 ? 0 : 1 + rng.int(4);
      return randn(rng, s);
    });
    const ax = trial % 2 ? axis - rank : axis;
    await parity(`concat ${xs.map((x) => `[${x.shape}]`).join(" ")} axis ${ax}`, () =>
      tf.concat(
        xs.map((x) => t(x)),
        ax,
      ),
    );
    await parity(`concat int32 axis ${ax}`, () =>
      tf.concat(
        xs.map((x) => ints(x)),
        ax,
      ),
    );
    await parity(`concat int-backed + float axis ${ax}`, () =>
      tf.concat(
        xs.map((x, i) => (i % 2 ? intBacked(x) : t(x))),
        ax,
      ),
    );
  }
  await parity("concat of all-empty inputs", () => tf.concat([tf.zeros([2, 0]), tf.zeros([2, 0])], 1));
  const c23 = randn(rng, [2, 3]);
  const many = Array.from({ length: 20 }, () => randn(rng, [1 + rng.int(7)]));
  const r1 = randn(rng, [500, 70]),
    r2 = randn(rng, [500, 130]);
  await parity("concat of one non-empty and one empty input", () => tf.concat([t(c23), tf.zeros([2, 0])], 1));
  await parity("concat 1-D many", () => tf.concat(many.map((x) => t(x))));
  await parity("concat large rows", () => tf.concat([t(r1), t(r2)], 1));
  const a = randn(rng, [3, 2, 4]),
    b = randn(rng, [3, 5, 4]);
  await parity(
    "d concat",
    gradsOf((x, y) => tf.concat([x, y, x], 1), [a, b]),
  );
});

test("stack: axes incl. negative, int32, gradients", { skip }, async () => {
  for (const shape of [[], [3], [2, 4], [3, 1, 2]]) {
    const xs = Array.from({ length: 3 }, () => randn(rng, shape));
    for (let axis = -shape.length - 1; axis <= shape.length; axis++) {
      await parity(`stack ${shape} axis ${axis}`, () =>
        tf.stack(
          xs.map((x) => t(x)),
          axis,
        ),
      );
      await parity(`stack int32 ${shape} axis ${axis}`, () =>
        tf.stack(
          xs.map((x) => ints(x)),
          axis,
        ),
      );
    }
  }
  const one = randn(rng, [2, 3]);
  await parity("stack of one tensor", () => tf.stack([t(one)], 1));
  const xs = [randn(rng, [2, 3]), randn(rng, [2, 3])];
  await parity(
    "d stack",
    gradsOf((a, b) => tf.stack([a, b, a], 1), xs),
  );
});

test("tile: ranks 1–5, reps incl. 1 and 0, int32, gradients", { skip }, async () => {
  for (let trial = 0; trial < 25; trial++) {
    const rank = 1 + (trial % 5);
    const shape = randShape(rank, 4);
    const reps = shape.map(() => (trial % 7 === 3 ? rng.int(3) : 1 + rng.int(3)));
    const x = randn(rng, shape);
    await parity(`tile ${shape} × ${reps}`, () => tf.tile(t(x), reps));
    await parity(`tile int32 ${shape} × ${reps}`, () => tf.tile(ints(x), reps));
  }
  const tl = randn(rng, [30, 50]);
  await parity("tile large", () => tf.tile(t(tl), [20, 3]));
  await parity(
    "d tile 2-D",
    gradsOf((v) => tf.tile(v, [2, 3]), [randn(rng, [3, 4])]),
    { rtol: 1e-6, atol: 1e-6 },
  );
  await parity(
    "d tile 3-D",
    gradsOf((v) => tf.tile(v, [1, 2, 2]), [randn(rng, [2, 3, 2])]),
    { rtol: 1e-6, atol: 1e-6 },
  );
});

test("gather: axes, batchDims, indices of rank 0–2, repeated indices, int32 data, gradients", { skip }, async () => {
  for (let trial = 0; trial < 30; trial++) {
    const rank = 1 + (trial % 4);
    const shape = randShape(rank, 5);
    const axis = rng.int(rank);
    const d = shape[axis];
    const idxShape = randShape(trial % 3, 4);
    const n = idxShape.reduce((a, b) => a * b, 1);
    const idx = Int32Array.from({ length: n }, () => rng.int(d));
    const x = randn(rng, shape);
    const ax = trial % 2 ? axis - rank : axis;
    await parity(`gather ${shape} axis ${ax} idx ${idxShape}`, () =>
      tf.gather(t(x), tf.tensor(idx, idxShape, "int32"), ax),
    );
    await parity(`gather int32 ${shape} axis ${ax}`, () => tf.gather(ints(x), tf.tensor(idx, idxShape, "int32"), ax));
    await parity(
      `d gather ${shape} axis ${axis}`,
      gradsOf((v) => tf.gather(v, tf.tensor(idx, idxShape, "int32"), axis), [x]),
      { rtol: 1e-6, atol: 1e-6 },
    );
  }
  // batchDims = 1: x [B, N, C], indices [B, K]
  const x = randn(rng, [3, 5, 4]);
  const idx = tf.tensor2d(
    [
      [0, 4, 4],
      [1, 1, 0],
      [3, 2, 1],
    ],
    [3, 3],
    "int32",
  );
  const x2 = randn(rng, [3, 2, 5]),
    data = randn(rng, [300, 784]);
  const rows = Array.from({ length: 128 }, () => rng.int(300));
  await parity("gather batchDims 1", () => tf.gather(t(x), idx, 1, 1));
  await parity("gather batchDims 1, axis 2", () => tf.gather(t(x2), idx, 2, 1));
  await parity("gather empty indices", () => tf.gather(t(x), tf.tensor1d([], "int32"), 1));
  await parity("gather rows of a big matrix (the training batch)", () =>
    tf.gather(t(data), tf.tensor1d(rows, "int32")),
  );
});

test("gather rejects an out-of-range index with the cpu kernel's message", { skip }, async () => {
  for (const [bad, dim] of [
    [5, 4],
    [-1, 4],
  ]) {
    const f = () => tf.gather(tf.ones([dim, 2]), tf.tensor1d([0, bad], "int32"));
    const msgs: string[] = [];
    for (const b of ["cpu", "native"]) {
      try {
        await runOn(b, f);
        msgs.push("no error");
      } catch (e) {
        msgs.push((e as Error).message);
      }
    }
    assert.equal(msgs[1], msgs[0]);
    assert.match(msgs[1], new RegExp(`GatherV2: the index value ${bad} is not in \\[0, ${dim - 1}\\]`));
  }
});

test(
  "unsortedSegmentSum: ids out of range dropped, empty segments zero, NaN/Inf spread like the cpu kernel",
  { skip },
  async () => {
    for (let trial = 0; trial < 15; trial++) {
      const n = 1 + rng.int(12),
        k = 1 + rng.int(6);
      const inner = randShape(trial % 3, 4);
      const x = randn(rng, [n, ...inner]);
      const ids = Int32Array.from({ length: n }, () => rng.int(k + 2) - 1); // includes -1 and k
      await parity(
        `unsortedSegmentSum n=${n} k=${k} inner=${inner}`,
        () => tf.unsortedSegmentSum(t(x), tf.tensor1d(ids, "int32"), k),
        { rtol: 1e-7, atol: 0 },
      );
    }
    const bad = tf.tensor2d([
      [1, NaN, 3],
      [Infinity, 5, 6],
      [7, 8, -Infinity],
      [1, 1, 1],
    ]);
    for (const ids of [
      [0, 1, 1, 2],
      [2, 2, 2, 0],
      [0, 5, 1, 1],
    ]) {
      await parity(`unsortedSegmentSum non-finite ids ${ids}`, () =>
        tf.unsortedSegmentSum(bad, tf.tensor1d(ids, "int32"), 3),
      );
    }
    await parity("unsortedSegmentSum int32 falls back", () =>
      tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3], "int32"), tf.tensor1d([0, 0, 1], "int32"), 2),
    );
  },
);

test("where (Select): float32 and int32, gradients; broadcast condition falls back", { skip }, async () => {
  for (const shape of [[7], [3, 4], [2, 3, 4]]) {
    const a = randn(rng, shape),
      b = randn(rng, shape),
      c = randn(rng, shape);
    await parity(`where ${shape}`, () => tf.where(tf.greater(t(c), 0), t(a), t(b)));
    await parity(`where int32 ${shape}`, () => tf.where(tf.greater(t(c), 0), ints(a), ints(b)));
    await parity(
      `d where ${shape}`,
      gradsOf((x, y) => tf.where(tf.greater(t(c), 0), x, y), [a, b]),
    );
  }
  await parity("where with a scalar-shaped condition", () =>
    tf.where(tf.scalar(true, "bool"), tf.scalar(1), tf.scalar(2)),
  );
  const w1 = randn(rng, [2, 3]),
    w2 = randn(rng, [2, 3]);
  await parity("where broadcast [3] over [2, 3]", () =>
    tf.where(tf.tensor1d([true, false, true], "bool"), t(w1), t(w2)),
  );
});

test("addN: 1–12 inputs, float32 rounding order, int32 wrap-around", { skip }, async () => {
  for (let count = 1; count <= 12; count += 1 + rng.int(3)) {
    const shape = randShape(1 + rng.int(3), 6);
    const xs = Array.from({ length: count }, () => randn(rng, shape, 1 + rng.int(1000)));
    await parity(`addN ${count}× ${shape}`, () => tf.addN(xs.map((x) => t(x))));
    await parity(`addN int32 ${count}× ${shape}`, () => tf.addN(xs.map((x) => ints(x))));
  }
  await parity("addN -0 + -0 is +0 as in the cpu kernel", () =>
    tf.div(1, tf.addN([tf.tensor1d([-0]), tf.tensor1d([-0])])),
  );
  await parity("addN int32 overflow wraps", () =>
    tf.addN([tf.tensor1d([2147483647, -2147483648], "int32"), tf.tensor1d([1, -1], "int32")]),
  );
  const bigs = [randn(rng, [100000]), randn(rng, [100000]), randn(rng, [100000])];
  await parity("addN big", () => tf.addN(bigs.map((x) => t(x))));
  await parity(
    "d addN",
    gradsOf((a, b) => tf.addN([a, b, a]), [randn(rng, [3, 2]), randn(rng, [3, 2])]),
  );
});

test("isFinite and all (the training loop's NaN guard), with axes and keepDims", { skip }, async () => {
  const edge = tf.tensor1d([0, -0, 1, NaN, Infinity, -Infinity, 3.4e38, -1e-45]);
  await parity("isFinite edges", () => tf.isFinite(edge));
  const big = randn(rng, [50000]);
  big.values[31234] = NaN;
  await parity("isFinite large", () => tf.isFinite(t(big)));
  const fine = randn(rng, [40, 30]);
  await parity("all(isFinite) guard", () => [tf.all(tf.isFinite(t(big))), tf.all(tf.isFinite(t(fine)))]);
  const b = tf.tensor3d(
    [
      [
        [1, 1, 0],
        [1, 1, 1],
      ],
      [
        [0, 0, 0],
        [1, 1, 1],
      ],
    ],
    [2, 2, 3],
    "bool",
  );
  for (const axis of [undefined, 2, -1, [1, 2], 0, [0, 2], 1]) {
    for (const keepDims of [false, true])
      await parity(`all axis ${JSON.stringify(axis)} keepDims ${keepDims}`, () => tf.all(b, axis, keepDims));
  }
  await parity("all of a scalar", () => tf.all(tf.scalar(true, "bool")));
  await parity("isFinite int32 falls back", () => tf.isFinite(tf.tensor1d([1, 2], "int32")));
});

test("step (relu's gradient) and comparisons, NaN included, scalar and same-shape operands", { skip }, async () => {
  const x = randn(rng, [5, 7]);
  x.values[3] = NaN;
  x.values[4] = 0;
  x.values[5] = -0;
  await parity("step alpha 0", () => tf.step(t(x)));
  await parity("step alpha 0.3", () => tf.step(t(x), 0.3));
  await parity(
    "d relu",
    gradsOf((v) => tf.relu(v), [randn(rng, [6, 5])]),
  );
  await parity(
    "d prelu",
    gradsOf((v, a) => tf.prelu(v, a), [randn(rng, [6, 5]), randn(rng, [5], 0.2)]),
    { rtol: 1e-6, atol: 1e-6 },
  );
  const y = randn(rng, [5, 7]);
  y.values[6] = NaN;
  y.values[7] = x.values[7];
  const cmps: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["greater", tf.greater],
    ["greaterEqual", tf.greaterEqual],
    ["less", tf.less],
    ["lessEqual", tf.lessEqual],
    ["equal", tf.equal],
    ["notEqual", tf.notEqual],
  ];
  const row = randn(rng, [7]);
  for (const [name, f] of cmps) {
    await parity(`${name} same shape`, () => f(t(x), t(y)));
    await parity(`${name} x op scalar`, () => f(t(x), tf.scalar(0.1)));
    await parity(`${name} scalar op x`, () => f(tf.scalar(0.1), t(x)));
    await parity(`${name} [1,1] op x`, () => f(tf.tensor2d([[NaN]]), t(x)));
    await parity(`${name} broadcast row falls back`, () => f(t(x), t(row)));
    await parity(`${name} int32 falls back`, () => f(ints(x), ints(y)));
  }
});

test(
  "the overridden kernels really run natively (each entry point is called) and bool-backed float32 converts",
  { skip },
  async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadAddon } = require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon");
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { nativeKernelNames } =
      require("../../lib/engine/native/register") as typeof import("../../lib/engine/native/register");
    const names = nativeKernelNames();
    for (const k of [
      "Slice",
      "SplitV",
      "Unpack",
      "PadV2",
      "Concat",
      "Pack",
      "Tile",
      "GatherV2",
      "UnsortedSegmentSum",
      "Select",
      "AddN",
      "IsFinite",
      "All",
      "Step",
      "Greater",
    ]) {
      assert.ok(names.includes(k), `${k} is overridden`);
    }
    const addon = loadAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
    const fns = [
      "slice",
      "pad",
      "concat",
      "gather",
      "unsortedSegmentSum",
      "tile",
      "select",
      "addN",
      "isFinite",
      "all",
      "step",
      "compare",
    ];
    const calls: Record<string, number> = {};
    const saved = fns.map((k) => addon[k]);
    fns.forEach((k, i) => {
      calls[k] = 0;
      addon[k] = (...a: unknown[]) => {
        calls[k]++;
        return saved[i](...a);
      };
    });
    try {
      const x = randn(rng, [4, 5]);
      await runOn("native", () => {
        const v = t(x);
        return [
          tf.slice(v, [0, 1], [4, 2]),
          tf.pad(v, [
            [1, 1],
            [0, 0],
          ]),
          tf.concat([v, v], 1),
          tf.gather(v, tf.tensor1d([3, 0], "int32"), 0),
          tf.unsortedSegmentSum(v, tf.tensor1d([0, 1, 0, 1], "int32"), 2),
          tf.tile(v, [1, 2]),
          tf.where(tf.greater(v, 0), v, tf.neg(v)),
          tf.addN([v, v]),
          tf.cast(tf.all(tf.isFinite(v)), "float32"),
          tf.step(v),
        ];
      });
    } finally {
      fns.forEach((k, i) => (addon[k] = saved[i]));
    }
    for (const k of fns) assert.ok(calls[k] > 0, `native ${k} was called`);
    const mask = tf.tensor2d(
      [
        [1, 0, 1],
        [0, 1, 1],
      ],
      [2, 3],
      "bool",
    );
    await parity("bool-backed float32 moves", () => {
      const f = tf.cast(mask, "float32");
      return [tf.slice(f, [0, 1], [2, 2]), tf.tile(f, [2, 1]), tf.concat([f, f], 1)];
    });
  },
);

test("the misc entry points reject bad arguments naming the function and argument", { skip }, () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadAddon } = require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { miscAddon } =
    require("../../lib/engine/native/kernels-misc") as typeof import("../../lib/engine/native/kernels-misc");
  const m = miscAddon(loadAddon());
  assert.ok(m, "the addon has the misc entry points");
  const f = (n: number) => new Float32Array(n);
  assert.throws(
    () => m.slice(f(6), [2, 3], [1, 2], [1, 2], f(2)),
    /slice: box \[1,2\]\+\[1,2\] exceeds shape \[2,3\] at dim 1/,
  );
  assert.throws(
    () => m.slice(f(6), [2, 3], [0, 0], [1, 2], new Int32Array(2)),
    /slice: out is a Int32Array but x is a Float32Array/,
  );
  assert.throws(() => m.pad(f(5), [2, 3], [0, 0], f(6), [2, 3]), /pad: x has 5 elements, expected 6/);
  assert.throws(() => m.concat([f(4), f(3)], [2, 2], 2, f(8)), /concat: inputs\[1\] has 3 elements, expected 4/);
  assert.throws(
    () => m.concat([f(4), new Int32Array(4)], [2, 2], 2, f(8)),
    /concat: inputs\[1\] is a Int32Array but inputs\[0\] is a Float32Array/,
  );
  assert.throws(
    () => m.gather(f(6), new Int32Array([0, 3]), 1, 1, 3, 2, f(4)),
    /GatherV2: the index value 3 is not in \[0, 2\]/,
  );
  assert.throws(
    () => m.gather(f(6), new Int32Array([0, 1]), 1, 1, 3, 2, f(5)),
    /gather: out has 5 elements, expected 4/,
  );
  assert.throws(
    () => m.unsortedSegmentSum(f(6), new Int32Array(2), 3, 2, 2, f(4)),
    /unsortedSegmentSum: ids has 2 elements, expected 3/,
  );
  assert.throws(() => m.tile(f(6), [2, 3], [2], f(12)), /tile: reps has 1 entries for rank 2/);
  assert.throws(() => m.select(new Uint8Array(3), f(4), f(4), f(4)), /select: condition has 3 elements, expected 4/);
  assert.throws(() => m.addN([f(3), f(4)], f(3)), /addN: inputs\[1\] has 4 elements, out has 3/);
  assert.throws(() => m.isFinite(f(3), new Uint8Array(2)), /isFinite: out has 2 elements, expected 3/);
  assert.throws(() => m.all(new Uint8Array(6), 2, 0, new Uint8Array(2)), /all: inner must be at least 1/);
  assert.throws(() => m.compare(9, f(1), f(1), new Uint8Array(1)), /compare: unknown op code 9/);
  assert.throws(() => m.compare(0, f(2), f(3), new Uint8Array(3)), /compare: a has 2 and b 3 elements/);
  assert.throws(
    () => m.adamUpdate(f(3), f(3), f(3), f(2), f(3), f(3), f(3), 0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-7, -1e-3),
    /adamUpdate: v has 2 elements, expected 3/,
  );
  assert.throws(
    () => (m.slice as unknown as (...a: unknown[]) => void)(f(6), [2, 3]),
    /slice: expected 5 arguments, got 2/,
  );
});
