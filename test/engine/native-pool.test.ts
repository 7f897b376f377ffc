// The native thread pool under churn: many short parallel jobs in a row whose chunk counts differ, with more
// pool threads than cores so that workers are preempted mid-claim. A worker that read one job's generation
// and the next job's fields could once claim a chunk of the finished job and count it into the next one,
// which then never completed (the caller spun forever in ParallelFor); the claim now carries the chunk count.
// The race needs a preemption at one point, so this test can only make it likely, not certain.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { loadAddon } from "../../lib/engine/native/addon";
import { nativeUnavailable } from "./native-harness";

const skip = nativeUnavailable() ?? false;
const GRAIN = 16384; // native/src/elementwise.cc kGrain: elements per chunk

test(
  "the pool finishes 40 000 back-to-back jobs of changing chunk counts with correct results",
  { skip, timeout: 120_000 },
  async () => {
    const addon = loadAddon();
    const before = addon.threads();
    addon.setThreads(4);
    const prev = tf.getBackend();
    tf.setBackend("native");
    try {
      // 2, 3, 5, 9 and 16 chunks (threads × 4 caps it at 16)
      const sizes = [2, 3, 5, 9, 40].map((k) => k * GRAIN);
      const inputs = sizes.map((n) => [tf.fill([n], 1), tf.fill([n], 2)] as const);
      for (let i = 0; i < 40_000; i++) {
        const [a, b] = inputs[i % sizes.length];
        const out = tf.add(a, b);
        if (i % 4999 === 0) {
          const v = await out.data();
          assert.equal(v.length, a.size);
          assert.ok(
            v.every((x) => x === 3),
            `job ${i}: every element is 1 + 2`,
          );
        }
        out.dispose();
      }
      inputs.flat().forEach((x) => x.dispose());
    } finally {
      tf.setBackend(prev);
      addon.setThreads(before);
    }
  },
);
