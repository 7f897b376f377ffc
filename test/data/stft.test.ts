// STFT helpers: the FFT against a direct DFT, a tone's energy in the right bin, frame/time bookkeeping,
// Parseval for a rectangular frame, and the spectral centroid of a cosine filter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fft, powerSpectrum, spectralCentroid, stft, toDb } from "../../lib/data/stft";

test("fft equals the direct DFT", () => {
  const n = 16;
  const x = Array.from({ length: n }, (_, i) => Math.sin(0.7 * i) + 0.3 * Math.cos(2.1 * i) + (i % 3) * 0.1);
  const re = Float64Array.from(x),
    im = new Float64Array(n);
  fft(re, im);
  for (let k = 0; k < n; k++) {
    let dr = 0,
      di = 0;
    for (let t = 0; t < n; t++) {
      dr += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
      di += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
    }
    assert.ok(Math.abs(re[k] - dr) < 1e-9 && Math.abs(im[k] - di) < 1e-9, `bin ${k}`);
  }
  assert.throws(() => fft(new Float64Array(12), new Float64Array(12)), /power of two/);
});

test("Parseval: Σ|X_k|² = n Σ x² over the full spectrum", () => {
  const x = Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37) * Math.exp(-i / 40));
  const p = powerSpectrum(x, 64);
  const full = p[0] + p[32] + 2 * p.slice(1, 32).reduce((a, b) => a + b, 0);
  const e = x.reduce((a, v) => a + v * v, 0);
  assert.ok(Math.abs(full - 64 * e) < 1e-9 * full);
});

test("stft: a 1 kHz tone at 8 kHz peaks in bin 1000·frame/fs in every frame; shapes and times", () => {
  const fs = 8000,
    frame = 64,
    hop = 32;
  const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / fs));
  const s = stft(x, { frame, hop, sampleRate: fs });
  assert.equal(s.freqs.length, 33);
  assert.equal(s.times.length, Math.floor((1000 - 64) / 32) + 1);
  assert.equal(s.power.length, 33);
  assert.equal(s.power[0].length, s.times.length);
  assert.equal(s.freqs[8], 1000);
  for (let t = 0; t < s.times.length; t++) {
    const col = s.power.map((r) => r[t]);
    assert.equal(col.indexOf(Math.max(...col)), 8, `frame ${t}`);
  }
  const db = toDb(s.power);
  assert.ok(Math.abs(Math.max(...db.flat()) - 10 * Math.log10(Math.max(...s.power.flat()))) < 1e-6);
  assert.throws(() => stft(x, { frame: 48, hop: 8, sampleRate: fs }), /power of two/);
  assert.throws(() => stft(x.subarray(0, 10), { frame, hop, sampleRate: fs }), /shorter than one frame/);
});

test("spectralCentroid of a windowed cosine filter is near its frequency", () => {
  for (const f of [500, 1500, 3000]) {
    const h = Array.from(
      { length: 16 },
      (_, i) => Math.cos((2 * Math.PI * f * i) / 8000) * (0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / 16)),
    );
    const c = spectralCentroid(h, 8000);
    assert.ok(Math.abs(c - f) < 300, `centroid ${c} for ${f} Hz`);
  }
  // order is preserved
  const c = [400, 1200, 2400].map((f) =>
    spectralCentroid(
      Array.from({ length: 16 }, (_, i) => Math.cos((2 * Math.PI * f * i) / 8000)),
      8000,
    ),
  );
  assert.ok(c[0] < c[1] && c[1] < c[2], `${c}`);
});
