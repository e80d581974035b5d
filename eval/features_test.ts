import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { knnProtocol, selectRows, weightedKnnAccuracy } from "./features.ts";
import { clusters } from "./testing.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

Deno.test("weighted kNN classifies separable clusters and leaks no tensors", async () => {
  const before = tf.memory().numTensors;
  const acc = await weightedKnnAccuracy(clusters(30, 4, 8, 1), clusters(10, 4, 8, 2), {
    k: 200, // more than the 120 training points: clamped
    temperature: 0.1,
    classes: 4,
    chunk: 7,
  });
  assert.ok(acc > 0.95, `accuracy ${acc}`);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("weighted kNN: similarity weights let one close neighbour outvote distant ones", async () => {
  // test point [1, 0]; one class-0 neighbour exactly there, two class-1 neighbours at 60 degrees
  const train = {
    x: Float32Array.from([1, 0, 0.5, 0.866, 0.5, -0.866]),
    y: Int32Array.from([0, 1, 1]),
    dim: 2,
  };
  const test = { x: Float32Array.from([1, 0]), y: Int32Array.from([0]), dim: 2 };
  const sharp = await weightedKnnAccuracy(train, test, { k: 3, temperature: 0.1, classes: 2 });
  const flat = await weightedKnnAccuracy(train, test, { k: 3, temperature: 100, classes: 2 });
  assert.equal(sharp, 1); // exp(10) > 2 exp(5)
  assert.equal(flat, 0); // nearly a plain majority vote
});

Deno.test("feature evaluation rejects mismatched shapes with clear errors", async () => {
  const a = clusters(2, 2, 3, 1);
  await assert.rejects(
    () => weightedKnnAccuracy(a, clusters(2, 2, 4, 1), { k: 1, temperature: 1, classes: 2 }),
    /3-d but test ones 4-d/,
  );
  await assert.rejects(
    () => weightedKnnAccuracy({ ...a, dim: 5 }, a, { k: 1, temperature: 1, classes: 2 }),
    /do not make/,
  );
});

Deno.test("the kNN protocol label names its settings", () => {
  assert.match(knnProtocol({ k: 200, temperature: 0.1 }), /k=200, T=0.1/);
});

Deno.test("selectRows picks rows and labels in the given order", () => {
  const train = clusters(20, 3, 6, 1);
  const picked = selectRows(train, [2, 0]);
  assert.deepEqual(Array.from(picked.y), [train.y[2], train.y[0]]);
  assert.deepEqual(picked.x.subarray(6), train.x.subarray(0, 6));
});
