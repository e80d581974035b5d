import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  conv2dBiasAct,
  registerReductionGradients,
  reproducibleMatMul,
  SPLIT_K_INNER,
  unitRows,
} from "./ops.ts";

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

Deno.test("reproducibleMatMul equals matMul (values and gradients), chunking wide inner sizes", () => {
  const k = SPLIT_K_INNER + 500;
  const a = tf.randomUniform([3, k], -1, 1, "float32", 1) as tf.Tensor2D;
  const b = tf.randomUniform([k, 4], -1, 1, "float32", 2) as tf.Tensor2D;
  const [want, got] = [tf.matMul(a, b), reproducibleMatMul(a, b)];
  const diff = tf.max(tf.abs(tf.sub(want, got))).dataSync()[0]!;
  assert.ok(diff < 1e-3, `max difference ${diff}`);
  const g1 = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D))
  );
  const g2 = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(reproducibleMatMul(x as tf.Tensor2D, y as tf.Tensor2D))
  );
  const [da1, db1] = g1([a, b]), [da2, db2] = g2([a, b]);
  assert.ok(tf.max(tf.abs(tf.sub(da1!, da2!))).dataSync()[0]! < 1e-4);
  assert.ok(tf.max(tf.abs(tf.sub(db1!, db2!))).dataSync()[0]! < 1e-4);
  // narrow products are plain matMul, bit for bit
  const s = tf.slice(a, [0, 0], [3, 10]) as tf.Tensor2D,
    t = tf.slice(b, [0, 0], [10, 4]) as tf.Tensor2D;
  assert.deepEqual(reproducibleMatMul(s, t).dataSync(), tf.matMul(s, t).dataSync());
  tf.dispose([a, b, want, got, da1!, db1!, da2!, db2!, s, t]);
});

/** Rows of every scale, one of them zero: what unitRows must keep bit for bit. */
function rowsOfEveryScale(): tf.Tensor2D {
  const x = tf.randomNormal([7, 5], 0, 1, "float32", 4);
  const scale = tf.tensor2d([1, 1e-6, 1e-3, 1e3, 1e12, 0.5, 0], [7, 1]);
  return tf.mul(x, scale) as tf.Tensor2D;
}

Deno.test("unitRows gives the bits of x / max(norm, 1e-12), and a zero row 0", async () => {
  const x = rowsOfEveryScale();
  const old = tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));
  const u = unitRows(x);
  assert.deepEqual(await u.data(), await old.data());
  assert.ok((await u.data()).slice(30).every((v) => v === 0), "the zero row stays 0");
  tf.dispose([x, old, u]);
});
