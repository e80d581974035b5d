import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  CollapseError,
  NonFiniteLossError,
  normalisedSpread,
  relativeChange,
  stepper,
  train,
  type TrainSpec,
} from "./train.ts";

await tf.setBackend("cpu");

/** A spec whose step returns `loss(step)` and a count of 2, and counts the host reads. */
function spec(loss: (step: number) => number, over: Partial<TrainSpec> = {}) {
  const seen: { step: number; index: number; epoch: number; lr: number }[] = [];
  const s: TrainSpec = {
    name: "Toy",
    label: "toy",
    epochs: 3,
    stepsPerEpoch: 5,
    imagesPerStep: 8,
    logEvery: 2,
    lr: (step, total) => 1 - step / total,
    step: (at) => {
      seen.push(at);
      return { loss: tf.scalar(loss(at.step)), counts: [tf.scalar(2)] };
    },
    advice: "lower lr",
    quiet: true,
    ...over,
  };
  return { s, seen };
}

Deno.test("train: every step's loss, epoch means and counts, the lr schedule, one log line an epoch", async () => {
  const logs: Record<string, unknown>[] = [];
  const shown: number[][] = [];
  const { s, seen } = spec((i) => i, {
    log: (r) => Promise.resolve(void logs.push(r)),
    progress: (p) => void shown.push([p.step, p.total, p.loss]),
  });
  const before = tf.memory().numTensors;
  const r = await train(s);
  assert.equal(r.steps, 15);
  assert.deepEqual(r.stepLosses.map((p) => p.step), Array.from({ length: 15 }, (_, i) => i + 1));
  assert.deepEqual(r.epochLosses, [2, 7, 12]); // means of 0..4, 5..9, 10..14
  assert.deepEqual(r.epochCounts, [[10], [10], [10]]);
  assert.deepEqual(seen.map((a) => a.lr), Array.from({ length: 15 }, (_, i) => 1 - i / 15));
  assert.deepEqual(seen.slice(5, 7).map((a) => [a.epoch, a.index]), [[2, 0], [2, 1]]);
  assert.deepEqual(logs.map((l) => [l.type, l.epoch, l.step]), [
    ["memory", undefined, 1],
    ["epoch", 1, 5],
    ["epoch", 2, 10],
    ["epoch", 3, 15],
  ]);
  assert.equal(logs[3]!.tensor_growth, 0);
  // the first step profiled: its two scalars (4 bytes each) on top of what was live before
  assert.equal(r.peakBytes, logs[0]!.peak_bytes);
  assert.ok(r.peakBytes >= 8, `peak ${r.peakBytes}`);
  // progress at every read-back (every 2 steps, and at each epoch's end), with the last loss read
  assert.deepEqual(shown, [2, 4, 5, 7, 9, 10, 12, 14, 15].map((k) => [k, 15, k - 1]));
  assert.equal(tf.memory().numTensors, before, "the loop disposes every loss and count");
});

Deno.test("train: weightChange is ||w_T - w_0|| / ||w_0|| over the spec's weights, NaN without them", async () => {
  const a = tf.variable(tf.tensor1d([3, 0])), b = tf.variable(tf.tensor1d([4]));
  // each of the 15 steps moves a by (0.1, 0) and b by 0: ||(1.5, 0, 0)|| / ||(3, 0, 4)|| = 0.3
  const { s } = spec(() => 1, {
    weights: [a, b],
    step: () => {
      a.assign(tf.tidy(() => a.add(tf.tensor1d([0.1, 0]))));
      return { loss: tf.scalar(1) };
    },
  });
  const r = await train(s);
  assert.ok(Math.abs(r.weightChange - 0.3) < 1e-6, `weight change ${r.weightChange}`);
  assert.ok(Number.isNaN((await train(spec(() => 1).s)).weightChange));
  tf.dispose([a, b]);
});

Deno.test("relativeChange: in double precision over all arrays together; NaN from all zeros", () => {
  const before = [Float32Array.of(1, 0), Float32Array.of(0)];
  assert.equal(relativeChange(before, [Float32Array.of(1, 0), Float32Array.of(0)]), 0);
  assert.equal(relativeChange(before, [Float32Array.of(1, 1), Float32Array.of(1)]), Math.SQRT2);
  assert.ok(Number.isNaN(relativeChange([Float32Array.of(0)], [Float32Array.of(1)])));
});

