// Checks lib/prob/special against values computed independently (mpmath at 40 digits), exact
// identities (Γ(n) = (n−1)!, ψ(n) = −γ + H_{n−1}, reflection, duplication, recurrences) and
// derivatives (ψ = d lgamma/dx by finite differences and by tf.grad).
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { registerNativeBackend } from "../../lib/engine/native/register";
import { SPECIAL_KERNELS } from "../../lib/engine/special-kernels";
import { Beta } from "../../lib/prob/beta";
import {
  digamma,
  digammaScalar,
  EULER_GAMMA,
  lbeta,
  lbetaScalar,
  lgamma,
  lgammaScalar,
  log1p,
  logCosh,
} from "../../lib/prob/special";
import { assertClose, values } from "./helpers";

before(async () => {
  await initEngine({ quiet: true });
});

// [x, lgamma(x), digamma(x)] from mpmath 1.3.0 (mp.dps = 40), independent of our code.
const MPMATH: [number, number, number][] = [
  [0.001, 6.9071788853838536825, -1000.5755719318103005],
  [0.01, 4.5994798780420217225, -100.5608854578686745],
  [0.1, 2.2527126517342059599, -10.423754940411076795],
  [0.25, 1.2880225246980774574, -4.2274535333762654081],
  [0.5, 0.57236494292470008707, -1.9635100260214234794],
  [0.9, 0.066376239734742971189, -0.75492694994705139189],
  [1.2, -0.08537409000331584972, -0.28903989659218829555],
  [1.5, -0.12078223763524522235, 0.036489973978576520559],
  [1.99, -0.0041955290887916650042, 0.41631470604541495658],
  [2.5, 0.28468287047291915963, 0.70315664064524318723],
  [3.7, 1.4280723266653879219, 1.1671535393615113859],
  [5.5, 3.9578139676187162939, 1.6110931485817511237],
  [6, 4.7874917427820459942, 1.7061176684318004727],
  [7.25, 7.0521854507385394449, 1.9104535268837360284],
  [10.3, 13.482036786138356971, 2.2828154464391225931],
  [42.5, 115.90007047041453012, 3.7376932365000936171],
  [100, 359.13420536957539878, 4.6001618527380874002],
  [1000, 5905.2204232091812118, 6.9072551956488120521],
  [10000, 82099.717496442377273, 9.2102903711428494036],
];
// [a, b, log B(a, b)] from mpmath.
const MPMATH_LBETA: [number, number, number][] = [
  [0.5, 0.5, 1.1447298858494001741],
  [2, 3, -2.4849066497880003102],
  [0.1, 7, 2.0646703843595361041],
  [1e4, 1, -9.2103403719761827361],
  [1e4, 1e4, -13866.28325676140964],
  [3.5, 1e3, -22.980540505459587928],
  [1e-3, 2, 6.906755778649053498],
];

/** Log-spaced float32-representable grid on [lo, hi]. */
function grid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(lo * Math.pow(hi / lo, i / (n - 1))));
}

