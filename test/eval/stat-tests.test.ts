// Normality test, t distribution / incomplete beta, t-tests and significance labels, against scipy 1.17.1
// values (computed once with scipy and written here) and direct formulas.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import {
  kurtosisTest,
  mostGaussianDirection,
  normalTest,
  normalTwoSidedP,
  pairwiseTTests,
  regularizedIncompleteBeta,
  significanceLabel,
  skewTest,
  studentTCdf,
  studentTTest,
  studentTTwoSided,
  tTest,
  welchTTest,
} from "../../lib/eval/stat-tests";
import { boxPlot } from "../../lib/plot/box";
import { near } from "./eval-helpers";

test("regularised incomplete beta and the Student t tail match scipy", () => {
  // scipy.special.betainc(a, b, x)
  near(regularizedIncompleteBeta(0.3, 2.5, 3.5), 0.29675298929566646, "I_0.3(2.5, 3.5)", 1e-14);
  near(regularizedIncompleteBeta(0.999, 0.5, 0.5), 0.9798649583666235, "I_0.999(0.5, 0.5)", 1e-14);
  near(regularizedIncompleteBeta(0.97, 50, 0.5), 0.08169933372182264, "I_0.97(50, 0.5)", 1e-14);
  near(regularizedIncompleteBeta(0.42, 1, 1), 0.42, "uniform", 1e-15);
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
  // 2·scipy.stats.t.sf(t, df)
  near(studentTTwoSided(2.228, 10), 0.05001177181711132, "t=2.228, df=10 → p≈0.05", 1e-13);
  near(studentTTwoSided(1.96, 1e6), 0.04999606758526985, "t=1.96, df=1e6 → p≈0.05", 1e-11);
  near(studentTTwoSided(12, 4), 0.000276428548502973, "t=12, df=4", 0, 1e-11);
  near(studentTTwoSided(40, 30), 1.3726045194406417e-27, "far tail, relative", 0, 1e-9);
  near(studentTTwoSided(-2.228, 10), 0.05001177181711132, "symmetric", 1e-13);
  assert.equal(studentTTwoSided(0, 7), 1);
  assert.equal(studentTTwoSided(Infinity, 7), 0);
  near(studentTCdf(-3.5, 2.5), 0.026172773480160172, "t.cdf(−3.5, 2.5)", 1e-14);
  near(studentTCdf(0.7, 1), 0.6944001122142147, "t.cdf(0.7, 1) (Cauchy)", 1e-14);
  near(studentTCdf(0.7, 1), 0.5 + Math.atan(0.7) / Math.PI, "Cauchy closed form", 1e-14);
  // df = 2 closed form: P(|T| ≥ t) = 1 − t/√(2 + t²)
  for (const t of [0.1, 1, 3, 10]) near(studentTTwoSided(t, 2), 1 - t / Math.sqrt(2 + t * t), `df=2, t=${t}`, 1e-14);
  assert.throws(() => studentTTwoSided(1, 0), /df must be > 0/);
  // 2·scipy.stats.norm.sf(|z|), and the t tail tends to it as df → ∞
  near(normalTwoSidedP(1.96), 0.04999579029644087, "normal z=1.96", 1e-15);
  near(normalTwoSidedP(0.5), 0.6170750774519738, "normal z=0.5", 1e-15);
  near(normalTwoSidedP(-1.2), 0.23013934044341644, "normal z=−1.2", 1e-15);
  near(normalTwoSidedP(8), 1.244192114854348e-15, "normal z=8", 0, 1e-12);
  assert.equal(normalTwoSidedP(Infinity), 0);
  // accuracy degrades slowly with ν (cancellation in the continued fraction): ~1e-10 relative at 1e7, ~2e-9 at 1e8
  near(studentTTwoSided(1.96, 1e7), 0.04999581802531423, "df = 1e7", 2e-11);
  near(studentTTwoSided(1.96, 1e8), 0.04999579306932808, "df = 1e8 (scipy)", 2e-10);
  near(studentTTwoSided(1.96, 1e8), normalTwoSidedP(1.96), "t → normal", 1e-8);
});

