// Saving and loading named tensors without tfjs-node: a directory holds `weights.json` (a manifest:
// format version, one entry per tensor {name, shape, dtype, offset, byteLength}, a sha256 of the
// binary, free-form `meta`) and `weights.bin` (the raw little-endian values, 8-byte aligned).
// Each file is written to a temporary name, flushed and renamed over the old one, so an interrupted
// save leaves the previous good copy readable; the binary is renamed first and the manifest second,
// and the manifest's checksum catches the one remaining window (a crash between the two renames).
// Helpers on top save/restore a model's tf.Variables and a tfjs optimizer's state.
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import * as os from "os";
import { createHash } from "crypto";
import { writeFileAtomic } from "./paths";

export const WEIGHTS_FORMAT = "vaelab-weights";
export const WEIGHTS_VERSION = 1;
export const MANIFEST_FILE = "weights.json";
export const BINARY_FILE = "weights.bin";

/** dtypes we store; tfjs 'string' and 'complex64' tensors are not needed by vaelab models. */
export type StoredDtype = "float32" | "int32" | "bool";

export interface WeightsEntry {
  name: string;
  shape: number[];
  dtype: StoredDtype;
  /** Byte offset into weights.bin. */
  offset: number;
  byteLength: number;
}

export interface WeightsManifest {
  format: typeof WEIGHTS_FORMAT;
  version: number;
  endianness: "little";
  /** Size of weights.bin in bytes. */
  byteLength: number;
  checksum: { algorithm: "sha256"; value: string };
  entries: WeightsEntry[];
  /** Free-form JSON supplied by the caller (step counter, controller state, …). */
  meta: unknown;
}

export type Meta = Record<string, unknown>;

const BYTES: Record<StoredDtype, number> = { float32: 4, int32: 4, bool: 1 };
const ALIGN = 8;

function ensureLittleEndian(): void {
  if (os.endianness() !== "LE") throw new Error("vaelab weights: only little-endian hosts are supported");
}

function sha256(buf: Uint8Array): string {
  return createHash("sha256").update(buf).digest("hex");
}

function storedDtype(t: tf.Tensor, name: string): StoredDtype {
  if (t.dtype === "float32" || t.dtype === "int32" || t.dtype === "bool") return t.dtype;
  throw new Error(`saveTensors: tensor "${name}" has dtype ${t.dtype}; only float32, int32 and bool can be saved`);
}

/**
 * Save named tensors to `dir/weights.json` + `dir/weights.bin` (atomically, see file header).
 * Tensors are not disposed. `meta` must be JSON-serialisable.
 */
export async function saveTensors(
  dir: string,
  named: Record<string, tf.Tensor>,
  meta: unknown = {},
): Promise<WeightsManifest> {
  ensureLittleEndian();
  const entries: WeightsEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(named)) {
    if (name.length === 0) throw new Error("saveTensors: tensor names must be non-empty");
    const t = named[name];
    if (!(t instanceof tf.Tensor)) throw new Error(`saveTensors: "${name}" is not a tf.Tensor`);
    if (t.isDisposed) throw new Error(`saveTensors: tensor "${name}" is disposed`);
    const dtype = storedDtype(t, name);
    const values = (await t.data()) as Float32Array | Int32Array | Uint8Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.length * BYTES[dtype]);
    const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      offset += pad;
    }
    entries.push({ name, shape: t.shape.slice(), dtype, offset, byteLength: bytes.length });
    chunks.push(bytes.slice()); // copy: the backend may reuse the buffer
    offset += bytes.length;
  }
  const bin = Buffer.concat(chunks, offset);
  const manifest: WeightsManifest = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    endianness: "little",
    byteLength: bin.length,
    checksum: { algorithm: "sha256", value: sha256(bin) },
    entries,
    meta: meta ?? {},
  };
  const json = JSON.stringify(manifest, null, 1);
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, BINARY_FILE), bin);
  writeFileAtomic(path.join(dir, MANIFEST_FILE), json);
  return manifest;
}

function isIntArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= 0);
}

