import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { dropout, reproducibleMatMul, SPLIT_K_INNER, unitRows } from "./ops.ts";
import { Rng } from "./rng.ts";

// Where split-K really runs: TF.js's WebGPU matmul (lavapipe in CI, which must have an adapter).
const info = await initBackend("auto", { warn: () => {} });
const onWebgpu = info.backend === "webgpu";
if (Deno.env.get("CI")) assert.ok(onWebgpu, "CI must test reproducibleMatMul on WebGPU");

Deno.test({
  name: "reproducibleMatMul on WebGPU: wide inner sizes give the same bits every time, and the " +
    "cpu backend's values (needs a WebGPU adapter)",
  ignore: !onWebgpu,
}, async () => {
  const rng = new Rng(3, "test");
  // a small output with a wide inner dimension: what makes TF.js pick split-K
  for (const [m, k, n] of [[4, SPLIT_K_INNER + 37, 10], [64, 3 * SPLIT_K_INNER + 1, 128]]) {
    const av = Float32Array.from({ length: m! * k! }, () => rng.uniform(-1, 1));
    const bv = Float32Array.from({ length: k! * n! }, () => rng.uniform(-1, 1));
    const a = tf.tensor2d(av, [m!, k!]), b = tf.tensor2d(bv, [k!, n!]);
    const runs: Float32Array[] = [];
    for (let i = 0; i < 4; i++) {
      const p = reproducibleMatMul(a, b);
      runs.push(await p.data() as Float32Array);
      p.dispose();
    }
    for (const r of runs.slice(1)) assert.deepEqual(r, runs[0], `${m}x${k}x${n}`);
    tf.dispose([a, b]);
    await tf.setBackend("cpu");
    const want = tf.tidy(() => tf.matMul(tf.tensor2d(av, [m!, k!]), tf.tensor2d(bv, [k!, n!])));
    const w = await want.data();
    want.dispose();
    await tf.setBackend("webgpu");
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - runs[0]![i]!));
    assert.ok(worst < 1e-3, `${m}x${k}x${n}: max difference to cpu ${worst}`);
  }
});

Deno.test({
  name: "dropout drawn on WebGPU gives the cpu backend's bits, forward and gradient, on 5 values " +
    "and on 70,001 (many workgroups) (needs a WebGPU adapter)",
  ignore: !onWebgpu,
}, async () => {
  const rng = new Rng(5, "test");
  for (const [n, rate, seed] of [[5, 0.5, 1], [70_001, 0.5, 4_000_000_000], [70_001, 0.3, 7]]) {
    const xv = Float32Array.from({ length: n! }, () => rng.uniform(-2, 2));
    const dyv = Float32Array.from({ length: n! }, () => rng.uniform(-1, 1));
    const run = async (backend: "cpu" | "webgpu") => {
      await tf.setBackend(backend);
      const x = tf.tensor1d(xv), dy = tf.tensor1d(dyv);
      const f = (a: tf.Tensor) => dropout(a, rate!, seed!);
      const y = f(x);
      const [g] = tf.grads(f)([x], dy);
      const out = { y: await y.data(), g: await g!.data() };
      tf.dispose([x, dy, y, g!]);
      return out;
    };
    const ref = await run("cpu"), got = await run("webgpu");
    // bit for bit, the sign of zero included (node's deepEqual would diff 70,001 values)
    const differ = (a: Float32Array, b: Float32Array) => a.findIndex((v, i) => !Object.is(v, b[i]));
    for (const k of ["y", "g"] as const) {
      const i = differ(got[k] as Float32Array, ref[k] as Float32Array);
      assert.equal(i, -1, `${k}, ${n} values, at ${i}: ${got[k][i]} vs ${ref[k][i]}`);
    }
    const kept = ref.y.filter((v) => v !== 0).length;
    if (n! > 5) {
      // binomial: 4 standard deviations either side of n (1 - rate)
      const sd = Math.sqrt(n! * rate! * (1 - rate!));
      assert.ok(Math.abs(kept - n! * (1 - rate!)) < 4 * sd, `${kept} kept of ${n}`);
    }
    for (let i = 0; i < n!; i++) {
      if (ref.y[i] !== 0) {
        assert.equal(ref.y[i], Math.fround(xv[i]! * Math.fround(1 / (1 - rate!))));
      }
      assert.equal(
        ref.g[i] === 0,
        ref.y[i] === 0,
        `the gradient keeps what the forward kept, ${i}`,
      );
    }
  }
  await tf.setBackend("webgpu");
});

Deno.test({
  name: "unitRows on WebGPU gives the bits of x / max(norm, 1e-12) (needs a WebGPU adapter)",
  ignore: !onWebgpu,
}, async () => {
  const x = tf.mul(
    tf.randomNormal([7, 5], 0, 1, "float32", 4),
    tf.tensor2d([1, 1e-6, 1e-3, 1e3, 1e12, 0.5, 0], [7, 1]),
  ) as tf.Tensor2D;
  const old = tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));
  const u = unitRows(x);
  assert.deepEqual(await u.data(), await old.data());
  tf.dispose([x, old, u]);
});
