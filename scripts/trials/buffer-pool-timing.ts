// Trial behind the native buffer pool (issue 16): step times of benchmark models with the pool on and off, in blocks
// that alternate in one process. Run here (a tslab notebook kernel, whose heap holds the TypeScript program) with
//   npm run nb -- scripts/trials/buffer-pool-timing.ipynb --out /tmp/buffer-pool-timing.ipynb
// and as a script with `npx tsx scripts/trials/buffer-pool-timing.ts` (the same code).
import { initEngine } from "../../lib/engine/backend";
import { benchModel, benchModelNames } from "../../lib/bench/models";
import { bufferPoolEnabled } from "../../lib/engine/native/buffer-pool";

async function main(): Promise<void> {
  await initEngine({ quiet: true });
  const rows: string[] = [];
  for (const name of benchModelNames()) {
    const m = benchModel(name).build(1);
    for (let i = 0; i < 5; i++) await m.step();
    const ms: Record<"on" | "off", number[]> = { on: [], off: [] };
    // about a second per block
    const t0 = performance.now();
    await m.step();
    const steps = Math.max(5, Math.round(1000 / (performance.now() - t0)));
    for (let rep = 0; rep < 3; rep++)
      for (const pool of [true, false]) {
        bufferPoolEnabled(pool);
        const t = performance.now();
        for (let i = 0; i < steps; i++) await m.step();
        ms[pool ? "on" : "off"].push((performance.now() - t) / steps);
      }
    bufferPoolEnabled(true);
    m.dispose();
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[1];
    rows.push(
      `${name}: pool on ${med(ms.on).toFixed(2)} ms/step, off ${med(ms.off).toFixed(2)} (on ÷ off ${(med(ms.on) / med(ms.off)).toFixed(2)}; medians of 3 blocks of ${steps} steps)`,
    );
  }
  console.log(rows.join("\n"));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
