// Trial behind the fused Gaussian and aggregate-posterior kernels (issue 16): step times with lib/prob/gaussian-kernels
// and lib/prob/correlation's fused estimate on and off together, in blocks that alternate in one process (so both
// sides see the same machine state), for the bench models and Fig. 3's linear PDisVAE and VAE.
//   npx tsx scripts/trials/fused-gaussian-timing.ts [model …]
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { benchModel } from "../../lib/bench/models";
import { createPdisVae, pdisVaePreset } from "../../lib/models/pdisvae";
import { createAdam } from "../../lib/train/fused-adam";
import { fusedGaussian } from "../../lib/prob/gaussian-kernels";
import { fusedAggregate } from "../../lib/prob/correlation";

interface Stepper {
  step(): Promise<void>;
  dispose(): void;
}

/** One Adam step of Fig. 3's linear model of `method` on a [128, 20] batch (a fresh noise draw per step). */
function pdisvaeStepper(method: "pdisvae" | "vae"): Stepper {
  const rng = new Rng(`fused-gaussian-timing/${method}`);
  const m = createPdisVae(pdisVaePreset("groupwise-linear", method, 5000), rng.fork("init"));
  const x = rng.fork("x").normalTensor([128, 20]);
  const opt = createAdam(5e-3);
  const vars = Object.values(m.variables);
  let s = 0;
  return {
    async step() {
      const ctx = { step: s, epoch: 0, rng: rng.fork(`step-${s++}`) };
      const loss = opt.minimize(() => m.loss(m.step(x, ctx), s), true, vars) as tf.Scalar;
      await loss.data();
      loss.dispose();
    },
    dispose() {
      opt.dispose();
      x.dispose();
      m.dispose();
    },
  };
}

async function main(): Promise<void> {
  await initEngine({ quiet: true });
  const setSwitch = (on: boolean) => {
    fusedGaussian(on);
    fusedAggregate(on);
  };
  const names = process.argv.slice(2);
  const models = names.length ? names : ["mlp-vae", "conv-vae", "pvae", "pdisvae-linear", "vae-linear"];
  for (const name of models) {
    const m: Stepper =
      name === "pdisvae-linear"
        ? pdisvaeStepper("pdisvae")
        : name === "vae-linear"
          ? pdisvaeStepper("vae")
          : benchModel(name).build(1);
    for (let i = 0; i < 10; i++) await m.step();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await m.step();
    const steps = Math.max(5, Math.round(1500 / ((performance.now() - t0) / 5))); // ≈ 1.5 s per block
    const ms: Record<"on" | "off", number[]> = { on: [], off: [] };
    for (let rep = 0; rep < 5; rep++)
      for (const on of [true, false]) {
        setSwitch(on);
        const t = performance.now();
        for (let i = 0; i < steps; i++) await m.step();
        ms[on ? "on" : "off"].push((performance.now() - t) / steps);
      }
    setSwitch(true);
    m.dispose();
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[2];
    console.log(
      `${name}: fused ${med(ms.on).toFixed(2)} ms/step, composed ${med(ms.off).toFixed(2)} (fused ÷ composed ${(med(ms.on) / med(ms.off)).toFixed(2)}; medians of 5 blocks of ${steps} steps)`,
    );
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
