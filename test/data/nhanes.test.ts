// NHANES / HÖRSTAT loaders and the ISO 7029 stand-in. The tests write small SAS XPORT v5 files with
// lib/data/xport-write and read them back through xport-js (the reader the loader uses): IBM floats
// round-trip exactly, the blank padding of the last record is not read as data, AUX ⋈ DEMO on SEQN with
// the no-response codes as missing; the HÖRSTAT-style CSV with its errors; ISO 7029 closed forms.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { encodeXport, ibmToIeee, ieeeToIbm, writeXport } from "../../lib/data/xport-write";
import {
  AUDIOGRAM_FRAME_COLUMNS,
  NHANES_CYCLES,
  NHANES_THRESHOLD_VARIABLES,
  STAND_IN_DE,
  STAND_IN_US,
  audiogramMatrix,
  cleanThreshold,
  horstatOrStandIn,
  iso7029Median,
  iso7029Quantile,
  iso7029Spread,
  loadHorstatCsv,
  loadNhanes,
  nhanesOrStandIn,
  readXport,
  standInColumns,
  standInCorrelation,
} from "../../lib/data/nhanes";
import { AUDIOGRAM_COLUMNS } from "../../lib/data/audiograms";
import { Rng } from "../../lib/engine/rng";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-nhanes-"));