/** Read and validate `dir/weights.json`; errors name the file and the field at fault. */
export function readManifest(dir: string): WeightsManifest {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) {
    throw new Error(`weights: ${file} not found (no tensors saved in ${dir})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`weights: ${file} is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  const m = raw as Partial<WeightsManifest>;
  const bad = (what: string): never => {
    throw new Error(`weights: ${file} is not a vaelab weights manifest: ${what}`);
  };
  if (!m || typeof m !== "object") bad("top level is not an object");
  if (m.format !== WEIGHTS_FORMAT) bad(`format is ${JSON.stringify(m.format)}, expected "${WEIGHTS_FORMAT}"`);
  if (m.version !== WEIGHTS_VERSION)
    bad(`version ${m.version} is not supported (this code reads version ${WEIGHTS_VERSION})`);
  if (m.endianness !== "little") bad(`endianness ${JSON.stringify(m.endianness)}`);
  if (!Number.isInteger(m.byteLength) || (m.byteLength as number) < 0) bad("byteLength missing or invalid");
  if (!m.checksum || m.checksum.algorithm !== "sha256" || typeof m.checksum.value !== "string")
    bad("checksum missing or not sha256");
  if (!Array.isArray(m.entries)) bad("entries is not an array");
  const seen = new Set<string>();
  (m.entries as WeightsEntry[]).forEach((e, i) => {
    const where = `entry ${i}${e && typeof e.name === "string" ? ` ("${e.name}")` : ""}`;
    if (!e || typeof e.name !== "string" || e.name.length === 0) bad(`${where} has no name`);
    if (seen.has(e.name)) bad(`${where} repeats the name "${e.name}"`);
    seen.add(e.name);
    if (!isIntArray(e.shape)) bad(`${where} has an invalid shape ${JSON.stringify(e.shape)}`);
    if (!(e.dtype in BYTES)) bad(`${where} has unsupported dtype ${JSON.stringify(e.dtype)}`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.byteLength !== size * BYTES[e.dtype])
      bad(
        `${where} has byteLength ${e.byteLength} but shape [${e.shape}] of ${e.dtype} needs ${size * BYTES[e.dtype]}`,
      );
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset + e.byteLength > (m.byteLength as number)) {
      bad(`${where} has offset ${e.offset} outside the ${m.byteLength}-byte binary`);
    }
  });
  return m as WeightsManifest;
}

/** Read and verify `dir/weights.bin` against its manifest (size and checksum). */
function readBinary(dir: string, manifest: WeightsManifest): Buffer {
  const file = path.join(dir, BINARY_FILE);
  const mfile = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new Error(`weights: ${file} not found (the manifest ${mfile} refers to it)`);
  const bin = fs.readFileSync(file);
  if (bin.length !== manifest.byteLength) {
    throw new Error(
      `weights: ${file} has ${bin.length} bytes but ${mfile} expects ${manifest.byteLength} (${bin.length < manifest.byteLength ? "truncated" : "extra bytes"}, or the two files come from different saves)`,
    );
  }
  const sum = sha256(bin);
  if (sum !== manifest.checksum.value) {
    throw new Error(
      `weights: ${file} fails its sha256 checksum from ${mfile} (corrupt, or the two files come from different saves)`,
    );
  }
  return bin;
}

function tensorFromBytes(bin: Buffer, e: WeightsEntry): tf.Tensor {
  const n = e.byteLength / BYTES[e.dtype];
  // Copy into a fresh, aligned buffer: Buffer slices may sit at any offset of Node's pool.
  const copy = new Uint8Array(e.byteLength);
  copy.set(bin.subarray(e.offset, e.offset + e.byteLength));
  switch (e.dtype) {
    case "float32":
      return tf.tensor(new Float32Array(copy.buffer, 0, n), e.shape, "float32");
    case "int32":
      return tf.tensor(new Int32Array(copy.buffer, 0, n), e.shape, "int32");
    case "bool":
      return tf.tensor(copy, e.shape, "bool");
  }
}

/**
 * Load the tensors saved in `dir` (created fresh; the caller disposes them) and the manifest's `meta`.
 * Throws, naming the file, when weights.json or weights.bin is missing, corrupt, truncated or mismatched.
 */
