// A small Gaussian-MLP VAE and a toy dataset for the training tests (Gaussian KL and log-likelihood
// written inline; lib/prob is not used here).
import * as tf from "@tensorflow/tfjs";
import { scalarOf } from "../helpers/read";
import { Rng } from "../../lib/engine/rng";
import { Mlp, ParamStore, createMlp, mlpForward, zeros } from "../../lib/nets";
import { RateDistortion, rateDistortion } from "../../lib/objectives";
import { Batch, StepContext, TrainableModel } from "../../lib/train";

export interface ToyVae extends TrainableModel {
  store: ParamStore;
  enc: Mlp;
  dec: Mlp;
  zDim: number;
  /** Mean negative ELBO over `x` with a fixed noise seed (for before/after comparisons). */
  negElbo(x: tf.Tensor2D, seed: number): Promise<number>;
}

export function toyData(n: number, seed: number, xDim = 4): tf.Tensor2D {
  const rng = new Rng(seed);
  const W = Array.from({ length: xDim }, () => [rng.normal(), rng.normal()]);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const u = [rng.normal(), rng.normal()];
    rows.push(W.map((w) => w[0] * u[0] + w[1] * u[1] + 0.1 * rng.normal()));
  }
  return tf.tensor2d(rows);
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function buildToyVae(rng: Rng, xDim = 4, zDim = 2, hidden = 16): ToyVae {
  const store = new ParamStore(rng);
  const enc = createMlp(store, "enc", { sizes: [xDim, hidden, 2 * zDim], activation: "tanh" });
  const dec = createMlp(store, "dec", { sizes: [zDim, hidden, xDim], activation: "tanh" });
  const logSigma = store.add("dec/logsigma", [xDim], zeros);
  const forward = (x: tf.Tensor2D, eps: tf.Tensor): RateDistortion => {
    const h = mlpForward(enc, x);
    const mu = tf.slice(h, [0, 0], [-1, zDim]);
    const logvar = tf.slice(h, [0, zDim], [-1, zDim]);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps));
    const xhat = mlpForward(dec, z);
    // −log N(x; xhat, σ²) summed over dims
    const nll = tf.add(
      tf.add(HALF_LOG_2PI, logSigma),
      tf.div(tf.square(tf.sub(x, xhat)), tf.mul(2, tf.exp(tf.mul(2, logSigma)))),
    );
    const distortion = tf.sum(nll, 1);
    // KL(N(mu, e^logvar) ‖ N(0, 1)) per dimension
    const ratePerDim = tf.mul(0.5, tf.sub(tf.add(tf.square(mu), tf.exp(logvar)), tf.add(1, logvar)));
    return rateDistortion({ distortion, ratePerDim });
  };
  return {
    store,
    enc,
    dec,
    zDim,
    variables: store.variables(),
    step(batch: Batch, ctx: StepContext) {
      const x = batch as tf.Tensor2D;
      return forward(x, ctx.rng.normalTensor([x.shape[0], zDim]));
    },
    async negElbo(x, seed) {
      return -(await scalarOf(() => tf.mean(forward(x, new Rng(seed).normalTensor([x.shape[0], zDim])).elbo)));
    },
  };
}

export async function snapshot(vars: Record<string, tf.Variable>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const k of Object.keys(vars)) out[k] = Array.from(await vars[k].data());
  return out;
}
