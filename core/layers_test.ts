import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { batchNorm, batchNormParams, BN_MOMENTUM, Params } from "./layers.ts";
import { Rng } from "./rng.ts";

tf.env().set("PROD", true); // no advice to install tfjs-node
await tf.setBackend("cpu");

Deno.test("batchNorm normalises with batch statistics in training and moves the running ones", async () => {
  const p = new Params(new Rng(0, "t"));
  const bn = batchNormParams(p, 2);
  const x = tf.tensor2d([[1, 10], [3, 30], [5, 20], [7, 40]]);
  const y = batchNorm(x, bn, true);
  const v = await y.array() as number[][];
  for (let c = 0; c < 2; c++) {
    const col = v.map((r) => r[c]!);
    const mean = col.reduce((a, b) => a + b) / 4;
    const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-3, `${mean} ${variance}`);
  }
  // running mean moved by momentum towards [4, 25]; running variance towards the unbiased one
  const rm = await bn.mean.data(), rv = await bn.variance.data();
  assert.ok(Math.abs(rm[0]! - BN_MOMENTUM * 4) < 1e-6);
  const unbiased0 = (9 + 1 + 1 + 9) / 3;
  assert.ok(Math.abs(rv[0]! - ((1 - BN_MOMENTUM) + BN_MOMENTUM * unbiased0)) < 1e-5);
  // evaluation uses the running statistics and leaves them alone
  const e = batchNorm(x, bn, false);
  assert.deepEqual(await bn.mean.data(), rm);
  assert.notDeepEqual(await e.data(), await y.data());
  tf.dispose([x, y, e]);
  p.dispose();
});

Deno.test("Params marks weights for decay and biases and BatchNorm parameters not", () => {
  const p = new Params(new Rng(1, "t"));
  p.heNormal("conv", [3, 3, 2, 4], 18);
  p.constant("bias", 4, 0);
  batchNormParams(p, 4);
  assert.deepEqual(p.params.map((q) => q.decay), [true, false, false, false]);
  assert.equal(p.count(), 72 + 4 + 8);
  assert.equal(p.state.length, 2);
  const before = tf.memory().numTensors;
  p.dispose();
  assert.equal(tf.memory().numTensors, before - 6);
});

Deno.test("Params draws the same weights from the same seed", async () => {
  const a = new Params(new Rng(5, "init")), b = new Params(new Rng(5, "init"));
  const wa = a.heNormal("w", [4, 4], 4), wb = b.heNormal("w", [4, 4], 4);
  assert.deepEqual(await wa.data(), await wb.data());
  a.dispose();
  b.dispose();
});