test("IBM hexadecimal floats: known encodings and exact round trips", () => {
  assert.deepEqual([...ieeeToIbm(1)], [0x41, 0x10, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...ieeeToIbm(-118.625)], [0xc2, 0x76, 0xa0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...ieeeToIbm(0)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...ieeeToIbm(null)], [0x2e, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(ibmToIeee(ieeeToIbm(NaN)), null);
  const rng = new Rng("ibm");
  const values = [0.1, 1 / 3, 666, 888, -10, 120, 93772, 1e-30, 1e30, Math.PI, -2.5, 1e-75];
  for (let i = 0; i < 500; i++) values.push((rng.uniform() - 0.5) * 10 ** (rng.int(40) - 20));
  for (const v of values) assert.equal(ibmToIeee(ieeeToIbm(v)), v, `round trip of ${v}`);
});

test("an XPORT file written here reads back through xport-js: numbers, missing values, strings; no padding rows", async () => {
  const dir = tmp();
  const f = path.join(dir, "t.xpt");
  writeXport(f, {
    name: "AUX_I",
    label: "Audiometry",
    columns: [
      { name: "SEQN", type: "num" },
      { name: "AUXU500R", type: "num", label: "Right 500 Hz" },
      { name: "NOTE", type: "char", length: 5 },
    ],
    rows: [
      [83732, 15, "ok"],
      [83733, null, ""],
      [83734, 666, "x,y"],
    ],
  });
  const got = await readXport(f);
  assert.equal(got.name, "AUX_I");
  assert.deepEqual(got.columns, [
    { name: "SEQN", label: "", type: "num" },
    { name: "AUXU500R", label: "Right 500 Hz", type: "num" },
    { name: "NOTE", label: "", type: "char" },
  ]);
  assert.deepEqual(got.rows, [
    [83732, 15, "ok"],
    [83733, null, ""],
    [83734, 666, "x,y"],
  ]);
  // one 16-byte observation leaves 64 bytes of blank padding: xport-js alone would return 4 extra rows
  const g = path.join(dir, "short.xpt");
  writeXport(g, {
    name: "DEMO",
    columns: [
      { name: "SEQN", type: "num" },
      { name: "RIDAGEYR", type: "num" },
    ],
    rows: [[1, 45]],
  });
  assert.equal(fs.statSync(g).size % 80, 0);
  assert.deepEqual((await readXport(g)).rows, [[1, 45]]);
  assert.deepEqual((await readXport(f, { keep: ["seqn"] })).rows, [[83732], [83733], [83734]]);
  await assert.rejects(readXport(f, { keep: ["RIAGENDR"] }), /has no column RIAGENDR/);
  await assert.rejects(readXport(path.join(dir, "none.xpt")), /no file/);
  assert.throws(
    () => encodeXport({ name: "X", columns: [{ name: "TOO_LONG_NAME", type: "num" }], rows: [] }),
    /not a SAS v5 name/,
  );
});

/** Write AUX and DEMO files of one cycle; thresholds given per SEQN as {column: value}. */
function writeCycle(
  dir: string,
  cycle: (typeof NHANES_CYCLES)[number],
  aux: { seqn: number; thr: Record<string, number | null>; retest?: number }[],
  demo: { seqn: number; age: number; sex: number }[],
  lower = false,
) {
  const vars = AUDIOGRAM_COLUMNS.slice(1).map((c) => NHANES_THRESHOLD_VARIABLES[c]);
  const name = (s: string) => (lower ? s.toLowerCase() : s);
  writeXport(path.join(dir, name(cycle.aux)), {
    name: cycle.aux.replace(".XPT", ""),
    columns: [
      { name: "SEQN", type: "num" },
      { name: "AUQ011", type: "num" },
      ...vars.map((v) => ({ name: v, type: "num" as const })),
      { name: "AUXU1K2R", type: "num" },
      { name: "AUXU1K2L", type: "num" },
    ],
    rows: aux.map((a) => [
      a.seqn,
      2,
      ...AUDIOGRAM_COLUMNS.slice(1).map((c) => (c in a.thr ? a.thr[c] : 10)),
      a.retest ?? 99,
      a.retest ?? 99,
    ]),
  });
  writeXport(path.join(dir, name(cycle.demo)), {
    name: cycle.demo.replace(".XPT", ""),
    columns: [
      { name: "SEQN", type: "num" },
      { name: "SDDSRVYR", type: "num" },
      { name: "RIAGENDR", type: "num" },
      { name: "RIDAGEYR", type: "num" },
    ],
    rows: demo.map((d) => [d.seqn, 9, d.sex, d.age]),
  });
}

test("loadNhanes: AUX ⋈ DEMO on SEQN, first 1 kHz reading, codes 666/888 missing, empty rows dropped, a DataFrame", async () => {
  const dir = tmp();
  const [c99, , , , c15] = NHANES_CYCLES;
  writeCycle(
    dir,
    c15,
    [
      { seqn: 83732, thr: { L500: 5, R8000: 35, R1000: 15 }, retest: 40 },
      { seqn: 83733, thr: { L4000: 666, R2000: 888, L6000: 777 } },
      { seqn: 83734, thr: {} }, // not in DEMO: dropped by the join
      { seqn: 83735, thr: Object.fromEntries(AUDIOGRAM_COLUMNS.slice(1).map((c) => [c, 888])) }, // nothing measured: dropped
      { seqn: 83736, thr: { L8000: 130 } }, // out of range → missing
    ],
    [
      { seqn: 83736, age: 61, sex: 2 },
      { seqn: 83733, age: 35, sex: 1 },
      { seqn: 83732, age: 69, sex: 1 },
      { seqn: 83735, age: 20, sex: 2 },
    ],
    true,
  );
  writeCycle(dir, c99, [{ seqn: 7, thr: { L500: -5 } }], [{ seqn: 7, age: 22, sex: 2 }]);
  const { frame, report } = await loadNhanes({ dir, cycles: [c99, c15] });
  assert.deepEqual(frame.columns, AUDIOGRAM_FRAME_COLUMNS.slice());
  assert.deepEqual(frame.shape, [4, 18]);
  assert.deepEqual(report.counts, [
    { cycle: "1999-2000", aux: 1, joined: 1, kept: 1 },
    { cycle: "2015-2016", aux: 5, joined: 4, kept: 3 },
  ]);
  assert.deepEqual(frame["id"].values, [7, 83732, 83733, 83736]);
  assert.deepEqual(frame["source"].values, [
    "NHANES 1999-2000",
    "NHANES 2015-2016",
    "NHANES 2015-2016",
    "NHANES 2015-2016",
  ]);
  assert.deepEqual(frame["age"].values, [22, 69, 35, 61]);
  assert.deepEqual(frame["sex"].values, [2, 1, 1, 2]);
  assert.equal(frame["L500"].values[0], -5);
  assert.equal(frame["R1000"].values[1], 15, "1 kHz is the first reading (AUXU1K1R), not the retest");
  assert.equal(frame["R8000"].values[1], 35);
  for (const c of ["L4000", "R2000", "L6000"]) assert.ok(Number.isNaN(frame[c].values[2] as number), `${c} code → NaN`);
  assert.ok(Number.isNaN(frame["L8000"].values[3] as number), "130 dB is out of range");
  const m = audiogramMatrix(frame);
  assert.deepEqual(m.x.shape, [4, 15]);
  assert.equal(m.missingEntries, 4);
  assert.deepEqual(Array.from(m.x.values.subarray(15, 30)), [
    69,
    ...AUDIOGRAM_COLUMNS.slice(1).map((c) => (c === "R8000" ? 35 : c === "R1000" ? 15 : c === "L500" ? 5 : 10)),
  ]);
  assert.equal(m.mask.values[2 * 15 + AUDIOGRAM_COLUMNS.indexOf("L4000")], 0);
  // 666 censored instead of missing
  const cens = await loadNhanes({ dir, cycles: [c15], noResponse: 120 });
  assert.equal(cens.frame["L4000"].values[1], 120);
  assert.ok(Number.isNaN(cens.frame["R2000"].values[1] as number));
  await assert.rejects(
    loadNhanes({ dir, cycles: [NHANES_CYCLES[3]] }),
    /cycle 2011-2012 needs AUX_G.XPT and DEMO_G.XPT/,
  );
  // the facade picks the real files when they are all there
  const src = await nhanesOrStandIn({ dir, cycles: [c99, c15] });
  assert.equal(src.kind, "nhanes");
  assert.equal(src.frame.shape[0], 4);
});

test("cleanThreshold: codes, range, censoring", () => {
  assert.ok(Number.isNaN(cleanThreshold(666)));
  assert.ok(Number.isNaN(cleanThreshold(888)));
  assert.ok(Number.isNaN(cleanThreshold(null)));
  assert.equal(cleanThreshold(-10), -10);
  assert.ok(Number.isNaN(cleanThreshold(-15)));
  assert.equal(cleanThreshold(666, { noResponse: 115 }), 115);
});

test("HÖRSTAT-style CSV: any column order, ';' with decimal commas, sex m/f; errors name the file, line and column", async () => {
  const dir = tmp();
  const thr = AUDIOGRAM_COLUMNS.slice(1);
  const header = ["Age", "ID", "Sex", ...thr.slice().reverse()];
  const row = (id: number, age: string, sex: string, v: (i: number) => string) =>
    [
      age,
      String(id),
      sex,
      ...thr
        .slice()
        .reverse()
        .map((_, i) => v(i)),
    ].join(";");
  const file = path.join(dir, "horstat.csv");
  fs.writeFileSync(
    file,
    [
      header.join(";"),
      row(1, "71", "f", (i) => `${i * 5},5`),
      row(2, "44", "m", (i) => (i === 0 ? "" : i === 1 ? "NA" : "666")),
      "",
    ].join("\n"),
  );
  const frame = await loadHorstatCsv(file);
  assert.deepEqual(frame.shape, [2, 18]);
  assert.deepEqual(frame["sex"].values, [2, 1]);
  assert.deepEqual(frame["age"].values, [71, 44]);
  assert.equal(frame["R8000"].values[0], 0.5);
  assert.equal(frame["L500"].values[0], 13 * 5 + 0.5);
  assert.ok([...thr].every((c) => Number.isNaN(frame[c].values[1] as number)));
  assert.ok(String(frame["source"].values[0]).includes("horstat.csv"));
  const bad = path.join(dir, "bad.csv");
  fs.writeFileSync(bad, ["id,age,L500", "1,50,10"].join("\n"));
  await assert.rejects(
    loadHorstatCsv(bad),
    (e: Error) => e.message.includes("bad.csv") && e.message.includes("no column L1000"),
  );
  fs.writeFileSync(bad, [["id", "age", ...thr].join(","), ["1", "5O", ...thr.map(() => "10")].join(",")].join("\n"));
  await assert.rejects(loadHorstatCsv(bad), /bad\.csv line 2 column age: "5O" is not a number/);
  fs.writeFileSync(bad, [["id", "age", ...thr].join(","), ["1", "50"].join(",")].join("\n"));
  await assert.rejects(loadHorstatCsv(bad), /line 2 has 2 fields, the header has 16/);
  const src = await horstatOrStandIn({ file });
  assert.equal(src.kind, "horstat-csv");
});

test("ISO 7029: median α(Y − 18)², spreads b + 0.445/0.356·median, the split-normal quantile", () => {
  assert.ok(Math.abs(iso7029Median(70, 4000, "male") - 0.016 * 52 * 52) < 1e-12);
  assert.ok(Math.abs(iso7029Median(60, 8000, "female") - 0.012 * 42 * 42) < 1e-12);
  assert.equal(iso7029Median(15, 4000, "male"), 0);
  const s = iso7029Spread(50, 2000, "male");
  assert.ok(Math.abs(s.upper - (7.23 + 0.445 * 0.007 * 32 * 32)) < 1e-12);
  assert.ok(Math.abs(s.lower - (5.78 + 0.356 * 0.007 * 32 * 32)) < 1e-12);
  assert.equal(iso7029Quantile(50, 2000, "male", 0), iso7029Median(50, 2000, "male"));
  assert.ok(
    Math.abs(iso7029Quantile(50, 2000, "male", 1.2816) - (iso7029Median(50, 2000, "male") + 1.2816 * s.upper)) < 1e-12,
  );
  assert.ok(Math.abs(iso7029Quantile(50, 2000, "male", -1) - (iso7029Median(50, 2000, "male") - s.lower)) < 1e-12);
  // men lose more than women at 4 kHz; both lose more at high frequencies
  assert.ok(iso7029Median(60, 4000, "male") > iso7029Median(60, 4000, "female"));
  assert.ok(iso7029Median(60, 8000, "female") > iso7029Median(60, 500, "female"));
  assert.throws(() => iso7029Median(40, 750, "male"), /no α \(male\) for 750 Hz/);
});

test("stand-in populations: labelled, 5 dB steps, medians follow ISO 7029 + offset, the DE population is shifted", async () => {
  const n = 6000;
  const us = standInColumns(n, STAND_IN_US, 5);
  assert.ok(us.source.every((s) => s.startsWith("STAND-IN")));
  assert.ok(us.age.every((a) => Number.isInteger(a) && a >= 20 && a <= 69));
  for (const c of AUDIOGRAM_COLUMNS.slice(1))
    assert.ok(us.thresholds[c].every((v) => v % 5 === 0 && v >= -10 && v <= 120));
  // sample median of L4000 among men aged 60–69 vs the ISO 7029 median + offset at the bin's mean age
  const idx = us.age.map((a, i) => (a >= 60 && a <= 69 && us.sex[i] === 1 ? i : -1)).filter((i) => i >= 0);
  const vals = idx.map((i) => us.thresholds.L4000[i]).sort((a, b) => a - b);
  const med = vals[Math.floor(vals.length / 2)];
  const want =
    idx.reduce((s, i) => s + iso7029Median(us.age[i], 4000, "male"), 0) / idx.length + STAND_IN_US.offsetDb[4];
  assert.ok(Math.abs(med - want) <= 5, `median L4000 (men 60–69) ${med} vs ${want}`);
  // thresholds of the two ears correlate about as the factor model says (before 5 dB rounding)
  const corr = standInCorrelation(STAND_IN_US);
  const a = us.thresholds.L1000,
    b = us.thresholds.R1000;
  const ma = a.reduce((s, v) => s + v, 0) / n,
    mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  const r = sab / Math.sqrt(saa * sbb);
  assert.ok(r > 0.4 && r < corr[1][8] + 0.15, `L1000–R1000 correlation ${r} (latent ${corr[1][8]})`);
  const de = standInColumns(3000, STAND_IN_DE, 5);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  assert.ok(mean(de.thresholds.R8000) > mean(us.thresholds.R8000) + 5, "the DE stand-in hears worse at 8 kHz");
  assert.ok(mean(de.age) > mean(us.age), "and is older");
  const src = await nhanesOrStandIn({ dir: tmp(), n: 50, seed: 1 });
  assert.equal(src.kind, "stand-in");
  assert.match(src.note, /STAND-IN population of 50 drawn from ISO 7029/);
  assert.ok(String(src.frame["source"].values[0]).startsWith("STAND-IN"));
  const hs = await horstatOrStandIn({ file: path.join(tmp(), "none.csv"), n: 40 });
  assert.equal(hs.kind, "stand-in");
  assert.match(hs.note, /not HÖRSTAT/);
});

test("a truncated XPORT file is an error naming the file and the missing bytes (not fewer rows)", async () => {
  const dir = tmp();
  const c15 = NHANES_CYCLES[4];
  const aux = Array.from({ length: 50 }, (_, i) => ({ seqn: 1000 + i, thr: { L500: 5 * (i % 5) } }));
  const demo = aux.map((a, i) => ({ seqn: a.seqn, age: 20 + i, sex: 1 + (i % 2) }));
  writeCycle(dir, c15, aux, demo);
  const f = path.join(dir, c15.aux);
  const whole = fs.readFileSync(f);
  assert.equal((await readXport(f)).rows.length, 50);
  assert.equal((await loadNhanes({ dir, cycles: [c15] })).report.counts[0].kept, 50);
  // header: 8 records + 18 NAMESTRs (32 records) + OBS header = 3280 bytes; 50 observations of 144 bytes
  assert.equal(whole.length, 3280 + 7200);
  const cases: [number, RegExp][] = [
    [Math.floor(whole.length / 2), /5240 bytes, not a whole number of 80-byte records: at least 40 bytes are missing/],
    [whole.length - 13, /10467 bytes, not a whole number of 80-byte records: at least 13 bytes are missing/],
    [3280 + 400, /the last observation is cut off after 112 of its 144 bytes: at least 32 bytes are missing/],
  ];
  for (const [size, why] of cases) {
    fs.writeFileSync(f, whole.subarray(0, size));
    await assert.rejects(
      readXport(f),
      (e: Error) => e.message.includes(f) && /truncated/.test(e.message) && why.test(e.message),
    );
    await assert.rejects(
      loadNhanes({ dir, cycles: [c15] }),
      (e: Error) => e.message.includes(f) && why.test(e.message),
    );
  }
});

test("loadNhanes: a threshold or demographic column stored as characters is an error naming the file and column", async () => {
  const dir = tmp();
  const c15 = NHANES_CYCLES[4];
  writeCycle(dir, c15, [{ seqn: 1, thr: {} }], [{ seqn: 1, age: 40, sex: 1 }]);
  const vars = AUDIOGRAM_COLUMNS.slice(1).map((c) => NHANES_THRESHOLD_VARIABLES[c]);
  const auxFile = path.join(dir, c15.aux);
  writeXport(auxFile, {
    name: "AUX_I",
    columns: [
      { name: "SEQN", type: "num" },
      ...vars.map((v) => ({ name: v, type: v === "AUXU2KR" ? ("char" as const) : ("num" as const) })),
    ],
    rows: [1, 2].map((s) => [s, ...vars.map((v) => (v === "AUXU2KR" ? "15" : 10))]),
  });
  await assert.rejects(
    loadNhanes({ dir, cycles: [c15] }),
    (e: Error) => e.message.includes(auxFile) && /column AUXU2KR is stored as characters/.test(e.message),
  );
  writeCycle(dir, c15, [{ seqn: 1, thr: {} }], [{ seqn: 1, age: 40, sex: 1 }]);
  const demoFile = path.join(dir, c15.demo);
  writeXport(demoFile, {
    name: "DEMO_I",
    columns: [
      { name: "SEQN", type: "num" },
      { name: "RIAGENDR", type: "num" },
      { name: "RIDAGEYR", type: "char" },
    ],
    rows: [[1, 1, "40"]],
  });
  await assert.rejects(
    loadNhanes({ dir, cycles: [c15] }),
    (e: Error) => e.message.includes(demoFile) && /column RIDAGEYR is stored as characters/.test(e.message),
  );
});

test("HÖRSTAT-style CSV: ages outside 0–120 years are errors naming the file, line and value", async () => {
  const dir = tmp();
  const thr = AUDIOGRAM_COLUMNS.slice(1);
  const file = path.join(dir, "ages.csv");
  for (const [age, ok] of [
    ["-5", false],
    ["300", false],
    ["120", true],
    ["0", true],
    ["", true],
  ] as const) {
    fs.writeFileSync(
      file,
      [
        ["id", "age", ...thr].join(","),
        ["1", "50", ...thr.map(() => "10")].join(","),
        ["2", age, ...thr.map(() => "10")].join(","),
      ].join("\n"),
    );
    if (ok) assert.equal((await loadHorstatCsv(file)).shape[0], 2, age);
    else
      await assert.rejects(
        loadHorstatCsv(file),
        (e: Error) =>
          e.message.includes(file) &&
          e.message.includes(`line 3 column age: ${age} is outside the accepted range 0–120 years`),
      );
  }
});