describe("scalar lgamma / digamma / lbeta (float64)", () => {
  test("match mpmath values", () => {
    for (const [x, lg, dg] of MPMATH) {
      assertClose(lgammaScalar(x), lg, `lgammaScalar(${x})`, { abs: 1e-15, rel: 2e-14 });
      assertClose(digammaScalar(x), dg, `digammaScalar(${x})`, { abs: 1e-15, rel: 2e-14 });
    }
    for (const [a, b, v] of MPMATH_LBETA)
      assertClose(lbetaScalar(a, b), v, `lbetaScalar(${a}, ${b})`, { abs: 1e-14, rel: 1e-13 });
  });

  test("exact identities", () => {
    assertClose(lgammaScalar(0.5), Math.log(Math.sqrt(Math.PI)), "lgamma(1/2) = log √π", { abs: 1e-15 });
    assert.equal(lgammaScalar(1), 0);
    assert.equal(lgammaScalar(2), 0);
    let fact = 1;
    for (let n = 2; n <= 30; n++) {
      fact *= n - 1;
      assertClose(lgammaScalar(n), Math.log(fact), `lgamma(${n}) = log ${n - 1}!`, { rel: 1e-14, abs: 1e-15 });
    }
    assertClose(digammaScalar(1), -0.5772156649015329, "ψ(1) = −γ", { abs: 1e-15 });
    assertClose(digammaScalar(0.5), -EULER_GAMMA - 2 * Math.LN2, "ψ(1/2) = −γ − 2 ln 2", { abs: 1e-15 });
    assertClose(digammaScalar(0.25), -EULER_GAMMA - Math.PI / 2 - 3 * Math.LN2, "ψ(1/4)", { abs: 1e-14 });
    let harmonic = 0;
    for (let n = 1; n <= 30; n++) {
      assertClose(digammaScalar(n), -EULER_GAMMA + harmonic, `ψ(${n}) = −γ + H_${n - 1}`, { abs: 1e-14 });
      harmonic += 1 / n;
    }
  });

  test("recurrence, reflection and duplication over a grid", () => {
    for (const x of grid(1e-3, 1e4, 120)) {
      // The difference of two values of size |lgamma(x)| keeps only ~1e-16·|lgamma(x)| absolute accuracy.
      const scale = Math.abs(lgammaScalar(x)) + 1;
      assertClose(lgammaScalar(x + 1) - lgammaScalar(x), Math.log(x), `lgamma(x+1) − lgamma(x) at ${x}`, {
        abs: 2e-15 * scale,
        rel: 1e-13,
      });
      assertClose(digammaScalar(x + 1) - digammaScalar(x), 1 / x, `ψ(x+1) − ψ(x) at ${x}`, { abs: 5e-14, rel: 1e-12 });
      // Legendre duplication: ψ(2x) = ½ψ(x) + ½ψ(x + ½) + ln 2.
      assertClose(
        digammaScalar(2 * x),
        0.5 * digammaScalar(x) + 0.5 * digammaScalar(x + 0.5) + Math.LN2,
        `ψ duplication at ${x}`,
        { abs: 1e-13, rel: 1e-13 },
      );
    }
    for (let i = 1; i < 40; i++) {
      const x = i / 40;
      assertClose(
        lgammaScalar(x) + lgammaScalar(1 - x),
        Math.log(Math.PI / Math.sin(Math.PI * x)),
        `reflection at ${x}`,
        { abs: 1e-14, rel: 1e-14 },
      );
    }
  });

  test("ψ is the derivative of lgamma (central differences)", () => {
    for (const x of grid(0.05, 1e4, 60)) {
      const h = 1e-4 * x;
      const fd = (lgammaScalar(x + h) - lgammaScalar(x - h)) / (2 * h);
      assertClose(fd, digammaScalar(x), `d lgamma/dx at ${x}`, { abs: 1e-6, rel: 1e-6 });
    }
  });

  test("lbeta equals lgamma(a) + lgamma(b) − lgamma(a + b) where that is accurate, and is symmetric", () => {
    for (const a of [0.01, 0.3, 1, 2.5, 7, 40]) {
      for (const b of [0.02, 0.5, 3, 9.5, 60]) {
        const direct = lgammaScalar(a) + lgammaScalar(b) - lgammaScalar(a + b);
        assertClose(lbetaScalar(a, b), direct, `lbeta(${a}, ${b})`, { abs: 1e-12, rel: 1e-12 });
        assert.equal(lbetaScalar(a, b), lbetaScalar(b, a));
      }
    }
  });

  test("outside the domain", () => {
    assert.ok(Number.isNaN(lgammaScalar(-1)));
    assert.ok(Number.isNaN(digammaScalar(-0.5)));
    assert.equal(lgammaScalar(0), Infinity);
  });
});

