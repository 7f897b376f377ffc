// Backend choice. Models are written against the @tensorflow/tfjs API; at start we pick the fastest
// backend that loads here and can train every model: webgpu on a real GPU, tfjs-node-gpu, tfjs-node, then any
// faster CPU backend registered by the project (see registerCandidate), then wasm, then the pure-JS cpu backend.
// VAELAB_BACKEND forces one. A candidate that fails says why in one line and the choice falls through to the next.
import * as tf from "@tensorflow/tfjs";
import * as os from "os";
import { describeAdapter, loadWebgpu, webgpuAdapter, type AdapterReport } from "./webgpu";
import { registerWebgpuSpecialKernels } from "./webgpu-special";

export interface BackendCandidate {
  /** Name accepted by VAELAB_BACKEND (e.g. "tfjs-node", "native", "wasm"). */
  name: string;
  /** Higher is tried first. Built-ins: webgpu 110, tfjs-node-gpu 100, tfjs-node 90, native 50, wasm 20, cpu 10. */
  priority: number;
  /**
   * Load and register the backend; return the tfjs backend name to activate. Throw with a one-line reason if
   * unavailable. `forced`: named by VAELAB_BACKEND (webgpu then accepts a software adapter).
   */
  load: (forced: boolean) => Promise<string>;
  /** Threads the backend uses, if it knows. */
  threads?: () => number;
  /** What else the engine line should say about the backend (the native engine: which convolutions it runs). */
  details?: () => string | undefined;
}

export interface EngineInfo {
  backend: string; // candidate name, e.g. "wasm"
  tfBackend: string; // tf.getBackend()
  tfjs: string;
  node: string;
  platform: string;
  cpus: number;
  threads: number;
  forced: boolean;
  /** One line per candidate that was tried and failed, in order. */
  fallbacks: string[];
  /** The GPU adapter, when the backend is webgpu. */
  adapter?: AdapterReport;
  /** The backend's own details, e.g. "convolutions on oneDNN" for the native engine. */
  details?: string;
}

const candidates: BackendCandidate[] = [];

/**
 * Kernels that training the project's models needs and a tfjs backend may lack: the gradients of conv2d (every
 * conv model) and of depthwise conv (the TCNs of Conv-TasNet, VI-TasNet, SuDoRMRF). tfjs 4.22's wasm backend has
 * none of the three. Found by profiling one training step of every bench model on cpu (tf.profile's kernelNames)
 * against tf.getKernelsForBackend("wasm"): wasm has every other kernel those steps run.
 */
export const TRAINING_KERNELS: readonly string[] = [
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
];

/** How to get the native engine, for messages that end in a fix. */
export const NATIVE_ENGINE_FIX =
  "get the native engine: bash scripts/setup.sh (as root or with sudo), or apt-get install g++ make python3 libopenblas-dev && npm run build:native";

/** The `kernels` that tfjs backend `tfBackend` has not registered. */
export function missingKernels(tfBackend: string, kernels: readonly string[] = TRAINING_KERNELS): string[] {
  return kernels.filter((k) => !tf.getKernel(k, tfBackend));
}

/** Register a backend candidate (the native engine registers itself here). */
export function registerCandidate(c: BackendCandidate): void {
  const i = candidates.findIndex((x) => x.name === c.name);
  if (i >= 0) candidates.splice(i, 1);
  candidates.push(c);
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0].slice(0, 200);
}

function requireTfjsNode(pkg: string): string {
  // These packages are optional peers: absent on machines that cannot download libtensorflow.
  try {
    require.resolve(pkg);
  } catch {
    throw new Error(
      `${pkg} is not installed (optional; needs libtensorflow, install with 'npm install ${pkg}@4.22.0' where it can be downloaded)`,
    );
  }
  // danfojs-node's override aliases @tensorflow/tfjs-node to plain @tensorflow/tfjs; npm may hoist that alias.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const realName = (require(`${pkg}/package.json`) as { name: string }).name;
  if (realName !== pkg) {
    throw new Error(
      `${pkg} resolves to ${realName} (the danfojs-node override alias), not the real package; install ${pkg}@4.22.0 where libtensorflow can be downloaded`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require(pkg);
  if (!tf.findBackend("tensorflow")) throw new Error(`${pkg} loaded but registered no 'tensorflow' backend`);
  return "tensorflow";
}

registerCandidate({
  name: "webgpu",
  priority: 110,
  // the Gamma draw and its gradient in WGSL (lib/engine/webgpu-special), so lib/prob/gamma never reads back
  load: async (forced) => {
    const name = await loadWebgpu(forced);
    registerWebgpuSpecialKernels();
    return name;
  },
  threads: () => 1,
});
registerCandidate({
  name: "tfjs-node-gpu",
  priority: 100,
  load: async () => requireTfjsNode("@tensorflow/tfjs-node-gpu"),
});
registerCandidate({ name: "tfjs-node", priority: 90, load: async () => requireTfjsNode("@tensorflow/tfjs-node") });
registerCandidate({
  name: "wasm",
  priority: 20,
  load: async () => {
    require("@tensorflow/tfjs-backend-wasm");
    return "wasm";
  },
  threads: () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return (require("@tensorflow/tfjs-backend-wasm") as { getThreadsCount: () => number }).getThreadsCount();
    } catch {
      return 1;
    }
  },
});
registerCandidate({
  name: "native",
  priority: 50,
  load: async () => {
    // Loaded lazily so that a missing addon costs nothing until the backend is chosen.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    (require("./native/register") as typeof import("./native/register")).registerNativeBackend();
    return "native";
  },
  threads: () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return (require("./native/addon") as typeof import("./native/addon")).loadAddon().threads();
    } catch {
      return 1;
    }
  },
  details: () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = (require("./native/addon") as typeof import("./native/addon")).loadAddon() as unknown as {
      dnnlConvAvailable?: () => boolean;
    };
    return `convolutions on ${addon.dnnlConvAvailable?.() ? "oneDNN" : "im2col + OpenBLAS"}`;
  },
});
registerCandidate({ name: "cpu", priority: 10, load: async () => "cpu", threads: () => 1 });

