import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { contrastiveLoss } from "./contrastive_loss.ts";
import { Rng } from "../core/rng.ts";

await tf.setBackend("cpu");

/** Slow reference: the formula written out with plain numbers. */
function reference(a: number[][], b: number[][], y: number[], m: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.hypot(...a[i]!.map((v, j) => v - b[i]![j]!));
    s += y[i]! * 0.5 * d * d + (1 - y[i]!) * 0.5 * Math.max(0, m - d) ** 2;
  }
  return s / a.length;
}

async function value(a: number[][], b: number[][], y: number[], margin: number) {
  const l = contrastiveLoss(tf.tensor2d(a), tf.tensor2d(b), tf.tensor1d(y), { margin });
  const v = (await l.data())[0]!;
  l.dispose();
  return v;
}

Deno.test("contrastiveLoss matches hand-computed values", async () => {
  // similar pair at distance 5: 0.5 * 25
  assert.ok(Math.abs(await value([[0, 0]], [[3, 4]], [1], 1) - 12.5) < 1e-5);
  // dissimilar pair at distance 0.5 with margin 2: 0.5 * 1.5^2 = 1.125
  assert.ok(Math.abs(await value([[0, 0]], [[0.3, 0.4]], [0], 2) - 1.125) < 1e-5);
  // dissimilar pair beyond the margin contributes nothing
  assert.ok(Math.abs(await value([[0, 0]], [[3, 4]], [0], 1)) < 1e-7);
  // the mean over both: (12.5 + 0) / 2
  assert.ok(Math.abs(await value([[0, 0], [0, 0]], [[3, 4], [3, 4]], [1, 0], 1) - 6.25) < 1e-5);
});

Deno.test("contrastiveLoss agrees with a slow reference on random inputs", async () => {
  const r = new Rng(11, "test");
  for (let trial = 0; trial < 5; trial++) {
    const n = 1 + r.int(40), d = 1 + r.int(5), m = 0.5 + 2 * r.float();
    const a = Array.from({ length: n }, () => Array.from({ length: d }, () => r.normal()));
    const b = Array.from({ length: n }, () => Array.from({ length: d }, () => 0.5 * r.normal()));
    const y = Array.from({ length: n }, () => r.int(2));
    const want = reference(a, b, y, m);
    const got = await value(a, b, y, m);
    assert.ok(Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${got} vs ${want}`);
  }
});

Deno.test("contrastiveLoss is symmetric in its two embeddings and has finite gradients", async () => {
  const a = tf.tensor2d([[1, 2], [0, 0], [0.1, 0.1]]), b = tf.tensor2d([[1, 2], [0.2, 0], [3, 3]]);
  const y = tf.tensor1d([1, 0, 0]);
  const [l1, l2] = [contrastiveLoss(a, b, y), contrastiveLoss(b, a, y)];
  assert.equal((await l1.data())[0], (await l2.data())[0]);
  // identical similar rows (D = 0) must not produce NaN gradients
  const g = tf.grad((x: tf.Tensor) => contrastiveLoss(x as tf.Tensor2D, b, y))(a);
  for (const v of await g.data()) assert.ok(Number.isFinite(v));
  tf.dispose([a, b, y, l1, l2, g]);
});

Deno.test("contrastiveLoss rejects mismatched shapes and bad margins", () => {
  const a = tf.tensor2d([[1, 2]]), b = tf.tensor2d([[1, 2, 3]]);
  assert.throws(() => contrastiveLoss(a, b, tf.tensor1d([1])), /same \[N, d\] shape/);
  assert.throws(() => contrastiveLoss(a, a, tf.tensor1d([1, 0])), /one similar flag per pair/);
  assert.throws(() => contrastiveLoss(a, a, tf.tensor1d([1]), { margin: 0 }), /margin 0/);
});

Deno.test("contrastiveLoss leaves no tensors behind", () => {
  const a = tf.tensor2d([[1, 2]]), y = tf.tensor1d([1]);
  const before = tf.memory().numTensors;
  contrastiveLoss(a, a, y).dispose();
  assert.equal(tf.memory().numTensors, before);
});
