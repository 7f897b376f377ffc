// The PDisVAE settings table: schedules hash as the run keys' schedules did before the table (a changed number
// would retrain a run), and the scale lines of the notebooks' differences state the table's numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PDISVAE_SETTINGS,
  betaAblationScale,
  facesScale,
  linearScale,
  linearScheduleScale,
  pdspritesScale,
  voltageScale,
} from "../../lib/pdisvae/settings";
import { formatNumber as n } from "../../lib/notebook/differences";
import { PRESETS } from "../../lib/notebook/preset";
import { configHash } from "../../lib/train/run-cache";

test("schedules and seeds hash as before the settings table", () => {
  const want = {
    smoke: {
      linear: "37d18c22a7ef751c",
      seeds: "d4735e3a265e16ee",
      pdsprites: "486da1e3792b00c1",
      voltage: "b084b587a03f2e66",
      faces: "20842b37c41fd24f",
    },
    demo: {
      linear: "51cc9b07b2cdd983",
      // session 9: the paper's 10 seeds (4 before: 4b227777d4dd1fc6); seeds 0–3 keep their cached runs
      seeds: "4a44dc15364204a8",
      // 2026-12-07: 400 epochs (200 before: 987e14d502f55463)
      pdsprites: "49ea997a0e52d18b",
      voltage: "39410256cb33ce49",
      faces: "55176cf958400a67",
    },
    paper: {
      linear: "01613c3cde26a961",
      seeds: "4a44dc15364204a8",
      pdsprites: "32575057c83f4b01",
      voltage: "01613c3cde26a961",
      faces: "32575057c83f4b01",
    },
  };
  for (const p of PRESETS) {
    const s = PDISVAE_SETTINGS[p];
    assert.equal(configHash(s.linear.schedule), want[p].linear, `linear schedule at ${p}`);
    assert.equal(configHash(s.linear.seeds), want[p].seeds, `seeds at ${p}`);
    assert.equal(configHash(s.pdsprites.schedule), want[p].pdsprites, `pdSprites schedule at ${p}`);
    // the voltage notebook's run key: { epochs, learningRate, batchSize }
    assert.equal(
      configHash({ epochs: s.voltage.epochs, learningRate: s.voltage.learningRate, batchSize: s.voltage.batchSize }),
      want[p].voltage,
      `voltage schedule at ${p}`,
    );
    assert.equal(configHash(s.faces.schedule), want[p].faces, `faces schedule at ${p}`);
  }
});

test("every scale line contains the numbers of its preset's entry and the paper preset's", () => {
  for (const p of PRESETS) {
    for (const s of [PDISVAE_SETTINGS[p], PDISVAE_SETTINGS.paper]) {
      const has = (line: string, xs: number[]) => {
        for (const x of xs) assert.ok(line.includes(n(x)), `${line} lacks ${n(x)}`);
      };
      const sched = (e: { epochs: number; learningRate: number; batchSize: number }) => [
        e.epochs,
        e.learningRate,
        e.batchSize,
      ];
      has(linearScale(p), [...sched(s.linear.schedule), s.linear.seeds]);
      has(linearScheduleScale(p), sched(s.linear.schedule));
      has(betaAblationScale(p), [...s.betaAblation.betas, s.betaAblation.seeds, ...sched(s.linear.schedule)]);
      has(pdspritesScale(p), [...sched(s.pdsprites.schedule), s.pdsprites.seeds.length]);
      has(voltageScale(p), sched(s.voltage));
      const f = s.faces;
      has(facesScale(p), [
        f.images,
        f.imageSize,
        ...f.groupCounts,
        ...sched(f.schedule),
        f.traversalPoints,
        f.colourGroupDraws,
        f.colourSetDraws,
        f.jacobianPoints,
      ]);
    }
  }
  assert.equal(
    linearScale("demo"),
    "demo: 400 epochs at lr 5e-3, batch 128, 10 seeds per method (paper preset: 5000 epochs at lr 5e-4, batch 128, 10 seeds per method)",
  );
});