test("normalTest (D'Agostino–Pearson K²) matches scipy.stats.normaltest / skewtest / kurtosistest", () => {
  const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20];
  near(skewTest(a).statistic, 2.121038763123663, "skewtest Z", 1e-12);
  near(kurtosisTest(a).statistic, 1.8535465225449361, "kurtosistest Z", 1e-12);
  near(normalTest(a).statistic, 7.934440145911584, "K²", 1e-11);
  near(normalTest(a).pValue, 0.018925972896857608, "p", 1e-13);
  const b = [
    0.3, -1.2, 2.5, 0.7, 0.1, -0.4, 1.9, 0.0, -2.2, 0.8, 1.1, -0.6, 0.45, 3.1, -0.05, 0.2, -1.0, 0.9, 0.33, -0.7,
  ];
  near(normalTest(b).statistic, 1.4512434011171054, "K² (n=20)", 1e-12);
  near(normalTest(b).pValue, 0.4840235576794566, "p (n=20)", 1e-13);
  near(skewTest(b).statistic, 0.823614457351377, "skew Z (n=20)", 1e-12);
  near(kurtosisTest(b).statistic, 0.8791488080859248, "kurt Z (n=20)", 1e-12);
  const u = [0.1, 0.9, 0.35, 0.6, 0.05, 0.77, 0.42, 0.2];
  near(normalTest(u).statistic, 1.0006364857056558, "K² (n=8, the minimum)", 1e-12);
  near(normalTest(u).pValue, 0.6063376663761627, "p (n=8)", 1e-13);
  assert.throws(() => normalTest([1, 2, 3, 4, 5, 6, 7]), /at least 8 samples, got 7/);
  assert.throws(() => normalTest([1, 2, 3, 4, 5, 6, 7, NaN]), /x\[7\] is NaN/);
  // exactly symmetric sample: skewness 0 → Z = 0 (scipy maps y = 0 to 1 and reports 1.0108 here; see skewTest)
  assert.equal(skewTest([-4, -3, -2, -1, 1, 2, 3, 4]).statistic, 0);
});

test("normalTest by direct formula on a small sample (moments, D'Agostino's Z_skew, Anscombe–Glynn Z_kurt, χ²₂ tail)", () => {
  const x = [2.1, -0.4, 0.3, 1.7, -1.1, 0.05, 3.3, -0.9, 0.6, 1.2];
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const m = (k: number) => x.reduce((s, v) => s + (v - mean) ** k, 0) / n;
  const g1 = m(3) / m(2) ** 1.5;
  const b2 = m(4) / m(2) ** 2;
  // D'Agostino (1970)
  const Y = g1 * Math.sqrt(((n + 1) * (n + 3)) / (6 * (n - 2)));
  const beta2g1 = (3 * (n * n + 27 * n - 70) * (n + 1) * (n + 3)) / ((n - 2) * (n + 5) * (n + 7) * (n + 9));
  const W2 = Math.sqrt(2 * (beta2g1 - 1)) - 1;
  const zs =
    (1 / Math.sqrt(Math.log(Math.sqrt(W2)))) *
    Math.log(Y / Math.sqrt(2 / (W2 - 1)) + Math.sqrt((Y * Y) / (2 / (W2 - 1)) + 1));
  // Anscombe & Glynn (1983)
  const Eb2 = (3 * (n - 1)) / (n + 1);
  const Vb2 = (24 * n * (n - 2) * (n - 3)) / ((n + 1) ** 2 * (n + 3) * (n + 5));
  const xs = (b2 - Eb2) / Math.sqrt(Vb2);
  const sb1 =
    ((6 * (n * n - 5 * n + 2)) / ((n + 7) * (n + 9))) * Math.sqrt((6 * (n + 3) * (n + 5)) / (n * (n - 2) * (n - 3)));
  const A = 6 + (8 / sb1) * (2 / sb1 + Math.sqrt(1 + 4 / (sb1 * sb1)));
  const zk = (1 - 2 / (9 * A) - Math.cbrt((1 - 2 / A) / (1 + xs * Math.sqrt(2 / (A - 4))))) / Math.sqrt(2 / (9 * A));
  const r = normalTest(x);
  near(r.zSkew, zs, "Z_skew", 1e-12);
  near(r.zKurtosis, zk, "Z_kurt", 1e-12);
  near(r.statistic, zs * zs + zk * zk, "K²", 1e-12);
  near(r.pValue, Math.exp(-(zs * zs + zk * zk) / 2), "χ²₂ tail", 1e-14);
});

