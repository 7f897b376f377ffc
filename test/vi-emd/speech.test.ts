// lib/vi-emd/speech: the training condition option. With trainCondition "clean" the training mixtures are
// the sums of their sources (the clean condition of Table 2/3 and Fig. 3); the default stays the noisy condition
// (mixtures ≠ sum of sources) with an unchanged data key, and the clean key differs (no shared cached runs).
// Builds the smoke-size espeak-ng stand-in in a temporary generated-data directory; skipped without espeak-ng.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { espeakAvailable } from "../../lib/data/speech-standin";
import { speechExperimentData } from "../../lib/vi-emd/speech";
import { VI_EMD_SETTINGS } from "../../lib/vi-emd/settings";

const esp = espeakAvailable();
const skip = esp.ok ? false : `espeak-ng unavailable: ${esp.reason}`;
let dir = "";
const saved = process.env.VAELAB_GENERATED_DIR;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "vaelab-vi-emd-speech-"));
  process.env.VAELAB_GENERATED_DIR = dir;
});
after(() => {
  if (saved === undefined) delete process.env.VAELAB_GENERATED_DIR;
  else process.env.VAELAB_GENERATED_DIR = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** max |mix − Σ_i s_i| relative to the mixture's rms, over all training segments. */
function residual(d: ReturnType<typeof speechExperimentData>): number {
  const [n, T] = d.train.mix.shape,
    S = d.train.sources.shape[1];
  const m = d.train.mix.values,
    s = d.train.sources.values;
  let worst = 0,
    ss = 0;
  for (let b = 0; b < n; b++)
    for (let t = 0; t < T; t++) {
      let sum = 0;
      for (let i = 0; i < S; i++) sum += s[(b * S + i) * T + t];
      worst = Math.max(worst, Math.abs(m[b * T + t] - sum));
      ss += m[b * T + t] ** 2;
    }
  return worst / Math.sqrt(ss / (n * T));
}

test(
  "trainCondition clean: training mixtures are the sums of their sources; noisy (the default) are not; keys differ",
  { timeout: 240_000, skip },
  () => {
    const s = VI_EMD_SETTINGS.smoke.speech;
    const noisy = speechExperimentData(s);
    const clean = speechExperimentData(s, { trainCondition: "clean" });
    assert.equal(noisy.train.condition, "noisy");
    assert.equal(clean.train.condition, "clean");
    assert.deepEqual(clean.train.mix.shape, noisy.train.mix.shape);
    const rc = residual(clean),
      rn = residual(noisy);
    assert.ok(rc < 1e-4, `clean training mixtures differ from the sum of sources by ${rc} rms`);
    assert.ok(rn > 1e-2, `noisy training mixtures equal the sum of sources (${rn} rms)`);
    // the default key carries no condition (Table 1's cached runs keep their hashes); the clean one does
    assert.equal((noisy.train.key as Record<string, unknown>).condition, undefined);
    assert.equal((clean.train.key as Record<string, unknown>).condition, "clean");
    assert.notDeepEqual(clean.train.key, noisy.train.key);
    // the test sets do not depend on the training condition (but the standardiser does)
    assert.deepEqual(clean.test["seen-clean"].ids, noisy.test["seen-clean"].ids);
    assert.notEqual(clean.standardiser.std, noisy.standardiser.std);
    assert.throws(
      () => speechExperimentData(s, { trainCondition: "dry" as "clean" }),
      /trainCondition must be "noisy" or "clean"/,
    );
  },
);
