// Loads the compiled N-API addon (native/build/Release/vaelab_native.node, built at install by
// scripts/build-native.js). When it is missing, the error is one line that says why (from the
// build's own status file) and what to install, so the backend choice can print it and fall through.
import * as fs from "fs";
import * as path from "path";

/** Codes shared with native/src/kernels.h (keep in sync). */
export const UNARY = {
  exp: 0,
  log: 1,
  neg: 2,
  relu: 3,
  sigmoid: 4,
  tanh: 5,
  softplus: 6,
  sqrt: 7,
  square: 8,
  abs: 9,
  log1p: 10,
  elu: 11,
  relu6: 12,
  leakyRelu: 13,
  identity: 14,
  lgamma: 15,
  digamma: 16,
  trigamma: 17,
} as const;
export const BINARY = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
  squaredDifference: 6,
  pow: 7,
  prelu: 8,
  lbeta: 9,
  gammaShapeGrad: 10,
} as const;
export const REDUCE = { sum: 0, mean: 1, max: 2, min: 3 } as const;

type F32 = Float32Array;
type Word = Float32Array | Int32Array;

/** The addon's entry points. All write into `out` arrays the caller allocated. */
export interface NativeAddon {
  gemm(
    a: F32,
    b: F32,
    out: F32,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    aIndex: Int32Array | null,
    bIndex: Int32Array | null,
    aCount: number,
    bCount: number,
  ): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  binary(op: number, a: F32, aShape: number[], b: F32, bShape: number[], out: F32, outShape: number[]): void;
  reduce(op: number, x: F32, shape: number[], axes: number[], out: F32): void;
  transpose(x: Word, shape: number[], perm: number[], out: Word): void;
  setThreads(n: number): number;
  threads(): number;
  blasConfig(): string;
  // Registered by native/src/conv.cc and misc.cc; absent in an addon built before they existed.
  [extra: string]: unknown;
}

/** native/ of this checkout, or VAELAB_NATIVE_DIR (a copy built elsewhere; the tests use it). */
export const NATIVE_ROOT = process.env.VAELAB_NATIVE_DIR
  ? path.resolve(process.env.VAELAB_NATIVE_DIR)
  : path.resolve(__dirname, "..", "..", "..", "native");
const ADDON_FILE = path.join(NATIVE_ROOT, "build", "Release", "vaelab_native.node");
const STATUS_FILE = path.join(NATIVE_ROOT, "build-status.json");

let loaded: NativeAddon | null = null;

/** The addon, or a one-line Error saying why it is unavailable and how to enable it. */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  if (!fs.existsSync(ADDON_FILE)) {
    let why = "the native addon was not built";
    try {
      const status = JSON.parse(fs.readFileSync(STATUS_FILE, "utf8")) as { reason?: string };
      if (status.reason) why = `the native addon was not built (${status.reason})`;
    } catch {
      /* no status file: the install step never ran */
    }
    throw new Error(`${why}; to enable it: apt-get install g++ make python3 libopenblas-dev && npm run build:native`);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    loaded = require(ADDON_FILE) as NativeAddon;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new Error(
      `${ADDON_FILE} failed to load (${msg}); rebuild with 'npm run build:native' (needs libopenblas-dev)`,
    );
  }
  const threads = Number(process.env.VAELAB_NATIVE_THREADS ?? "");
  if (Number.isInteger(threads) && threads > 0) loaded.setThreads(threads);
  return loaded;
}
