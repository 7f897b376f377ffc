// Trial behind the cause of VI-EMD Table 1's claims (issue 20): do the demo-size TasNet and VI-TasNet, trained
// longer than the demo's 400 steps on the same stand-in data and schedule, reach the paper's ordering (VI-TasNet
// above TasNet, seen and unseen)? Trains the named Table 1 models at the given steps in a scratch runs folder
// (never data/runs) and prints SI-SDRi on the four test sets and the paired VI − deterministic differences. The
// optional last argument overrides TasNet sizes (e.g. "N=64,B=32,H=64") to see what model size changes, and
// "rate=R" the VI models' target rate in nats per latent element and encoder frame (demo: 256/1536).
//   npx tsx scripts/trials/speech-steps.ts [steps=1600] [models=TasNet,VI-TasNet] [runsDir=/tmp/vaelab-trials/speech-steps] [sizes]
// Measured 2026-12-07 (demo data, seed 1), VI-TasNet − TasNet SI-SDRi on seen noisy: −1.32 dB at 1600 steps (TasNet
// 4.18 dB, 8.7 k parameters); −1.28 dB at 1600 steps with N=64,B=32,H=64 (TasNet 5.18 dB, 47 k parameters).
// Those runs read App. J's target as 1/6 nats per element (T = encoder frames). With App. B's T (input samples),
// rate=1.3333 (4/3 nats per element), at 1600 steps: VI − TasNet +0.43 dB seen noisy, −0.25 unseen noisy; rate=16:
// +0.39 / −0.29 dB (2026-12-07).
import { initEngine } from "../../lib/engine/backend";
import { mean, sd } from "../../lib/eval/summary";
import { studentTTwoSided } from "../../lib/eval/stat-tests";
import { VI_EMD_SETTINGS } from "../../lib/vi-emd/settings";
import { TEST_SETS, speechExperimentData, speechModels } from "../../lib/vi-emd/speech";
import { evaluateSeparation, trainSeparationRun } from "../../lib/vi-emd/runs";

async function main(): Promise<void> {
  const [
    stepsArg = "1600",
    modelsArg = "TasNet,VI-TasNet",
    runsDir = "/tmp/vaelab-trials/speech-steps",
    sizesArg = "",
  ] = process.argv.slice(2);
  const steps = Number(stepsArg);
  if (!(steps > 0)) throw new Error(`speech-steps: steps must be positive, got "${stepsArg}"`);
  await initEngine({ quiet: true });
  const sizes = Object.fromEntries(
    sizesArg
      .split(",")
      .filter(Boolean)
      .map((kv) => {
        const [k, v] = kv.split("=");
        if (!["N", "B", "H", "Sc", "X", "R", "rate"].includes(k) || !(Number(v) > 0))
          throw new Error(`speech-steps: sizes are N, B, H, Sc, X, R or rate = a positive number, got "${kv}"`);
        return [k, Number(v)];
      }),
  );
  const demo = VI_EMD_SETTINGS.demo.speech;
  const { rate, ...shape } = sizes;
  const s = {
    ...demo,
    steps,
    ratePerElement: rate ?? demo.ratePerElement,
    tasnet: { ...demo.tasnet, ...shape },
    sudormrf: { ...demo.sudormrf, ...shape },
  };
  const D = speechExperimentData(s);
  const wanted = modelsArg.split(",");
  const specs = speechModels(s).filter((m) => wanted.includes(m.name));
  if (specs.length !== wanted.length)
    throw new Error(`speech-steps: unknown model in "${modelsArg}" (TasNet, VI-TasNet, SuDoRMRF, VI-SuDoRMRF)`);
  const perMixture: Record<string, Record<string, number[]>> = {};
  for (const m of specs) {
    const t0 = Date.now();
    const run = await trainSeparationRun({
      config: m.config,
      data: { key: D.train.key, train: { mix: D.train.mix, sources: D.train.sources } },
      objective: m.objective,
      schedule: { steps, batchSize: s.batchSize, learningRate: s.learningRate },
      seed: s.seeds[0],
      preset: "demo",
      runsDir,
      label: `${m.name} ${steps} steps`,
      progress: "log",
    });
    console.log(
      `${m.name} (${run.model.parameterCount()} parameters): ${run.reloaded ? "reloaded" : "trained"} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    perMixture[m.name] = {};
    for (const k of TEST_SETS) {
      const ev = await evaluateSeparation(
        run.model,
        { mix: D.test[k].mix, sources: D.test[k].sources },
        { batchSize: 8 },
      );
      perMixture[m.name][k] = ev.perMixture.siSdrImprovement;
    }
    console.log(
      `${m.name} SI-SDRi: ${TEST_SETS.map((k) => `${k} ${mean(perMixture[m.name][k]).toFixed(2)}`).join(", ")}`,
    );
  }
  for (const [vi, det] of [
    ["VI-TasNet", "TasNet"],
    ["VI-SuDoRMRF", "SuDoRMRF"],
  ]) {
    if (!perMixture[vi] || !perMixture[det]) continue;
    for (const k of TEST_SETS) {
      const d = perMixture[vi][k].map((v, i) => v - perMixture[det][k][i]);
      const t = mean(d) / (sd(d) / Math.sqrt(d.length));
      console.log(
        `${steps} steps ${vi} − ${det} ${k}: ${mean(d).toFixed(2)} ± ${(sd(d) / Math.sqrt(d.length)).toFixed(2)} dB (p ${studentTTwoSided(t, d.length - 1).toPrecision(2)})`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