Deno.test("train: reads the device back once per logEvery steps and at each epoch's end", async () => {
  const { s } = spec(() => 1, { epochs: 2, stepsPerEpoch: 7, logEvery: 3 });
  const proto = tf.Tensor.prototype as unknown as { data: () => Promise<unknown> };
  const orig = proto.data;
  let reads = 0;
  proto.data = function (this: tf.Tensor) {
    reads++;
    return orig.call(this);
  };
  try {
    await train(s);
  } finally {
    proto.data = orig;
  }
  assert.equal(reads, 2 * Math.ceil(7 / 3)); // reads after steps 3, 6, 7 of each epoch
});

Deno.test("train: a non-finite loss stops with the method's advice, leaking nothing", async () => {
  const before = tf.memory().numTensors;
  const { s } = spec((i) => (i === 6 ? NaN : 1));
  await assert.rejects(
    () => train(s),
    (e: unknown) =>
      e instanceof NonFiniteLossError && /Toy loss became NaN at step 7: lower lr/.test(String(e)),
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("train: a step that leaks a tensor shows in the tensors per epoch", async () => {
  const kept: tf.Tensor[] = [];
  const { s } = spec(() => 1, {
    step: () => {
      kept.push(tf.zeros([1])); // the leak
      return { loss: tf.scalar(1) };
    },
  });
  const r = await train(s);
  assert.deepEqual(r.tensorsPerEpoch.slice(1).map((t, i) => t - r.tensorsPerEpoch[i]!), [5, 5]);
  tf.dispose(kept);
});

Deno.test("normalisedSpread: 0 for collapsed embeddings, about 1/sqrt(d) for spread-out ones", async () => {
  const collapsed = tf.tensor2d(Array.from({ length: 8 }, () => [3, -1, 2, 0.5]));
  assert.ok(Math.abs((await normalisedSpread(collapsed).data())[0]!) < 1e-6);
  // the 2d signed unit vectors of d = 4 dimensions: each column is +-1 on 2 rows of 8, 0 on the
  // others, so its standard deviation is sqrt(2/8) = 1/2 = 1/sqrt(d)
  const axes = [0, 1, 2, 3].flatMap((j) =>
    [1, -1].map((s) => [0, 1, 2, 3].map((k) => (k === j ? s : 0)))
  );
  const spread = (await normalisedSpread(tf.tensor2d(axes)).data())[0]!;
  assert.ok(Math.abs(spread - 0.5) < 1e-6, `${spread}`);
});

Deno.test("train stops with a CollapseError when a step's spread falls below collapseBelow", async () => {
  const logs: Record<string, unknown>[] = [];
  const { s } = spec((i) => i, {
    log: (r) => Promise.resolve(void logs.push(r)),
    collapseBelow: 0.01,
    step: (at) => ({ loss: tf.scalar(1), spread: tf.scalar(at.step < 7 ? 0.3 : 0.001) }),
  });
  const before = tf.memory().numTensors;
  await assert.rejects(
    () => train(s),
    (e: Error) =>
      e instanceof CollapseError && /Toy embeddings collapsed at step 8/.test(e.message) &&
      /1\.00e-3, below 0\.01/.test(e.message) && /lower lr/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before, "the pending steps' tensors are freed");
  assert.deepEqual(logs.filter((l) => l.type === "epoch").map((l) => l.epoch), [1]);
  // without collapseBelow the spread is read but never stops the run
  const { s: free } = spec((i) => i, {
    step: () => ({ loss: tf.scalar(1), spread: tf.scalar(0) }),
  });
  assert.equal((await train(free)).steps, 15);
});

Deno.test("stepper (deno task perf's step) frees each step's counts and spread", () => {
  const { s } = spec((i) => i, {
    step: (at) => ({ loss: tf.scalar(at.step), counts: [tf.scalar(2)], spread: tf.scalar(0.3) }),
  });
  const { step, dispose } = stepper({
    model: null,
    spec: s,
    dispose: () => {},
    disposeModel: () => {},
  });
  const before = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) step().dispose();
  assert.equal(tf.memory().numTensors, before);
  dispose();
});
