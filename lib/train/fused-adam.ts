// Adam with one fused kernel call per variable and step. tfjs's AdamOptimizer runs about a dozen small
// kernels per variable (mul, add, square, div, sqrt, …), each allocating a full-size tensor; on the
// `native` backend this optimizer updates parameter and both moments of a variable in one pass of
// native/src/misc.cc's adamUpdate, and on `webgpu` in one WGSL dispatch (lib/engine/webgpu-adam.ts),
// both with tfjs's formula op by op (float32), so the trajectory is tf.train.adam's. On any other
// backend (or without the addon) it is tf.train.adam itself: it subclasses tfjs's AdamOptimizer and
// only replaces applyGradients there.
//
// Its state is tfjs Adam's (class name "Adam", slots `<var>/m` then `<var>/v`, accBeta1/accBeta2),
// so lib/engine/weights.ts saves and restores it unchanged and checkpoints move freely between
// this optimizer and tf.train.adam.
import * as tf from "@tensorflow/tfjs";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { loadAddon } from "../engine/native/addon";
import { MiscAddon, miscAddon } from "../engine/native/kernels-misc";
import { values } from "../engine/native/kernel-util";
import { type AdamAttrs, webgpuAdamAvailable, webgpuAdamUpdate } from "../engine/webgpu-adam";

const NATIVE_BACKEND = "native"; // lib/engine/native/register.ts (not imported: it registers kernels when loaded)

/** A gradient by variable name, as Optimizer.applyGradients takes them (tfjs does not export the type). */
type NamedTensor = { name: string; tensor: tf.Tensor };
type Gradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0];

/** tfjs AdamOptimizer's private state (same objects, so getWeights/setWeights keep working). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

let cachedMisc: MiscAddon | null | undefined;

/** The addon's adamUpdate when the native backend is the active one, else null. */
function nativeUpdater(): MiscAddon | null {
  if (tf.getBackend() !== NATIVE_BACKEND) return null;
  if (cachedMisc === undefined) {
    try {
      cachedMisc = miscAddon(loadAddon());
    } catch {
      cachedMisc = null;
    }
  }
  return cachedMisc;
}

/** A tensor over `vals` (no copy) on the current backend. */
function wrap(vals: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(vals, shape, "float32");
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** Same name as tfjs's Adam: the checkpoint format checks it, and the state is Adam's. */
  static override get className(): string {
    return "Adam";
  }

  /**
   * tfjs's Optimizer defines a static Symbol.hasInstance that accepts any object with minimize and
   * applyGradients, which subclasses inherit; restore the ordinary prototype check so that
   * `opt instanceof FusedAdamOptimizer` is false for a plain tf.train.adam.
   */
  static [Symbol.hasInstance](instance: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, instance);
  }

  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number | null = null) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  /** True when applyGradients takes a one-call-per-variable path (native or webgpu) right now. */
  get fused(): boolean {
    return nativeUpdater() !== null || webgpuAdamAvailable();
  }

  override applyGradients(variableGradients: Gradients): void {
    const native = nativeUpdater();
    if (!native && !webgpuAdamAvailable()) {
      super.applyGradients(variableGradients);
      return;
    }
    const st = this as unknown as AdamState;
    const isArray = Array.isArray(variableGradients);
    const names = isArray ? (variableGradients as NamedTensor[]).map((v) => v.name) : Object.keys(variableGradients);
    // The scalars as float32, exactly as tfjs's ops see them: β and 1 − β become float32 scalar
    // tensors, −lr and ε likewise (1 − β^t is a float32 Sub of the float32 running product, in each path).
    const f = Math.fround;
    const attrs: AdamAttrs = {
      beta1: f(this.beta1),
      oneMinusBeta1: f(1 - this.beta1),
      beta2: f(this.beta2),
      oneMinusBeta2: f(1 - this.beta2),
      epsilon: f(this.epsilon),
      negLr: f(-this.learningRate),
    };
    const step = native ? nativeStep(native, st, attrs) : webgpuStep(st, attrs);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (st.accumulatedFirstMoment[i] == null) {
        st.accumulatedFirstMoment[i] = {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
      }
      if (st.accumulatedSecondMoment[i] == null) {
        st.accumulatedSecondMoment[i] = {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
      }
      const gradient = isArray
        ? (variableGradients as NamedTensor[])[i].tensor
        : (variableGradients as Record<string, tf.Tensor>)[name];
      if (gradient == null) return;
      const m = st.accumulatedFirstMoment[i].variable,
        v = st.accumulatedSecondMoment[i].variable;
      if (
        value.dtype !== "float32" ||
        gradient.dtype !== "float32" ||
        m.dtype !== "float32" ||
        v.dtype !== "float32" ||
        gradient.size !== value.size ||
        value.size === 0
      ) {
        this.updateWithOps(value, gradient, m, v, st);
        return;
      }
      // New buffers, assigned: a variable may share its buffer with the tensor it was made from
      // (or with a restored checkpoint tensor), so writing in place is not safe in general.
      const [newP, newM, newV] = step.update(value, gradient, m, v);
      for (const [target, t] of [
        [m, newM],
        [v, newV],
        [value, newP],
      ] as [tf.Variable, tf.Tensor][]) {
        target.assign(t);
        t.dispose();
      }
    });
    step.finish();
    this.incrementIterations();
  }

  /** tfjs's own per-variable update (for a variable the fused kernels do not take). */
  private updateWithOps(value: tf.Variable, gradient: tf.Tensor, m: tf.Variable, v: tf.Variable, st: AdamState): void {
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, st.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, st.accBeta2);
      const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
      const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
      const mHat = tf.div(newM, oneMinusAccBeta1);
      const vHat = tf.div(newV, oneMinusAccBeta2);
      m.assign(newM);
      v.assign(newV);
      value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), value));
    });
  }
}

