// Child process for interrupt.test.ts: trains with checkpoints every 50 steps and sends itself a real
// SIGTERM after step `argv[3]`; the parent checks the checkpoint, the message and how the process ended.
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { createMlpVae, mlpVaeConfig } from "../../lib/models/mlp-vae";
import { train } from "../../lib/train/loop";

async function main(): Promise<void> {
  await initEngine({ quiet: true });
  const [dir, at] = [process.argv[2], Number(process.argv[3])];
  const m = createMlpVae(mlpVaeConfig({ xDim: 6, zDim: 2 }), new Rng(1));
  try {
    await train(m, {
      data: { values: new Rng("x").normals(256 * 6), shape: [256, 6] },
      batchSize: 32,
      steps: 120,
      rng: 3,
      progress: "none",
      checkpoint: { dir, every: 50 },
      onStep: (r) => {
        if (r.step === at) process.kill(process.pid, "SIGTERM");
      },
    });
    console.log("finished");
  } catch (e) {
    console.log(`caught: ${(e as Error).message}`);
  }
  // the process should end by SIGTERM once the error has been reported; keep it alive a while otherwise
  setTimeout(() => console.log("still alive"), 3000);
}

void main();
