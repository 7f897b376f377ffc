// One Adam step of one variable as a single WGSL dispatch on tfjs's webgpu backend: the twin of the native
// addon's adamUpdate (lib/train/fused-adam.ts picks it). tfjs's AdamOptimizer dispatches about 13 kernels per
// variable, each with ~50–80 µs of host overhead there and a full-size temporary buffer.
//
// tfjs programs have one output; this kernel writes three (parameter, m, v). It therefore records its own
// pipeline through the backend's recordAndSubmit (tfjs-backend-webgpu 4.22, not public API), which binds the
// output at 0, the inputs at 1…k and a uniform block at k+1, batches the dispatch into the backend's command
// encoder, defers freeing the buffers it uses until submission, and times it under tf.time/tf.profile. The two
// extra outputs are passed as "inputs" 6 and 7; their access (read_write) comes from this shader, whose layout
// is "auto". The uniform block starts with what recordAndSubmit always writes (NaN, Infinity, then a shape and
// a stride per bound buffer: all 1-D here, one i32 each) and ends with this kernel's scalars.
import * as tf from "@tensorflow/tfjs";

export const WEBGPU_ADAM_KERNEL = "VaelabAdamUpdate";
const WEBGPU = "webgpu";

/** The float32 scalars of one step, as tfjs's AdamOptimizer turns them into tensors. */
export interface AdamAttrs {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  epsilon: number;
  negLr: number;
}

type DataId = object;
interface Info {
  dataId: DataId;
  shape: number[];
  dtype: tf.DataType;
}
type Uniform = { type: "float32" | "int32"; data: number[] };
interface GpuPipeline {
  getBindGroupLayout(i: number): unknown;
}
interface GpuDevice {
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: {
    layout: "auto";
    compute: { module: unknown; entryPoint: string };
    label?: string;
  }): GpuPipeline;
}
/** What this kernel uses of tfjs-backend-webgpu's WebGPUBackend (recordAndSubmit is private there). */
interface WebgpuBackend {
  device: GpuDevice;
  makeTensorInfo(shape: number[], dtype: tf.DataType): Info;
  uploadToGPU(dataId: DataId): void;
  recordAndSubmit(program: AdamProgram, output: Info, inputs: Info[], programDefinedUniform: Uniform[]): void;
}

const WORKGROUP = 64;
// 2¹⁹ threads fill a large GPU (an H100 holds ≈ 270k resident); larger variables loop (also under WebGPU's
// default 65535 workgroups per dimension)
const MAX_WORKGROUPS = 8192;
const BUFFERS = 8; // outP, p, g, m, v, acc, outM, outV: WebGPU's default maxStorageBuffersPerShaderStage

// Op by op as tfjs's Adam on webgpu (mul, add, square, div, sqrt, add ε, mul −lr, add), so results agree to
// float32 rounding (a shader compiler may still contract a·b + c).
const SHADER = `
struct Uniforms {
  NAN : f32, INFINITY : f32,
  ${Array.from({ length: 2 * BUFFERS }, (_, i) => `shapeOrStride${i} : i32,`).join(" ")}
  beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32, epsilon : f32, negLr : f32, size : i32,
};
@group(0) @binding(0) var<storage, read_write> outP : array<f32>;
@group(0) @binding(1) var<storage, read> p : array<f32>;
@group(0) @binding(2) var<storage, read> g : array<f32>;
@group(0) @binding(3) var<storage, read> m : array<f32>;
@group(0) @binding(4) var<storage, read> v : array<f32>;
@group(0) @binding(5) var<storage, read> acc : array<f32>; // [β1ᵗ, β2ᵗ] before this step's update
@group(0) @binding(6) var<storage, read_write> outM : array<f32>;
@group(0) @binding(7) var<storage, read_write> outV : array<f32>;
@group(0) @binding(${BUFFERS}) var<uniform> u : Uniforms;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id : vec3<u32>, @builtin(num_workgroups) groups : vec3<u32>) {
  let oneMinusAcc1 = 1.0 - acc[0];
  let oneMinusAcc2 = 1.0 - acc[1];
  let n = u32(u.size);
  for (var i = id.x; i < n; i += groups.x * ${WORKGROUP}u) {
    let gi = g[i];
    let m1 = m[i] * u.beta1 + gi * u.oneMinusBeta1;
    let v1 = v[i] * u.beta2 + (gi * gi) * u.oneMinusBeta2;
    let den = sqrt(v1 / oneMinusAcc2) + u.epsilon;
    outM[i] = m1;
    outV[i] = v1;
    outP[i] = ((m1 / oneMinusAcc1) / den) * u.negLr + p[i];
  }
}
`;