// Every tensor test runs on the native backend (the C++ special-function kernels and their registered
// gradients) and on the cpu backend (the composed tfjs ops, as on wasm and webgpu).
// Registered here (not only by initEngine in `before`) so the suites below can be chosen at load time.
const HAS_NATIVE = (() => {
  try {
    registerNativeBackend();
    return true;
  } catch {
    return false;
  }
})();
for (const backend of HAS_NATIVE ? ["native", "cpu"] : ["cpu"])
  describe(`tensor lgamma / digamma / lbeta (float32) on ${backend}`, () => {
    before(async () => {
      await tf.setBackend(backend);
    });
    after(async () => {
      await tf.setBackend("native");
    });

    test(`runs ${backend === "native" ? "the kernels" : "composed ops"}`, () => {
      // every special kernel, the gamma draw included, is native's (and webgpu's); the others compose or draw on the host
      for (const name of Object.values(SPECIAL_KERNELS))
        assert.equal(tf.getKernel(name, backend) !== undefined, backend === "native", name);
    });

    test("match mpmath values", async () => {
      const xs = MPMATH.map((r) => r[0]);
      const lg = await values(lgamma(tf.tensor1d(xs)));
      const dg = await values(digamma(tf.tensor1d(xs)));
      MPMATH.forEach(([x, l, d], i) => {
        // Inputs are rounded to float32 first; the tolerance covers that (|ψ(x)|·|δx|) and float32 arithmetic.
        const dx = Math.abs(Math.fround(x) - x);
        assertClose(lg[i], l, `lgamma(${x})`, { abs: 2e-7 + Math.abs(d) * dx, rel: 2e-6 });
        assertClose(dg[i], d, `digamma(${x})`, { abs: 2e-7 + 1e3 * dx, rel: 2e-6 });
      });
    });

    test("relative accuracy ≤ 1e-5 over [1e-3, 1e4] against the float64 versions", async () => {
      const xs = grid(1e-3, 1e4, 800);
      const lg = await values(lgamma(tf.tensor1d(xs)));
      const dg = await values(digamma(tf.tensor1d(xs)));
      xs.forEach((x, i) => {
        // Absolute floor 2e-7 only matters at the roots (lgamma(1) = lgamma(2) = 0, ψ(1.4616…) = 0).
        assertClose(lg[i], lgammaScalar(x), `lgamma(${x})`, { abs: 2e-7, rel: 1e-5 });
        assertClose(dg[i], digammaScalar(x), `digamma(${x})`, { abs: 2e-7, rel: 1e-5 });
      });
    });

    test("tf.grad(lgamma) = digamma and tf.grad(digamma) = trigamma (finite differences)", async () => {
      const xs = grid(2e-3, 5e3, 80);
      const x = tf.tensor1d(xs);
      const g1 = await values(tf.grad((t: tf.Tensor) => lgamma(t))(x));
      const g2 = await values(tf.grad((t: tf.Tensor) => digamma(t))(x));
      xs.forEach((v, i) => {
        assertClose(g1[i], digammaScalar(v), `grad lgamma at ${v}`, { abs: 1e-6, rel: 1e-5 });
        const h = 1e-5 * v;
        const trigamma = (digammaScalar(v + h) - digammaScalar(v - h)) / (2 * h);
        assertClose(g2[i], trigamma, `grad digamma at ${v}`, { abs: 1e-5, rel: 1e-4 });
      });
      const at1 = (await values(tf.grad((t: tf.Tensor) => digamma(t))(tf.tensor1d([1]))))[0];
      assertClose(at1, (Math.PI * Math.PI) / 6, "trigamma(1) = π²/6", { rel: 1e-5 });
    });

    test("lbeta matches mpmath and the float64 version, including large arguments", async () => {
      const a = tf.tensor1d(MPMATH_LBETA.map((r) => r[0]));
      const b = tf.tensor1d(MPMATH_LBETA.map((r) => r[1]));
      const v = await values(lbeta(a, b));
      MPMATH_LBETA.forEach(([x, y, expected], i) =>
        assertClose(v[i], expected, `lbeta(${x}, ${y})`, { abs: 1e-6, rel: 2e-6 }),
      );
      const as = [1e-3, 0.1, 0.7, 1, 2.5, 5.9, 6, 10, 100, 1e3, 1e4];
      const bs = [1e-3, 0.3, 1, 3, 6.5, 50, 1e4];
      const A = as.flatMap((x) => bs.map(() => x));
      const B = as.flatMap(() => bs);
      const got = await values(lbeta(tf.tensor1d(A), tf.tensor1d(B)));
      A.forEach((x, i) =>
        assertClose(got[i], lbetaScalar(Math.fround(x), Math.fround(B[i])), `lbeta(${x}, ${B[i]})`, {
          abs: 1e-6,
          rel: 5e-6,
        }),
      );
      // Broadcasting: [3, 1] with [4].
      assert.deepEqual(lbeta(tf.ones([3, 1]), tf.ones([4])).shape, [3, 4]);
    });

    test("log1p is accurate near 0 and has gradient 1/(1+x)", async () => {
      const xs = [-0.9, -1e-3, -1e-7, 0, 1e-8, 1e-6, 1e-4, 0.5, 10, 1e6];
      const v = await values(log1p(tf.tensor1d(xs)));
      xs.forEach((x, i) => assertClose(v[i], Math.log1p(Math.fround(x)), `log1p(${x})`, { abs: 1e-30, rel: 3e-7 }));
      const g = await values(tf.grad((t: tf.Tensor) => log1p(t))(tf.tensor1d(xs)));
      xs.forEach((x, i) => assertClose(g[i], 1 / (1 + Math.fround(x)), `d log1p at ${x}`, { rel: 1e-6 }));
    });

    test("logCosh is stable for large |x| and has gradient tanh", async () => {
      const xs = [-200, -30, -3, -0.5, 0, 0.5, 3, 30, 200];
      const v = await values(logCosh(tf.tensor1d(xs)));
      xs.forEach((x, i) => {
        const ref = Math.abs(x) > 20 ? Math.abs(x) - Math.LN2 : Math.log(Math.cosh(x));
        assertClose(v[i], ref, `logCosh(${x})`, { abs: 2e-7, rel: 1e-6 });
      });
      const g = await values(tf.grad((t: tf.Tensor) => logCosh(t))(tf.tensor1d(xs)));
      xs.forEach((x, i) => assertClose(g[i], Math.tanh(x), `d logCosh at ${x}`, { abs: 1e-6 }));
    });

    test("gradients stay finite at region boundaries and extremes", async () => {
      const xs = [1e-3, 0.5, 1.5, 2.5, 6, 1e4, 1e6];
      for (const f of [lgamma, digamma, (t: tf.Tensor) => lbeta(t, tf.scalar(2.5))]) {
        const g = await values(tf.grad((t: tf.Tensor) => f(t))(tf.tensor1d(xs)));
        assert.ok(g.every(Number.isFinite), `non-finite gradient: ${g}`);
      }
    });

    test("rejects int32 input and leaks no tensors", () => {
      assert.throws(() => lgamma(tf.tensor1d([1, 2], "int32")), /float32/);
      const before = tf.memory().numTensors;
      const x = tf.tensor1d([0.3, 3, 30]);
      tf.dispose([lgamma(x), digamma(x), lbeta(x, x), log1p(x), logCosh(x), x]);
      tf.tidy(() => {
        tf.grad((t: tf.Tensor) => lbeta(lgamma(t), digamma(t)))(tf.tensor1d([3, 4]));
      });
      assert.equal(tf.memory().numTensors, before);
    });
  });

