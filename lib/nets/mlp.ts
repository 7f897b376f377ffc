// Dense layers and an MLP block as plain functions of ParamStore variables (no tf.layers), so models
// control every op and save/load is just the store's variables.
import * as tf from "@tensorflow/tfjs";
import { FUSED_ACTIVATIONS, FUSED_KERNELS, fusedSwitch } from "../engine/native/fused-kernels";
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

/**
 * act(x·w + b) over the last axis of x. One fused kernel forward and one backward where the backend
 * has them (native/src/dense.cc) and the activation is one they know, the composed tfjs ops elsewhere
 * (denseComposed).
 */
export function dense(x: tf.Tensor, p: DenseParams): tf.Tensor {
  if (
    fusedDense() &&
    (p.b || p.activation !== "linear") &&
    p.activation in FUSED_ACTIVATIONS &&
    x.dtype === "float32" &&
    x.size > 0 &&
    tf.getKernel(FUSED_KERNELS.denseBiasAct, tf.getBackend())
  )
    return tf.tidy(() => {
      const [inDim, outDim] = p.w.shape;
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
      const inputs: tf.NamedTensorMap = p.b ? { x: x2, w: p.w, bias: p.b } : { x: x2, w: p.w };
      const [y] = tf.engine().runKernel(FUSED_KERNELS.denseBiasAct, inputs, {
        activation: p.activation,
        hasBias: p.b !== null,
      }) as tf.Tensor[];
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
    });
  return denseComposed(x, p);
}

/** dense from composed tfjs ops (backends without the fused kernel; the parity reference). */
export function denseComposed(x: tf.Tensor, p: DenseParams): tf.Tensor {
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

// Whether dense uses the fused kernel where one exists; VAELAB_FUSED_DENSE=0 keeps the composed ops on every backend
// (for before/after timings).
export const fusedDense = fusedSwitch("VAELAB_FUSED_DENSE");

// dz = dy·act′, dw, db from one backward kernel call, made here rather than in the per-input thunks
// (tfjs runs each thunk in its own tidy, which would dispose the other outputs); dx = dz·wᵀ only in its
// thunk, which tfjs calls only where x needs a gradient (not for a first layer on data). The
// activation's derivative reads y, or for swish the pre-activation, the forward's second output
// (disposed by dense's tidy; the tape keeps its own reference).
tf.registerGradient({
  kernelName: FUSED_KERNELS.denseBiasAct,
  inputsToSave: ["x", "w"],
  outputsToSave: [true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, w, y, pre] = saved;
    // two outputs, so dy is [dy, d(pre)]; nothing downstream reads pre, so the second is zeros
    const dyY = (dy as tf.Tensor[])[0];
    const [dz, dw, db] = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.denseBiasActGrad,
        { dy: dyY, src: attrs.activation === "swish" ? pre : y, x, w },
        attrs,
      ) as tf.Tensor[];
    const dzy = attrs.activation === "linear" ? dyY : dz;
    return { x: () => tf.matMul(dzy, w, false, true), w: () => dw, bias: () => db };
  },
});

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
