// Dense layers and an MLP block as plain functions of ParamStore variables (no tf.layers), so models
// control every op and save/load is just the store's variables.
import * as tf from "@tensorflow/tfjs";
import { Init, ParamStore, glorotUniform, heUniform, zeros } from "./params";

export type Activation = "linear" | "relu" | "leakyRelu" | "elu" | "tanh" | "sigmoid" | "softplus" | "swish";

/** Apply an activation by name. */
export function activate(x: tf.Tensor, act: Activation): tf.Tensor {
  switch (act) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "leakyRelu":
      return tf.leakyRelu(x, 0.2);
    case "elu":
      return tf.elu(x);
    case "tanh":
      return tf.tanh(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "softplus":
      return tf.softplus(x);
    case "swish":
      return tf.mul(x, tf.sigmoid(x));
  }
}

/** One dense layer's parameters. */
export interface DenseParams {
  w: tf.Variable; // [in, out]
  b: tf.Variable | null; // [out]
  activation: Activation;
}

/** x [..., in] → act(x·W + b) [..., out]. Inputs of rank > 2 are flattened over leading dims. */
export function dense(x: tf.Tensor, p: DenseParams): tf.Tensor {
  return tf.tidy(() => {
    const [inDim, outDim] = p.w.shape;
    const lead = x.shape.slice(0, -1);
    const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D);
    let y: tf.Tensor = tf.matMul(x2, p.w as tf.Tensor2D);
    if (p.b) y = tf.add(y, p.b);
    y = activate(y, p.activation);
    return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
  });
}

export interface MlpSpec {
  /** Layer widths including input and output: [in, h1, …, out]. */
  sizes: number[];
  /** Activation of hidden layers (default relu), or one per layer (length sizes.length − 1). */
  activation?: Activation | Activation[];
  /** Activation of the last layer when `activation` is a single name (default linear). */
  outputActivation?: Activation;
  /** Whether layers have a bias (default true), or one flag per layer. */
  bias?: boolean | boolean[];
  /** Weight initialiser; default He-uniform for relu-family layers, Glorot-uniform otherwise. */
  init?: Init;
}

export interface Mlp {
  name: string;
  layers: DenseParams[];
}

/**
 * Create an MLP's parameters in `store` as `<name>/<i>/w` and `<name>/<i>/b`.
 * Biases start at zero.
 */
export function createMlp(store: ParamStore, name: string, spec: MlpSpec): Mlp {
  const { sizes } = spec;
  if (sizes.length < 2) throw new Error(`createMlp(${name}): sizes needs at least [in, out], got [${sizes}]`);
  const nLayers = sizes.length - 1;
  const acts: Activation[] = Array.isArray(spec.activation)
    ? spec.activation
    : Array.from({ length: nLayers }, (_, i) =>
        i === nLayers - 1
          ? (spec.outputActivation ?? "linear")
          : ((spec.activation as Activation | undefined) ?? "relu"),
      );
  if (acts.length !== nLayers) throw new Error(`createMlp(${name}): ${acts.length} activations for ${nLayers} layers`);
  const biases = Array.isArray(spec.bias) ? spec.bias : Array.from({ length: nLayers }, () => spec.bias ?? true);
  if (biases.length !== nLayers)
    throw new Error(`createMlp(${name}): ${biases.length} bias flags for ${nLayers} layers`);
  const layers: DenseParams[] = [];
  for (let i = 0; i < nLayers; i++) {
    const reluLike = acts[i] === "relu" || acts[i] === "leakyRelu" || acts[i] === "elu";
    const init = spec.init ?? (reluLike ? heUniform : glorotUniform);
    const w = store.add(`${name}/${i}/w`, [sizes[i], sizes[i + 1]], init);
    const b = biases[i] ? store.add(`${name}/${i}/b`, [sizes[i + 1]], zeros) : null;
    layers.push({ w, b, activation: acts[i] });
  }
  return { name, layers };
}

/** Run an MLP on x [..., in] → [..., out]. */
export function mlpForward(mlp: Mlp, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let h = x;
    for (const layer of mlp.layers) h = dense(h, layer);
    return h;
  });
}
