// The voltage-imaging loader (.npy and raw .f32 + JSON sidecar, written to a temp dir and read back; bad
// files give errors naming the file) and the labelled synthetic stand-in (shapes, ground truth that
// reproduces the movie, the stimulus-locked response, the groups, determinism).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { encodeNpy, parseNpy, parseNpyHeader } from "../../lib/data/npy";
import { loadVoltageImaging, movieToPixels, voltageImaging, voltageStandIn } from "../../lib/data/voltage-imaging";
import { column } from "../../lib/data/dataset";
import { corr, mean, variance } from "./stats";

const tmp = mkdtempSync(join(tmpdir(), "vaelab-voltage-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const F = 4,
  H = 3,
  W = 5;
const movie = Float32Array.from({ length: F * H * W }, (_, i) => Math.sin(i) * 3 + i / 7);

test(".npy float32 and float64 (both byte orders) round-trip; the pixels matrix is [H·W, frames]", () => {
  for (const dtype of ["<f4", "<f8", ">f4", ">f8"] as const) {
    const path = join(tmp, `movie-${dtype.replace(/[<>]/, (c) => (c === "<" ? "le" : "be"))}.npy`);
    const values = dtype.endsWith("8") ? Float64Array.from(movie) : movie;
    writeFileSync(path, encodeNpy(values, [F, H, W], { dtype }));
    const m = loadVoltageImaging(path);
    assert.deepEqual(m.movie.shape, [F, H, W]);
    assert.deepEqual(m.movie.values, movie, dtype);
    assert.equal(m.standIn, false);
    assert.equal(m.source, path);
    assert.deepEqual(m.pixels.shape, [H * W, F]);
    // pixel (h, w) = row h·W + w holds its time series
    for (const [h, w] of [
      [0, 0],
      [1, 3],
      [2, 4],
    ]) {
      for (let f = 0; f < F; f++) assert.equal(m.pixels.values[(h * W + w) * F + f], movie[f * H * W + h * W + w]);
    }
    assert.deepEqual(m.split.train.length, H * W);
  }
  // header: 64-byte aligned, parsable by our reader, shape of a 1-D array written as (n,)
  const one = encodeNpy(new Float32Array([1, 2, 3]), [3]);
  const h = parseNpyHeader(one, "x");
  assert.equal(h.dataOffset % 64, 0);
  assert.deepEqual(h.shape, [3]);
  assert.deepEqual(Array.from(parseNpy(one, "x").values), [1, 2, 3]);
  // a version 2.0 header (4-byte length) as numpy writes for huge headers
  const v1 = encodeNpy(new Float32Array([5, 6]), [2]);
  const hdrLen = v1[8] | (v1[9] << 8);
  const v2 = new Uint8Array(v1.length); // same 64-byte alignment: two padding spaces fewer
  v2.set(v1.subarray(0, 8));
  v2[6] = 2;
  new DataView(v2.buffer).setUint32(8, hdrLen - 2, true);
  v2.set(v1.subarray(10, 10 + hdrLen - 3), 12);
  v2[12 + hdrLen - 3] = 0x0a;
  v2.set(v1.subarray(10 + hdrLen), 10 + hdrLen);
  assert.equal(parseNpyHeader(v2, "v2").dataOffset, 10 + hdrLen);
  assert.deepEqual(Array.from(parseNpy(v2, "v2").values), [5, 6]);
});

test("raw .f32 + JSON sidecar round-trip", () => {
  const path = join(tmp, "movie.f32");
  writeFileSync(path, Buffer.from(movie.buffer, movie.byteOffset, movie.byteLength));
  writeFileSync(join(tmp, "movie.json"), JSON.stringify({ frames: F, height: H, width: W }));
  const m = loadVoltageImaging(path);
  assert.deepEqual(m.movie.shape, [F, H, W]);
  assert.deepEqual(m.movie.values, movie);
  assert.deepEqual(m.pixels, movieToPixels(movie, F, H, W));
  // voltageImaging with an explicit path reads it; a missing explicit path is an error, not the stand-in
  assert.equal(voltageImaging({ path }).standIn, false);
  assert.throws(() => voltageImaging({ path: join(tmp, "absent.npy") }), /absent\.npy: no such file/);
});

test("bad files give errors that name the file and say what is wrong", () => {
  const write = (name: string, bytes: Uint8Array | string) => {
    const p = join(tmp, name);
    writeFileSync(p, bytes);
    return p;
  };
  const esc = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const fortran = write("fortran.npy", encodeNpy(movie, [F, H, W], { fortranOrder: true }));
  assert.throws(() => loadVoltageImaging(fortran), new RegExp(`^Error: ${esc(fortran)}: .*Fortran order`));
  // an int16 array: same layout, another descr
  const f32 = encodeNpy(new Float32Array(6), [6]);
  const text = new TextDecoder("latin1").decode(f32).replace("'<f4'", "'<i2'");
  const i16 = write(
    "int16.npy",
    Uint8Array.from(text, (ch) => ch.charCodeAt(0)).subarray(0, parseNpyHeader(f32, "f32").dataOffset + 12),
  );
  assert.throws(() => loadVoltageImaging(i16), new RegExp(`${esc(i16)}: unsupported dtype '<i2'`));
  const full = encodeNpy(movie, [F, H, W]);
  const truncated = write("truncated.npy", full.subarray(0, full.length - 10));
  assert.throws(
    () => loadVoltageImaging(truncated),
    new RegExp(
      `${esc(truncated)}: truncated: .*needs ${F * H * W * 4} bytes of data, the file has ${F * H * W * 4 - 10}`,
    ),
  );
  const longer = write("longer.npy", Uint8Array.from([...full, 0, 0, 0, 0]));
  assert.throws(() => loadVoltageImaging(longer), /4 bytes too many/);
  const notNpy = write("text.npy", "hello, world, this is not numpy");
  assert.throws(() => loadVoltageImaging(notNpy), new RegExp(`${esc(notNpy)}: not a readable .npy file: .*magic`));
  const flat = write("flat.npy", encodeNpy(movie, [F, H * W]));
  assert.throws(
    () => loadVoltageImaging(flat),
    new RegExp(`${esc(flat)}: expected a 3-D array .*got shape \\(${F}, ${H * W}\\)`),
  );
  const nan = Float32Array.from(movie);
  nan[5] = NaN;
  const withNan = write("nan.npy", encodeNpy(nan, [F, H, W]));
  assert.throws(() => loadVoltageImaging(withNan), new RegExp(`${esc(withNan)}: 1 non-finite values`));
  const zeroed = loadVoltageImaging(withNan, { nonFinite: "zero" });
  assert.equal(zeroed.movie.values[5], 0);
  assert.match(zeroed.label, /1 non-finite values set to 0/);
  // raw: short data, missing or bad sidecar
  const short = write("short.f32", new Uint8Array(4 * F * H * W - 4));
  write("short.json", JSON.stringify({ frames: F, height: H, width: W }));
  assert.throws(
    () => loadVoltageImaging(short),
    new RegExp(`${esc(short)}: truncated: .*needs ${4 * F * H * W} bytes, the file has ${4 * F * H * W - 4}`),
  );
  const lonely = write("lonely.f32", new Uint8Array(16));
  assert.throws(() => loadVoltageImaging(lonely), new RegExp(`${esc(lonely)}: a raw .f32 movie needs a JSON sidecar`));
  const badMeta = write("badmeta.f32", new Uint8Array(16));
  write("badmeta.json", JSON.stringify({ frames: 2, height: "x", width: 2 }));
  assert.throws(() => loadVoltageImaging(badMeta), /badmeta\.json: "height" must be a positive integer, got "x"/);
  const other = write("movie.tif", new Uint8Array(4));
  assert.throws(() => loadVoltageImaging(other), /movie\.tif: unknown movie format/);
});

test("float64 values beyond the float32 range and movies with no frames are errors naming the file", () => {
  const big = Float64Array.from(movie);
  big[7] = 1e300;
  big[9] = -1e39;
  const p = join(tmp, "big.npy");
  writeFileSync(p, encodeNpy(big, [F, H, W], { dtype: "<f8" }));
  assert.throws(
    () => loadVoltageImaging(p),
    (e: Error) =>
      e.message.startsWith(`${p}: `) &&
      /value 1e\+300 at index 7 \(element \[0, 1, 2\]\) is outside the float32 range/.test(e.message),
  );
  assert.throws(
    () => parseNpy(encodeNpy([1, -1e39], [2], { dtype: ">f8" }), "be.npy"),
    /be\.npy: .*-1e\+39 at index 1/,
  );
  // the largest float32 and values that round to it, NaN/Inf (handled by nonFinite) and tiny values still load
  const edge = parseNpy(
    encodeNpy([3.4028234663852886e38, -3.4028235e38, 1e-50, NaN, Infinity], [5], { dtype: "<f8" }),
    "e",
  );
  assert.deepEqual(Array.from(edge.values), [3.4028234663852886e38, -3.4028234663852886e38, 0, NaN, Infinity]);
  for (const shape of [
    [0, H, W],
    [F, 0, W],
  ]) {
    const z = join(tmp, `empty-${shape.join("x")}.npy`);
    writeFileSync(z, encodeNpy(new Float32Array(0), shape));
    assert.throws(
      () => loadVoltageImaging(z),
      (e: Error) => e.message.startsWith(`${z}: `) && /has no (frames|pixels)/.test(e.message),
      shape.join("x"),
    );
  }
});

test("stand-in: labelled, 150 × 50 × 50, pixels = maps · seriesᵀ + noise 0.05, deterministic by seed", () => {
  const s = voltageStandIn();
  assert.equal(s.standIn, true);
  assert.match(s.label, /SYNTHETIC STAND-IN/);
  assert.deepEqual(s.movie.shape, [150, 50, 50]);
  assert.deepEqual(s.pixels.shape, [2500, 150]);
  assert.deepEqual(s.z.shape, [2500, 6]);
  assert.deepEqual(s.series.shape, [150, 6]);
  assert.deepEqual(s.groups, [[0], [1, 2], [3, 4], [5]]);
  assert.equal(s.groupNames.length, 4);
  const K = 6,
    P = 2500;
  for (const [p, f] of [
    [0, 0],
    [1234, 77],
    [2020, 149],
  ]) {
    let v = 0;
    for (let k = 0; k < K; k++) v += s.z.values[p * K + k] * s.series.values[f * K + k];
    assert.ok(Math.abs(v - s.clean.values[f * P + p]) < 1e-5);
    assert.equal(s.pixels.values[p * 150 + f], s.movie.values[f * P + p]);
  }
  const resid = Array.from(s.movie.values, (v, i) => v - s.clean.values[i]);
  assert.ok(Math.abs(Math.sqrt(variance(resid)) / 0.05 - 1) < 0.01);
  // outside the cortex mask: noise only
  let outside = 0;
  for (let p = 0; p < P; p++) {
    if (s.mask[p]) continue;
    outside++;
    for (let k = 0; k < K; k++) assert.ok(s.z.values[p * K + k] === 0, `map ${k} at pixel ${p} outside the mask`);
  }
  assert.ok(outside > 300 && outside < 1500, `${outside} pixels outside the mask`);
  // same seed → same movie; another seed → another movie, same mask
  const again = voltageStandIn();
  assert.deepEqual(again.movie.values, s.movie.values);
  const other = voltageStandIn({ seed: 1 });
  assert.notDeepEqual(other.movie.values, s.movie.values);
  assert.deepEqual(other.mask, s.mask);
  // small sizes work (for tests and smoke presets)
  const small = voltageStandIn({ frames: 20, height: 16, width: 16 });
  assert.deepEqual(small.pixels.shape, [256, 20]);
});

test("stand-in: the air-puff response is in right S1-bf after onset; shared oscillations make rank-2 groups", () => {
  const s = voltageStandIn({ seed: 2 });
  const K = 6,
    W = 50;
  const [r, c] = s.regions["R S1-bf"];
  const p = Math.floor(r) * W + Math.floor(c);
  const onsetFrame = Math.round(s.stimulus.onset * s.frameRate);
  const response = column(s.series, 0);
  const peak = response.indexOf(Math.max(...response));
  assert.ok(peak > onsetFrame && peak < onsetFrame + 10, `response peaks at frame ${peak}, onset ${onsetFrame}`);
  assert.ok(Math.max(...response.slice(0, onsetFrame)) < 0.05, "no response before the puff");
  assert.ok(s.z.values[p * K] > 0.8, "right S1-bf is in the response map");
  const [lr, lc] = s.regions["L S1-bf"];
  const lp = Math.floor(lr) * W + Math.floor(lc);
  assert.ok(
    s.z.values[lp * K] < 0.5 * s.z.values[p * K],
    "the contralateral (right) side responds more to a left puff",
  );
  // within an oscillation group the two series are in quadrature (uncorrelated, same frequency) and the
  // two maps share support (a rank-2 group); each map is non-zero in both regions of its group
  for (const [a, b, ra, rb] of [
    [1, 2, "R S1-bf", "R M2-m"],
    [3, 4, "L M1", "R M1"],
  ] as const) {
    const sa = column(s.series, a),
      sb = column(s.series, b);
    assert.ok(Math.abs(corr(sa, sb)) < 0.35, `series ${a}, ${b} corr ${corr(sa, sb)}`);
    const amp = (name: string) => {
      const [rr, cc] = s.regions[name];
      const q = Math.floor(rr) * W + Math.floor(cc);
      return Math.hypot(s.z.values[q * K + a], s.z.values[q * K + b]);
    };
    assert.ok(amp(ra) > 0.7 && amp(rb) > 0.7, `oscillation amplitude in ${ra} ${amp(ra)}, ${rb} ${amp(rb)}`);
  }
  // the fast oscillation is stronger during the puff
  const fast = column(s.series, 1).map((v, f) => Math.hypot(v, s.series.values[f * K + 2]));
  assert.ok(mean(fast.slice(50, 100)) > 1.5 * mean(fast.slice(0, 25)));
});

test("voltageImaging() falls back to the labelled stand-in when no real file is present", () => {
  const cwd = process.cwd();
  try {
    process.chdir(tmp); // no data/external/ here
    const m = voltageImaging({ frames: 10, height: 12, width: 12 });
    assert.equal(m.standIn, true);
    assert.match(m.label, /STAND-IN/);
  } finally {
    process.chdir(cwd);
  }
});