/** One step's fused updates: new [parameter, m, v] per variable, then the β^t products advanced once. */
interface FusedStep {
  update(value: tf.Tensor, gradient: tf.Tensor, m: tf.Tensor, v: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor];
  finish(): void;
}

/** The native addon's adamUpdate, on host arrays of the native backend's own storage (no tensor reads). */
function nativeStep(native: MiscAddon, st: AdamState, a: AdamAttrs): FusedStep {
  const backend = tf.backend() as unknown as MathBackendCPU;
  const f = Math.fround;
  const acc1 = values(backend, st.accBeta1)[0],
    acc2 = values(backend, st.accBeta2)[0];
  return {
    update(value, gradient, m, v) {
      const n = value.size;
      const outP = new Float32Array(n),
        outM = new Float32Array(n),
        outV = new Float32Array(n);
      native.adamUpdate(
        values(backend, value),
        values(backend, gradient),
        values(backend, m),
        values(backend, v),
        outP,
        outM,
        outV,
        a.beta1,
        a.oneMinusBeta1,
        a.beta2,
        a.oneMinusBeta2,
        f(1 - acc1),
        f(1 - acc2),
        a.epsilon,
        a.negLr,
      );
      return [wrap(outP, value.shape), wrap(outM, m.shape), wrap(outV, v.shape)];
    },
    finish() {
      for (const [acc, beta] of [
        [st.accBeta1, a.beta1],
        [st.accBeta2, a.beta2],
      ] as [tf.Variable, number][]) {
        const t = tf.scalar(f(values(backend, acc)[0] * beta));
        acc.assign(t);
        t.dispose();
      }
    },
  };
}

/** lib/engine/webgpu-adam's kernel: one dispatch per variable; β^t stay on the GPU (no reads back). */
function webgpuStep(st: AdamState, a: AdamAttrs): FusedStep {
  const acc = tf.tidy(() => tf.concat([tf.reshape(st.accBeta1, [1]), tf.reshape(st.accBeta2, [1])]));
  return {
    update: (value, gradient, m, v) => webgpuAdamUpdate(value, gradient, m, v, acc, a),
    finish() {
      acc.dispose();
      tf.tidy(() => {
        st.accBeta1.assign(tf.mul(st.accBeta1, a.beta1));
        st.accBeta2.assign(tf.mul(st.accBeta2, a.beta2));
      });
    },
  };
}

/** Like tf.train.adam (same defaults), fused on the native and webgpu backends. */
export function fusedAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon: number | null = null,
): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}

/**
 * The trainer's default Adam: the fused one when the native backend is active and its addon has
 * adamUpdate, or when webgpu is active, else plain tf.train.adam. Both keep the same state, so checkpoints are interchangeable.
 */
export function createAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon: number | null = null,
): tf.Optimizer {
  return nativeUpdater() || webgpuAdamAvailable()
    ? fusedAdam(learningRate, beta1, beta2, epsilon)
    : tf.train.adam(learningRate, beta1, beta2, epsilon as number);
}
