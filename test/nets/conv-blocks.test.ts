// The CD-VAE's conv blocks (lib/nets/conv-blocks): parameter names and shapes (cached runs load weights by
// name), the residual block as x + b(a(x)) and the identity at initialisation, the 1-3-3-1 conv block as its
// four convolutions in turn and the zero function at initialisation with a zero output.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scalarOf } from "../helpers/read";
import { Rng } from "../../lib/engine/rng";
import { ParamStore } from "../../lib/nets/params";
import { conv2d } from "../../lib/nets/conv";
import { convBlock, createConvBlock, createResBlock, resBlock } from "../../lib/nets/conv-blocks";
import { engineWithConvGradients } from "../models/model-helpers";

before(async () => {
  await engineWithConvGradients();
});

const shapes = (s: ParamStore) => Object.fromEntries(Object.entries(s.variables()).map(([n, v]) => [n, v.shape]));

test("createResBlock / createConvBlock: parameter names and shapes", () => {
  const s = new ParamStore(new Rng("names"));
  createResBlock(s, "bu/0/1", 5);
  createConvBlock(s, "td/2/post", { inChannels: 7, hiddenChannels: 4, outChannels: 3, zeroOutput: true });
  assert.deepEqual(shapes(s), {
    "bu/0/1/a/w": [3, 3, 5, 5],
    "bu/0/1/a/b": [5],
    "bu/0/1/b/w": [3, 3, 5, 5],
    "bu/0/1/b/b": [5],
    "td/2/post/0/w": [1, 1, 7, 4],
    "td/2/post/0/b": [4],
    "td/2/post/1/w": [3, 3, 4, 4],
    "td/2/post/1/b": [4],
    "td/2/post/2/w": [3, 3, 4, 4],
    "td/2/post/2/b": [4],
    "td/2/post/3/w": [1, 1, 4, 3],
    "td/2/post/3/b": [3],
  });
  s.dispose();
});

test("resBlock = x + b(a(x)), the identity at initialisation; convBlock = its convolutions in turn, zero at initialisation with zeroOutput", async () => {
  const s = new ParamStore(new Rng("blocks"));
  const res = createResBlock(s, "res", 3);
  const cb = createConvBlock(s, "cb", { inChannels: 3, hiddenChannels: 4, outChannels: 2, zeroOutput: true });
  const free = createConvBlock(s, "free", { inChannels: 3, hiddenChannels: 4, outChannels: 2, zeroOutput: false });
  const x = new Rng("x").normalTensor([2, 5, 5, 3]);
  assert.deepEqual(await resBlock(x, res).array(), await x.array());
  assert.ok((await scalarOf(() => tf.max(tf.abs(convBlock(x, cb))))) === 0);
  assert.ok((await scalarOf(() => tf.max(tf.abs(convBlock(x, free))))) > 0);
  assert.deepEqual(
    free.convs.map((c) => [c.w.shape[0], c.activation]),
    [
      [1, "swish"],
      [3, "swish"],
      [3, "swish"],
      [1, "linear"],
    ],
  );
  res.b.w.assign(new Rng("w").normalTensor(res.b.w.shape));
  assert.deepEqual(await resBlock(x, res).array(), await tf.add(x, conv2d(conv2d(x, res.a), res.b)).array());
  assert.deepEqual(
    await convBlock(x, free).array(),
    await conv2d(conv2d(conv2d(conv2d(x, free.convs[0]), free.convs[1]), free.convs[2]), free.convs[3]).array(),
  );
  s.dispose();
});
