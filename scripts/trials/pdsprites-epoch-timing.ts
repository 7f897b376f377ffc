// Trial behind pdSprites' demo epochs (issue 20) and the engine's notebook-level speed-up (issue 16): seconds per
// training epoch of each pdSprites conv method on the current engine, 10 epochs each in a scratch runs folder (never
// data/runs).
//   npx tsx scripts/trials/pdsprites-epoch-timing.ts [epochs=10]
// Measured 2026-12-07 (native backend, quiet 2-core VM): 0.22–0.24 s per epoch (6 steps of batch 128) for every
// method, against ≈ 1.6 s in the 2026-12-06 render (1939 s of steps for five models × 200 epochs, load 2–3).
import { initEngine } from "../../lib/engine/backend";
import { pdSprites } from "../../lib/data/pdsprites";
import { PdisVaeMethod, pdisVaePreset } from "../../lib/models/pdisvae";
import { trainPdisVaeRun } from "../../lib/pdisvae/runs";

async function main(): Promise<void> {
  const epochs = Number(process.argv[2] ?? "10");
  if (!(Number.isInteger(epochs) && epochs > 0))
    throw new Error(`pdsprites-epoch-timing: epochs must be a positive integer, got "${process.argv[2]}"`);
  await initEngine({ quiet: true });
  const data = pdSprites();
  const N = data.x.shape[0];
  const methods: PdisVaeMethod[] = ["vae", "ica", "isa-vae", "beta-tcvae", "pdisvae"];
  for (const method of methods) {
    const t0 = Date.now();
    const run = await trainPdisVaeRun({
      config: pdisVaePreset("pdsprites-conv", method, N),
      data: { key: { pdsprites: data.key }, train: data.x },
      seed: 0,
      schedule: { epochs, learningRate: 3e-3, batchSize: 128 },
      preset: "demo",
      runsDir: `/tmp/vaelab-trials/pdsprites-epochs-${process.pid}-${method}`,
      label: method,
      progress: "none",
    });
    const perEpoch = (Date.now() - t0) / 1000 / epochs;
    console.log(`${method}: ${perEpoch.toFixed(2)} s per epoch (${run.history.length} steps)`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