/** The program record recordAndSubmit reads (its class name labels the dispatch in tf.profile timings). */
class AdamProgram {
  readonly pixelsOpType = undefined;
  readonly size = false;
  constructor(
    readonly pipeline: GpuPipeline,
    readonly dispatch: [number, number, number],
  ) {}
}

const pipelines = new WeakMap<GpuDevice, GpuPipeline>();

function pipelineFor(device: GpuDevice): GpuPipeline {
  let p = pipelines.get(device);
  if (!p) {
    const module = device.createShaderModule({ code: SHADER, label: "VaelabAdam" });
    p = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" }, label: "VaelabAdam" });
    pipelines.set(device, p);
  }
  return p;
}

function adamKernel({
  inputs,
  backend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): Info[] {
  const b = backend as WebgpuBackend;
  const { value, gradient, m, v, acc } = inputs as unknown as Record<string, Info>;
  const a = attrs as unknown as AdamAttrs;
  const n = value.shape.reduce((s, d) => s * d, 1);
  for (const [k, t] of Object.entries({ value, gradient, m, v, acc }))
    if (t.dtype !== "float32") throw new Error(`${WEBGPU_ADAM_KERNEL}: ${k} is ${t.dtype}, not float32`);
  for (const [k, t] of Object.entries({ gradient, m, v }))
    if (t.shape.reduce((s, d) => s * d, 1) !== n) throw new Error(`${WEBGPU_ADAM_KERNEL}: ${k} size differs`);
  if (acc.shape.reduce((s, d) => s * d, 1) !== 2) throw new Error(`${WEBGPU_ADAM_KERNEL}: acc must hold [β1ᵗ, β2ᵗ]`);
  if (n === 0) throw new Error(`${WEBGPU_ADAM_KERNEL}: empty variable`);
  const [outP, outM, outV] = [value, m, v].map((t) => b.makeTensorInfo(t.shape, "float32"));
  const flat = (t: Info): Info => ({ dataId: t.dataId, shape: [t === acc ? 2 : n], dtype: "float32" });
  const bound = [value, gradient, m, v, acc, outM, outV, outP];
  for (const t of bound) b.uploadToGPU(t.dataId);
  const program = new AdamProgram(pipelineFor(b.device), [Math.min(Math.ceil(n / WORKGROUP), MAX_WORKGROUPS), 1, 1]);
  const f32 = (x: number): Uniform => ({ type: "float32", data: [x] });
  b.recordAndSubmit(program, flat(outP), [value, gradient, m, v, acc, outM, outV].map(flat), [
    f32(a.beta1),
    f32(a.oneMinusBeta1),
    f32(a.beta2),
    f32(a.oneMinusBeta2),
    f32(a.epsilon),
    f32(a.negLr),
    { type: "int32", data: [n] },
  ]);
  return [outP, outM, outV];
}

tf.registerKernel({
  kernelName: WEBGPU_ADAM_KERNEL,
  backendName: WEBGPU,
  kernelFunc: adamKernel as unknown as tf.KernelFunc,
});

/** True when the active backend is webgpu and it has what the fused kernel records through. */
export function webgpuAdamAvailable(): boolean {
  if (tf.getBackend() !== WEBGPU) return false;
  const b = tf.backend() as unknown as Partial<WebgpuBackend>;
  return typeof b.recordAndSubmit === "function" && typeof b.uploadToGPU === "function";
}

/**
 * New [parameter, m, v] of one variable after one Adam step, in one dispatch. `acc` holds [β1ᵗ, β2ᵗ] (the
 * optimizer's accBeta1/accBeta2 before this step's update); all float32, `gradient`, `m`, `v` of `value`'s size.
 */
export function webgpuAdamUpdate(
  value: tf.Tensor,
  gradient: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  acc: tf.Tensor,
  attrs: AdamAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf
    .engine()
    .runKernel(WEBGPU_ADAM_KERNEL, { value, gradient, m, v, acc }, attrs as unknown as tf.NamedAttrMap) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}
