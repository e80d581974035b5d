import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  H200,
  kernelFlops,
  kernelTimesByName,
  measureDispatch,
  measureReadback,
  predictH200,
  stepFlops,
} from "./cost_model.ts";

await tf.setBackend("cpu");

Deno.test("stepFlops counts a convolution's forward and both gradients, and a matmul, from tf.profile", async () => {
  // x [2, 8, 8, 3], filter 3x3x3x4, 'same': forward 2 * (2*8*8*4) * (3*3*3) multiply-adds x 2
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 2) as tf.Tensor4D;
  const a = tf.randomNormal([5, 7], 0, 1, "float32", 3) as tf.Tensor2D;
  const b = tf.randomNormal([7, 6], 0, 1, "float32", 4) as tf.Tensor2D;
  const prof = await tf.profile(() => {
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
      tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, "same").sum()
    )([x, w]);
    const m = tf.matMul(a, b, false, false);
    const mt = tf.matMul(b, a, true, true); // [6, 5]: K = 7 found without knowing transposes
    return [...g, m, mt];
  });
  const conv = 2 * (2 * 8 * 8 * 4) * (3 * 3 * 3);
  const names = prof.kernels.map((k) => k.name);
  for (const n of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]) {
    const k = prof.kernels.find((k) => k.name === n);
    assert.ok(k, `${n} in ${names.join(",")}`);
    assert.equal(kernelFlops(k!), conv, n);
  }
  const mms = prof.kernels.filter((k) => k.name === "BatchMatMul" || k.name === "MatMul");
  assert.deepEqual(mms.map(kernelFlops), [2 * 5 * 6 * 7, 2 * 6 * 5 * 7]);
  assert.equal(stepFlops(prof.kernels), 3 * conv + 2 * (2 * 5 * 6 * 7));
  assert.equal(kernelFlops({ name: "Add", inputShapes: [[4], [4]], outputShapes: [[4]] }), 0);
  tf.dispose([x, w, a, b, prof.result as tf.Tensor[]]);
});

Deno.test("a batched matmul counts every batch", () => {
  // [3, 4, 5] x [3, 5, 2] -> [3, 4, 2]: 2 * 3 * 4 * 2 * 5
  assert.equal(
    kernelFlops({
      name: "BatchMatMul",
      inputShapes: [[3, 4, 5], [3, 5, 2]],
      outputShapes: [[3, 4, 2]],
    }),
    240,
  );
});

Deno.test("predictH200: host and device overlap, readbacks stall both", () => {
  const p = predictH200(
    { kernels: 130, dispatches: 100, flops: 1e10, readbacks: 2, uploadBytes: 2e6 },
    { hostMs: 0.05, engineMs: 0.002 },
  );
  assert.equal(p.hostMs, 100 * 0.05 + 30 * 0.002 + 2e6 / H200.uploadBytesPerMs);
  assert.equal(p.deviceMs, 1e10 / H200.flopsPerS * 1000 + 100 * H200.gpuKernelMs);
  assert.equal(p.readbackMs, 2 * H200.readbackMs);
  assert.equal(p.stepMs, Math.max(p.hostMs, p.deviceMs) + p.readbackMs);
});

Deno.test("measureDispatch gives a finite, non-negative cost per kernel and leaks no tensors", async () => {
  const before = tf.memory().numTensors;
  const d = await measureDispatch(10, 40, 3);
  assert.ok(Number.isFinite(d.perKernelMs) && d.perKernelMs >= 0);
  assert.ok(Number.isFinite(d.hostMs) && d.hostMs >= 0);
  assert.ok(Number.isFinite(d.engineMs) && d.engineMs >= 0);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("kernelTimesByName sums launches per name, longest first, and skips untimed kernels", () => {
  const t = kernelTimesByName([
    { name: "Add", kernelTimeMs: 1 },
    { name: "Conv2D", kernelTimeMs: 5 },
    { name: "Add", kernelTimeMs: 2.5 },
    { name: "Reshape", kernelTimeMs: { error: "no timer" } },
    { name: "Mul", kernelTimeMs: NaN },
  ]);
  assert.deepEqual(t, [
    { name: "Conv2D", ms: 5, launches: 1 },
    { name: "Add", ms: 3.5, launches: 2 },
  ]);
});

Deno.test("measureReadback gives a finite, non-negative time and leaks no tensors", async () => {
  const before = tf.memory().numTensors;
  const ms = await measureReadback(3);
  assert.ok(Number.isFinite(ms) && ms >= 0);
  assert.equal(tf.memory().numTensors, before);
});