test("normalTest is calibrated on Gaussian data (≈5% rejections at 0.05) and rejects uniform data of n = 2000", () => {
  const rng = new Rng("stat-tests/calibration");
  const seeds = 2000;
  let rejected = 0;
  const buf = new Float64Array(100);
  for (let s = 0; s < seeds; s++) {
    for (let i = 0; i < buf.length; i++) buf[i] = rng.normal();
    if (normalTest(buf).pValue <= 0.05) rejected++;
  }
  const rate = rejected / seeds;
  // binomial sd at p = 0.05: √(0.05·0.95/2000) ≈ 0.0049; allow ±3 sd
  assert.ok(Math.abs(rate - 0.05) < 0.015, `rejection rate ${rate}`);
  const uniform = Array.from({ length: 2000 }, () => rng.uniform());
  const r = normalTest(uniform);
  assert.ok(r.pValue < 1e-10, `uniform p = ${r.pValue}`);
  assert.ok(r.zKurtosis < -5, "platykurtic");
});

test("mostGaussianDirection finds the dummy (Gaussian) direction inside a rank-2 group mixing a uniform and a Gaussian", () => {
  const rng = new Rng("stat-tests/direction");
  const n = 2000;
  // ẑ = s·(1, 0.3) + g·(0.1, 0.2): the projection on u ⟂ (1, 0.3) is pure Gaussian. (When the Gaussian
  // dominates every projection, the accepted window of angles gets wide and the arg-max wanders in it.)
  const z = Array.from({ length: n }, () => {
    const s = rng.uniformIn(-Math.sqrt(3), Math.sqrt(3));
    const g = rng.normal();
    return [s + 0.1 * g, 0.3 * s + 0.2 * g];
  });
  const r = mostGaussianDirection(z);
  const expected = (Math.atan2(1, -0.3) * 180) / Math.PI; // 106.7°
  const diff = Math.abs(((((r.angleDeg - expected + 90) % 180) + 180) % 180) - 90);
  assert.ok(diff < 8, `angle ${r.angleDeg}° vs ${expected}°`);
  assert.ok(r.pValue > 0.05, `p ${r.pValue}`);
  assert.equal(r.curve.length, 180);
  near(r.direction[0] * r.orthogonal[0] + r.direction[1] * r.orthogonal[1], 0, "orthogonal", 1e-15);
  // the orthogonal projection carries the uniform component and is clearly non-Gaussian
  const other = normalTest(z.map(([a, b]) => a * r.orthogonal[0] + b * r.orthogonal[1]));
  assert.ok(other.pValue < 1e-6, `orthogonal p ${other.pValue}`);
  // a group with no Gaussian direction (two independent uniforms): every direction is rejected
  const uu = Array.from({ length: n }, () => [rng.uniform(), rng.uniform()]);
  assert.ok(mostGaussianDirection(uu, { angles: 36 }).pValue < 0.01);
  assert.throws(
    () =>
      mostGaussianDirection([
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
      ]),
    /expected 2/,
  );
});