describe("lbeta gradients (issue 19: ties a == b used to send the whole gradient to a)", () => {
  // [a, b, lbeta(a, b), ∂/∂a = ψ(a) − ψ(a+b), ∂/∂b = ψ(b) − ψ(a+b)] from scipy 1.17 (betaln, digamma),
  // float64. Ties on both branches (a = b < 6: direct; ≥ 6: Stirling form) and off ties in both orders.
  const SCIPY_LBETA_GRAD: [number, number, number, number, number][] = [
    [8, 8, -10.848948661710063, -0.7253718503718507, -0.7253718503718507],
    [6, 6, -7.927324360309794, -0.7365440115440118, -0.7365440115440118],
    [20, 20, -27.95199188624447, -0.7058033817926939, -0.7058033817926939],
    [150, 150, -209.1831263597569, -0.6948166249889578, -0.6948166249889578],
    [3, 3, -3.4011973816621555, -0.7833333333333333, -0.7833333333333333],
    [0.5, 0.5, 1.1447298858494, -1.3862943611198908, -1.3862943611198908],
    [8, 3, -5.886104031450156, -0.3361111111111117, -1.4289682539682542],
    [3, 8, -5.886104031450156, -1.4289682539682542, -0.3361111111111117],
    [50, 0.7, -2.4754516864821854, -0.014041886250934166, -5.136055113376761],
    [0.7, 50, -2.4754516864821854, -5.136055113376761, -0.014041886250934166],
    [6.5, 6, -8.284293709297259, -0.6922843208749794, -0.7790779828431118],
    [7, 7.5, -9.749150392920251, -0.7664853902505193, -0.6925122411028997],
  ];

  test("values and tf.grads match the digamma closed forms, at ties and off ties", async () => {
    const a = tf.tensor1d(SCIPY_LBETA_GRAD.map((r) => r[0]));
    const b = tf.tensor1d(SCIPY_LBETA_GRAD.map((r) => r[1]));
    const v = await values(lbeta(a, b));
    const [ga, gb] = await Promise.all(
      tf
        .grads((x: tf.Tensor, y: tf.Tensor) => lbeta(x, y))([a, b])
        .map(values),
    );
    // float32 tolerances: values 1e-6 + 2e-6 relative (|lbeta| up to 209, one ulp there is 1.5e-5);
    // gradients (O(1)) 2e-6 + 2e-6 relative (observed ≤ 4.2e-7). The old tie bug was off by ~0.7.
    SCIPY_LBETA_GRAD.forEach(([x, y, lb, da, db], i) => {
      assertClose(v[i], lb, `lbeta(${x}, ${y})`, { abs: 1e-6, rel: 2e-6 });
      assertClose(ga[i], da, `∂lbeta/∂a at (${x}, ${y})`, { abs: 2e-6, rel: 2e-6 });
      assertClose(gb[i], db, `∂lbeta/∂b at (${x}, ${y})`, { abs: 2e-6, rel: 2e-6 });
    });
  });

  test("broadcast tie: ∂/∂b of Σ lbeta([8, 10], 8) sums ψ(8) − ψ(a_i + 8)", async () => {
    const [ga, gb] = await Promise.all(
      tf
        .grads((x: tf.Tensor, y: tf.Tensor) => lbeta(x, y))([tf.tensor1d([8, 10]), tf.scalar(8)])
        .map(values),
    );
    // scipy: ψ(8) − ψ(16) = −0.7253718503718507, ψ(10) − ψ(18) = −0.610584268672504,
    // ∂/∂b = (ψ(8) − ψ(16)) + (ψ(8) − ψ(18)) = −1.572067230155466.
    assertClose(ga[0], -0.7253718503718507, "∂/∂a at (8, 8)", { abs: 2e-6, rel: 2e-6 });
    assertClose(ga[1], -0.610584268672504, "∂/∂a at (10, 8)", { abs: 2e-6, rel: 2e-6 });
    assertClose(gb[0], -1.572067230155466, "∂/∂b summed", { abs: 4e-6, rel: 2e-6 });
  });

  test("Beta.logProb gradients at a tie a == b", async () => {
    // ∂/∂a log p(x) = log x − ψ(a) + ψ(a+b), ∂/∂b = log(1 − x) − ψ(b) + ψ(a+b); scipy 1.17:
    // (a, b, x) = (8, 8, 0.5): both 0.032224669811905415; (12, 12, 0.3): −0.48955863811644096, 0.3577392222707628.
    const [ga, gb] = await Promise.all(
      tf
        .grads((a: tf.Tensor, b: tf.Tensor) => new Beta(a, b).logProb(tf.tensor1d([0.5, 0.3])))([
          tf.tensor1d([8, 12]),
          tf.tensor1d([8, 12]),
        ])
        .map(values),
    );
    assertClose(ga[0], 0.032224669811905415, "∂ log p/∂a at a = b = 8, x = 0.5", { abs: 2e-6, rel: 2e-6 });
    assertClose(gb[0], 0.032224669811905415, "∂ log p/∂b at a = b = 8, x = 0.5", { abs: 2e-6, rel: 2e-6 });
    assertClose(ga[1], -0.48955863811644096, "∂ log p/∂a at a = b = 12, x = 0.3", { abs: 2e-6, rel: 2e-6 });
    assertClose(gb[1], 0.3577392222707628, "∂ log p/∂b at a = b = 12, x = 0.3", { abs: 2e-6, rel: 2e-6 });
  });
});

