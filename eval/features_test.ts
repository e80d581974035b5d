import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  foldAccuracies,
  foldProtocol,
  knnProtocol,
  type LabelledFeatures,
  probeAccuracy,
  probeProtocol,
  selectRows,
  weightedKnnAccuracy,
} from "./features.ts";
import { Rng } from "../core/rng.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

/** n points per class around class-specific directions (separable), with noise. */
function clusters(perClass: number, classes: number, dim: number, seed: number): LabelledFeatures {
  const r = new Rng(seed, "clusters");
  const x = new Float32Array(perClass * classes * dim), y = new Int32Array(perClass * classes);
  for (let i = 0; i < y.length; i++) {
    const c = i % classes;
    y[i] = c;
    for (let j = 0; j < dim; j++) x[i * dim + j] = (j % classes === c ? 3 : 0) + 0.5 * r.normal();
  }
  return { x, y, dim };
}

/** XOR of the signs of the first two coordinates: not linearly separable. */
function xor(n: number, seed: number): LabelledFeatures {
  const r = new Rng(seed, "xor");
  const x = new Float32Array(n * 2), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = r.uniform(-1, 1), b = r.uniform(-1, 1);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = (a > 0) !== (b > 0) ? 1 : 0;
  }
  return { x, y, dim: 2 };
}

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

Deno.test("linear probe separates clusters; only the MLP probe solves XOR; both deterministic", async () => {
  const before = tf.memory().numTensors;
  const o = { classes: 4, hidden: 0, epochs: 20, batch: 32, lr: 0.01, weightDecay: 1e-4 };
  const lin = await probeAccuracy(clusters(30, 4, 8, 3), clusters(10, 4, 8, 4), o, new Rng(0, "p"));
  assert.ok(lin > 0.95, `linear ${lin}`);
  const x = { classes: 2, hidden: 32, epochs: 60, batch: 32, lr: 0.01, weightDecay: 0 };
  const mlp = await probeAccuracy(xor(300, 5), xor(200, 6), x, new Rng(0, "p"));
  const linXor = await probeAccuracy(
    xor(300, 5),
    xor(200, 6),
    { ...x, hidden: 0 },
    new Rng(0, "p"),
  );
  assert.ok(mlp > 0.9 && linXor < 0.75, `mlp ${mlp}, linear ${linXor}`);
  const again = await probeAccuracy(xor(300, 5), xor(200, 6), x, new Rng(0, "p"));
  assert.equal(again, mlp);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("protocol labels name the classifier and its settings", () => {
  assert.match(knnProtocol({ k: 200, temperature: 0.1 }), /k=200, T=0.1/);
  assert.match(probeProtocol({ hidden: 0, epochs: 10, batch: 64 }), /^linear probe/);
  assert.match(
    probeProtocol({ hidden: 256, epochs: 10, batch: 64 }),
    /MLP probe \(1 hidden layer of 256/,
  );
});

Deno.test("fold evaluation: one accuracy and chosen penalty per fold, deterministic", async () => {
  const train = clusters(20, 3, 6, 1), test = clusters(10, 3, 6, 2);
  const folds = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
  ]];
  const o = { classes: 3, epochs: 30, batch: 8, lr: 0.05, decays: [1e-4, 10], validation: 0.25 };
  const a = await foldAccuracies(train, test, folds, o, new Rng(0, "eval"));
  assert.equal(a.accuracies.length, 2);
  assert.ok(a.accuracies.every((v) => v > 0.9), `fold accuracies ${a.accuracies}`);
  // a huge penalty flattens the classifier: validation picks the small one
  assert.deepEqual(a.decays, [1e-4, 1e-4]);
  assert.deepEqual(await foldAccuracies(train, test, folds, o, new Rng(0, "eval")), a);
  assert.match(foldProtocol(o), /L2 penalty from \{0.0001, 10\} chosen on 25 % of each fold/);
  await assert.rejects(() => foldAccuracies(train, test, [], o, new Rng(0, "e")), /no folds/);
  const picked = selectRows(train, [2, 0]);
  assert.deepEqual(Array.from(picked.y), [train.y[2], train.y[0]]);
  assert.deepEqual(picked.x.subarray(6), train.x.subarray(0, 6));
});
