// Gaussian-pulse mixtures (K.1, M): keyed determinism, mixture = Σ sources + noise with the stated noise sd
// (white, amplitude-modulated, band-limited), each speaker's energy in its band (Goertzel power), every
// Fig. 10 condition valid, the paper's index ranges, named errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PULSE_CONDITIONS,
  bandpassShare,
  pulseBatch,
  pulseConfig,
  pulseExample,
  pulseSplits,
} from "../../lib/data/gaussian-pulses";

/** Power of x at frequency f (Hz) by a single-bin DFT, normalised by length. */
function power(x: Float32Array, f: number, fs: number): number {
  let re = 0,
    im = 0;
  for (let t = 0; t < x.length; t++) {
    re += x[t] * Math.cos((2 * Math.PI * f * t) / fs);
    im -= x[t] * Math.sin((2 * Math.PI * f * t) / fs);
  }
  return (re * re + im * im) / x.length;
}
const sd = (x: Float32Array) => {
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  return Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length);
};
const residual = (e: ReturnType<typeof pulseExample>) =>
  e.mixture.map((v, t) => v - e.sources.reduce((s, src) => s + src[t], 0));

test("examples are keyed by index; a batch stacks the same examples", () => {
  const cfg = pulseConfig({ duration: 0.5 });
  const a = pulseExample(cfg, 7),
    b = pulseExample(cfg, 7),
    c = pulseExample(cfg, 8);
  assert.deepEqual(a.mixture, b.mixture);
  assert.notDeepEqual(a.mixture, c.mixture);
  const batch = pulseBatch(cfg, [7, 9]);
  assert.deepEqual(batch.mixture.shape, [2, 4000]);
  assert.deepEqual(batch.sources.shape, [2, 2, 4000]);
  assert.deepEqual(Array.from(batch.mixture.values.subarray(4000, 8000)), Array.from(c.mixture));
  assert.deepEqual(Array.from(batch.sources.values.subarray(4000, 8000)), Array.from(a.sources[1]));
  assert.notDeepEqual(pulseExample(pulseConfig({ duration: 0.5, seed: "other" }), 7).mixture, a.mixture);
});

test("mixture = sources + noise with sd NA (white), 3/8 of the power (2 Hz AM), white noise band-pass filtered (BPFN)", () => {
  const white = pulseExample(pulseConfig({ noiseAmplitude: 0.5 }), 1);
  assert.ok(Math.abs(sd(residual(white)) - 0.5) < 0.01, `white sd ${sd(residual(white))}`);
  const none = pulseExample(pulseConfig({ noiseAmplitude: 0 }), 1);
  assert.ok(sd(residual(none)) < 1e-6);
  assert.deepEqual(none.sources[0], white.sources[0], "the sources do not depend on the noise");
  const am = pulseExample(pulseConfig({ noise: "am" }), 1);
  const ratio = sd(residual(am)) ** 2 / 0.25;
  assert.ok(Math.abs(ratio - 3 / 8) < 0.03, `AM power ratio ${ratio}`);
  const bpCfg = pulseConfig({ noise: "bandpass", duration: 1 });
  const bp = residual(pulseExample(bpCfg, 1));
  // the filter removes the out-of-band power of the white noise: sd NA·√(200 Hz of bands / 4000 Hz)
  assert.equal(bandpassShare(bpCfg), 0.05);
  assert.ok(Math.abs(sd(bp) - 0.5 * Math.sqrt(0.05)) < 0.01, `band-passed sd ${sd(bp)}`);
  assert.equal(
    bandpassShare(
      pulseConfig({
        speakers: [
          [200, 400],
          [100, 300],
        ],
      }),
    ),
    300 / 4000,
    "overlap counted once",
  );
  const inBand = [150, 180, 320, 350].map((f) => power(bp, f, 8000)),
    outBand = [600, 1000, 2500].map((f) => power(bp, f, 8000));
  assert.ok(
    Math.min(...inBand) > 0 && Math.max(...outBand) < 1e-3 * Math.max(...inBand),
    `in ${inBand} out ${outBand}`,
  );
});

test("each speaker's pulses are in its band, with energy at the fundamental and overtones", () => {
  const cfg = pulseConfig({ noiseAmplitude: 0, pulses: 1 });
  const e = pulseExample(cfg, 3);
  e.pulses[0].forEach((p) => assert.ok(p.f0 >= 300 && p.f0 <= 400));
  e.pulses[1].forEach((p) => assert.ok(p.f0 >= 100 && p.f0 <= 200));
  for (const k of [0, 1]) {
    const f0 = e.pulses[k][0].f0;
    const at = power(e.sources[k], f0, 8000),
      h2 = power(e.sources[k], 2 * f0, 8000),
      off = power(e.sources[k], f0 * 1.5, 8000);
    assert.ok(at > 20 * off && h2 > 5 * off, `speaker ${k}: power at f0 ${at}, 2f0 ${h2}, 1.5f0 ${off}`);
  }
  // "OT 0": a pure fundamental has no energy at 2f0
  const pure = pulseExample(pulseConfig({ noiseAmplitude: 0, pulses: 1, harmonics: 1 }), 3);
  const f0 = pure.pulses[0][0].f0;
  assert.ok(power(pure.sources[0], 2 * f0, 8000) < 1e-3 * power(pure.sources[0], f0, 8000));
});

test("every Fig. 10 condition is a valid configuration; paper index ranges; named errors", () => {
  for (const [name, c] of Object.entries(PULSE_CONDITIONS)) {
    const e = pulseExample(pulseConfig({ ...c, duration: 0.25 }), 0);
    assert.ok(e.mixture.every(Number.isFinite), name);
  }
  assert.deepEqual(pulseSplits(1), { train: [100000, 102048], validation: [102048, 102176], test: [102176, 103200] });
  assert.deepEqual(pulseSplits(2).train, [200000, 202048]);
  assert.throws(() => pulseConfig({ pulses: 0 }), /pulses must be a positive integer/);
  assert.throws(() => pulseConfig({ harmonics: 11 }), /11th harmonic of 400 Hz exceeds the Nyquist frequency 4000 Hz/);
  assert.throws(() => pulseConfig({ noise: "pink" as never }), /noise must be/);
  assert.throws(() => pulseExample(pulseConfig(), -1), /non-negative integer/);
  assert.throws(() => pulseSplits(0), /replicate must be an integer ≥ 1/);
});
