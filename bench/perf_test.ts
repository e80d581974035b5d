import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../core/backend.ts";
import {
  countUploads,
  median,
  runPeer,
  timeDrlimStep,
  timeExemplarStep,
  timeSimclrStep,
} from "./perf.ts";

Deno.test("median handles odd and even lengths and rejects empty lists", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /empty/);
});

Deno.test("timeDrlimStep returns one time per timed step and leaks no tensors", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const t = await timeDrlimStep(2, 2, 1);
  assert.equal(t.times.length, 2);
  assert.ok(t.times.every((x) => x > 0));
  assert.equal(t.tensorGrowthPerStep, 0);
  assert.ok(t.kernelsPerStep > 10 && t.peakBytes > 0);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("timeSimclrStep runs the ResNet-18 step and leaks no tensors", async () => {
  await initBackend("auto", { warn: () => {} }); // TF.js's cpu backend takes minutes for it
  const before = tf.memory().numTensors;
  const t = await timeSimclrStep(2, 1, 1); // the warm-up step creates Adam's moments
  assert.equal(t.times.length, 1);
  assert.equal(t.tensorGrowthPerStep, 0);
  assert.ok(t.kernelsPerStep > 100);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("timeExemplarStep times the Exemplar CNN step and leaks no tensors", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const t = await timeExemplarStep(4, 10, 2, 1, "4c5-4c5-8f");
  assert.equal(t.times.length, 2);
  assert.equal(t.tensorGrowthPerStep, 0);
  assert.ok(t.kernelsPerStep > 10 && t.peakBytes > 0);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("runPeer reports why when the peer cannot run", async () => {
  const r = await runPeer("/nonexistent/peer.py", []);
  assert.ok("error" in r && r.error.length > 0);
});

Deno.test("countUploads counts host-to-device copies on webgpu and says -1 elsewhere", async () => {
  await tf.setBackend("cpu");
  const cpu = await countUploads(() => Promise.resolve(1));
  assert.equal(cpu.uploads, -1);
  const info = await initBackend("auto", { warn: () => {} });
  if (info.backend !== "webgpu") return;
  const r = await countUploads(async () => {
    const t = tf.tensor1d(new Float32Array(1000)); // 4,000 bytes from the host
    const u = tf.add(t, t);
    await u.data();
    tf.dispose([t, u]);
    return 0;
  });
  assert.equal(r.uploads, 1);
  assert.equal(r.bytes, 4000);
});
