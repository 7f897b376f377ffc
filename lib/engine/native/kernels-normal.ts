// The fused Gaussian terms (native/src/normal.cc): log N(x | μ, σ), KL(N(μp, σp) ‖ N(μq, σq)) and the pairwise
// log-densities of a batch of diagonal Gaussians, forward and backward, each one kernel; and the aggregate
// posterior's minibatch estimate over those densities, per group and jointly (native/src/aggregate.cc). The first two broadcast
// their operands by a suffix of the output shape (the caller, lib/prob/gaussian-kernels, only calls them so);
// anything else is an error naming the operand.
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS, isSuffixBroadcast } from "./fused-kernels";
import type { NativeAddon } from "./addon";
import { allFloat32, Backend, Info, NativeKernel, size, values } from "./kernel-util";
import { takeF32 } from "./buffer-pool";

type Reg = (name: string, fn: NativeKernel) => void;

interface NormalAddon {
  normalLogProb(x: Float32Array, loc: Float32Array, scale: Float32Array, total: number, out: Float32Array): void;
  normalLogProbBackward(
    dy: Float32Array,
    x: Float32Array,
    loc: Float32Array,
    scale: Float32Array,
    total: number,
    dx: Float32Array,
    dloc: Float32Array,
    dscale: Float32Array,
  ): void;
  normalKl(
    locP: Float32Array,
    scaleP: Float32Array,
    locQ: Float32Array,
    scaleQ: Float32Array,
    total: number,
    out: Float32Array,
  ): void;
  pairwiseLogNormal(
    z: Float32Array,
    mu: Float32Array,
    logvar: Float32Array,
    m: number,
    k: number,
    out: Float32Array,
  ): void;
  pairwiseLogNormalBackward(
    dy: Float32Array,
    z: Float32Array,
    mu: Float32Array,
    logvar: Float32Array,
    m: number,
    k: number,
    dz: Float32Array,
    dmu: Float32Array,
    dlogvar: Float32Array,
  ): void;
  groupLogAggregate(
    logQ: Float32Array,
    membership: Float32Array,
    logW: Float32Array,
    m: number,
    k: number,
    groups: number,
    out: Float32Array,
  ): void;
  groupLogAggregateBackward(
    dy: Float32Array,
    logQ: Float32Array,
    membership: Float32Array,
    logW: Float32Array,
    out: Float32Array,
    m: number,
    k: number,
    groups: number,
    dlogQ: Float32Array,
  ): void;
  normalKlBackward(
    dy: Float32Array,
    locP: Float32Array,
    scaleP: Float32Array,
    locQ: Float32Array,
    scaleQ: Float32Array,
    total: number,
    dlocP: Float32Array,
    dscaleP: Float32Array,
    dlocQ: Float32Array,
    dscaleQ: Float32Array,
  ): void;
}

/** The broadcast output shape of named operands, checked to be float32, non-empty and suffix-broadcast. */
function outputShape(kernel: string, operands: Record<string, Info>): number[] {
  const entries = Object.entries(operands);
  let out: number[] = [];
  for (const [, t] of entries) out = tf.backend_util.assertAndGetBroadcastShape(out, t.shape);
  for (const [name, t] of entries) {
    if (!allFloat32(t) || size(t.shape) === 0)
      throw new Error(`${kernel}: ${name} must be a non-empty float32 tensor, got ${t.dtype} [${t.shape}]`);
    if (!isSuffixBroadcast(t.shape, out))
      throw new Error(`${kernel}: ${name} [${t.shape}] is not a suffix of the output shape [${out}]`);
  }
  return out;
}

