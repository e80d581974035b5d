import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../core/backend.ts";
import { Rng } from "../core/rng.ts";
import { matMulK3 } from "./exemplar_transforms.ts";

// The colour-PCA step's matMulK3 against tf.matMul on both backends, on shapes from one pixel to
// many workgroups: the same values up to float32 rounding, and the same bits on every call.
const info = await initBackend("auto", { warn: () => {} });
if (Deno.env.get("CI")) assert.equal(info.backend, "webgpu", "CI must test matMulK3 on WebGPU");

async function matchesMatMul(backend: "webgpu" | "cpu") {
  await tf.setBackend(backend);
  const rng = new Rng(5, "test");
  for (const [b, p] of [[1, 1], [2, 7], [64, 1024], [3, 70_001]]) {
    const xv = Float32Array.from({ length: b! * p! * 3 }, () => rng.uniform(-1, 1));
    const mv = Float32Array.from({ length: b! * 9 }, () => rng.uniform(-2, 2));
    const x = tf.tensor3d(xv, [b!, p!, 3]), m = tf.tensor3d(mv, [b!, 3, 3]);
    const w = tf.matMul(x, m), want = await w.data();
    const got = tf.tidy(() => matMulK3(x, m)), again = tf.tidy(() => matMulK3(x, m));
    assert.deepEqual(got.shape, [b, p, 3]);
    const g = await got.data();
    assert.deepEqual(await again.data(), g, `${backend} ${b}x${p}: same bits twice`);
    // each output sums 3 products of |x| <= 1, |m| <= 2: rounding stays far below 1e-5
    for (let i = 0; i < g.length; i++) {
      assert.ok(Math.abs(g[i]! - want[i]!) <= 1e-5, `${backend} ${b}x${p} at ${i}`);
    }
    tf.dispose([x, m, w, got, again]);
  }
}

Deno.test("matMulK3 gives tf.matMul's values on the cpu backend", () => matchesMatMul("cpu"));

Deno.test({
  name: "matMulK3 gives tf.matMul's values on WebGPU, the same bits every call (needs an adapter)",
  ignore: info.backend !== "webgpu",
  fn: () => matchesMatMul("webgpu"),
});
