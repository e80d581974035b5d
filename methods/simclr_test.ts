import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  features,
  peakLr,
  type SimclrConfig,
  simclrDefaults,
  simclrTrainer,
  trainSimclr,
} from "./simclr.ts";
import { deriveStreams, Rng } from "../core/rng.ts";
import { tinySet } from "./testing.ts";
import { weightedKnnAccuracy } from "../eval/features.ts";
import { probeAccuracy } from "../eval/probe.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

const tinyCfg: SimclrConfig = {
  ...simclrDefaults,
  encoder: "small",
  width: 2,
  headDim: 4,
  batch: 8,
  epochs: 1,
  optimizer: "adam",
  lr: 0.001,
  warmupEpochs: 0,
  logEvery: 2,
};

Deno.test("trainSimclr: same seed, same losses; losses finite; no tensors left but the model", async () => {
  const set = tinySet(24, 1);
  const before = tf.memory().numTensors;
  const a = await trainSimclr(tinyCfg, set, deriveStreams(3));
  const kept = a.model.vars.length + a.model.encoder.params.state.length +
    a.model.head.params.state.length;
  assert.equal(tf.memory().numTensors, before + kept);
  a.model.dispose();
  assert.equal(tf.memory().numTensors, before);
  const b = await trainSimclr(tinyCfg, set, deriveStreams(3));
  b.model.dispose();
  assert.equal(a.stepLosses.length, 3); // 24 images / batch 8, one epoch
  assert.deepEqual(a.stepLosses, b.stepLosses);
  assert.ok(a.stepLosses.every((s) => Number.isFinite(s.loss)));
  const c = await trainSimclr(tinyCfg, set, deriveStreams(4));
  c.model.dispose();
  assert.notDeepEqual(c.stepLosses, a.stepLosses);
});

Deno.test("evaluation leaves every encoder and head weight and BatchNorm statistic unchanged", async () => {
  const set = tinySet(16, 2);
  const { model } = await trainSimclr(tinyCfg, set, deriveStreams(5));
  const all = [
    ...model.vars,
    ...model.encoder.params.state,
    ...model.head.params.state,
  ];
  const snapshot = await Promise.all(all.map((v) => v.data()));
  const f = await features(model, set, 5);
  await weightedKnnAccuracy(f.h, f.h, { k: 3, temperature: 0.1, classes: 2 });
  probeAccuracy(f.z, f.z, {
    classes: 2,
    hidden: 0,
    epochs: 2,
    batch: 4,
    lr: 0.01,
    weightDecay: 0,
  }, new Rng(0, "p"));
  const after = await Promise.all(all.map((v) => v.data()));
  assert.deepEqual(after, snapshot);
  assert.equal(f.h.x.length, 16 * model.encoder.outDim);
  assert.equal(f.z.x.length, 16 * model.head.outDim);
  model.dispose();
});

Deno.test("linear lr scaling", () => {
  assert.equal(peakLr({ optimizer: "lars", lr: 0.3, batch: 512 }), 0.6);
  assert.equal(peakLr({ optimizer: "adam", lr: 0.001, batch: 512 }), 0.001);
});

Deno.test("the supervised baseline: a linear layer to the classes, cross-entropy falls, same seed same bits", async () => {
  const set = tinySet(32, 2);
  const cfg: SimclrConfig = { ...tinyCfg, objective: "supervised", epochs: 8, lr: 0.01 };
  const before = tf.memory().numTensors;
  const a = await trainSimclr(cfg, set, deriveStreams(5));
  // the head is the classifier: 2 logits, one per class, whatever headDim says
  assert.equal(a.model.head.outDim, 2);
  const t = simclrTrainer(cfg, set, deriveStreams(5));
  assert.equal(t.spec.imagesPerStep, 8); // one view per image
  t.dispose();
  t.disposeModel();
  const first = a.stepLosses[0]!.loss, last = a.stepLosses.at(-1)!.loss;
  // cross-entropy starts near ln 2 and falls on separable classes
  assert.ok(Math.abs(first - Math.LN2) < 0.5, `first ${first}`);
  assert.ok(last < first, `${first} -> ${last}`);
  const b = await trainSimclr(cfg, set, deriveStreams(5));
  assert.deepEqual(a.stepLosses, b.stepLosses);
  a.model.dispose();
  b.model.dispose();
  assert.equal(tf.memory().numTensors, before);
  const unlabelled = { ...set, labels: set.labels.map(() => -1) };
  await assert.rejects(() => trainSimclr(cfg, unlabelled, deriveStreams(5)), /needs labels/);
});
