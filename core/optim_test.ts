import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createOptimizer, warmupCosine } from "./optim.ts";
import type { Param } from "./layers.ts";
import { initBackend } from "./backend.ts";

tf.env().set("PROD", true);
// the fused-kernel test needs a WebGPU adapter (lavapipe in CI); the others run on cpu
const onWebgpu = (await initBackend("auto", { warn: () => {} })).backend === "webgpu";
if (Deno.env.get("CI")) assert.ok(onWebgpu, "CI must test the fused WebGPU optimiser kernels");
await tf.setBackend("cpu");

function param(values: number[], decay = true): Param {
  const t = tf.tensor1d(values);
  const v = tf.variable(t);
  t.dispose();
  return { name: "p", v, decay };
}

/** One gradient step of loss = sum(c * w) (gradient c) with the suite's optimiser. */
async function steps(kind: "sgd" | "lars" | "adam", p: Param, c: number[], n: number, wd = 0) {
  const opt = createOptimizer({ kind, momentum: 0.9, weightDecay: wd });
  const ct = tf.tensor1d(c);
  for (let i = 0; i < n; i++) {
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(p.v, ct)) as tf.Scalar, [p.v]);
    opt.apply([p], grads, 0.1);
    tf.dispose([value, ...Object.values(grads)]);
  }
  ct.dispose();
  opt.dispose();
  return Array.from(await p.v.data());
}

Deno.test("suite Adam matches TF.js's Adam", async () => {
  const p = param([1, -2, 3]);
  const ours = await steps("adam", p, [0.5, -1, 2], 3);
  const w = tf.variable(tf.tensor1d([1, -2, 3]));
  const ref = tf.train.adam(0.1);
  for (let i = 0; i < 3; i++) {
    ref.minimize(() => tf.sum(tf.mul(w, tf.tensor1d([0.5, -1, 2]))) as tf.Scalar);
  }
  const want = Array.from(await w.data());
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(ours[i]! - want[i]!) < 1e-5, `${ours} vs ${want}`);
});

Deno.test("SGD with momentum: v = 0.9 v + lr g, w -= v; weight decay only where marked", async () => {
  const got = await steps("sgd", param([1]), [2], 2);
  // v1 = 0.2, w1 = 0.8; v2 = 0.18 + 0.2 = 0.38, w2 = 0.42
  assert.ok(Math.abs(got[0]! - 0.42) < 1e-6);
  const decayed = await steps("sgd", param([1]), [0], 1, 0.5);
  assert.ok(Math.abs(decayed[0]! - 0.95) < 1e-6);
  const excluded = await steps("sgd", param([1], false), [0], 1, 0.5);
  assert.equal(excluded[0], 1);
});

Deno.test("LARS scales each layer's step to lr x eta x |w|; excluded parameters take plain SGD", async () => {
  const w0 = [3, 4]; // |w| = 5
  const got = await steps("lars", param(w0), [100, 0], 1);
  // first step: v = lr * eta * |w| / |g| * g = 0.1 * 0.001 * 5 * [1, 0]
  assert.ok(Math.abs(got[0]! - (3 - 0.0005)) < 1e-6 && got[1] === 4, `${got}`);
  const plain = await steps("lars", param(w0, false), [1, 0], 1);
  assert.ok(Math.abs(plain[0]! - 2.9) < 1e-6);
});

Deno.test("the optimiser disposes its state", async () => {
  const before = tf.memory().numTensors;
  const p = param([1, 2]);
  await steps("adam", p, [1, 1], 2);
  p.v.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("warmupCosine: linear warm-up to the peak, cosine to zero", () => {
  assert.equal(warmupCosine(0, 100, 10, 1), 0.1);
  assert.equal(warmupCosine(9, 100, 10, 1), 1);
  assert.ok(Math.abs(warmupCosine(55, 100, 10, 1) - 0.5) < 1e-9);
  assert.ok(warmupCosine(99, 100, 10, 1) < 0.01);
  assert.equal(warmupCosine(5, 10, 0, 2), 2 * 0.5 * (1 + Math.cos(Math.PI * 0.5)));
});

Deno.test({
  name: "the fused WebGPU updates give the same parameters as the TF.js-op updates, on 5 values " +
    "and on 70,001 (many workgroups) (needs a WebGPU adapter)",
  ignore: !onWebgpu,
}, async () => {
  // gradients bounded away from 0: Adam's m / sqrt(v) of a vanishing gradient is all rounding
  const wave = (n: number, f: number, lo: number) =>
    Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (lo + Math.abs(Math.sin(f * i + 1))));
  for (const n of [5, 70_001]) {
    const p = wave(n, 0.7, 1), b = p.map((v, i) => 0.3 * v * Math.abs(Math.cos(i)));
    await fusedMatches(p, b, wave(n, 2.9, 0.5));
  }
  await tf.setBackend("cpu");
});

async function fusedMatches(pv: number[], bv: number[], cv: number[]) {
  const run = async (backend: "cpu" | "webgpu", kind: "sgd" | "lars" | "adam") => {
    await tf.setBackend(backend);
    const p = param(pv, true), b = param(bv, false);
    const opt = createOptimizer({ kind, momentum: 0.9, weightDecay: 0.01 });
    const c = tf.tensor1d(cv);
    for (let i = 0; i < 3; i++) {
      const { grads, value } = tf.variableGrads(
        () => tf.sum(tf.mul(tf.square(tf.add(p.v, b.v)), c)) as tf.Scalar,
        [p.v, b.v],
      );
      opt.apply([p, b], grads, 0.05 * (i + 1));
      tf.dispose([value, ...Object.values(grads)]);
    }
    const out = [...await p.v.data(), ...await b.v.data()];
    tf.dispose([c, p.v, b.v]);
    opt.dispose();
    return out;
  };
  for (const kind of ["sgd", "lars", "adam"] as const) {
    const ref = await run("cpu", kind), got = await run("webgpu", kind);
    for (let i = 0; i < ref.length; i++) {
      assert.ok(
        Math.abs(got[i]! - ref[i]!) < 1e-5 * Math.max(1, Math.abs(ref[i]!)),
        `${kind}, ${pv.length} values, at ${i}: ${got[i]} vs ${ref[i]}`,
      );
    }
  }
}
