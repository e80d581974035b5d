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