let chosen: EngineInfo | null = null;
let choosing: Promise<EngineInfo> | null = null;

/** Load and activate `c`; unless forced, refuse (before activating) a backend that cannot train every model. */
async function activate(c: BackendCandidate, forced: boolean): Promise<string> {
  const tfName = await c.load(forced);
  const missing = forced ? [] : missingKernels(tfName);
  if (missing.length > 0)
    throw new Error(
      // short: firstLine keeps 200 characters, and the native engine's line above already says how to get it
      `it cannot train the conv models (no ${missing.join(", ")} kernel); VAELAB_BACKEND=${c.name} forces it for dense models`,
    );
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend('${tfName}') returned false`);
  await tf.ready();
  return tfName;
}

/**
 * Choose and activate the backend (once per process; later calls return the same answer).
 * `force` (or VAELAB_BACKEND) names one candidate; if it fails, this throws rather than falling through,
 * because a forced backend that silently changed would make benchmarks and tests lie.
 */
export function initEngine(opts: { force?: string; quiet?: boolean } = {}): Promise<EngineInfo> {
  if (chosen) return Promise.resolve(chosen);
  if (choosing) return choosing;
  choosing = (async () => {
    const force = opts.force ?? process.env.VAELAB_BACKEND ?? "";
    const ordered = [...candidates].sort((a, b) => b.priority - a.priority);
    const fallbacks: string[] = [];
    const log = (s: string) => {
      if (!opts.quiet) console.error(s);
    };
    let picked: BackendCandidate | null = null;
    let tfName = "";
    if (force) {
      const c = ordered.find((x) => x.name === force);
      if (!c)
        throw new Error(
          `VAELAB_BACKEND=${force} is not a known backend; known: ${ordered.map((x) => x.name).join(", ")}`,
        );
      try {
        tfName = await activate(c, true);
        picked = c;
      } catch (e) {
        throw new Error(`VAELAB_BACKEND=${force} could not be used: ${firstLine(e)}`);
      }
    } else {
      for (const c of ordered) {
        try {
          tfName = await activate(c, false);
          picked = c;
          break;
        } catch (e) {
          const line = `vaelab: backend ${c.name} unavailable: ${firstLine(e)}`;
          fallbacks.push(line);
          log(line);
        }
      }
    }
    if (!picked) throw new Error("no tfjs backend could be activated");
    explainMissingKernels(force);
    chosen = {
      backend: picked.name,
      tfBackend: tfName,
      tfjs: tf.version.tfjs,
      node: process.versions.node,
      platform: `${os.platform()}-${os.arch()}`,
      cpus: os.cpus().length,
      threads: picked.threads ? picked.threads() : os.cpus().length,
      forced: Boolean(force),
      fallbacks,
      ...(picked.name === "webgpu" && webgpuAdapter() ? { adapter: webgpuAdapter()! } : {}),
      ...(picked.details?.() ? { details: picked.details()! } : {}),
    };
    return chosen;
  })();
  return choosing;
}

let explaining = false;

/**
 * tfjs reports an op without a kernel on the active backend as "Kernel 'X' not registered for backend 'Y'" (from
 * deep inside a gradient, for the conv backprops on a forced wasm): rethrow it as one line that also says how to
 * fix it. Wraps the engine's runKernel once; the path without an error only gains a try block.
 */
function explainMissingKernels(force: string): void {
  if (explaining) return;
  explaining = true;
  const engine = tf.engine() as unknown as { runKernel: (...args: unknown[]) => unknown };
  const runKernel = engine.runKernel.bind(engine);
  engine.runKernel = (...args: unknown[]) => {
    try {
      return runKernel(...args);
    } catch (e) {
      const m = e instanceof Error ? /^Kernel '([^']+)' not registered for backend '([^']+)'$/.exec(e.message) : null;
      if (!m) throw e;
      const [, kernel, backend] = m;
      const why = force ? ` (forced by VAELAB_BACKEND=${force})` : "";
      const unforce = force
        ? `unset VAELAB_BACKEND (the automatic choice picks a backend that trains every model), `
        : "";
      throw new Error(
        `vaelab: kernel '${kernel}' is not available on backend '${backend}'${why}; ${unforce}use VAELAB_BACKEND=cpu, or ${NATIVE_ENGINE_FIX}`,
      );
    }
  };
}

/** The engine report; initialises the engine if needed. */
export function engineInfo(): Promise<EngineInfo> {
  return initEngine();
}

/** One line for notebook headers and figure JSON. */
export function describeEngine(info: EngineInfo): string {
  return `vaelab engine: backend=${info.backend} (tf '${info.tfBackend}'), tfjs ${info.tfjs}, node ${info.node}, ${info.platform}, threads ${info.threads}/${info.cpus} cpus${info.details ? `, ${info.details}` : ""}${info.adapter ? `, ${describeAdapter(info.adapter)}` : ""}${info.forced ? ", forced by VAELAB_BACKEND" : ""}`;
}

/** Names of registered candidates, highest priority first. */
export function backendCandidates(): string[] {
  return [...candidates].sort((a, b) => b.priority - a.priority).map((c) => c.name);
}
