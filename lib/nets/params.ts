// A minimal parameter store: named tf.Variables with seeded initialisation. Models keep their
// parameters here (not in tf.layers) so that the training loop, the optimizer and save/load all see
// one flat, ordered name → variable map.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";

/** How to initialise a parameter. `fanIn`/`fanOut` default to the last two dims of the shape. */
export type Init =
  | { kind: "zeros" }
  | { kind: "constant"; value: number }
  | { kind: "normal"; std: number; mean?: number }
  | { kind: "uniform"; limit: number }
  | { kind: "glorotUniform" }
  | { kind: "glorotNormal" }
  | { kind: "heUniform" }
  | { kind: "heNormal" };

export const zeros: Init = { kind: "zeros" };
export const glorotUniform: Init = { kind: "glorotUniform" };
export const glorotNormal: Init = { kind: "glorotNormal" };
export const heUniform: Init = { kind: "heUniform" };
export const heNormal: Init = { kind: "heNormal" };
export function constant(value: number): Init {
  return { kind: "constant", value };
}
export function normalInit(std: number, mean = 0): Init {
  return { kind: "normal", std, mean };
}
export function uniformInit(limit: number): Init {
  return { kind: "uniform", limit };
}

/**
 * Fan-in and fan-out of a weight of the given shape: dense [in, out] → (in, out); conv kernels
 * [...spatial, in, out] → (in·∏spatial, out·∏spatial), as Glorot & Bengio (2010) / He et al. (2015) define them.
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** Draw initial values for `shape` from `init` using `rng` (JS-side, so it is backend-independent). */
export function initValues(shape: readonly number[], init: Init, rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const { fanIn, fanOut } = fans(shape);
  const uniform = (limit: number) => {
    for (let i = 0; i < n; i++) out[i] = rng.uniformIn(-limit, limit);
  };
  const normal = (std: number, mean = 0) => {
    for (let i = 0; i < n; i++) out[i] = mean + std * rng.normal();
  };
  switch (init.kind) {
    case "zeros":
      break;
    case "constant":
      out.fill(init.value);
      break;
    case "normal":
      normal(init.std, init.mean ?? 0);
      break;
    case "uniform":
      uniform(init.limit);
      break;
    case "glorotUniform":
      uniform(Math.sqrt(6 / (fanIn + fanOut)));
      break;
    case "glorotNormal":
      normal(Math.sqrt(2 / (fanIn + fanOut)));
      break;
    case "heUniform":
      uniform(Math.sqrt(6 / fanIn));
      break;
    case "heNormal":
      normal(Math.sqrt(2 / fanIn));
      break;
  }
  return out;
}

/**
 * Named, seeded, trainable variables. Names are logical ("enc/0/w"); tfjs's own variable names are
 * left automatic so that several stores (or two copies of one model) can coexist in a process.
 */
export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  /** `rng` seeds every initialisation; each parameter draws from its own fork, keyed by its name, so adding a parameter does not change the others. */
  constructor(rng: Rng) {
    this.rng = rng;
  }

  /** Create a parameter. Throws if the name is taken. */
  add(name: string, shape: number[], init: Init = glorotUniform, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`ParamStore: parameter "${name}" already exists`);
    if (!shape.every((d) => Number.isInteger(d) && d > 0))
      throw new Error(`ParamStore: parameter "${name}" has invalid shape [${shape}]`);
    const values = initValues(shape, init, this.rng.fork(`param/${name}`));
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, "float32"), trainable));
    this.vars.set(name, v);
    return v;
  }

  /** The parameter called `name`; throws naming it if absent. */
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`ParamStore: no parameter "${name}" (have: ${[...this.vars.keys()].join(", ") || "none"})`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** name → variable, in creation order (the order the optimizer and checkpoints use). */
  variables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const [k, v] of this.vars) out[k] = v;
    return out;
  }

  /** Trainable variables in creation order. */
  trainable(): tf.Variable[] {
    return [...this.vars.values()].filter((v) => v.trainable);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Total number of scalar parameters. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
