// The webgpu candidate of the backend choice: Dawn for Node (the `webgpu` npm package) under tfjs's WebGPU backend.
// On Linux Dawn talks to the GPU through the Vulkan loader (libvulkan1) and a driver's ICD (NVIDIA's, Mesa's, or
// Chromium's SwiftShader, a CPU rasteriser). Dawn silently falls back to a software driver, so the automatic choice
// refuses software adapters; VAELAB_BACKEND=webgpu takes them (CI tests the backend on SwiftShader).
import * as tf from "@tensorflow/tfjs";
import { existsSync, readdirSync } from "fs";
import * as path from "path";

/** What the engine report says about the adapter. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn's own flag, or our name check (swiftshader, llvmpipe, lavapipe, software, cpu). */
  software: boolean;
  /** The limits that bound our models' sizes (bytes, or counts). */
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number };
}

interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|\bcpu\b/i;
/** Debian chromium's SwiftShader Vulkan driver: a CPU implementation, named in the "no driver" message for tests. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

let report: AdapterReport | null = null;

/** The adapter the webgpu backend runs on (null until that backend was loaded). */
export function webgpuAdapter(): AdapterReport | null {
  return report;
}

/** One line for describeEngine: "google swiftshader (SwiftShader driver 5.0.0, software), max buffer 1024 MiB". */
export function describeAdapter(a: AdapterReport): string {
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  return (
    `adapter ${a.vendor || "?"} ${a.architecture || a.device || "?"} (${a.description || a.device || "?"}` +
    `${a.software ? ", software" : ""}), max buffer ${mib(a.limits.maxBufferSize)}, ` +
    `max storage binding ${mib(a.limits.maxStorageBufferBindingSize)}`
  );
}

/**
 * Linux: the ICD manifests the Vulkan loader would find. Without one Dawn prints several lines of loader warnings
 * to stderr before failing, so the choice says why in one line instead and never starts Dawn.
 */
function vulkanDrivers(): string[] {
  const listed = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  if (listed) return listed.split(":").filter((f) => f && existsSync(f));
  const dirs = [
    ...(process.env.XDG_DATA_DIRS || "/usr/local/share:/usr/share").split(":"),
    "/etc",
    ...(process.env.XDG_CONFIG_DIRS || "/etc/xdg").split(":"),
  ].map((d) => path.join(d, "vulkan", "icd.d"));
  const found: string[] = [];
  for (const d of dirs) {
    try {
      for (const f of readdirSync(d)) if (f.endsWith(".json")) found.push(path.join(d, f));
    } catch {
      /* no such folder */
    }
  }
  return found;
}

function vulkanLoaderPresent(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH || "").split(":"),
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
    "/lib/x86_64-linux-gnu",
  ];
  return dirs.some((d) => d && existsSync(path.join(d, "libvulkan.so.1")));
}

/** navigator.gpu from Dawn: Node 20 has no navigator (we add one), Node ≥ 21 has one without gpu (we add gpu). */
function installNavigatorGpu(gpu: GpuLike, globals: Record<string, unknown>): void {
  // tfjs's WebGPU backend uses the GPUBufferUsage/GPUMapMode/… constants as globals, as in a browser
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator) {
    if (!g.navigator.gpu) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
  } else Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
}

/**
 * Load Dawn and tfjs's WebGPU backend; return the tfjs backend name. Throws one line when there is no package,
 * no Vulkan loader or driver, no adapter, or (unless `acceptSoftware`) only a software adapter.
 */
export async function loadWebgpu(acceptSoftware: boolean): Promise<string> {
  for (const pkg of ["webgpu", "@tensorflow/tfjs-backend-webgpu"]) {
    try {
      require.resolve(pkg);
    } catch {
      throw new Error(`${pkg} is not installed (npm ci installs it)`);
    }
  }
  if (process.platform === "linux") {
    if (!vulkanLoaderPresent()) throw new Error("no Vulkan loader (libvulkan.so.1): apt-get install libvulkan1");
    if (vulkanDrivers().length === 0)
      throw new Error(
        process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES
          ? "no Vulkan driver: VK_ICD_FILENAMES/VK_DRIVER_FILES name no existing ICD manifest"
          : "no Vulkan driver (no ICD manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d; VK_ICD_FILENAMES unset)" +
              (existsSync(SWIFTSHADER_ICD)
                ? `; chromium's software driver (slow, for tests) is VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`
                : ""),
      );
  }
  // the package is an ES module; Node 20.19+ require()s it
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { create, globals } = require("webgpu") as {
    create: (flags: string[]) => GpuLike;
    globals: Record<string, unknown>;
  };
  const existing = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  const gpu = existing ?? create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("Dawn found no WebGPU adapter (is the Vulkan driver for this GPU installed?)");
  const i = adapter.info;
  const software =
    Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter) ||
    SOFTWARE.test(`${i.vendor} ${i.architecture} ${i.device} ${i.description}`);
  const a: AdapterReport = {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    software,
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    },
  };
  if (software && !acceptSoftware)
    throw new Error(
      `the only adapter is a software one (${i.vendor} ${i.architecture || i.description}), slower than the CPU backends; VAELAB_BACKEND=webgpu forces it`,
    );
  installNavigatorGpu(gpu, globals);
  // registers 'webgpu' (only where navigator.gpu exists, hence after the line above); it asks Dawn for the same adapter
  require("@tensorflow/tfjs-backend-webgpu");
  if (!tf.findBackendFactory("webgpu"))
    throw new Error("@tensorflow/tfjs-backend-webgpu loaded but registered no backend");
  report = a;
  return "webgpu";
}
