import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { batchTensor, firstPerClass, loadSplit, subset } from "./splits.ts";
import type { ImageSet } from "./images.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

const set: ImageSet = {
  name: "tiny train",
  n: 10,
  height: 8,
  width: 8,
  channels: 3,
  images: Uint8Array.from({ length: 10 * 192 }, (_, i) => (i * 7) % 256),
  labels: Int32Array.from({ length: 10 }, (_, i) => i % 2),
  classes: ["a", "b"],
};

Deno.test("firstPerClass and subset keep images and labels together, in order", () => {
  const sub = firstPerClass(set, 2);
  assert.equal(sub.n, 4);
  assert.deepEqual(Array.from(sub.labels), [0, 1, 0, 1]);
  assert.deepEqual(sub.images.subarray(0, 192), set.images.subarray(0, 192));
  const picked = subset(set, [3, 0]);
  assert.deepEqual(Array.from(picked.labels), [1, 0]);
  assert.deepEqual(picked.images.subarray(192), set.images.subarray(0, 192));
});

Deno.test("firstPerClass keeps predefined folds, restricted to the kept images and renumbered", () => {
  const folds = [Int32Array.from([0, 5, 2, 9]), Int32Array.from([7, 3, 8])];
  const sub = firstPerClass({ ...set, folds }, 2); // keeps 0, 1, 2, 3 as 0, 1, 2, 3
  assert.deepEqual(sub.folds!.map((f) => Array.from(f)), [[0, 2], [3]]);
  const odd = firstPerClass({
    ...set,
    labels: Int32Array.from([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
    folds,
  }, 1);
  assert.deepEqual(odd.folds!.map((f) => Array.from(f)), [[0], [1]]); // keeps 0 and 3 as 0, 1
  assert.equal(firstPerClass(set, 2).folds, undefined);
});

Deno.test("batchTensor scales bytes to [0, 1]", () => {
  const t = batchTensor(set, [1]);
  assert.deepEqual(t.shape, [1, 8, 8, 3]);
  assert.ok(Math.abs(t.dataSync()[0]! - set.images[192]! / 255) < 1e-7);
  t.dispose();
});

Deno.test("loadSplit: clear errors for a missing folder and an unknown dataset", async () => {
  const o = { split: "train" as const, perClass: 0 };
  await assert.rejects(
    () => loadSplit({ ...o, dataset: "cifar10-jpeg", dataDir: "/nonexistent" }),
    (e: Error) =>
      e.name === "DataUnavailableError" && /No train\/ folder in "\/nonexistent"/.test(e.message),
  );
  await assert.rejects(() => loadSplit({ ...o, dataset: "folder", dataDir: "" }), /needs dataDir/);
  await assert.rejects(
    () => loadSplit({ ...o, dataset: "imagenet", dataDir: "" }),
    /Unknown dataset "imagenet"/,
  );
});
