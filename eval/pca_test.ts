import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fitPca, projectPca } from "./pca.ts";
import { Rng } from "../core/rng.ts";

await tf.setBackend("cpu");

Deno.test("fitPca recovers the dominant axes of an anisotropic cloud", async () => {
  const r = new Rng(3, "pca");
  const n = 2000, d = 5;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = 5 * r.normal(), b = 2 * r.normal();
    // axis 1 along (1,1,0,0,0)/sqrt2, axis 2 along e3, small noise elsewhere
    x[i * d] = a / Math.SQRT2 + 0.1 * r.normal();
    x[i * d + 1] = a / Math.SQRT2 + 0.1 * r.normal();
    x[i * d + 2] = b + 3;
    x[i * d + 3] = 0.1 * r.normal();
    x[i * d + 4] = 0.1 * r.normal();
  }
  const p = await fitPca(x, d, 2);
  const c0 = p.components.subarray(0, d), c1 = p.components.subarray(d, 2 * d);
  assert.ok(
    Math.abs(Math.abs(c0[0]!) - Math.SQRT1_2) < 0.02 &&
      Math.abs(Math.abs(c0[1]!) - Math.SQRT1_2) < 0.02,
  );
  assert.ok(Math.abs(Math.abs(c1[2]!) - 1) < 0.02);
  assert.ok(Math.abs(p.variances[0]! - 25) < 3 && Math.abs(p.variances[1]! - 4) < 0.6);
  const z = projectPca(p, x);
  assert.equal(z.length, n * 2);
  let m = 0;
  for (let i = 0; i < n; i++) m += z[i * 2 + 1]!;
  assert.ok(Math.abs(m / n) < 0.1, "projections are centred");
});