export function registerNormalKernels(addon: NativeAddon, reg: Reg): void {
  const native = addon as unknown as NormalAddon & NativeAddon;
  if (typeof native.normalLogProb !== "function") return; // an addon built before normal.cc existed
  const v = (backend: Backend, t: Info) => values(backend, t);
  const grads = (ts: Info[]) => ts.map((t) => takeF32(size(t.shape)));
  const infos = (backend: Backend, ts: Info[], gs: Float32Array[]) =>
    ts.map((t, i) => backend.makeTensorInfo(t.shape.slice(), "float32", gs[i]));

  reg(FUSED_KERNELS.normalLogProb, ({ inputs, backend }) => {
    const { x, loc, scale } = inputs;
    const shape = outputShape(FUSED_KERNELS.normalLogProb, { x, loc, scale });
    const out = takeF32(size(shape));
    native.normalLogProb(v(backend, x), v(backend, loc), v(backend, scale), out.length, out);
    return backend.makeTensorInfo(shape, "float32", out);
  });
  reg(FUSED_KERNELS.normalLogProbGrad, ({ inputs, backend }) => {
    const { dy, x, loc, scale } = inputs;
    const shape = outputShape(FUSED_KERNELS.normalLogProbGrad, { x, loc, scale });
    if (dy.shape.join() !== shape.join())
      throw new Error(`${FUSED_KERNELS.normalLogProbGrad}: dy must have shape [${shape}], got [${dy.shape}]`);
    const ops = [x, loc, scale];
    const [dx, dloc, dscale] = grads(ops);
    native.normalLogProbBackward(
      v(backend, dy),
      v(backend, x),
      v(backend, loc),
      v(backend, scale),
      size(shape),
      dx,
      dloc,
      dscale,
    );
    return infos(backend, ops, [dx, dloc, dscale]);
  });
  reg(FUSED_KERNELS.normalKl, ({ inputs, backend }) => {
    const { locP, scaleP, locQ, scaleQ } = inputs;
    const shape = outputShape(FUSED_KERNELS.normalKl, { locP, scaleP, locQ, scaleQ });
    const out = takeF32(size(shape));
    native.normalKl(v(backend, locP), v(backend, scaleP), v(backend, locQ), v(backend, scaleQ), out.length, out);
    return backend.makeTensorInfo(shape, "float32", out);
  });
  reg(FUSED_KERNELS.normalKlGrad, ({ inputs, backend }) => {
    const { dy, locP, scaleP, locQ, scaleQ } = inputs;
    const shape = outputShape(FUSED_KERNELS.normalKlGrad, { locP, scaleP, locQ, scaleQ });
    if (dy.shape.join() !== shape.join())
      throw new Error(`${FUSED_KERNELS.normalKlGrad}: dy must have shape [${shape}], got [${dy.shape}]`);
    const ops = [locP, scaleP, locQ, scaleQ];
    const g = grads(ops);
    native.normalKlBackward(
      v(backend, dy),
      v(backend, locP),
      v(backend, scaleP),
      v(backend, locQ),
      v(backend, scaleQ),
      size(shape),
      g[0],
      g[1],
      g[2],
      g[3],
    );
    return infos(backend, ops, g);
  });

  const pairwiseShape = (kernel: string, z: Info, mu: Info, logvar: Info): [number, number] => {
    for (const [name, t] of Object.entries({ z, mu, logvar })) {
      if (!allFloat32(t) || t.shape.length !== 2 || t.shape.join() !== z.shape.join() || size(t.shape) === 0)
        throw new Error(
          `${kernel}: ${name} must be a non-empty float32 [M, K] like z [${z.shape}], got ${t.dtype} [${t.shape}]`,
        );
    }
    return [z.shape[0], z.shape[1]];
  };
  reg(FUSED_KERNELS.pairwiseLogNormal, ({ inputs, backend }) => {
    const { z, mu, logvar } = inputs;
    const [m, k] = pairwiseShape(FUSED_KERNELS.pairwiseLogNormal, z, mu, logvar);
    const out = takeF32(m * m * k);
    native.pairwiseLogNormal(v(backend, z), v(backend, mu), v(backend, logvar), m, k, out);
    return backend.makeTensorInfo([m, m, k], "float32", out);
  });
  reg(FUSED_KERNELS.pairwiseLogNormalGrad, ({ inputs, backend }) => {
    const { dy, z, mu, logvar } = inputs;
    const [m, k] = pairwiseShape(FUSED_KERNELS.pairwiseLogNormalGrad, z, mu, logvar);
    if (dy.shape.join() !== [m, m, k].join())
      throw new Error(`${FUSED_KERNELS.pairwiseLogNormalGrad}: dy must have shape [${[m, m, k]}], got [${dy.shape}]`);
    const ops = [z, mu, logvar];
    const [dz, dmu, dlogvar] = grads(ops);
    native.pairwiseLogNormalBackward(
      v(backend, dy),
      v(backend, z),
      v(backend, mu),
      v(backend, logvar),
      m,
      k,
      dz,
      dmu,
      dlogvar,
    );
    return infos(backend, ops, [dz, dmu, dlogvar]);
  });

  const aggregateShape = (kernel: string, logQ: Info, membership: Info, logW: Info): [number, number, number] => {
    const [m, m2, k] = logQ.shape;
    if (!allFloat32(logQ, membership, logW) || logQ.shape.length !== 3 || m !== m2 || size(logQ.shape) === 0)
      throw new Error(`${kernel}: logQ must be a non-empty float32 [M, M, K], got ${logQ.dtype} [${logQ.shape}]`);
    if (membership.shape.length !== 2 || membership.shape[0] !== k || membership.shape[1] < 1)
      throw new Error(`${kernel}: membership must be [${k}, G], got [${membership.shape}]`);
    if (logW.shape.join() !== [m, m].join())
      throw new Error(`${kernel}: logW must be [${m}, ${m}], got [${logW.shape}]`);
    return [m, k, membership.shape[1]];
  };
  if (typeof native.groupLogAggregate !== "function") return; // an addon built before aggregate.cc existed
  reg(FUSED_KERNELS.groupLogAggregate, ({ inputs, backend }) => {
    const { logQ, membership, logW } = inputs;
    const [m, k, g] = aggregateShape(FUSED_KERNELS.groupLogAggregate, logQ, membership, logW);
    const out = takeF32(m * (g + 1));
    native.groupLogAggregate(v(backend, logQ), v(backend, membership), v(backend, logW), m, k, g, out);
    return backend.makeTensorInfo([m, g + 1], "float32", out);
  });
  reg(FUSED_KERNELS.groupLogAggregateGrad, ({ inputs, backend }) => {
    const { dy, logQ, membership, logW, out } = inputs;
    const [m, k, g] = aggregateShape(FUSED_KERNELS.groupLogAggregateGrad, logQ, membership, logW);
    for (const [name, t] of Object.entries({ dy, out }))
      if (t.shape.join() !== [m, g + 1].join())
        throw new Error(`${FUSED_KERNELS.groupLogAggregateGrad}: ${name} must be [${m}, ${g + 1}], got [${t.shape}]`);
    const dlogQ = takeF32(m * m * k);
    native.groupLogAggregateBackward(
      v(backend, dy),
      v(backend, logQ),
      v(backend, membership),
      v(backend, logW),
      v(backend, out),
      m,
      k,
      g,
      dlogQ,
    );
    return backend.makeTensorInfo([m, m, k], "float32", dlogQ);
  });
}
