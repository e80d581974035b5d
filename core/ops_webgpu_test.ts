import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { reproducibleMatMul, SPLIT_K_INNER } from "./ops.ts";
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