export function loadTensors(dir: string): { tensors: Record<string, tf.Tensor>; meta: unknown } {
  ensureLittleEndian();
  const manifest = readManifest(dir);
  const bin = readBinary(dir, manifest);
  const tensors: Record<string, tf.Tensor> = {};
  for (const e of manifest.entries) tensors[e.name] = tensorFromBytes(bin, e);
  return { tensors, meta: manifest.meta };
}

/**
 * Check that `dir` holds a complete save (a valid manifest and a binary of the right size and checksum)
 * without creating tensors; throws like loadTensors, naming the file at fault. Returns the manifest.
 */
export function verifyTensors(dir: string): WeightsManifest {
  const manifest = readManifest(dir);
  readBinary(dir, manifest);
  return manifest;
}

/** True if `dir` holds a weights manifest (it may still be corrupt; loadTensors checks). */
export function hasTensors(dir: string): boolean {
  return fs.existsSync(path.join(dir, MANIFEST_FILE));
}

/** Dispose every tensor in a record. */
export function disposeAll(named: Record<string, tf.Tensor>): void {
  for (const k of Object.keys(named)) named[k].dispose();
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Assign loaded tensors to variables by name, checking that the names match one to one and that
 * shapes and dtypes agree; `file` is named in errors. Nothing is assigned unless everything matches.
 */
export function assignVariables(
  vars: Record<string, tf.Variable>,
  tensors: Record<string, tf.Tensor>,
  file: string,
): void {
  const want = Object.keys(vars);
  const have = Object.keys(tensors);
  const missing = want.filter((n) => !(n in tensors));
  const extra = have.filter((n) => !(n in vars));
  if (missing.length || extra.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing from the file: ${missing.join(", ")}`);
    if (extra.length) parts.push(`in the file but not in the model: ${extra.join(", ")}`);
    throw new Error(`weights: ${file} does not match the model's variables (${parts.join("; ")})`);
  }
  for (const n of want) {
    const v = vars[n],
      t = tensors[n];
    if (!sameShape(v.shape, t.shape)) {
      throw new Error(
        `weights: ${file}: variable "${n}" has shape [${t.shape}] in the file but [${v.shape}] in the model`,
      );
    }
    if (v.dtype !== t.dtype)
      throw new Error(`weights: ${file}: variable "${n}" has dtype ${t.dtype} in the file but ${v.dtype} in the model`);
  }
  for (const n of want) vars[n].assign(tensors[n]);
}

/** Save a model's variables (by their logical names) with optional meta. */
export function saveVariables(
  dir: string,
  vars: Record<string, tf.Variable>,
  meta: unknown = {},
): Promise<WeightsManifest> {
  return saveTensors(dir, vars, meta);
}

/** Restore variables saved by saveVariables; returns the saved meta. Names and shapes must match exactly. */
export function restoreVariables(dir: string, vars: Record<string, tf.Variable>): unknown {
  const { tensors, meta } = loadTensors(dir);
  try {
    assignVariables(vars, tensors, path.join(dir, MANIFEST_FILE));
  } finally {
    disposeAll(tensors);
  }
  return meta;
}

// ---- optimizer state ----------------------------------------------------------------------------

/** Layout of an optimizer's saved state, kept in the manifest meta so a restore can check it. */
export interface OptimizerStateInfo {
  className: string;
  /** Names tfjs gave the slots when saved (for the record; restore matches by position). */
  slotNames: string[];
  /** Extra private scalars saved (Adam's running β powers). */
  extras: string[];
}

const OPT_PREFIX = "opt/";
// Adam keeps β1^t and β2^t as running products; setWeights recomputes them with pow(), which can
// differ from the product by an ulp. Saving the exact values keeps a resumed run bit-identical.
const OPT_EXTRAS = ["accBeta1", "accBeta2"];

/**
 * Capture an optimizer's state as named tensors `opt/iter`, `opt/slot000`, … (+ `opt/accBeta1`, …).
 * Call `release()` after saving: it disposes the tensors created for the capture (not the optimizer's own).
 */
export async function captureOptimizerState(
  opt: tf.Optimizer,
): Promise<{ tensors: Record<string, tf.Tensor>; info: OptimizerStateInfo; release: () => void }> {
  const weights = await opt.getWeights();
  const tensors: Record<string, tf.Tensor> = {};
  const fresh: tf.Tensor[] = [];
  if (weights.length === 0 || weights[0].name !== "iter") {
    throw new Error(
      `captureOptimizerState: ${opt.getClassName()}.getWeights() did not start with the iteration counter`,
    );
  }
  tensors[`${OPT_PREFIX}iter`] = weights[0].tensor;
  fresh.push(weights[0].tensor); // saveIterations() makes a new scalar each call
  const slotNames: string[] = [];
  weights.slice(1).forEach((w, i) => {
    tensors[`${OPT_PREFIX}slot${String(i).padStart(3, "0")}`] = w.tensor;
    slotNames.push(w.name);
  });
  const extras: string[] = [];
  const o = opt as unknown as Record<string, unknown>;
  for (const k of OPT_EXTRAS) {
    const t = o[k];
    if (t instanceof tf.Tensor && !t.isDisposed) {
      tensors[`${OPT_PREFIX}${k}`] = t;
      extras.push(k);
    }
  }
  return { tensors, info: { className: opt.getClassName(), slotNames, extras }, release: () => tf.dispose(fresh) };
}

/**
 * Restore an optimizer's state captured by captureOptimizerState (tensors as loaded from disk, keyed
 * `opt/…`). `vars` are the model variables in the order the optimizer sees them; each slot's shape is
 * checked against the variable it belongs to. The optimizer's old slot variables are disposed.
 * The given tensors are not disposed.
 */
export async function restoreOptimizerState(
  opt: tf.Optimizer,
  tensors: Record<string, tf.Tensor>,
  info: OptimizerStateInfo,
  vars: tf.Variable[],
  file: string,
): Promise<void> {
  if (info.className !== opt.getClassName()) {
    throw new Error(
      `weights: ${file} holds ${info.className} optimizer state but the optimizer is ${opt.getClassName()}`,
    );
  }
  const iter = tensors[`${OPT_PREFIX}iter`];
  if (!iter) throw new Error(`weights: ${file} has no optimizer iteration counter (${OPT_PREFIX}iter)`);
  const slots: { name: string; tensor: tf.Tensor }[] = [];
  for (let i = 0; i < info.slotNames.length; i++) {
    const key = `${OPT_PREFIX}slot${String(i).padStart(3, "0")}`;
    const t = tensors[key];
    if (!t) throw new Error(`weights: ${file} is missing optimizer slot ${key}`);
    slots.push({ name: info.slotNames[i], tensor: t });
  }
  // tfjs lays slots out as [kind][variable] (Adam: all first moments, then all second moments).
  if (slots.length > 0) {
    if (vars.length === 0 || slots.length % vars.length !== 0) {
      throw new Error(
        `weights: ${file} has ${slots.length} optimizer slots, not a multiple of the model's ${vars.length} variables`,
      );
    }
    slots.forEach((s, j) => {
      const v = vars[j % vars.length];
      if (!sameShape(s.tensor.shape, v.shape)) {
        throw new Error(
          `weights: ${file}: optimizer slot ${j} ("${s.name}") has shape [${s.tensor.shape}] but variable ${j % vars.length} has shape [${v.shape}]`,
        );
      }
    });
  }
  // Dispose the slots being replaced (setWeights makes new variables and drops the old ones).
  const old = await opt.getWeights();
  tf.dispose(old.map((w) => w.tensor));
  // setWeights wraps each tensor in a new variable (sharing data), so it does not take ownership.
  await opt.setWeights([{ name: "iter", tensor: iter }, ...slots]);
  const o = opt as unknown as Record<string, unknown>;
  for (const k of info.extras) {
    const target = o[k];
    const src = tensors[`${OPT_PREFIX}${k}`];
    if (target instanceof tf.Variable && src) target.assign(src);
  }
}