test("Welch's and Student's t-tests match scipy.stats.ttest_ind", () => {
  const x1 = [0.68, 0.71, 0.66, 0.7, 0.69, 0.72, 0.65, 0.7, 0.71, 0.67];
  const x2 = [0.91, 0.85, 1.02, 0.95, 0.88, 0.97, 0.9, 1.01, 0.93, 0.86];
  const x3 = [0.7, 0.66, 0.74, 0.69, 0.71, 0.73, 0.64, 0.72, 0.7, 0.68, 0.75, 0.62];
  // [welch t, welch p, welch df, student t, student p, student df]
  const ref: [number[], number[], number[]][] = [
    [
      x1,
      x2,
      [-11.876005480498883, 6.874607096997437e-8, 11.72358734391448, -11.876005480498883, 5.963917466384677e-10, 18],
    ],
    [
      x1,
      x3,
      [-0.44065985174083455, 0.6646515453771692, 18.190026855498218, -0.42069454403566514, 0.6784641229137017, 20],
    ],
    [
      x2,
      x3,
      [10.6158629662506, 1.9312622438922204e-8, 15.242566070341486, 11.009648917772013, 6.130984774707474e-10, 20],
    ],
  ];
  for (const [a, b, [wt, wp, wdf, st, sp, sdf]] of ref) {
    const w = welchTTest(a, b);
    near(w.t, wt, "welch t", 1e-11, 1e-12);
    near(w.df, wdf, "welch df", 1e-10);
    near(w.pValue, wp, "welch p", 0, 1e-9);
    const s = studentTTest(a, b);
    near(s.t, st, "student t", 1e-11, 1e-12);
    assert.equal(s.df, sdf);
    near(s.pValue, sp, "student p", 0, 1e-9);
  }
  assert.deepEqual(tTest([1, 1, 1], [1, 1]), { t: NaN, df: 3, pValue: NaN, meanDiff: 0 });
  assert.equal(tTest([2, 2, 2], [1, 1]).pValue, 0);
  assert.throws(() => tTest([1], [1, 2]), /sample a needs at least 2 values, got 1/);
});

test("significance labels (statannotations thresholds) and pairwise comparisons usable as box-plot brackets", () => {
  const cases: [number, string][] = [
    [1, "ns"],
    [0.5, "ns"],
    [0.0500001, "ns"],
    [0.05, "*"],
    [0.02, "*"],
    [0.01, "**"],
    [0.005, "**"],
    [0.001, "***"],
    [0.0002, "***"],
    [0.0001, "****"],
    [1e-12, "****"],
    [0, "****"],
  ];
  for (const [p, label] of cases) assert.equal(significanceLabel(p), label, `p=${p}`);
  assert.throws(() => significanceLabel(1.5), /not a probability/);
  const rng = new Rng("stat-tests/pairwise");
  const samples = [
    { name: "VAE", values: Array.from({ length: 10 }, () => 0.3 + 0.05 * rng.normal()) },
    { name: "β-TCVAE", values: Array.from({ length: 10 }, () => 0.8 + 0.05 * rng.normal()) },
    { name: "PDisVAE", values: Array.from({ length: 10 }, () => 0.82 + 0.05 * rng.normal()) },
  ];
  const vsRef = pairwiseTTests(samples, { reference: "PDisVAE" });
  assert.deepEqual(
    vsRef.map((c) => [c.a, c.b]),
    [
      ["PDisVAE", "VAE"],
      ["PDisVAE", "β-TCVAE"],
    ],
  );
  assert.equal(vsRef[0].label, "****");
  for (const c of vsRef) {
    assert.equal(c.text, significanceLabel(c.pValue));
    near(
      c.pValue,
      welchTTest(samples.find((s) => s.name === c.a)!.values, samples.find((s) => s.name === c.b)!.values).pValue,
      "welch by default",
      0,
    );
  }
  assert.equal(pairwiseTTests(samples).length, 3);
  const student = pairwiseTTests(samples, { pairs: [["VAE", "PDisVAE"]], equalVariance: true });
  assert.equal(student[0].df, 18);
  // the comparisons are lib/plot/box Brackets as they are
  const fig = boxPlot(samples, { brackets: vsRef });
  const texts = (fig.layout.annotations ?? []).map((a) => a.text);
  assert.deepEqual(texts.sort(), vsRef.map((c) => c.label).sort());
  assert.throws(() => pairwiseTTests(samples, { reference: "ICA" }), /no sample named 'ICA'/);
});