describe("native special-function kernels against the float64 references", { skip: !HAS_NATIVE }, () => {
  let initial = "";
  before(async () => {
    initial = tf.getBackend();
    await tf.setBackend("native");
  });
  after(async () => {
    await tf.setBackend(initial);
  });
  const run = (name: string, inputs: Record<string, tf.Tensor>) =>
    values(tf.engine().runKernel(name, inputs) as tf.Tensor);

  test("lgamma and digamma are the float64 values rounded once to float32", async () => {
    const xs = grid(1e-3, 1e5, 400);
    const lg = await run(SPECIAL_KERNELS.lgamma, { x: tf.tensor1d(xs) });
    const dg = await run(SPECIAL_KERNELS.digamma, { x: tf.tensor1d(xs) });
    xs.forEach((x, i) => {
      // Same method in C++; libm's log may differ from V8's in the last float64 bit, so allow one float32 ulp.
      assertClose(lg[i], Math.fround(lgammaScalar(x)), `lgamma(${x})`, { abs: 1e-12, rel: 1.2e-7 });
      assertClose(dg[i], Math.fround(digammaScalar(x)), `digamma(${x})`, { abs: 1e-12, rel: 1.2e-7 });
    });
  });

  test("trigamma: ψ′(1) = π²/6, ψ′(½) = π²/2, ψ′(x + 1) = ψ′(x) − 1/x², and the derivative of ψ", async () => {
    const tg = (xs: number[]) => run(SPECIAL_KERNELS.trigamma, { x: tf.tensor1d(xs) });
    const [t1, tHalf] = await tg([1, 0.5]);
    assertClose(t1, (Math.PI * Math.PI) / 6, "ψ′(1)", { rel: 2e-7 });
    assertClose(tHalf, (Math.PI * Math.PI) / 2, "ψ′(1/2)", { rel: 2e-7 });
    const ns = [2, 5, 10, 20, 100, 1000];
    (await tg(ns)).forEach((v, i) => {
      let sum = 0;
      for (let k = 1; k < ns[i]; k++) sum += 1 / (k * k);
      assertClose(v, (Math.PI * Math.PI) / 6 - sum, `ψ′(${ns[i]}) = π²/6 − Σ_{k<n} 1/k²`, { rel: 2e-7 });
    });
    const xs = grid(1e-2, 1e4, 200);
    const a = await tg(xs),
      b = await tg(xs.map((x) => x + 1));
    xs.forEach((x, i) => {
      // ψ′(x) − 1/x² cancels near 0: allow float32 rounding of ψ′(x) itself.
      assertClose(b[i], a[i] - 1 / (x * x), `ψ′(${x} + 1)`, { abs: 2e-7 * a[i] + 1e-6, rel: 1e-6 });
      const h = 1e-4 * x;
      const fd = (digammaScalar(x + h) - digammaScalar(x - h)) / (2 * h);
      assertClose(a[i], fd, `ψ′(${x}) by central differences of ψ`, { abs: 1e-6, rel: 1e-6 });
    });
    const edge = await tg([0, -1, Infinity]);
    assert.deepEqual([edge[0], Number.isNaN(edge[1]), edge[2]], [Infinity, true, 0]);
  });

  test("lbeta broadcasts, matches lbetaScalar and mpmath, and its gradient reduces over broadcast axes", async () => {
    const a = tf.tensor2d([0.5, 2, 1e4, 3.5], [4, 1]);
    const b = tf.tensor1d([0.5, 3, 1]);
    const got = await run(SPECIAL_KERNELS.lbeta, { a, b });
    const av = [0.5, 2, 1e4, 3.5],
      bv = [0.5, 3, 1];
    av.forEach((x, i) =>
      bv.forEach((y, j) =>
        assertClose(got[i * 3 + j], Math.fround(lbetaScalar(x, y)), `lbeta(${x}, ${y})`, { abs: 1e-6, rel: 2e-7 }),
      ),
    );
    const [ga, gb] = await Promise.all(
      tf
        .grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(lbeta(p, q)))([a, b])
        .map(values),
    );
    av.forEach((x, i) => {
      const want = bv.reduce((s, y) => s + digammaScalar(x) - digammaScalar(x + y), 0);
      assertClose(ga[i], want, `∂/∂a at a = ${x}`, { abs: 1e-5, rel: 1e-5 });
    });
    bv.forEach((y, j) => {
      const want = av.reduce((s, x) => s + digammaScalar(y) - digammaScalar(x + y), 0);
      assertClose(gb[j], want, `∂/∂b at b = ${y}`, { abs: 1e-5, rel: 1e-5 });
    });
  });
});
