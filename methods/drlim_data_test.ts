import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { neighbourGraph } from "./drlim_data.ts";
import { knnIndices } from "../eval/knn.ts";
import { Rng } from "../core/rng.ts";

await tf.setBackend("cpu");

Deno.test("neighbourGraph matches exact host kNN and excludes each point itself", async () => {
  const r = new Rng(4, "nb");
  const n = 150, d = 20, k = 4;
  const x = Float32Array.from({ length: n * d }, () => r.normal());
  const g = await neighbourGraph(x, d, k, 64);
  const host = knnIndices(x, x, d, k + 1); // includes self first
  for (let i = 0; i < n; i++) {
    assert.deepEqual([...g.subarray(i * k, i * k + k)], [
      ...host.subarray(i * (k + 1) + 1, (i + 1) * (k + 1)),
    ]);
  }
  assert.equal(tf.memory().numTensors, 0);
});

Deno.test("neighbourGraph excludes self even among exact duplicates", async () => {
  const x = new Float32Array([0, 0, 0, 0, 5, 5]);
  const g = await neighbourGraph(x, 2, 1);
  assert.deepEqual([...g], [1, 0, 0]);
});
