import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { conv2dBiasAct, registerReductionGradients } from "./ops.ts";

tf.env().set("PROD", true); // no advice to install tfjs-node
await tf.setBackend("cpu");

Deno.test("the suite's Sum and Mean gradients broadcast dy exactly as TF.js's own", async () => {
  const x = tf.randomNormal([2, 3, 4], 0, 1, "float32", 1);
  const w = tf.randomNormal([3, 4], 0, 1, "float32", 2);
  const cases = [
    (t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [0]), w)),
    (t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, [0], true), w)),
    (t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [1, 2], true), 2)),
    (t: tf.Tensor) => tf.mean(t),
  ];
  const stock = await Promise.all(cases.map((f) => tf.grad(f)(x).data()));
  registerReductionGradients();
  const suite = await Promise.all(cases.map((f) => tf.grad(f)(x).data()));
  for (let i = 0; i < cases.length; i++) {
    const a = stock[i]!, b = suite[i]!;
    for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j]! - b[j]!) < 1e-6, `case ${i}`);
  }
});

Deno.test("conv2dBiasAct composes conv2d, bias and ReLU where no fused kernel exists", async () => {
  const x = tf.randomNormal([1, 5, 5, 2], 0, 1, "float32", 3) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 2, 3], 0, 1, "float32", 4) as tf.Tensor4D;
  const b = tf.tensor1d([0.5, -0.5, 0]);
  const got = await conv2dBiasAct(x, f, b, 1, "same", "relu").data();
  const want = await tf.relu(tf.add(tf.conv2d(x, f, 1, "same"), b)).data();
  assert.deepEqual(got, want);
  const lin = await conv2dBiasAct(x, f, b, 1, "valid", "linear").data();
  assert.ok(lin.some((v) => v < 0));
});
